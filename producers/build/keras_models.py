"""The model cases as Keras functional models (any Keras: tf.keras, tf_keras, Keras 3).

Weights are set from fixed literals; every case is a Dense layer named
"output" on an Input named "x", so the SavedModel signature reads x -> output.
"""
import os
from typing import Any, Dict, List, Tuple

import numpy as np

from matrix.cases import DENSE_B, DENSE_W, VARIABLE_V


def model(keras: Any, case: Any) -> Tuple[Any, Dict[str, np.ndarray]]:
    x = case.inputs(batched=True)["x"]
    if case.name == "add_two":  # x * 1 + 2, exactly
        x = x.reshape(-1, 1)
        layer = keras.layers.Dense(1, name="output")
        weights = [np.ones((1, 1), np.float32), np.full((1,), 2.0, np.float32)]
    elif case.name == "variable":  # x * v, the kernel is the variable
        layer = keras.layers.Dense(1, use_bias=False, name="output")
        weights = [np.full((1, 1), VARIABLE_V, np.float32)]
    elif case.name == "dense":
        layer = keras.layers.Dense(2, activation="relu", name="output")
        weights = [DENSE_W, DENSE_B]
    else:
        raise KeyError("no Keras model for case %r" % case.name)
    inputs = keras.Input(shape=x.shape[1:], name="x")
    built = keras.Model(inputs, layer(inputs))
    layer.set_weights(weights)
    return built, {"x": x}


def golden(built: Any, inputs: Dict[str, np.ndarray]) -> np.ndarray:
    return np.asarray(built(inputs["x"], training=False))


def signature_keys(export_dir: str, signature: str) -> Tuple[List[str], List[str]]:
    """The input and output names a saved signature ended up with (parsed, not loaded)."""
    from tensorflow.core.protobuf import saved_model_pb2
    saved = saved_model_pb2.SavedModel()
    with open(os.path.join(export_dir, "saved_model.pb"), "rb") as f:
        saved.ParseFromString(f.read())
    sig = saved.meta_graphs[0].signature_def[signature]
    return sorted(sig.inputs), sorted(sig.outputs)


def named(export_dir: str, signature: str, inputs: Dict[str, np.ndarray], output: np.ndarray):
    """Inputs and golden output keyed by the names the saved signature uses."""
    in_keys, out_keys = signature_keys(export_dir, signature)
    if len(in_keys) != 1 or len(out_keys) != 1:
        raise ValueError("expected one input and one output in %s, got %s -> %s" % (signature, in_keys, out_keys))
    return {in_keys[0]: next(iter(inputs.values()))}, {out_keys[0]: output}


def weights(built: Any) -> Dict[str, np.ndarray]:
    return {getattr(w, "path", w.name).split(":")[0]: np.asarray(w) for w in built.weights}
