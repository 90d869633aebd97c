"""Finding and importing plugins: every module in producers/ and consumers/
whose name does not start with an underscore.

MATRIX_EXTRA_PLUGINS names one more folder with producers/ and consumers/
subfolders; the harness's own tests keep their deliberately broken plugins there.
"""
import importlib
import importlib.util
import os
import sys
from typing import Any, Dict, List

from matrix import paths

KINDS = ("producers", "consumers")


def folders(kind: str) -> List[str]:
    extra = os.environ.get("MATRIX_EXTRA_PLUGINS")
    return [os.path.join(paths.ROOT, kind)] + ([os.path.join(os.path.abspath(extra), kind)] if extra else [])


def _files(kind: str) -> Dict[str, str]:
    found = {}  # type: Dict[str, str]
    for folder in folders(kind):
        if os.path.isdir(folder):
            for f in sorted(os.listdir(folder)):
                if f.endswith(".py") and not f.startswith("_"):
                    found.setdefault(f[:-3], os.path.join(folder, f))
    return found


def names(kind: str) -> List[str]:
    return sorted(_files(kind))


def load(kind: str, name: str) -> Any:
    module_name = "%s.%s" % (kind, name)
    if module_name in sys.modules:
        return sys.modules[module_name]
    path = _files(kind).get(name)
    if path is None or os.path.dirname(path) == os.path.join(paths.ROOT, kind):
        return importlib.import_module(module_name)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)  # type: ignore
    except BaseException:
        del sys.modules[module_name]
        raise
    return module
