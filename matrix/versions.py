"""TF version numbers as the grid compares them (stdlib; the reports use `packaging`).

Only the release numbers count: "2.15.1" -> (2, 15, 1), "1.15.0-rc1" -> (1, 15, 0),
"0.12.head" -> (0, 12), "2.23.0.dev20261026" -> (2, 23, 0). Unknown text -> ().
"""
import re
from typing import Tuple


def release(version: str) -> Tuple[int, ...]:
    m = re.match(r"^\s*v?(\d+(?:\.\d+)*)", str(version))
    return tuple(int(p) for p in m.group(1).split(".")) if m else ()


def minor(version: str) -> Tuple[int, ...]:
    return release(version)[:2]
