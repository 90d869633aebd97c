"""Result records: one schema-checked JSON line per finished cell, built from a Cell and its verdict.

Three kinds share one file format:
  env      one per (phase, TF environment, pytest worker): the versions a phase ran with
  produce  one per produce cell: an artifact written (or not)
  consume  one per consume cell: an artifact read by a consumer
A record is appended (and flushed) the moment its cell finishes, so a run that
is killed keeps every verdict reached before it died. `python -m matrix schema`
prints the schema. A reused verdict (the cell's content key had one already)
is recorded again with `reused_from` naming the run that computed it.
"""
import json
import os
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any, Dict, List, Tuple

from matrix.cell import STATUSES, Run, now

SCHEMA_VERSION = 4  # 3: a reference record says which outputs vary from one load to the next; 4: whether it loads
OLDEST_READABLE = 2  # records of schema 2 and 3 read as 4 (upgrade)


@dataclass
class EnvRecord:
    run_id: str
    phase: str
    env: str
    tf: str
    keras: str
    python: str
    platform: str
    started: str
    packages: str = ""         # content key of the resolved package set (matrix/keys.py)
    shard: str = ""
    import_seconds: float = -1.0
    kind: str = "env"
    schema: int = SCHEMA_VERSION


@dataclass
class ProduceRecord:
    run_id: str
    cell: str
    producer: str
    producer_api: str
    case: str
    producer_env: str
    producer_tf: str
    producer_python: str
    status: str
    reason: str = ""
    detail: str = ""
    seconds: float = 0.0
    finished: str = ""
    artifact: str = ""          # the artifact id, when one was written
    key: str = ""               # the content key the verdict is cached under
    reused_from: str = ""       # the run that computed this verdict, when it was reused
    kind: str = "produce"
    schema: int = SCHEMA_VERSION


@dataclass
class ConsumeRecord:
    run_id: str
    cell: str
    producer: str
    producer_api: str
    case: str
    producer_env: str
    producer_tf: str
    producer_python: str
    consumer: str
    consumer_api: str
    consumer_env: str
    consumer_tf: str
    consumer_python: str
    status: str
    reason: str = ""
    detail: str = ""
    seconds: float = 0.0
    finished: str = ""
    artifact: str = ""
    golden: str = ""            # where the golden values came from (Manifest.golden.by)
    writer_tf: str = ""         # the TF version the model files say wrote them
    mismatch: str = ""          # a fail on outputs: what differs (matrix/compare.py KINDS)
    key: str = ""
    reused_from: str = ""
    kind: str = "consume"
    schema: int = SCHEMA_VERSION


@dataclass
class ReferenceRecord:
    """A TF environment's outputs for an imported model that states none: a candidate golden (matrix/reference.py)."""
    run_id: str
    cell: str
    producer: str
    case: str
    artifact: str
    env: str
    tf: str
    python: str
    status: str
    reason: str = ""
    detail: str = ""
    api: str = ""               # the load API whose outputs these are
    outputs: Dict[str, Any] = field(default_factory=dict)  # name -> tensor JSON, when it passed
    varies: Dict[str, Any] = field(default_factory=dict)   # name -> how two loads' values of it differed
    loads: bool = False         # it failed, but the model loads: running it on its synthesized inputs failed
    seconds: float = 0.0
    finished: str = ""
    key: str = ""
    reused_from: str = ""
    kind: str = "reference"
    schema: int = SCHEMA_VERSION


KINDS = {"env": EnvRecord, "produce": ProduceRecord, "reference": ReferenceRecord, "consume": ConsumeRecord}
# Fields that belong to one execution, not to the verdict: what a reused record gets anew.
RUN_FIELDS = ("run_id", "finished", "reused_from")


def _type_name(declared: Any) -> str:
    return declared.__name__ if declared in (str, int, float, bool) else "object"


def schema() -> Dict[str, Dict[str, str]]:
    """kind -> field -> type name: the one schema, printable."""
    return {kind: {f.name: _type_name(f.type) for f in fields(cls)} for kind, cls in KINDS.items()}


def validate(record: Dict[str, Any]) -> List[str]:
    """The ways `record` breaks the schema; empty when it is valid."""
    kind = record.get("kind")
    if kind not in KINDS:
        return ["unknown kind %r" % (kind,)]
    problems = []
    if record.get("schema") != SCHEMA_VERSION:
        problems.append("schema %r, expected %d" % (record.get("schema"), SCHEMA_VERSION))
    types = {"str": (str,), "float": (int, float), "int": (int,), "bool": (bool,), "object": (dict,)}
    declared = {f.name: _type_name(f.type) for f in fields(KINDS[kind])}
    for name, type_name in declared.items():
        if name not in record:
            problems.append("missing field %r" % name)
        elif not isinstance(record[name], types[type_name]) or isinstance(record[name], bool) != (type_name == "bool"):
            problems.append("field %r is %s" % (name, type(record[name]).__name__))
    unknown = sorted(set(record) - set(declared))
    if unknown:
        problems.append("unknown fields %s" % ", ".join(unknown))
    if "status" in declared and record.get("status") not in STATUSES:
        problems.append("status %r is not one of %s" % (record.get("status"), ", ".join(STATUSES)))
    return problems


def to_json(record: Any) -> Dict[str, Any]:
    return asdict(record)


def append(path: str, record: Any) -> None:
    """One line, flushed: a killed process keeps it (the kernel has it once write() returned)."""
    append_all(path, [to_json(record) if not isinstance(record, dict) else record])


def append_all(path: str, found: List[Dict[str, Any]]) -> None:
    """Many records in one write, each checked first."""
    if not found:
        return
    for data in found:
        problems = validate(data)
        if problems:
            raise ValueError("invalid %s record: %s" % (data.get("kind"), "; ".join(problems)))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a") as f:
        f.write("".join(json.dumps(data, sort_keys=True) + "\n" for data in found))


def upgrade(record: Dict[str, Any]) -> Dict[str, Any]:
    """A record of an older schema this harness can still read, as the current schema: the fields added
    since take their defaults (schema 2 had no reference `varies`: nothing was found to vary; schema 3 no
    `loads`: no load was tried alone). So a diff across a harness upgrade reads both runs; cache keys hold
    the schema, so no old verdict is reused."""
    kind, schema = record.get("kind"), record.get("schema")
    if kind not in KINDS or not isinstance(schema, int) or not OLDEST_READABLE <= schema < SCHEMA_VERSION:
        return record
    out = dict(record, schema=SCHEMA_VERSION)
    for f in fields(KINDS[kind]):
        if f.name in out:
            continue
        if f.default is not MISSING:
            out[f.name] = f.default
        elif f.default_factory is not MISSING:  # type: ignore[misc]
            out[f.name] = f.default_factory()  # type: ignore[misc]
    return out


def read_folder(folder: str, prefix: str = "") -> Tuple[List[Dict[str, Any]], List[str]]:
    """(valid records, one line per invalid or unreadable line) from every <prefix>*.jsonl file in `folder`."""
    good, bad = [], []  # type: Tuple[List[Dict[str, Any]], List[str]]
    if not os.path.isdir(folder):
        return good, bad
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".jsonl") or not name.startswith(prefix):
            continue
        with open(os.path.join(folder, name)) as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                where = "%s:%d" % (name, n)
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    bad.append("%s: not JSON (%s)" % (where, exc))  # e.g. the last line of a killed writer
                    continue
                record = upgrade(record) if isinstance(record, dict) else record
                problems = validate(record) if isinstance(record, dict) else ["not an object"]
                if problems:
                    bad.append("%s: %s" % (where, "; ".join(problems)))
                else:
                    good.append(record)
    return good, bad


def reused(record: Dict[str, Any], run: Run) -> Dict[str, Any]:
    """A cached verdict recorded again in `run`, saying which run computed it."""
    return dict(record, run_id=run.run_id, finished=now(), reused_from=record.get("reused_from") or record["run_id"])
