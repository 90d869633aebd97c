"""The one place a verdict on outputs is reached: consumer outputs vs golden values.

Consumers never judge themselves; the grid hands what they returned to
`compare`. Floats match within RTOL/ATOL (float32 arithmetic may differ in
the last bits between TF versions and kernels); every other dtype, every
shape and every dtype name must match exactly. Nothing compared is never a pass.
"""
from typing import Dict, Optional

import numpy as np

RTOL = 1e-5
ATOL = 1e-6
TOLERANCE = "floats: |actual - golden| <= %g + %g * |golden|; other dtypes, shapes and dtype names: exact" % (ATOL, RTOL)


def compare(golden: Dict[str, np.ndarray], actual: Dict[str, np.ndarray]) -> Optional[str]:
    """None when every golden output is present and equal; else why not (one line)."""
    if not golden:
        return "nothing to compare: the manifest holds no golden values for this consumer"
    missing = sorted(set(golden) - set(actual))
    if missing:
        return "outputs missing: %s (consumer returned %s)" % (", ".join(missing), ", ".join(sorted(actual)) or "nothing")
    for name in sorted(golden):
        problem = _compare_one(np.asarray(golden[name]), np.asarray(actual[name]))
        if problem:
            return "%s: %s" % (name, problem)
    return None


def _dtype_name(array: np.ndarray) -> str:
    return "string" if array.dtype.kind in "SUO" else array.dtype.name


def _compare_one(golden: np.ndarray, actual: np.ndarray) -> Optional[str]:
    if _dtype_name(golden) != _dtype_name(actual):
        return "dtype %s, golden %s" % (_dtype_name(actual), _dtype_name(golden))
    if golden.shape != actual.shape:
        return "shape %s, golden %s" % (list(actual.shape), list(golden.shape))
    if golden.dtype.kind == "f":
        close = np.isclose(actual, golden, rtol=RTOL, atol=ATOL, equal_nan=True)
    else:
        close = np.asarray(actual == golden)
    if not np.all(close):
        bad = int(np.size(close) - np.count_nonzero(close))
        first = tuple(int(i) for i in np.argwhere(~np.asarray(close).reshape(golden.shape))[0]) if golden.ndim else ()
        return "%d of %d values differ; at %s got %r, golden %r" % (
            bad, golden.size, list(first), actual[first].tolist() if first else actual.tolist(),
            golden[first].tolist() if first else golden.tolist())
    return None
