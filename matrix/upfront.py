"""Consume cells decided before pytest: those whose verdict needs no TF.

About half of a consume phase's cells are `unavailable` (the consumer's API does
not exist in this TF: the TF worker's word, cached by matrix/cache.py from an
earlier worker of the same env, consumer sources and harness) or
`not_applicable` (the consumer declares it has nothing to check on this
artifact: its applies(), from the manifest). The session reaches the same
verdicts in the same order (session.without_tf), but as pytest tests they cost
pytest's per-test work, in both xdist workers and the controller, for no load
at all. Here they are decided, recorded and cached in one pass; every cell
that needs TF, or whose facts are not known yet (no worker of this env has
said what exists here), goes to pytest as before.
"""
import time
from typing import Any, Dict, List, Tuple

from matrix import records
from matrix.cache import Cache
from matrix.cell import Run, Store
from matrix.discovery import Plugins
from matrix.session import availability_key, consume_record, read_manifest, without_tf


def decide(store: Store, run: Run, env: str, cells: List[Any], plugins: Plugins, cache: Cache,
           allow_model_code: bool) -> Tuple[List[Dict[str, Any]], List[Any]]:
    """(records of the cells decided here, the planned cells left for pytest)."""
    versions = cache.hello()
    if versions is None or not cells:
        return [], cells
    modules, unavailable = {}, {}  # type: Dict[str, Any], Dict[str, Any]
    manifests = {}  # type: Dict[Any, Any]
    decided, left = [], []
    for planned in cells:
        cell = planned.cell
        if cell.phase != "consume":
            left.append(planned)
            continue
        name = cell.consumer
        if name not in modules:
            try:
                modules[name] = plugins.load("consumers", name)
                known = cache.availability(availability_key(plugins, name, cache.env_key))
                unavailable[name] = None if known is None else known["unavailable"]
            except Exception:  # its cells are errors, reached by the session
                modules[name], unavailable[name] = None, None
        if modules[name] is None or unavailable[name] is None:
            left.append(planned)
            continue
        if cell.artifact not in manifests:
            manifests[cell.artifact] = read_manifest(store.artifact_dir(cell.artifact))[0]
        manifest = manifests[cell.artifact]
        started = time.time()
        verdict = without_tf(modules[name], manifest, unavailable[name], allow_model_code) if manifest else None
        if verdict is None:
            left.append(planned)
            continue
        decided.append(records.to_json(consume_record(run, cell, planned.key, manifest, modules[name], env,
                                                      versions, verdict, time.time() - started)))
    return decided, left
