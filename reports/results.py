"""Recorded results as pandas tables: load, validate, order versions."""
import configparser
import glob
import json
import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import pandas as pd

from matrix import paths, records

COLUMNS = ["producer", "case", "producer_env", "producer_tf", "producer_python", "producer_api",
           "consumer", "consumer_env", "consumer_tf", "consumer_python", "consumer_api",
           "status", "reason", "seconds", "detail", "artifact", "run_id", "finished"]
PRODUCE_COLUMNS = ["producer", "case", "producer_env", "producer_tf", "producer_python", "producer_api",
                   "status", "reason", "seconds", "detail", "artifact", "run_id", "finished"]


def version_key(version: str) -> tuple:
    """Orders '1.15.5' < '2.4.4' < '2.21.0' < '2.23.0.dev20261026'; unknown versions last."""
    parts = re.findall(r"\d+|[a-z]+", str(version).lower())
    if not parts or not parts[0].isdigit():
        return ((2, 10 ** 9, str(version)),)
    key = []
    for p in parts:
        key.append((1, int(p), "") if p.isdigit() else (0, 0, p))  # 'dev'/'rc' sort before the release
    return tuple(key)


@dataclass
class Results:
    cells: pd.DataFrame
    produced: pd.DataFrame
    envs: pd.DataFrame
    invalid: List[str] = field(default_factory=list)
    run: Dict[str, str] = field(default_factory=dict)

    @property
    def tf_order(self) -> List[str]:
        versions = set(self.cells.get("producer_tf", [])) | set(self.cells.get("consumer_tf", []))
        versions |= set(self.produced.get("producer_tf", []))
        return sorted(versions, key=version_key)


def read_records(folder: str) -> (List[dict], List[str]):
    good, bad = [], []
    for path in sorted(glob.glob(os.path.join(folder, "*.jsonl"))):
        with open(path) as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                where = "%s:%d" % (os.path.basename(path), n)
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    bad.append("%s: not JSON (%s)" % (where, exc))
                    continue
                problems = records.validate(record)
                if problems:
                    bad.append("%s: %s" % (where, "; ".join(problems)))
                else:
                    good.append(record)
    return good, bad


def _frame(rows: List[dict], columns: List[str], key: List[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        return frame
    # A cell run twice (an env re-run alone) counts once: its latest verdict.
    return frame.sort_values("finished").drop_duplicates(key, keep="last").reset_index(drop=True)


def load(folder: Optional[str] = None) -> Results:
    folder = folder or paths.RESULTS
    rows, invalid = read_records(folder)
    cells = _frame([r for r in rows if r["kind"] == "cell"], COLUMNS,
                   ["producer", "case", "producer_env", "consumer", "consumer_env"])
    produced = _frame([r for r in rows if r["kind"] == "produce"], PRODUCE_COLUMNS,
                      ["producer", "case", "producer_env"])
    envs = pd.DataFrame([r for r in rows if r["kind"] == "env"],
                        columns=["env", "phase", "tf", "keras", "python", "platform", "started", "run_id"])
    envs = envs.drop_duplicates(["env", "phase"], keep="last").reset_index(drop=True)
    run = {}
    run_file = os.path.join(os.path.dirname(folder.rstrip("/")), "run.json")
    if os.path.exists(run_file):
        with open(run_file) as f:
            run = json.load(f)
    return Results(cells, produced, envs, invalid, run)


def planned_envs(tox_ini: Optional[str] = None) -> Dict[str, str]:
    """The TF environments tox.ini's [matrix] section lists, with the Python each needs."""
    parser = configparser.ConfigParser()
    parser.read(tox_ini or os.path.join(paths.ROOT, "tox.ini"))
    section = dict(parser["matrix"]) if parser.has_section("matrix") else {}
    section.pop("preview", None)
    return section


def preview_envs(tox_ini: Optional[str] = None) -> List[str]:
    parser = configparser.ConfigParser()
    parser.read(tox_ini or os.path.join(paths.ROOT, "tox.ini"))
    return parser.get("matrix", "preview", fallback="").split()


def _from_payload(payload: dict, source: str) -> Results:
    cells = pd.DataFrame(payload.get("cells", []))
    for c in COLUMNS:
        if c not in cells.columns:
            cells[c] = pd.Series(dtype=object)
    produced = pd.DataFrame(payload.get("produced", []))
    for c in PRODUCE_COLUMNS:
        if c not in produced.columns:
            produced[c] = pd.Series(dtype=object)
    envs = pd.DataFrame(payload.get("envs", []),
                        columns=["env", "phase", "tf", "keras", "python", "platform", "started", "run_id"])
    meta = payload.get("meta", {})
    run = {"run_id": meta.get("run_id", ""), "started": meta.get("date", ""), "source": source}
    return Results(cells[COLUMNS + [c for c in cells.columns if c not in COLUMNS]], produced, envs,
                   payload.get("invalid_records", []), run)


def load_any(path: str) -> Results:
    """Results from a folder of *.jsonl records, an artifacts folder (with results/), a history run folder
    (with results.json) or a results.json file. Raises FileNotFoundError when there is nothing to read."""
    if os.path.isfile(path):
        with open(path) as f:
            if path.endswith(".jsonl"):
                raise FileNotFoundError("%s: give the folder that holds the *.jsonl files" % path)
            return _from_payload(json.load(f), path)
    if not os.path.isdir(path):
        raise FileNotFoundError("%s does not exist" % path)
    if glob.glob(os.path.join(path, "*.jsonl")):
        return load(path)
    if os.path.isfile(os.path.join(path, "results.json")):
        return load_any(os.path.join(path, "results.json"))
    if os.path.isdir(os.path.join(path, "results")) and glob.glob(os.path.join(path, "results", "*.jsonl")):
        return load(os.path.join(path, "results"))
    raise FileNotFoundError("%s holds no *.jsonl records and no results.json" % path)
