"""Finding and importing plugins: every module in producers/ and consumers/
whose name does not start with an underscore."""
import importlib
import os
from typing import Any, List

from matrix import paths

KINDS = ("producers", "consumers")


def names(kind: str) -> List[str]:
    folder = os.path.join(paths.ROOT, kind)
    return sorted(f[:-3] for f in os.listdir(folder)
                  if f.endswith(".py") and not f.startswith("_"))


def load(kind: str, name: str) -> Any:
    return importlib.import_module("%s.%s" % (kind, name))
