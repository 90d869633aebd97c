"""Result records: versioned, schema-checked JSON lines, one line per finished cell.

Three kinds share one file format:
  env      one per (phase, TF environment): the versions a phase ran with
  produce  one per (producer, case) in a TF environment
  cell     one per (artifact, consumer) in a TF environment
Each line is written and fsync'ed when its cell finishes, so a run that dies
keeps every verdict reached before it died.
"""
import datetime
import json
import os
import uuid
from typing import Any, Dict, List

from matrix import paths

SCHEMA_VERSION = 1
STATUSES = ("pass", "fail", "unavailable", "error", "crash", "timeout")

_STR = (str,)
_NUM = (int, float)
FIELDS = {
    "env": {
        "schema": (int,), "kind": _STR, "run_id": _STR, "phase": _STR, "env": _STR,
        "tf": _STR, "keras": _STR, "python": _STR, "platform": _STR, "started": _STR,
    },
    "produce": {
        "schema": (int,), "kind": _STR, "run_id": _STR, "producer": _STR, "producer_api": _STR,
        "case": _STR, "producer_env": _STR, "producer_tf": _STR, "producer_python": _STR,
        "status": _STR, "reason": _STR, "detail": _STR, "seconds": _NUM, "artifact": _STR, "finished": _STR,
    },
    "cell": {
        "schema": (int,), "kind": _STR, "run_id": _STR, "producer": _STR, "producer_api": _STR,
        "case": _STR, "producer_env": _STR, "producer_tf": _STR, "producer_python": _STR,
        "consumer": _STR, "consumer_api": _STR, "consumer_env": _STR, "consumer_tf": _STR,
        "consumer_python": _STR, "status": _STR, "reason": _STR, "detail": _STR, "seconds": _NUM,
        "artifact": _STR, "finished": _STR,
    },
}


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def validate(record: Dict[str, Any]) -> List[str]:
    """The ways `record` breaks the schema; empty when it is valid."""
    kind = record.get("kind")
    if kind not in FIELDS:
        return ["unknown kind %r" % (kind,)]
    problems = []
    if record.get("schema") != SCHEMA_VERSION:
        problems.append("schema %r, expected %d" % (record.get("schema"), SCHEMA_VERSION))
    for name, types in FIELDS[kind].items():
        if name not in record:
            problems.append("missing field %r" % name)
        elif not isinstance(record[name], types) or isinstance(record[name], bool):
            problems.append("field %r is %s" % (name, type(record[name]).__name__))
    if "status" in FIELDS[kind] and record.get("status") not in STATUSES:
        problems.append("status %r is not one of %s" % (record.get("status"), ", ".join(STATUSES)))
    return problems


def append(path: str, record: Dict[str, Any]) -> None:
    problems = validate(record)
    if problems:
        raise ValueError("invalid %s record: %s" % (record.get("kind"), "; ".join(problems)))
    line = json.dumps(record, sort_keys=True) + "\n"
    with open(path, "a") as f:
        f.write(line)
        f.flush()
        os.fsync(f.fileno())


def read(path: str) -> List[Dict[str, Any]]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def new_run() -> Dict[str, str]:
    os.makedirs(paths.ARTIFACTS, exist_ok=True)
    started = now()
    run = {"run_id": started.replace(":", "").replace("-", "") + "-" + uuid.uuid4().hex[:6], "started": started}
    with open(paths.RUN, "w") as f:
        json.dump(run, f)
    return run


def current_run() -> Dict[str, str]:
    """The run that `tox`'s begin step started; a new one when an env runs alone first."""
    try:
        with open(paths.RUN) as f:
            return json.load(f)
    except (OSError, ValueError):
        return new_run()
