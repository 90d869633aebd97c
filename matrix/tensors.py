"""Tensors as JSON: {"dtype", "shape", "values"} with values flattened row-major.

The same layout as shared/corpus/expected.json, so golden values, consumer
outputs and the corpus's expectations read alike.
"""
import base64
import pickle
from typing import Any, Dict

import numpy as np


class Bfloat16(np.ndarray):
    """bfloat16 values held as float32, which holds each of them exactly (numpy itself has no bfloat16):
    the dtype name stays "bfloat16", so a consumer returning float32 for a bfloat16 output still differs."""


def dtype_name(array: np.ndarray) -> str:
    if isinstance(array, Bfloat16):
        return "bfloat16"
    return "string" if array.dtype.kind in "SUO" else array.dtype.name


def encode(value: Any) -> Dict[str, Any]:
    array = np.asanyarray(value)
    if array.dtype.name == "bfloat16" or isinstance(array, Bfloat16):  # TF's or ml_dtypes' numpy type
        return {"dtype": "bfloat16", "shape": list(array.shape),
                "values": np.asarray(array).astype(np.float32).reshape(-1).tolist()}
    if array.dtype.kind == "c":  # JSON has no complex numbers: [real, imaginary] pairs
        return {"dtype": array.dtype.name, "shape": list(array.shape),
                "values": [[float(v.real), float(v.imag)] for v in array.reshape(-1).tolist()]}
    if array.dtype.kind not in "biufSUO":
        raise TypeError("an output of numpy dtype %s (%s), which the harness cannot record" % (
            array.dtype.name, array.dtype.str))
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
    if tensor["dtype"] == "bfloat16":
        return np.array(tensor["values"], dtype=np.float32).reshape(shape).view(Bfloat16)
    if tensor["dtype"].startswith("complex") and tensor["values"] and isinstance(tensor["values"][0], list):
        return np.array([complex(re, im) for re, im in tensor["values"]], dtype=tensor["dtype"]).reshape(shape)
    return np.array(tensor["values"], dtype=tensor["dtype"]).reshape(shape)


def densify(indices: Any, values: Any, dense_shape: Any) -> np.ndarray:
    """A sparse output (COO: TF's SparseTensor, or a Session's SparseTensorValue) as the dense array it
    stands for, so it compares with golden values like any output, whatever API returned it."""
    values = np.asarray(values)
    shape = [int(d) for d in np.asarray(dense_shape).reshape(-1)]
    dense = np.full(shape, b"", dtype=object) if values.dtype.kind in "SUO" else np.zeros(shape, dtype=values.dtype)
    indices = np.asarray(indices, dtype=np.int64).reshape(len(values), len(shape))
    if len(values):
        dense[tuple(indices.T)] = values
    return dense


def encode_all(values: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {name: encode(v) for name, v in values.items()}


def decode_all(values: Dict[str, Dict[str, Any]]) -> Dict[str, np.ndarray]:
    return {name: decode(t) for name, t in values.items()}


class _ArraysOnly(pickle.Unpickler):
    """Unpickles numpy's object arrays of bytes/str and nothing else: no code from a file ever runs."""
    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("builtins", "bytes"), ("builtins", "str"),
               ("_codecs", "encode")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError("refusing to load %s.%s from a .npy file" % (module, name))
        return pickle.Unpickler.find_class(self, module, name)


def load_npy(path: str) -> np.ndarray:
    """np.load, with object (string) arrays read by an unpickler that can only build arrays of bytes/str."""
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        _, _, dtype = read_header(f)
        if dtype.hasobject:
            array = _ArraysOnly(f).load()
            return np.asarray(array)
    return np.load(path, allow_pickle=False)
