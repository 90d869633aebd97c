"""tensorflow_hub's hub.load on a local SavedModel, called as the hub docs show (obj(x), else its signature)."""
from consumers import _restored
from matrix.plugin import Refused, executing_eagerly, needs_saved_model

API = "hub.load + obj(x) / obj.signatures[...]"


def available(tf):
    try:
        import tensorflow_hub  # noqa: F401 -- needs pkg_resources (setuptools<81) on newer Pythons
    except Exception as exc:
        return "import tensorflow_hub failed: %s: %s" % (type(exc).__name__, exc)
    if not executing_eagerly(tf):
        return "hub.load needs TF 2 behaviour"


applies = needs_saved_model


def consume(tf, artifact):
    import tensorflow_hub as hub
    loaded = hub.load(artifact.path, tags=artifact.tags)
    if callable(loaded):
        result = _restored.call(tf, loaded, artifact.inputs)
    else:  # TF1 SavedModels: the hub docs call their signatures
        if artifact.signature not in loaded.signatures:
            raise Refused("no __call__ and no signature %r (has %s)" % (
                artifact.signature, ", ".join(sorted(loaded.signatures.keys())) or "none"))
        result = loaded.signatures[artifact.signature](**{k: tf.constant(v) for k, v in artifact.inputs.items()})
    return _restored.numpy(artifact, result)
