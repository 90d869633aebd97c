"""Tensors as JSON: {"dtype", "shape", "values"} with values flattened row-major.

The same layout as shared/corpus/expected.json, so golden values, consumer
outputs and the corpus's expectations read alike.
"""
import base64
from typing import Any, Dict

import numpy as np


def encode(value: Any) -> Dict[str, Any]:
    array = np.asarray(value)
    if array.dtype.kind in "SUO":
        items = [v if isinstance(v, bytes) else str(v).encode("utf-8") for v in array.reshape(-1).tolist()]
        try:
            values = [v.decode("utf-8") for v in items]
            return {"dtype": "string", "shape": list(array.shape), "values": values}
        except UnicodeDecodeError:
            values = [base64.b64encode(v).decode("ascii") for v in items]
            return {"dtype": "string", "shape": list(array.shape), "values_b64": values}
    return {"dtype": array.dtype.name, "shape": list(array.shape), "values": array.reshape(-1).tolist()}


def decode(tensor: Dict[str, Any]) -> np.ndarray:
    shape = tuple(tensor["shape"] or ())
    if tensor["dtype"] == "string":
        if "values_b64" in tensor:
            items = [base64.b64decode(v) for v in tensor["values_b64"]]
        else:
            items = [v.encode("utf-8") for v in tensor["values"]]
        return np.array(items, dtype=object).reshape(shape)
    return np.array(tensor["values"], dtype=tensor["dtype"]).reshape(shape)


def encode_all(values: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {name: encode(v) for name, v in values.items()}


def decode_all(values: Dict[str, Dict[str, Any]]) -> Dict[str, np.ndarray]:
    return {name: decode(t) for name, t in values.items()}
