"""tf.saved_model.load and a call of the serving signature (the TF2 guides' way)."""
from matrix.plugin import Refused, executing_eagerly

API = "tf.saved_model.load + .signatures[...]"


def available(tf):
    if not hasattr(tf.saved_model, "load") or not executing_eagerly(tf):
        return "tf.saved_model.load (TF2 object API) needs TF 2 behaviour"


def applies(manifest):
    if manifest.get("format", "saved_model") != "saved_model":
        return "not a SavedModel (%s)" % manifest.get("format")


def consume(tf, artifact):
    loaded = tf.saved_model.load(artifact.path, tags=artifact.tags)
    if artifact.signature not in loaded.signatures:
        raise Refused("signature %r not among the loaded signatures (%s)" % (
            artifact.signature, ", ".join(sorted(loaded.signatures.keys())) or "none"))
    outputs = loaded.signatures[artifact.signature](**{k: tf.constant(v) for k, v in artifact.inputs.items()})
    return {name: value.numpy() for name, value in outputs.items()}
