"""Keras 3 keras.layers.TFSMLayer: a SavedModel endpoint wrapped as a layer (Keras 3's route to SavedModels)."""
from consumers import _keras
from matrix.plugin import keras3, needs_signature

API = "Keras 3 keras.layers.TFSMLayer(call_endpoint=signature)"


def available(tf):
    keras = keras3()
    if keras is None or not hasattr(keras.layers, "TFSMLayer"):
        return "keras.layers.TFSMLayer needs Keras 3"


applies = needs_signature


def consume(tf, artifact):
    keras = keras3()
    try:
        layer = keras.layers.TFSMLayer(artifact.path, call_endpoint=artifact.signature,
                                       call_training_endpoint=None)
        return _keras.call(layer, artifact)
    finally:
        keras.backend.clear_session()
