"""Real SavedModels written by TF 0.12-2.14 (shared/corpus) as artifacts of the pseudo-producer `corpus`.

They were written by TensorFlow releases, not by this project, and their
expected outputs come from TF Serving's and TensorFlow's own tests
(shared/corpus/expected.json). Importing them into the store lets every
consumer in every TF environment load models nobody here wrote. Stdlib only:
the `begin` step runs it without TensorFlow.
"""
import json
import os
import re
import shutil
from typing import Dict, List, Optional

from matrix import paths, records, store

ENV = "corpus"


def corpus_dir() -> Optional[str]:
    folder = os.environ.get("MATRIX_CORPUS") or os.path.join(os.path.dirname(paths.ROOT), "shared", "corpus")
    return folder if os.path.isfile(os.path.join(folder, "expected.json")) else None


def writer_versions(folder: str) -> Dict[str, str]:
    """dir -> the TF version that wrote it, from the corpus README's index table."""
    versions = {}
    with open(os.path.join(folder, "README.md")) as f:
        for line in f:
            m = re.match(r"\|\s*`([^`]+)`\s*\|[^|]*\|\s*([0-9][^|\s]*)\s*\|", line)
            if m:
                versions[m.group(1)] = m.group(2)
    return versions


def usable(entry: Dict) -> bool:
    """One signature call with fixed inputs and fully known expected outputs (no call sequences).

    Entries whose source test leaves an output's shape or dtype unstated are
    skipped rather than guessed: the grid compares both exactly."""
    outputs = entry.get("expected_outputs") or {}
    return bool(entry.get("signature") and not entry.get("mode") and not entry.get("sequence")
                and entry.get("inputs") and outputs
                and all(t.get("shape") is not None and t.get("dtype") for t in outputs.values()))


def import_corpus() -> List[str]:
    """Copy each corpus model with its first usable expected call into the store; returns artifact folders."""
    folder = corpus_dir()
    if folder is None:
        return []
    with open(os.path.join(folder, "expected.json")) as f:
        entries = json.load(f)
    versions = writer_versions(folder)
    done = []
    for entry in entries:
        name = entry["dir"]
        target = store.artifact_dir(ENV, "corpus", name)
        if target in done or not usable(entry):
            continue
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(os.path.join(folder, name), os.path.join(target, "model"))
        store.write_manifest(target, {
            "schema": store.MANIFEST_SCHEMA, "producer": "corpus", "api": "written by TF %s (%s)" % (
                versions.get(name, "?"), name.split("__")[0]),
            "case": name, "env": ENV, "tf": versions.get(name, "unknown"), "keras": "n/a", "python": "n/a",
            "platform": "n/a", "path": "model", "tags": entry["tags"], "signature": entry["signature"],
            "inputs": entry["inputs"], "outputs": entry["expected_outputs"], "variables": {},
            "variable_kind": "unknown", "format": "saved_model", "created": records.now(),
            "notes": "expected values from " + entry["source_test"], "extra": {"source_test": entry["source_test"]}})
        done.append(target)
    return done
