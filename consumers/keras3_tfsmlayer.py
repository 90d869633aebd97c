"""Keras 3 keras.layers.TFSMLayer: a SavedModel endpoint wrapped as a layer (Keras 3's route to SavedModels)."""
import numpy as np

from matrix.plugin import keras3

API = "Keras 3 keras.layers.TFSMLayer(call_endpoint=signature)"


def available(tf):
    keras = keras3()
    if keras is None or not hasattr(keras.layers, "TFSMLayer"):
        return "keras.layers.TFSMLayer needs Keras 3"


def applies(manifest):
    if manifest.get("format", "saved_model") != "saved_model":
        return "not a SavedModel (%s)" % manifest.get("format")


def consume(tf, artifact):
    keras = keras3()
    try:
        layer = keras.layers.TFSMLayer(artifact.path, call_endpoint=artifact.signature,
                                       call_training_endpoint=None)
        args = list(artifact.inputs.values())
        result = layer(args[0] if len(args) == 1 else artifact.inputs)
        if isinstance(result, dict):
            return {k: np.asarray(v) for k, v in result.items()}
        return artifact.single_output(np.asarray(result))
    finally:
        keras.backend.clear_session()
