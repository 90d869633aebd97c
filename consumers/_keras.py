"""Calling a loaded Keras model or layer on an artifact's inputs (shared by the Keras consumers; not a plugin)."""
import numpy as np

from matrix.plugin import Refused


def call(model, artifact, **kwargs):
    """Outputs by name, from whatever the Keras object returns (tensor, list or dict)."""
    inputs = artifact.inputs
    as_dict = len(inputs) > 1 or artifact.manifest.get("extra", {}).get("keras_call") == "dict"
    result = model(dict(inputs) if as_dict else next(iter(inputs.values())), **kwargs)
    if isinstance(result, dict):
        return {k: np.asarray(v) for k, v in result.items()}
    if isinstance(result, (list, tuple)):
        names = list(getattr(model, "output_names", None) or [])
        if len(names) != len(result):  # never guess which output is which
            raise Refused("the model returned %d outputs but names %s" % (len(result), names))
        return {n: np.asarray(v) for n, v in zip(names, result)}
    return artifact.single_output(np.asarray(result))
