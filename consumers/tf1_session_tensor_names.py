"""TF1 Session by raw tensor names as the TF1-era tutorials do: feed "x:0", fetch "output:0"."""
from matrix.plugin import Refused, needs_saved_model

API = "tf.compat.v1.saved_model.load + Session.run(raw tensor names)"

# Producers whose graphs come from producers/build/tf1.py: placeholders and outputs are
# named after their keys ("x:0", "output:0"), also in manifests written before extra["tensors"].
TF1_GRAPH_PRODUCERS = ("tf1_builder", "tf1_simple_save")


def available(tf):
    if not hasattr(tf.compat.v1.saved_model, "load"):
        return "tf.compat.v1.saved_model.load does not exist in this TF"


def raw_names(manifest):
    """{"inputs": {name: "x:0"}, "outputs": {name: "output:0"}}, or None when the producer recorded none."""
    tensors = manifest.get("extra", {}).get("tensors")
    if tensors:
        return tensors
    if manifest.get("producer") in TF1_GRAPH_PRODUCERS:
        return {"inputs": {k: k + ":0" for k in manifest["inputs"]}, "outputs": {k: k + ":0" for k in manifest["outputs"]}}
    return None


def applies(manifest):
    reason = needs_saved_model(manifest)
    if reason:
        return reason
    if raw_names(manifest) is None:
        return "the producer recorded no raw tensor names (only TF1 graph producers have known ones)"


def consume(tf, artifact):
    names = raw_names(artifact.manifest)
    with tf.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as sess:
        tf.compat.v1.saved_model.load(sess, artifact.tags, artifact.path)
        try:
            feed = {graph.get_tensor_by_name(names["inputs"][k]): v for k, v in artifact.inputs.items()}
            fetch = {k: graph.get_tensor_by_name(t) for k, t in names["outputs"].items()}
        except (KeyError, ValueError) as exc:
            raise Refused("raw tensor name not in the loaded graph: %s" % exc)
        return sess.run(fetch, feed)
