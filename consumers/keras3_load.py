"""Keras 3 keras.models.load_model (which reads .keras files, not SavedModel directories), then predict."""
from consumers import keras_load
from matrix.plugin import keras3, needs_keras3

API = "Keras 3 keras.models.load_model + model.predict(x)"


available = needs_keras3
applies = keras_load.applies
expected = keras_load.expected


def consume(tf, artifact):
    keras = keras3()
    try:
        return keras_load.predict(keras, keras.models.load_model(artifact.path, compile=False), artifact)
    finally:
        keras.backend.clear_session()
