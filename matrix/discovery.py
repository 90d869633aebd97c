"""Finding and importing plugins: every module in producers/ and consumers/ whose name does not
start with an underscore, and those of one extra folder with the same two subfolders (the harness's
own tests keep their deliberately broken plugins there: `python -m matrix run --plugins tests/plugins`).

Also says which of the project's source files a plugin's behaviour rests on (its own file and the
project modules it imports, transitively): matrix/keys.py puts them in the cell's content key.
"""
import ast
import importlib
import importlib.util
import os
import sys
from typing import Any, Dict, List, Optional, Tuple

from matrix.cell import ROOT

KINDS = ("producers", "consumers")
PACKAGES = ("matrix", "producers", "consumers")


class Plugins(object):
    def __init__(self, extra: Optional[str] = None) -> None:
        self.extra = os.path.abspath(extra) if extra else None

    def folders(self, kind: str) -> List[str]:
        return [os.path.join(ROOT, kind)] + ([os.path.join(self.extra, kind)] if self.extra else [])

    def our_code(self) -> Tuple[str, ...]:
        """Folder prefixes of the project's own code: an exception raised there is a bug, not a refusal."""
        return tuple(os.path.join(ROOT, p) + os.sep for p in PACKAGES) + tuple(
            os.path.join(self.extra, k) + os.sep for k in KINDS if self.extra)

    def files(self, kind: str) -> Dict[str, str]:
        found = {}  # type: Dict[str, str]
        for folder in self.folders(kind):
            if os.path.isdir(folder):
                for f in sorted(os.listdir(folder)):
                    if f.endswith(".py") and not f.startswith("_"):
                        found.setdefault(f[:-3], os.path.join(folder, f))
        return found

    def names(self, kind: str) -> List[str]:
        return sorted(self.files(kind))

    def load(self, kind: str, name: str) -> Any:
        module_name = "%s.%s" % (kind, name)
        if module_name in sys.modules:
            return sys.modules[module_name]
        path = self.files(kind).get(name)
        if path is None:
            raise ImportError("no %s plugin named %r (looked in %s)" % (kind[:-1], name, ", ".join(self.folders(kind))))
        if os.path.dirname(path) == os.path.join(ROOT, kind):
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

    def importable(self, kind: str) -> Dict[str, Any]:
        """name -> module of every plugin of `kind` that imports (a broken one is the grid's `error` cell,
        reported there: checks that read plugins' declarations skip it)."""
        out = {}
        for name in self.names(kind):
            try:
                out[name] = self.load(kind, name)
            except Exception:
                continue
        return out

    def sources(self, kind: str, name: str) -> List[str]:
        """The plugin's file and every project module it imports, transitively (sorted paths)."""
        start = self.files(kind).get(name)
        return source_closure([start]) if start else []


def _module_file(dotted: str) -> Optional[str]:
    parts = dotted.split(".")
    if parts[0] not in PACKAGES:
        return None
    base = os.path.join(ROOT, *parts)
    for candidate in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(candidate):
            return candidate
    return None


def imported_project_files(path: str) -> List[str]:
    """The project modules one source file imports (statically, anywhere in the file)."""
    with open(path) as f:
        tree = ast.parse(f.read(), filename=path)
    found = []
    for node in ast.walk(tree):
        names = []  # type: List[str]
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + ["%s.%s" % (node.module, a.name) for a in node.names]
        for dotted in names:
            hit = _module_file(dotted)
            if hit:
                found.append(hit)
    return found


def source_closure(paths: List[str]) -> List[str]:
    seen = set()  # type: set
    todo = list(paths)
    while todo:
        path = os.path.abspath(todo.pop())
        if path in seen:
            continue
        seen.add(path)
        todo.extend(imported_project_files(path))
    return sorted(seen)
