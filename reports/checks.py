"""Checks that keep the table true, run on every report: each lists cells to read by hand.

  diagonal        a red cell where the TF that wrote the model reads it through a load API the save
                  API documents (producers' LOADS_WITH) and no known-issue entry explains it:
                  "unexplained diagonal failure". The writing TF reading its own model is the one
                  place every documented path should work; a red cell there is a harness bug or a
                  documented limitation that belongs in reports/known_issues.toml.
  disagreement    equivalent loaders (tf2_load, hub_load, tf2_restored; tf1_session,
                  saved_model_cli, c_api) that disagree on one artifact in one TF, unexplained by
                  a known-issue entry: both reasons side by side.
  reason          a reason that is not the API's own error message: a traceback line, a generic
                  wrapper or hint (matrix/reasons.py), or a claim about the model's origin that the
                  model's own files contradict.
"""
import re
from typing import Dict, Tuple

import pandas as pd

from matrix import models, reasons
from matrix.discovery import Plugins
from reports import versions
from reports.results import Results, as_rows

RED = ("fail", "error", "crash", "timeout")
EQUIVALENT = (("tf2_load", "hub_load", "tf2_restored"), ("tf1_session", "saved_model_cli", "c_api"))
_TF1_CLAIM = re.compile(r"\bTF ?1(\.x)?\b(?! *\.\d)", re.I)


def documented_loaders() -> Dict[str, Tuple[str, ...]]:
    """producer -> the load APIs its documentation shows (a producer that cannot be imported: none)."""
    return {name: tuple(getattr(module, "LOADS_WITH", ()))
            for name, module in Plugins().importable("producers").items()}


def diagonal(results: Results) -> pd.DataFrame:
    cells = results.cells
    if cells.empty:
        return cells
    loaders = documented_loaders()
    documented = [c in (models.LOADS_WITH if env == models.ENV else loaders.get(p, ()))
                  for p, env, c in zip(cells["producer"], cells["producer_env"], cells["consumer"])]
    # an imported model has no producing env: its diagonal is the env whose TF wrote it (same minor)
    same = [(pe == ce) or (pe == models.ENV and versions.known(w) and versions.minor(w) == versions.minor(ct))
            for pe, ce, w, ct in zip(cells["producer_env"], cells["consumer_env"], cells["writer_tf"], cells["consumer_tf"])]
    red = cells["status"].isin(RED) & pd.Series(documented, index=cells.index) & pd.Series(same, index=cells.index)
    return cells[red & (cells["known_id"] == "")].reset_index(drop=True)


def disagreements(results: Results) -> pd.DataFrame:
    """Pairs of equivalent loaders, one passing and one red, on the same artifact and TF."""
    cells = results.cells
    columns = ["artifact", "consumer_env", "passes", "fails", "status", "reason", "known_id"]
    if cells.empty:
        return pd.DataFrame(columns=columns)
    frames = []
    for group in EQUIVALENT:
        part = cells[cells["consumer"].isin(group)]
        red = part[part["status"].isin(RED) & (part["known_id"] == "")]
        ok = part.loc[part["status"] == "pass", ["artifact", "consumer_env", "consumer"]]
        pairs = red.merge(ok, on=["artifact", "consumer_env"], suffixes=("", "_ok"))
        frames.append(pd.DataFrame({"artifact": pairs["artifact"], "consumer_env": pairs["consumer_env"],
                                    "passes": pairs["consumer_ok"], "fails": pairs["consumer"],
                                    "status": pairs["status"], "reason": pairs["reason"], "known_id": pairs["known_id"]}))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return out.sort_values(["artifact", "consumer_env", "fails", "passes"]).reset_index(drop=True)[columns]


def reason_problems(results: Results) -> pd.DataFrame:
    cells = results.cells
    columns = ["cell", "status", "reason", "problem"]
    if cells.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for cell in as_rows(cells[cells["status"].isin(RED)]):
        problem = reasons.problem(str(cell["reason"]))
        writer = str(cell.get("writer_tf") or cell.get("producer_tf") or "")
        if problem is None and _TF1_CLAIM.search(str(cell["reason"])) and versions.major(writer) >= 2:
            problem = "a claim about the model's origin: its files say TF %s wrote it" % writer
        if problem:
            rows.append({"cell": cell["cell"], "status": cell["status"], "reason": cell["reason"], "problem": problem})
    return pd.DataFrame(rows, columns=columns)


def run_all(results: Results) -> Dict[str, pd.DataFrame]:
    return {"diagonal": diagonal(results), "disagreement": disagreements(results), "reason": reason_problems(results)}
