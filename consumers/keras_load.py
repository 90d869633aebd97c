"""Keras 2 load_model (tf.keras up to TF 2.15, tf_keras from 2.16), then predict as the model's author calls it."""
from consumers import _call
from matrix.plugin import Refused, keras2, needs_keras2, needs_saved_model

API = "Keras 2 keras.models.load_model + model.predict(x)"
RUNS_MODEL_CODE = True  # Keras 2 rebuilds Lambda layers from the Python bytecode saved in the model


available = needs_keras2
applies = needs_saved_model  # load_model reads SavedModels (and .keras/.h5 files), not MetaGraph + checkpoint


def expected(manifest):
    return manifest.call.outputs if manifest.call else manifest.outputs


def predict(keras, model, artifact):
    """A Keras load API passes only when a Keras model comes back and its predict gives the golden values."""
    if not isinstance(model, keras.Model):
        raise Refused("load_model returned a %s, not a Keras model" % type(model).__name__)
    if artifact.call is None:  # not saved as a callable model: fed and judged as its signature
        inputs = artifact.inputs
        result = model.predict(next(iter(inputs.values())) if len(inputs) == 1 else dict(inputs), verbose=0)
        return result if isinstance(result, dict) else artifact.single_output(result)
    [argument] = _call.arguments(artifact, lambda v: v)
    return _call.named(model.predict(argument, verbose=0), artifact, lambda v: v)


def consume(tf, artifact):
    keras = keras2(tf)
    try:
        return predict(keras, keras.models.load_model(artifact.path, compile=False), artifact)
    finally:
        keras.backend.clear_session()
