"""TF1 Session by raw tensor names as the TF1-era tutorials do: feed "x:0", fetch "output:0"."""
from matrix.plugin import Refused, needs_saved_model

API = "tf.compat.v1.saved_model.load + Session.run(raw tensor names)"


def available(tf):
    if not hasattr(tf.compat.v1.saved_model, "load"):
        return "tf.compat.v1.saved_model.load does not exist in this TF"


def applies(manifest):
    reason = needs_saved_model(manifest)
    if reason:
        return reason
    if manifest.tensor_names is None:
        return "the producer recorded no raw tensor names (only TF1 graph producers have known ones)"


def consume(tf, artifact):
    names = artifact.manifest.tensor_names
    with tf.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as sess:
        tf.compat.v1.saved_model.load(sess, artifact.tags, artifact.path)
        try:
            feed = {graph.get_tensor_by_name(names["inputs"][k]): v for k, v in artifact.inputs.items()}
            fetch = {k: graph.get_tensor_by_name(t) for k, t in names["outputs"].items()}
        except (KeyError, ValueError) as exc:
            raise Refused("raw tensor name not in the loaded graph: %s" % exc)
        return sess.run(fetch, feed)
