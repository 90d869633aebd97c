"""The cell cache: verdicts by content key (matrix/keys.py), so a run re-runs only what changed.

One small JSON file per verdict, written atomically (temporary file, then
rename) the moment the cell finishes: a killed run keeps every verdict it
reached, two writers never corrupt each other, and stores on several machines
merge by copying files. Harness trouble (error, crash, timeout) is never
cached. The TF worker's hello (the env's TF/Keras/Python versions) is cached
by the env's key too, so a phase whose every cell is reused needs no TF import;
and what the worker said of each consumer (whether its API exists in this TF) is
cached by the consumer's sources, the harness and the env, so the next phase can
decide its cells that need no TF before pytest starts (matrix/upfront.py).
"""
import json
import os
from dataclasses import asdict
from typing import Any, Dict, Optional

from matrix.cell import RERUN, Store


class Cache(object):
    def __init__(self, store: Store, phase: str, env: str, env_key: str) -> None:
        self.store, self.phase, self.env, self.env_key = store, phase, env, env_key

    def get(self, key: str) -> Optional[Dict[str, Any]]:
        try:
            with open(self.store.cache_file(self.phase, self.env, key)) as f:
                record = json.load(f)
        except (OSError, ValueError):
            return None
        return record if record.get("key") == key and record.get("status") not in RERUN else None

    def put(self, record: Dict[str, Any]) -> None:
        _write(self.store.cache_file(self.phase, self.env, record["key"]), record)

    def _hello_file(self) -> str:
        return os.path.join(self.store.cache, "hello", self.env_key + ".json")

    def hello(self) -> Optional[Dict[str, str]]:
        try:
            with open(self._hello_file()) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def save_hello(self, hello: Any) -> None:
        data = asdict(hello)
        _write(self._hello_file(), {k: str(data[k]) for k in ("tf", "keras", "python", "platform")})

    def _availability_file(self, key: str) -> str:
        return os.path.join(self.store.cache, "available", key + ".json")

    def availability(self, key: str) -> Optional[Dict[str, str]]:
        """{"unavailable": why, or ""} as a TF worker said it for keys.availability_key; None if unknown."""
        try:
            with open(self._availability_file(key)) as f:
                data = json.load(f)
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and isinstance(data.get("unavailable"), str) else None

    def save_availability(self, key: str, unavailable: str) -> None:
        _write(self._availability_file(key), {"unavailable": unavailable})


def _write(path: str, data: Dict[str, Any]) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(json.dumps(data, sort_keys=True))  # (json.dump never uses the C encoder)
    os.replace(tmp, path)
