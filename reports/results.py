"""A run's records as pandas tables: load, validate, and upgrade older schemas.

    load()                       the current run of the default store (artifacts/)
    load_any(path)               a store folder, a run's results folder (*.jsonl),
                                 a report history folder, or its results.json
Records are matrix/records.py's; a cell recorded twice in one run (a narrowed
re-run) counts once, by its latest verdict. Runs recorded by an older schema
(kind "cell", not-applicable cells recorded as "unavailable: not applicable: ...")
are read as today's, so `reports diff` compares across the change.
"""
import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import pandas as pd

from matrix import envs as matrix_envs
from matrix import records
from matrix.cell import Store
from reports import versions

COLUMNS = ["cell", "producer", "case", "producer_env", "producer_tf", "producer_python", "producer_api",
           "consumer", "consumer_env", "consumer_tf", "consumer_python", "consumer_api",
           "status", "reason", "seconds", "detail", "artifact", "golden", "writer_tf", "mismatch", "key", "reused_from",
           "run_id", "finished"]
PRODUCE_COLUMNS = ["cell", "producer", "case", "producer_env", "producer_tf", "producer_python", "producer_api",
                   "status", "reason", "seconds", "detail", "artifact", "key", "reused_from", "run_id", "finished"]
REFERENCE_COLUMNS = ["cell", "producer", "case", "artifact", "env", "tf", "python", "status", "reason", "api",
                     "outputs", "seconds", "key", "reused_from", "run_id", "finished"]
ENV_COLUMNS = ["env", "phase", "shard", "tf", "keras", "python", "platform", "packages", "started", "run_id"]
CELL_KEY = ["producer", "case", "producer_env", "consumer", "consumer_env"]


@dataclass
class Results:
    cells: pd.DataFrame
    produced: pd.DataFrame
    envs: pd.DataFrame
    references: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REFERENCE_COLUMNS))
    invalid: List[str] = field(default_factory=list)
    run: Dict[str, str] = field(default_factory=dict)

    @property
    def tf_order(self) -> List[str]:
        found = set(self.cells.get("producer_tf", [])) | set(self.cells.get("consumer_tf", []))
        found |= set(self.produced.get("producer_tf", []))
        return sorted((v for v in found if isinstance(v, str)), key=versions.key)

    def replace(self, **changes: Any) -> "Results":
        values = dict(self.__dict__)
        values.update(changes)
        return Results(**values)


def as_rows(frame: pd.DataFrame) -> List[Dict[str, Any]]:
    """The frame's rows as dicts, as DataFrame.to_dict(orient="records") gives them, four times faster:
    pandas 3 boxes each value of a string column one by one there (0.99 s against 0.29 s for the
    61,000 cells of a full run), and the reports turn frames into rows some 50 times a build."""
    columns = list(frame.columns)
    return [dict(zip(columns, values)) for values in zip(*(frame[c].tolist() for c in columns))]


def _upgrade(record: Dict[str, Any]) -> Dict[str, Any]:
    """A schema-1 record as schema 2 reads it (for comparing with runs made before the change)."""
    record = dict(record)
    if record.get("kind") == "cell":
        record["kind"] = "consume"
    if record.get("status") == "unavailable" and str(record.get("reason", "")).startswith("not applicable: "):
        record["status"], record["reason"] = "not_applicable", record["reason"][len("not applicable: "):]
    if "cell" not in record and record.get("kind") == "consume":
        record["cell"] = "%s-%s/%s/%s@%s" % (record["consumer"], record["producer_env"], record["producer"],
                                             record["case"], record["consumer_env"])
    return record


def _frame(rows: List[Dict[str, Any]], columns: List[str], key: List[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in columns:
        if column not in frame.columns:
            frame[column] = pd.Series([""] * len(frame), dtype=object) if column != "seconds" else 0.0
    frame = frame[columns + [c for c in frame.columns if c not in columns]]
    if frame.empty:
        return frame
    # A cell run twice in one run (a narrowed re-run) counts once: its latest verdict.
    return frame.sort_values("finished", kind="stable").drop_duplicates(key, keep="last").reset_index(drop=True)


def from_records(rows: List[Dict[str, Any]], invalid: Optional[List[str]] = None,
                 run: Optional[Dict[str, str]] = None) -> Results:
    rows = [_upgrade(r) for r in rows]
    cells = _frame([r for r in rows if r.get("kind") == "consume"], COLUMNS, CELL_KEY)
    produced = _frame([r for r in rows if r.get("kind") == "produce"], PRODUCE_COLUMNS,
                      ["producer", "case", "producer_env"])
    references = _frame([r for r in rows if r.get("kind") == "reference"], REFERENCE_COLUMNS, ["artifact", "env"])
    envs = pd.DataFrame([r for r in rows if r.get("kind") == "env"])
    for column in ENV_COLUMNS:
        if column not in envs.columns:
            envs[column] = pd.Series([""] * len(envs), dtype=object)
    envs = envs[ENV_COLUMNS].drop_duplicates(["env", "phase", "shard"], keep="last").reset_index(drop=True)
    return Results(cells, produced, envs, references, list(invalid or []), dict(run or {}))


def read_current(store: Optional[str] = None) -> Tuple[List[Dict[str, Any]], List[str], Dict[str, Any]]:
    """(records, invalid lines, run) of a store's current run (default: artifacts/ in the checkout)."""
    s = Store(store)
    run = s.current_run(start=False)
    if run is None:
        return [], [], {"store": s.root}
    rows, invalid = records.read_folder(s.results_dir(run))
    return rows, invalid, dict(run.to_json(), store=s.root)


def load(store: Optional[str] = None) -> Results:
    """The current run of a store (default: artifacts/ in the checkout)."""
    return from_records(*read_current(store))


def load_folder(folder: str) -> Results:
    rows, invalid = records.read_folder(folder)
    ids = [r.get("run_id") for r in rows if r.get("run_id") and not r.get("reused_from")]
    run_id = max(set(ids), key=ids.count) if ids else os.path.basename(os.path.normpath(folder))
    return from_records(rows, invalid, {"run_id": run_id, "source": folder})


def _from_payload(payload: Dict[str, Any], source: str) -> Results:
    rows = [dict(r, kind="consume") for r in payload.get("cells", [])]
    rows += [dict(r, kind="produce") for r in payload.get("produced", [])]
    rows += [dict(r, kind="reference") for r in payload.get("references", [])]
    rows += [dict(r, kind="env") for r in payload.get("envs", [])]
    meta = payload.get("meta", {})
    return from_records(rows, payload.get("invalid_records", []),
                        {"run_id": meta.get("run_id", ""), "started": meta.get("date", ""), "source": source})


def load_any(path: str) -> Results:
    """Results from a store folder (its current run), a folder of *.jsonl records, a report history folder
    (with results.json) or a results.json file. Raises FileNotFoundError when there is nothing to read."""
    if os.path.isfile(path):
        if path.endswith(".jsonl"):
            raise FileNotFoundError("%s: give the folder that holds the *.jsonl files" % path)
        with open(path) as f:
            return _from_payload(json.load(f), path)
    if not os.path.isdir(path):
        raise FileNotFoundError("%s does not exist" % path)
    if any(n.endswith(".jsonl") for n in os.listdir(path)):
        return load_folder(path)
    if os.path.isfile(os.path.join(path, "results.json")):
        return load_any(os.path.join(path, "results.json"))
    if os.path.isfile(os.path.join(path, "run.json")):
        return load(path)
    raise FileNotFoundError("%s holds no *.jsonl records, no results.json and no run.json" % path)


def planned() -> Tuple[Dict[str, str], List[str]]:
    """({stable env: the Python it needs}, [preview envs]) from matrix.toml."""
    found = matrix_envs.envs()
    return {e.name: e.python for e in found if not e.preview}, [e.name for e in found if e.preview]
