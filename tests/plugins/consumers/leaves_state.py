"""A probe consumer: it leaves state behind in TensorFlow and Keras, and fails when it finds what an
earlier artifact's cell left. The grid shows with it that no cell sees another artifact's state
(matrix/worker.py resets a reused child between artifacts), then it reads the model for real."""
from matrix.plugin import Refused, keras2

API = "finds what an earlier artifact left in TF and Keras (a probe)"


def available(tf):
    if not tf.executing_eagerly():
        return "the probe reads TF 2's eager context"


def applies(manifest):
    if manifest.producer not in ("tf2_module", "keras"):
        return "probes on tf2_module and keras artifacts only"


def consume(tf, artifact):
    found = []
    # a resource in the eager context under a shared name: what TF 1.x leaked between loads
    handle = tf.raw_ops.VarHandleOp(dtype=tf.float32, shape=[], shared_name="leaves_state_probe")
    if bool(tf.raw_ops.VarIsInitializedOp(resource=handle)):
        found.append("a resource variable in the eager context")
    tf.raw_ops.AssignVariableOp(resource=handle, value=tf.constant(1.0))
    graph = tf.compat.v1.get_default_graph()
    if graph.get_collection("leaves_state_probe"):
        found.append("an entry in the default graph")
    graph.add_to_collection("leaves_state_probe", artifact.path)
    keras = keras2(tf)
    if keras is not None and keras.backend.get_uid("leaves_state_probe") != 1:
        found.append("an advanced Keras name counter")
    if found:
        raise Refused("found what an earlier artifact left: " + ", ".join(found))
    loaded = tf.saved_model.load(artifact.path)
    outputs = loaded.signatures[artifact.signature](**{k: tf.constant(v) for k, v in artifact.inputs.items()})
    return {name: value.numpy() for name, value in outputs.items()}
