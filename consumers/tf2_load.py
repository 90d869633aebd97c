"""tf.saved_model.load and a call of the serving signature (the TF2 guides' way)."""
from consumers import _call
from matrix.plugin import Refused, needs_signature, needs_tf2_load, tf2_saved_model

API = "tf.saved_model.load + .signatures[...]"


available = needs_tf2_load


applies = needs_signature


def load(tf, artifact):
    """The loaded object, with the signature (alone: asked by the reference when running the model on its
    inputs failed)."""
    loaded = tf2_saved_model(tf).load(artifact.path, tags=artifact.tags)
    if artifact.signature not in loaded.signatures:
        raise Refused("signature %r not among the loaded signatures (%s)" % (
            artifact.signature, ", ".join(sorted(loaded.signatures.keys())) or "none"))
    return loaded


def consume(tf, artifact):
    # `loaded` stays referenced while the signature runs: in TF 1.15 a signature alone does not keep the
    # restored variables alive, and a call after they are collected fails (FailedPreconditionError)
    loaded = load(tf, artifact)
    return _call.signature_call(tf, loaded.signatures[artifact.signature], artifact)
