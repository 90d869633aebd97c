"""The one place a verdict on outputs is reached: consumer outputs vs golden values.

Consumers never judge themselves; the grid hands what they returned to
`compare`. Floats match within the golden values' tolerance (by default
|actual - golden| <= 1e-6 + 1e-5 * |golden|: float32 arithmetic may differ in
the last bits between TF versions and kernels; wider for a model that computes
in float16 or bfloat16, manifest.tolerance); every other dtype, every shape
and every dtype name must match exactly. Nothing compared is never a pass.
A mismatch says what kind it is (`KINDS`), for the report's policy labels.
"""
from typing import Dict, NamedTuple, Optional

import numpy as np

from matrix import tensors
from matrix.manifest import Golden

RTOL = Golden.rtol
ATOL = Golden.atol
TOLERANCE = "floats: |actual - golden| <= %g + %g * |golden|; other dtypes, shapes and dtype names: exact" % (ATOL, RTOL)
KINDS = ("nothing", "missing", "dtype", "shape", "float values", "values")


class Mismatch(NamedTuple):
    kind: str   # one of KINDS
    text: str   # one line


def compare(golden: Dict[str, np.ndarray], actual: Dict[str, np.ndarray], atol: float = ATOL,
            rtol: float = RTOL) -> Optional[Mismatch]:
    """None when every golden output is present and equal; else what differs (the first output that does)."""
    if not golden:
        return Mismatch("nothing", "nothing to compare: the manifest holds no golden values for this consumer")
    missing = sorted(set(golden) - set(actual))
    if missing:
        return Mismatch("missing", "outputs missing: %s (consumer returned %s)" % (
            ", ".join(missing), ", ".join(sorted(actual)) or "nothing"))
    for name in sorted(golden):
        problem = _compare_one(np.asanyarray(golden[name]), np.asanyarray(actual[name]), atol, rtol)
        if problem:
            return Mismatch(problem.kind, "%s: %s" % (name, problem.text))
    return None


def _compare_one(golden: np.ndarray, actual: np.ndarray, atol: float, rtol: float) -> Optional[Mismatch]:
    if tensors.dtype_name(golden) != tensors.dtype_name(actual):
        return Mismatch("dtype", "dtype %s, golden %s" % (tensors.dtype_name(actual), tensors.dtype_name(golden)))
    if golden.shape != actual.shape:
        return Mismatch("shape", "shape %s, golden %s" % (list(actual.shape), list(golden.shape)))
    if golden.dtype.kind in "fc":  # floats and complex floats: within the tolerance
        close = np.isclose(actual, golden, rtol=rtol, atol=atol, equal_nan=True)
    else:
        close = np.asarray(actual == golden)
    if not np.all(close):
        bad = int(np.size(close) - np.count_nonzero(close))
        first = tuple(int(i) for i in np.argwhere(~np.asarray(close).reshape(golden.shape))[0]) if golden.ndim else ()
        return Mismatch("float values" if golden.dtype.kind in "fc" else "values",
                        "%d of %d values differ; at %s got %r, golden %r" % (
                            bad, golden.size, list(first), _value(actual, first), _value(golden, first)))
    return None


def _value(array: np.ndarray, at: tuple) -> object:
    """One value as plain Python (an object array's element is a bytes, with no tolist)."""
    value = np.asarray(array)[at] if at else np.asarray(array)
    return value.tolist() if hasattr(value, "tolist") else value
