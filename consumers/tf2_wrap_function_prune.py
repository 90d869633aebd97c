"""TF2's route to a MetaGraph + checkpoint: tf.compat.v1.wrap_function(import_meta_graph), restore, prune."""
from consumers import tf1_import_meta_graph
from matrix.plugin import Refused, executing_eagerly

API = "tf.compat.v1.wrap_function(import_meta_graph) + prune"
applies = tf1_import_meta_graph.applies


def available(tf):
    if not hasattr(tf.compat.v1, "wrap_function") or not executing_eagerly(tf):
        return "tf.compat.v1.wrap_function needs TF 2 behaviour"


def consume(tf, artifact):
    meta_graph, checkpoint = tf1_import_meta_graph.files(artifact)
    names = artifact.manifest.tensor_names
    savers = []
    wrapped = tf.compat.v1.wrap_function(
        lambda: savers.append(tf.compat.v1.train.import_meta_graph(meta_graph)), [])
    graph = wrapped.graph
    if savers[0] is not None:  # restore the checkpoint through the imported Saver's restore op
        saver_def = savers[0].saver_def
        restore = wrapped.prune(graph.as_graph_element(saver_def.filename_tensor_name),
                                graph.as_graph_element(saver_def.restore_op_name))
        restore(tf.constant(checkpoint))
    order = sorted(artifact.inputs)
    try:
        function = wrapped.prune([graph.as_graph_element(names["inputs"][k]) for k in order],
                                 {k: graph.as_graph_element(t) for k, t in names["outputs"].items()})
    except (KeyError, ValueError) as exc:
        raise Refused("raw tensor name not in the imported graph: %s" % exc)
    outputs = function(*[tf.constant(artifact.inputs[k]) for k in order])
    return {k: v.numpy() for k, v in outputs.items()}
