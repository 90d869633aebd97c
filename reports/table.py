"""The compatibility tables, as pandas frames (rendering lives in html.py / markdown.py)."""
import re
from typing import List

import pandas as pd

from reports.results import Results, version_key

STATUS_ORDER = ["pass", "fail", "crash", "timeout", "error", "unavailable"]
SYMBOL = {"pass": "✓", "fail": "✗", "crash": "☠", "timeout": "⧗", "error": "!", "unavailable": "–"}


def counts(frame: pd.DataFrame) -> pd.Series:
    if frame.empty:
        return pd.Series(0, index=STATUS_ORDER)
    return frame["status"].value_counts().reindex(STATUS_ORDER, fill_value=0)


def direction(row: pd.Series) -> str:
    """'same', 'old→new' (written by an older TF than reads it) or 'new→old'."""
    a, b = version_key(row["producer_tf"]), version_key(row["consumer_tf"])
    return "same" if a == b else ("old→new" if a < b else "new→old")


def with_direction(cells: pd.DataFrame) -> pd.DataFrame:
    cells = cells.copy()
    cells["direction"] = cells.apply(direction, axis=1) if not cells.empty else []
    return cells


def version_grid(results: Results) -> pd.DataFrame:
    """Producer TF x consumer TF: 'passed/verdicts' over cells that reached a verdict (unavailable excluded)."""
    cells = results.cells[results.cells["status"] != "unavailable"]
    order = results.tf_order
    if cells.empty:
        return pd.DataFrame()
    grouped = cells.groupby(["producer_tf", "consumer_tf"])["status"]
    passed = grouped.apply(lambda s: int((s == "pass").sum())).unstack()
    total = grouped.size().unstack()
    rows = [v for v in order if v in total.index]
    cols = [v for v in order if v in total.columns]
    passed, total = passed.reindex(index=rows, columns=cols), total.reindex(index=rows, columns=cols)
    return pd.DataFrame({c: [None if pd.isna(total.at[r, c]) else (int(passed.at[r, c]), int(total.at[r, c]))
                             for r in rows] for c in cols}, index=rows)


def survival_grid(results: Results) -> pd.DataFrame:
    """Producer TF x consumer TF, over the paths that work inside the writer's own TF version.

    A path is (producer, case, consumer). If it passes when the TF that wrote the
    model also reads it, the cell says how many such paths still pass when
    another TF reads the model: cross-version breakage, apart from APIs that
    never worked at all or do not exist in the reading TF.
    """
    cells = results.cells
    if cells.empty:
        return pd.DataFrame()
    path = ["producer", "case", "producer_env", "consumer"]
    same = cells[(cells["producer_tf"] == cells["consumer_tf"]) & (cells["status"] == "pass")][path]
    # A load API missing from the reader's TF (unavailable) says nothing about the model: left out.
    working = cells[cells["status"] != "unavailable"].merge(same, on=path)
    if working.empty:
        return pd.DataFrame()
    grouped = working.groupby(["producer_tf", "consumer_tf"])["status"]
    passed = grouped.apply(lambda s: int((s == "pass").sum())).unstack()
    total = grouped.size().unstack()
    rows = [v for v in results.tf_order if v in total.index]
    cols = [v for v in results.tf_order if v in total.columns]
    return pd.DataFrame({c: [None if pd.isna(total.at[r, c]) else (int(passed.at[r, c]), int(total.at[r, c]))
                             for r in rows] for c in cols}, index=rows)


def api_grid(results: Results) -> pd.DataFrame:
    """Producer x consumer over every TF pair: (passed, verdicts) per pair of APIs."""
    cells = results.cells[results.cells["status"] != "unavailable"]
    if cells.empty:
        return pd.DataFrame()
    grouped = cells.groupby(["producer", "consumer"])["status"]
    passed = grouped.apply(lambda s: int((s == "pass").sum())).unstack()
    total = grouped.size().unstack()
    return pd.DataFrame({c: [None if pd.isna(total.at[r, c]) else (int(passed.at[r, c]), int(total.at[r, c]))
                             for r in total.index] for c in total.columns}, index=total.index)


def matrix(results: Results) -> pd.DataFrame:
    """The full table: rows (producer, case, producer TF), columns (consumer, consumer TF), values = status."""
    cells = results.cells
    if cells.empty:
        return pd.DataFrame()
    table = cells.pivot_table(index=["producer", "case", "producer_tf"], columns=["consumer", "consumer_tf"],
                              values="status", aggfunc="first")
    rows = sorted(table.index, key=lambda k: (k[0], k[1], version_key(k[2])))
    cols = sorted(table.columns, key=lambda k: (k[0], version_key(k[1])))
    return table.reindex(index=rows, columns=cols)


_ARTIFACT_PATH = re.compile(r"[^\s'\"(=]*/store/[^/\s'\"]+/[^/\s'\"]+/[^/\s'\",)]+(?:/model)?")
_TMP_PATH = re.compile(r"/tmp/[^\s'\",)]+")
_ADDRESS = re.compile(r"0x[0-9a-f]{6,}")
_ARGUMENTS = re.compile(r"(Received args:).*")  # the rest is the artifact's input values
REASON_WIDTH = 220


def normalize_reason(reason: str) -> str:
    """A reason without what differs per artifact (paths, addresses), so equal causes group together."""
    text = _ARTIFACT_PATH.sub("<model>", str(reason))
    text = _ADDRESS.sub("0x…", _TMP_PATH.sub("<tmp>", text))
    text = _ARGUMENTS.sub(r"\1 …", text)
    return text if len(text) <= REASON_WIDTH else text[:REASON_WIDTH - 1] + "…"


def failures_by_reason(results: Results) -> pd.DataFrame:
    """Every non-pass verdict (unavailable aside), grouped by consumer and cause across TF versions."""
    bad = results.cells[~results.cells["status"].isin(["pass", "unavailable"])].copy()
    if bad.empty:
        return pd.DataFrame(columns=["status", "consumer", "consumer_tfs", "reason", "known", "cells", "producers",
                                     "producer_tfs", "example", "repro"])
    bad["reason_n"] = bad["reason"].map(normalize_reason)
    for extra in ("known", "repro"):
        if extra not in bad.columns:
            bad[extra] = ""
    bad["known"] = bad["known"].fillna("")
    grouped = bad.groupby(["status", "consumer", "reason_n", "known"])
    out = grouped.agg(cells=("status", "size"),
                      consumer_tfs=("consumer_tf", lambda s: ", ".join(sorted(set(s), key=version_key))),
                      producers=("producer", lambda s: ", ".join(sorted(set(s)))),
                      producer_tfs=("producer_tf", lambda s: ", ".join(sorted(set(s), key=version_key))),
                      example=("artifact", "first"),
                      repro=("repro", "first")).reset_index().rename(columns={"reason_n": "reason"})
    return out.sort_values(["status", "cells", "consumer"], ascending=[True, False, True]).reset_index(drop=True)


def order_by_tf(values: List[str]) -> List[str]:
    return sorted(values, key=version_key)
