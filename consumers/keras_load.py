"""Keras 2 load_model (tf.keras up to TF 2.15, tf_keras from 2.16) and a call on the inputs."""
from consumers import _keras
from matrix.plugin import Refused, keras2, needs_keras2

API = "Keras 2 keras.models.load_model + model(x)"


available = needs_keras2


def consume(tf, artifact):
    keras = keras2(tf)
    try:
        model = keras.models.load_model(artifact.path, compile=False)
        if not callable(model):
            raise Refused("load_model returned a %s, not a Keras model" % type(model).__name__)
        return _keras.call(model, artifact, training=False)
    finally:
        keras.backend.clear_session()
