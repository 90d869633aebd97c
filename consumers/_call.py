"""Calling a model the way its author does (not a plugin): the one place that builds a model's
arguments from the manifest's call convention, and names what the call returns.

The author's convention (artifact.call, from the producer) is one tensor, the
tensors positionally, one dict by input name, or one list in input order; what
comes back is named as the author's call names it: a dict by its keys, a list by
the author's output names in order, a lone tensor by its one name.
"""
from matrix import tensors
from matrix.plugin import Refused


def arguments(artifact, convert):
    """The positional arguments of the author's call, each value passed through `convert`."""
    call = artifact.call
    values = list(artifact.inputs.values()) if len(artifact.inputs) == 1 else [artifact.inputs[n] for n in call.inputs]
    values = [convert(v) for v in values]
    if call.convention == "tensor":
        return [values[0]]
    if call.convention == "args":
        return values
    if call.convention == "dict":
        return [dict(zip(call.inputs, values))]
    return [values]  # list


def call(function, artifact, convert, **kwargs):
    """function called with the artifact's inputs as its author calls it."""
    if not callable(function):
        raise Refused("the loaded %s has no __call__, although its author called it" % type(function).__name__)
    return function(*arguments(artifact, convert), **kwargs)


def layer_dtype(artifact):
    """The dtype a Keras layer that wraps the model computes in, as its user sets it: the one floating
    dtype of the inputs when it is not float32 (a layer casts floating inputs to its own dtype, and a
    float16 signature refuses float32), else None (the layer's default)."""
    floats = {v.dtype.name for v in artifact.inputs.values() if v.dtype.kind == "f"}
    return floats.pop() if len(floats) == 1 and "float32" not in floats else None


def named(result, artifact, to_numpy):
    """What the author's call returned, by the author's output names."""
    names = list(artifact.call.output_names)
    if isinstance(result, dict):
        return {k: to_numpy(v) for k, v in result.items()}
    if isinstance(result, (list, tuple)):
        if len(result) != len(names):
            raise Refused("the call returned %d outputs; its author's call returns %d (%s)" % (
                len(result), len(names), ", ".join(names)))
        return {n: to_numpy(v) for n, v in zip(names, result)}
    if len(names) != 1:
        raise Refused("the call returned one tensor; its author's call returns %d (%s)" % (len(names), ", ".join(names)))
    return {names[0]: to_numpy(result)}


def signature_call(tf, function, artifact):
    """A signature function (keyword arguments only) on the artifact's inputs; outputs by key."""
    outputs = function(**{k: tf.constant(v) for k, v in artifact.inputs.items()})
    return {name: to_numpy(value) for name, value in outputs.items()}


def to_numpy(value):
    """One output as numpy: a tensor's value, a sparse output (SparseTensor, SparseTensorValue) densified."""
    if all(hasattr(value, a) for a in ("indices", "values", "dense_shape")):
        return tensors.densify(value.indices, value.values, value.dense_shape)
    return value.numpy() if hasattr(value, "numpy") else value
