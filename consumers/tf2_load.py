"""tf.saved_model.load and a call of the serving signature (the TF2 guides' way)."""
from matrix.plugin import Refused, executing_eagerly, needs_signature

API = "tf.saved_model.load + .signatures[...]"


def _saved_model(tf):
    # In TF 1.x, tf.saved_model.load is the TF1 Session loader; the TF2 one is tf.compat.v2's.
    return tf.compat.v2.saved_model if hasattr(tf.compat, "v2") else tf.saved_model


def available(tf):
    if not hasattr(_saved_model(tf), "load") or not executing_eagerly(tf):
        return "tf.saved_model.load (TF2 object API) needs TF 2 behaviour"


applies = needs_signature


def consume(tf, artifact):
    loaded = _saved_model(tf).load(artifact.path, tags=artifact.tags)
    if artifact.signature not in loaded.signatures:
        raise Refused("signature %r not among the loaded signatures (%s)" % (
            artifact.signature, ", ".join(sorted(loaded.signatures.keys())) or "none"))
    outputs = loaded.signatures[artifact.signature](**{k: tf.constant(v) for k, v in artifact.inputs.items()})
    return {name: value.numpy() for name, value in outputs.items()}
