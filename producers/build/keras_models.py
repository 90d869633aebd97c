"""The model cases as Keras models, functional, Sequential or subclassed (any Keras: tf.keras, tf_keras, Keras 3).

Weights are set from fixed literals; the float cases are one Dense layer named
"output" on an Input named "x", so the SavedModel signature reads x -> output;
int64 and multi_io are Add/Multiply layers with outputs named after the case's.
"""
import os
from typing import Any, Dict, List, Tuple

import numpy as np

from matrix.cases import DENSE_B, DENSE_W, DYNAMIC_OFFSET, DYNAMIC_SCALE, VARIABLE_V
from matrix.plugin import Call, Refused


# The load APIs the Keras, TF and TF Hub docs show for what Keras 2 Model.save and Keras 3 Model.export write.
KERAS2_LOADERS = ("keras_load", "tf2_load", "tf2_restored", "hub_load", "hub_keraslayer", "hub_keraslayer_finetune",
                  "saved_model_cli", "tflite")
KERAS3_LOADERS = ("keras3_tfsmlayer", "tf2_load", "saved_model_cli")

# The cases each Keras modelling style expresses with built-in layers only (no strings or bools).
FUNCTIONAL = ("add_two", "variable", "dense", "dynamic_shape", "int64", "multi_io")
SEQUENTIAL = ("add_two", "variable", "dense", "dynamic_shape")  # one input, one layer
SUBCLASSED = FUNCTIONAL


def _layer(keras: Any, case: Any) -> Tuple[Any, List[np.ndarray], np.ndarray]:
    """The one Dense layer named "output" of a single-layer case, its fixed weights, its batched x."""
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
    elif case.name == "dynamic_shape":  # x * 2 + 1 on the last axis: kernel 2 I, bias 1
        features = x.shape[-1]
        layer = keras.layers.Dense(features, name="output")
        weights = [np.eye(features, dtype=np.float32) * DYNAMIC_SCALE, np.full((features,), DYNAMIC_OFFSET, np.float32)]
    else:
        raise KeyError("no single Keras layer for case %r" % case.name)
    return layer, weights, x


def _shape(case: Any, x: np.ndarray) -> Tuple[Any, ...]:
    """The per-example input shape; dynamic_shape leaves its length axis dynamic."""
    return (None,) + x.shape[2:] if case.name == "dynamic_shape" else x.shape[1:]


def model(keras: Any, case: Any, style: str = "functional") -> Tuple[Any, Dict[str, np.ndarray]]:
    """The case as a Keras model of a style (functional, sequential, subclassed), built, with weights set."""
    if case.name not in {"functional": FUNCTIONAL, "sequential": SEQUENTIAL, "subclassed": SUBCLASSED}[style]:
        raise KeyError("no %s Keras model for case %r" % (style, case.name))
    if style == "subclassed":
        return _subclassed(keras, case)
    if case.name in ("int64", "multi_io"):
        return _merged(keras, case)
    layer, weights, x = _layer(keras, case)
    if style == "sequential":
        if is_keras3(keras):
            built = keras.Sequential([keras.Input(shape=_shape(case, x), name="x"), layer])
        else:
            built = keras.Sequential([keras.layers.InputLayer(input_shape=_shape(case, x), name="x"), layer])
    else:
        inputs = keras.Input(shape=_shape(case, x), name="x")
        built = keras.Model(inputs, layer(inputs))
    layer.set_weights(weights)
    return built, {"x": x}


def _merged(keras: Any, case: Any) -> Tuple[Any, Dict[str, np.ndarray]]:
    """int64 and multi_io as functional models of Add and Multiply layers (outputs named by layer)."""
    values = case.inputs(batched=True)
    inputs = [keras.Input(shape=v.shape[1:], dtype=v.dtype.name, name=k) for k, v in values.items()]
    if case.name == "int64":
        x = inputs[0]
        return keras.Model(inputs, keras.layers.Add(name="output")([keras.layers.Multiply()([x, x]), x])), values
    outputs = {"sum": keras.layers.Add(name="sum")(inputs), "product": keras.layers.Multiply(name="product")(inputs)}
    if not is_keras3(keras):  # Keras 2 names a list of outputs after their layers
        outputs = [outputs["sum"], outputs["product"]]
    return keras.Model(inputs, outputs), values


def _subclassed(keras: Any, case: Any) -> Tuple[Any, Dict[str, np.ndarray]]:
    """The case as a keras.Model subclass whose call returns a dict of named outputs."""

    class CaseModel(keras.Model):
        takes_dict = True  # inputs come as a dict by name, one input too

        def __init__(self, layer=None):
            super(CaseModel, self).__init__(name=case.name)
            self.layer = layer
            self.add_layer = keras.layers.Add()
            self.multiply_layer = keras.layers.Multiply()

        def call(self, inputs):
            if case.name == "multi_io":
                pair = [inputs["a"], inputs["b"]]
                return {"sum": self.add_layer(pair), "product": self.multiply_layer(pair)}
            x = inputs["x"]
            if case.name == "int64":
                return {"output": self.add_layer([self.multiply_layer([x, x]), x])}
            return {"output": self.layer(x)}

    if case.name in ("int64", "multi_io"):
        built, values = CaseModel(), case.inputs(batched=True)
        built(dict(values))
        return built, values
    layer, weights, x = _layer(keras, case)
    built = CaseModel(layer)
    built({"x": x})
    layer.set_weights(weights)
    return built, {"x": x}


def input_signature(tf: Any, case: Any, inputs: Dict[str, np.ndarray]) -> List[Dict[str, Any]]:
    """A subclassed model's one dict argument as named TensorSpecs (batch dynamic, dynamic_shape's length too)."""
    return [{k: tf.TensorSpec((None,) + _shape(case, v), tf.as_dtype(v.dtype), name=k) for k, v in inputs.items()}]


def is_keras3(keras: Any) -> bool:
    return int(getattr(keras, "__version__", "2").split(".")[0]) >= 3


def call(built: Any, inputs: Dict[str, np.ndarray]) -> Call:
    """The model called as its author calls it (one array, a dict for subclassed models, a list for
    functional ones), and what it returned, keyed as it returns it (a list by the model's output names)."""
    if getattr(built, "takes_dict", False):
        convention, arg = "dict", dict(inputs)
    elif len(inputs) == 1:
        convention, arg = "tensor", next(iter(inputs.values()))
    else:
        convention, arg = "list", list(inputs.values())
    outputs = built(arg, training=False)
    if isinstance(outputs, dict):
        returns, named = "dict", {k: np.asarray(v) for k, v in outputs.items()}
    elif isinstance(outputs, (list, tuple)):
        returns, named = "list", dict(zip(built.output_names, [np.asarray(v) for v in outputs]))
    else:
        returns, named = "tensor", {"output": np.asarray(outputs)}
    return Call(convention, list(inputs), returns, named)


def signature_keys(export_dir: str, signature: str) -> Tuple[List[str], List[str]]:
    """The input and output names a saved signature ended up with (parsed, not loaded)."""
    from tensorflow.core.protobuf import saved_model_pb2
    saved = saved_model_pb2.SavedModel()
    with open(os.path.join(export_dir, "saved_model.pb"), "rb") as f:
        saved.ParseFromString(f.read())
    sig = saved.meta_graphs[0].signature_def[signature]
    return sorted(sig.inputs), sorted(sig.outputs)


def named(export_dir: str, signature: str, inputs: Dict[str, np.ndarray], call: Call):
    """The signature's inputs and golden outputs, keyed by the names the saved signature uses.

    One input or one output is renamed to the signature's only key (a save
    API may call it input_1 or output_1); several must already carry the
    signature's names. The model's own call keeps its names (call.outputs)."""
    in_keys, out_keys = signature_keys(export_dir, signature)
    outputs = dict(call.outputs)
    if len(in_keys) == 1 and len(inputs) == 1:
        inputs = {in_keys[0]: next(iter(inputs.values()))}
    if len(out_keys) == 1 and len(outputs) == 1:
        outputs = {out_keys[0]: next(iter(outputs.values()))}
    if sorted(inputs) != in_keys or sorted(outputs) != out_keys:
        raise Refused("the saved %s lost the model's names: it takes %s -> %s, the model %s -> %s" % (
            signature, in_keys, out_keys, sorted(inputs), sorted(outputs)))
    return inputs, outputs


def weights(built: Any) -> Dict[str, np.ndarray]:
    # .numpy(), not np.asarray: TF 1.15's variables turn into their repr under asarray
    return {getattr(w, "path", w.name).split(":")[0]: np.asarray(w.numpy()) for w in built.weights}
