"""Where the Pythons live: pyenv installs that are not activated.

Stdlib only and Python 3.7-compatible: tox's plugin and the run's `begin`
step both import it.
"""
import glob
import os
import shutil
from typing import List, Optional


def pyenv_bins() -> List[str]:
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    return sorted(glob.glob(os.path.join(root, "versions", "*", "bin")))


def extend_path(path: str) -> str:
    """PATH with pyenv's version folders ahead of pyenv's shims.

    A shim such as python3.7 exists on PATH but fails unless PYENV_VERSION
    names that version; discovery must reach the real interpreter first.
    """
    entries = [p for p in path.split(os.pathsep) if p]
    extra = [b for b in pyenv_bins() if b not in entries]
    if not extra:
        return path
    shims = [i for i, p in enumerate(entries) if p.rstrip("/").endswith("/shims")]
    at = shims[0] if shims else len(entries)
    return os.pathsep.join(entries[:at] + extra + entries[at:])


def find_python(version: str) -> Optional[str]:
    """The path of `python<version>` as tox would find it, or None."""
    return shutil.which("python" + version, path=extend_path(os.environ.get("PATH", "")))
