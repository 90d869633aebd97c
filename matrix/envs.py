"""The TF environments of the matrix, as matrix.toml declares them (the one place per TF version).

Read where tox, the reports and the tests run (a modern Python with tomllib, or
tomli, which tox itself depends on before Python 3.11); never inside a TF
environment, which is told its own name on the command line.
"""
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from matrix.cell import ROOT

FILE = os.path.join(ROOT, "matrix.toml")


@dataclass(frozen=True)
class Env:
    name: str
    python: str
    tensorflow: str
    keras: str = ""
    deps: List[str] = field(default_factory=list)
    preview: bool = False
    pre: bool = False
    shards: int = 1            # consume jobs the CI workflow splits this env into

    @property
    def interpreter(self) -> str:
        return "python" + self.python

    def requirements(self, grid: List[str]) -> List[str]:
        return list(grid) + [self.tensorflow] + list(self.deps)


class EnvsError(ValueError):
    pass


def _toml(path: str) -> Dict[str, Any]:
    try:
        import tomllib  # type: ignore
    except ImportError:  # Python < 3.11: tox depends on tomli there
        import tomli as tomllib  # type: ignore
    with open(path, "rb") as f:
        return tomllib.load(f)


def load(path: Optional[str] = None) -> Dict[str, Any]:
    """{"grid": [deps every env installs], "envs": [Env, ...] in the file's order}."""
    path = path or FILE
    try:
        data = _toml(path)
    except Exception as exc:
        raise EnvsError("%s: %s" % (path, exc))
    envs = []
    for name, table in data.get("env", {}).items():
        unknown = set(table) - {"python", "tensorflow", "keras", "deps", "preview", "pre", "shards"}
        if unknown or "python" not in table or "tensorflow" not in table:
            raise EnvsError("%s: [env.%s] needs python and tensorflow%s" % (
                path, name, "; unknown keys: " + ", ".join(sorted(unknown)) if unknown else ""))
        envs.append(Env(name=name, **table))
    return {"grid": list(data.get("grid", {}).get("deps", [])), "envs": envs}


def envs(include_preview: bool = True, path: Optional[str] = None) -> List[Env]:
    return [e for e in load(path)["envs"] if include_preview or not e.preview]


def markdown(path: Optional[str] = None) -> str:
    """The README's table of TF environments."""
    lines = ["| env | TensorFlow | Python | Keras |", "|---|---|---|---|"]
    for e in envs(path=path):
        tf = e.tensorflow.split("==")[-1] if "==" in e.tensorflow else e.tensorflow
        lines.append("| %s | %s | %s | %s |" % (e.name + (" (preview, on request)" if e.preview else ""), tf,
                                                e.python, e.keras))
    return "\n".join(lines)
