"""Keras 3 keras.models.load_model (which reads .keras files, not SavedModel directories)."""
from consumers import _keras
from matrix.plugin import Refused, keras3, needs_keras3

API = "Keras 3 keras.models.load_model + model(x)"


available = needs_keras3


def consume(tf, artifact):
    keras = keras3()
    try:
        model = keras.models.load_model(artifact.path, compile=False)
        if not callable(model):
            raise Refused("load_model returned a %s, not a Keras model" % type(model).__name__)
        return _keras.call(model, artifact, training=False)
    finally:
        keras.backend.clear_session()
