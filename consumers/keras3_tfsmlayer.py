"""Keras 3 keras.layers.TFSMLayer: a SavedModel endpoint wrapped as a layer (Keras 3's route to SavedModels).

The endpoint is the signature, so it is called as a signature is: one input as a
tensor; several as the dict TFSMLayer documents (which its call passes
positionally, keras-team/keras#20813: a known failure)."""
from consumers._call import layer_dtype, to_numpy
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
        layer = keras.layers.TFSMLayer(artifact.path, call_endpoint=artifact.signature, call_training_endpoint=None,
                                       dtype=layer_dtype(artifact))
        inputs = artifact.inputs
        result = layer(next(iter(inputs.values())) if len(inputs) == 1 else dict(inputs))
        if isinstance(result, dict):
            return {k: to_numpy(v) for k, v in result.items()}
        return artifact.single_output(to_numpy(result))
    finally:
        keras.backend.clear_session()
