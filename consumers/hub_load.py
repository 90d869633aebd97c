"""tensorflow_hub's hub.load on a local SavedModel, called as the hub docs show: obj(x) as its author
calls it, else (an object its author never called, e.g. a TF1 export) its signature."""
from consumers import _call
from matrix.plugin import Refused, executing_eagerly, needs_call_or_signature

API = "hub.load + obj(x) / obj.signatures[...]"


def available(tf):
    try:
        import tensorflow_hub  # noqa: F401 -- needs pkg_resources (setuptools<81) on newer Pythons
    except Exception as exc:
        return "import tensorflow_hub failed: %s: %s" % (type(exc).__name__, exc)
    if not executing_eagerly(tf):
        return "hub.load needs TF 2 behaviour"


# Its author's call, else its signature: an artifact with neither has nothing to call.
applies = needs_call_or_signature


def expected(manifest):
    return manifest.call.outputs if manifest.call else manifest.outputs


def consume(tf, artifact):
    import tensorflow_hub as hub
    loaded = hub.load(artifact.path, tags=artifact.tags)
    if artifact.call is not None:
        return _call.named(_call.call(loaded, artifact, tf.constant), artifact, _call.to_numpy)
    if artifact.signature not in loaded.signatures:
        raise Refused("no __call__ and no signature %r (has %s)" % (
            artifact.signature, ", ".join(sorted(loaded.signatures.keys())) or "none"))
    return _call.signature_call(tf, loaded.signatures[artifact.signature], artifact)
