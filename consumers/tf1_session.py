"""tf.compat.v1.saved_model.load into a Session, run through the signature's tensor names (TF Serving's way)."""
from consumers._call import to_numpy
from matrix.plugin import Refused, needs_signature

API = "tf.compat.v1.saved_model.load + Session.run(signature tensors)"


def available(tf):
    if not hasattr(tf.compat.v1.saved_model, "load"):
        return "tf.compat.v1.saved_model.load does not exist in this TF"


applies = needs_signature


def _signature(tf, sess, artifact):
    """The model loaded into the session; its signature."""
    meta_graph = tf.compat.v1.saved_model.load(sess, artifact.tags, artifact.path)
    if artifact.signature not in meta_graph.signature_def:
        raise Refused("signature %r not in the MetaGraph (has %s)" % (
            artifact.signature, ", ".join(sorted(meta_graph.signature_def)) or "none"))
    return meta_graph.signature_def[artifact.signature]


def load(tf, artifact):
    """Only the load (asked by the reference when running the model on its inputs failed)."""
    with tf.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as sess:
        _signature(tf, sess, artifact)


def consume(tf, artifact):
    with tf.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as sess:
        signature = _signature(tf, sess, artifact)
        feed = {signature.inputs[name].name: value for name, value in artifact.inputs.items()}
        # by the signature's tensor names; a sparse output is the SparseTensor of its three tensors
        fetch = {name: tf.compat.v1.saved_model.utils.get_tensor_from_tensor_info(info, graph)
                 for name, info in signature.outputs.items()}
        return {name: to_numpy(value) for name, value in sess.run(fetch, feed).items()}
