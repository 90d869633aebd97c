"""The compatibility tables, as pandas frames (html.py, markdown.py and pictures.py render them)."""
from typing import List

import pandas as pd

from reports import versions
from reports.results import Results

STATUS_ORDER = ["pass", "fail", "crash", "timeout", "error", "not_applicable", "unavailable"]
SYMBOL = {"pass": "✓", "fail": "✗", "crash": "☠", "timeout": "⧗", "error": "!", "not_applicable": "·",
          "unavailable": "–"}
NOT_RUN = ("unavailable", "not_applicable")


def counts(frame: pd.DataFrame) -> pd.Series:
    if frame.empty:
        return pd.Series(0, index=STATUS_ORDER)
    return frame["status"].value_counts().reindex(STATUS_ORDER, fill_value=0)


def _ratio_grid(frame: pd.DataFrame, rows: str, cols: str, row_order: List[str], col_order: List[str]) -> pd.DataFrame:
    """rows x cols: (passed, verdicts) per pair, None where there are none."""
    if frame.empty:
        return pd.DataFrame()
    grouped = frame.groupby([rows, cols])["status"]
    passed = grouped.apply(lambda s: int((s == "pass").sum())).unstack()
    total = grouped.size().unstack()
    r = [v for v in row_order if v in total.index]
    c = [v for v in col_order if v in total.columns]
    return pd.DataFrame({k: [None if pd.isna(total.at[i, k]) else (int(passed.at[i, k]), int(total.at[i, k]))
                             for i in r] for k in c}, index=r)


def version_grid(results: Results) -> pd.DataFrame:
    """Producer TF x consumer TF: passed/verdicts over cells that reached a verdict."""
    cells = results.cells[~results.cells["status"].isin(NOT_RUN)]
    order = results.tf_order
    return _ratio_grid(cells, "producer_tf", "consumer_tf", order, order)


def working_paths(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells of (producer, case, producer env, consumer) paths that pass when the writing TF reads its own model."""
    path = ["producer", "case", "producer_env", "consumer"]
    same = cells[(cells["producer_env"] == cells["consumer_env"]) & (cells["status"] == "pass")][path]
    # A load API missing from the reader's TF says nothing about the model: left out.
    return cells[~cells["status"].isin(NOT_RUN)].merge(same, on=path)


def survival_grid(results: Results) -> pd.DataFrame:
    """Producer TF x consumer TF, over the paths that work inside the writer's own TF version.

    If a path passes when the TF that wrote the model also reads it, the cell
    says how many such paths still pass when another TF reads the model:
    cross-version breakage, apart from APIs that never worked at all or do not
    exist in the reading TF."""
    if results.cells.empty:
        return pd.DataFrame()
    order = results.tf_order
    return _ratio_grid(working_paths(results.cells), "producer_tf", "consumer_tf", order, order)


def api_grid(results: Results) -> pd.DataFrame:
    """Producer x consumer over every TF pair: (passed, verdicts) per pair of APIs."""
    cells = results.cells[~results.cells["status"].isin(NOT_RUN)]
    if cells.empty:
        return pd.DataFrame()
    return _ratio_grid(cells, "producer", "consumer", sorted(set(cells["producer"])), sorted(set(cells["consumer"])))


def matrix(results: Results) -> pd.DataFrame:
    """The full table: rows (producer, case, producer TF), columns (consumer, consumer TF), values = status."""
    cells = results.cells
    if cells.empty:
        return pd.DataFrame()
    table = cells.pivot_table(index=["producer", "case", "producer_tf"], columns=["consumer", "consumer_tf"],
                              values="status", aggfunc="first")
    rows = sorted(table.index, key=lambda k: (k[0], k[1], versions.key(k[2])))
    cols = sorted(table.columns, key=lambda k: (k[0], versions.key(k[1])))
    return table.reindex(index=rows, columns=cols)


def failures_by_reason(results: Results) -> pd.DataFrame:
    """Every red verdict, grouped by consumer and cause across TF versions (derived columns from reports/derive.py)."""
    bad = results.cells[~results.cells["status"].isin(("pass",) + NOT_RUN)]
    columns = ["status", "consumer", "consumer_tfs", "reason", "known_id", "known_link", "policy", "cells",
               "producers", "producer_tfs", "example", "repro"]
    if bad.empty:
        return pd.DataFrame(columns=columns)
    by_version = lambda s: ", ".join(sorted(set(s), key=versions.key))
    grouped = bad.groupby(["status", "consumer", "reason_short", "known_id", "known_link", "policy"])
    out = grouped.agg(cells=("status", "size"), consumer_tfs=("consumer_tf", by_version),
                      producers=("producer", lambda s: ", ".join(sorted(set(s)))),
                      producer_tfs=("producer_tf", by_version), example=("cell", "first"),
                      repro=("repro", "first")).reset_index().rename(columns={"reason_short": "reason"})
    return out.sort_values(["status", "cells", "consumer"], ascending=[True, False, True]).reset_index(drop=True)[columns]


def by_policy(results: Results) -> pd.DataFrame:
    """Red cells per policy label."""
    bad = results.cells[~results.cells["status"].isin(("pass",) + NOT_RUN)]
    if bad.empty:
        return pd.DataFrame(columns=["policy", "policy_link", "cells", "known"])
    return bad.groupby(["policy", "policy_link"]).agg(
        cells=("status", "size"), known=("known_id", lambda s: int((s != "").sum()))).reset_index().sort_values(
        "cells", ascending=False).reset_index(drop=True)
