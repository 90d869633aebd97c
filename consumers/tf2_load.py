"""tf.saved_model.load and a call of the serving signature (the TF2 guides' way)."""
from consumers import _call
from matrix.plugin import Refused, needs_signature, needs_tf2_load, tf2_saved_model

API = "tf.saved_model.load + .signatures[...]"


available = needs_tf2_load


applies = needs_signature


def consume(tf, artifact):
    loaded = tf2_saved_model(tf).load(artifact.path, tags=artifact.tags)
    if artifact.signature not in loaded.signatures:
        raise Refused("signature %r not among the loaded signatures (%s)" % (
            artifact.signature, ", ".join(sorted(loaded.signatures.keys())) or "none"))
    return _call.signature_call(tf, loaded.signatures[artifact.signature], artifact)
