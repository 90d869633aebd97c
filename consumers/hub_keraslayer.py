"""tensorflow_hub's hub.KerasLayer inside a Keras 2 model, run on the manifest's inputs."""
import numpy as np

from matrix.plugin import Refused, executing_eagerly, keras2, needs_saved_model

API = "hub.KerasLayer in a Keras 2 Sequential model"


def available(tf):
    try:
        import tensorflow_hub  # noqa: F401 -- needs pkg_resources (setuptools<81) on newer Pythons
    except Exception as exc:
        return "import tensorflow_hub failed: %s: %s" % (type(exc).__name__, exc)
    if keras2(tf) is None:
        return "no Keras 2 here: tf.keras is Keras 3 and tf_keras is not installed"
    if not executing_eagerly(tf):
        return "hub.KerasLayer needs TF 2 behaviour"


def applies(manifest):
    reason = needs_saved_model(manifest)
    if reason:
        return reason
    if len(manifest["inputs"]) != 1:
        return "a Sequential model takes one input"


def layer(tf, artifact, trainable=False):
    """The SavedModel as a hub.KerasLayer: its __call__ when it has one, else its signature; a lone
    dict output picked with output_key, as the hub docs do for Sequential models."""
    import tensorflow_hub as hub
    loaded = tf.compat.v2.saved_model.load(artifact.path, tags=artifact.tags)
    options = {"tags": artifact.tags, "trainable": trainable}
    if callable(loaded):
        traced = getattr(loaded.__call__, "concrete_functions", None)
        outputs = traced[0].structured_outputs if traced else None
    elif artifact.signature not in loaded.signatures:
        raise Refused("no __call__ and no signature %r to wrap" % artifact.signature)
    else:
        options["signature"] = artifact.signature
        outputs = loaded.signatures[artifact.signature].structured_outputs
        options["signature_outputs_as_dict"] = True
    if isinstance(outputs, dict) and len(outputs) == 1:
        options.pop("signature_outputs_as_dict", None)
        options["output_key"] = next(iter(outputs))
    return hub.KerasLayer(artifact.path, **options)


def consume(tf, artifact):
    keras = keras2(tf)
    try:
        model = keras.Sequential([layer(tf, artifact)])
        result = model(tf.constant(next(iter(artifact.inputs.values()))))
        if isinstance(result, dict):
            return {k: np.asarray(v) for k, v in result.items()}
        return artifact.single_output(np.asarray(result))
    finally:
        keras.backend.clear_session()
