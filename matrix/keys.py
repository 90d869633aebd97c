"""Content keys: a verdict is reused only when everything it depends on is unchanged.

A key is the sha256 of the canonical JSON of its parts:
  produce cell   the producer's sources (its file and every project module it imports,
                 transitively: matrix/cases.py, producers/build/...), the harness code every
                 cell passes through, the producing env's resolved package set and Python,
                 the record schema;
  consume cell   the artifact's manifest (its recipe key, inputs, golden values and facts;
                 an imported model's manifest holds the fingerprint of its files), the
                 consumer's sources, the harness code, the consuming env's resolved package
                 set and Python, the record schema.
The package set is what is installed (read from the env's *.dist-info folders), not what
tox.ini asks for: an unpinned tf-nightly changes daily, and so does its key.
Stdlib only, Python 3.7.
"""
import glob
import hashlib
import json
import os
import platform
import sys
from typing import Any, Dict, List

from matrix.cell import ROOT
from matrix.discovery import source_closure
from matrix.records import SCHEMA_VERSION

# The modules every cell's verdict passes through (the rest of the harness follows from their imports).
HARNESS_ENTRIES = ("matrix/worker.py", "matrix/session.py")


def digest(parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def files_digest(paths: List[str]) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        with open(path, "rb") as f:
            h.update(os.path.relpath(path, ROOT).encode("utf-8") + b"\0" + hashlib.sha256(f.read()).digest())
    return h.hexdigest()


_HARNESS = {}  # type: Dict[str, str]


def harness() -> str:
    """The digest of the harness code every cell passes through."""
    if "digest" not in _HARNESS:
        _HARNESS["digest"] = files_digest(source_closure([os.path.join(ROOT, p) for p in HARNESS_ENTRIES]))
    return _HARNESS["digest"]


def installed_packages() -> List[str]:
    """name-version of every distribution importable here (the resolved package set)."""
    found = set()
    for folder in sys.path:
        if not folder or not os.path.isdir(folder):
            continue
        for meta in glob.glob(os.path.join(folder, "*.dist-info")) + glob.glob(os.path.join(folder, "*.egg-info")):
            found.add(os.path.basename(meta).rsplit(".", 1)[0].lower().replace("_", "-"))
    return sorted(found)


def environment() -> str:
    """The running Python environment's key: its resolved packages, Python and machine."""
    return digest({"packages": installed_packages(), "python": platform.python_version(),
                   "implementation": platform.python_implementation(), "machine": platform.machine()})


def artifact_digest(manifest: Dict[str, Any]) -> str:
    """An artifact as its consumers see it: the manifest (recipe key, inputs, goldens, facts)."""
    return digest({k: v for k, v in manifest.items() if k != "created"})


def produce_key(plugin: str, case: str, env: str) -> str:
    """plugin: files_digest of the producer's sources; env: environment() of the producing env."""
    return digest(["produce", plugin, case, harness(), env, SCHEMA_VERSION])


def availability_key(plugin: str, env: str) -> str:
    """Whether a consumer's API exists in an env (its available(tf) in the TF worker). plugin: files_digest
    of the consumer's sources; env: environment() of the env."""
    return digest(["available", plugin, harness(), env, SCHEMA_VERSION])


def consume_key(artifact: str, plugin: str, env: str) -> str:
    """artifact: artifact_digest of the manifest; plugin: files_digest of the consumer's sources."""
    return digest(["consume", artifact, plugin, harness(), env, SCHEMA_VERSION])
