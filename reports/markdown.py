"""reports/latest/summary.md: the same facts as the page, short enough for a PR comment."""
from typing import Dict, List

import pandas as pd

from reports import table
from reports.results import Results


def md_table(frame: pd.DataFrame, columns: List[str]) -> str:
    if frame.empty:
        return "_none_\n"
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(str(row[c]).replace("|", "\\|").replace("\n", " ") for c in columns) + " |")
    return "\n".join(lines) + "\n"


def ratio_md(frame: pd.DataFrame, corner: str) -> str:
    if frame.empty:
        return "_none_\n"
    lines = ["| %s | " % corner + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * (len(frame.columns) + 1)]
    for r in frame.index:
        values = []
        for c in frame.columns:
            v = frame.at[r, c]
            values.append("" if not v else ("%d/%d" % v) + ("" if v[0] == v[1] else " ⚠"))
        lines.append("| %s | " % r + " | ".join(values) + " |")
    return "\n".join(lines) + "\n"


def render(results: Results, meta: Dict[str, str], not_run: List[str], sections: List[str] = None) -> str:
    counts = table.counts(results.cells)
    produced = table.counts(results.produced)
    out = ["# SavedModel compatibility matrix", "",
           "run `%s` · %s · commit `%s`" % (meta.get("run_id"), meta.get("date"), meta.get("commit")), "",
           "**Consume cells:** " + ", ".join("%s %d" % (s, n) for s, n in counts.items()),
           "  ", "**Produce cells:** " + ", ".join("%s %d" % (s, n) for s, n in produced.items()), ""]
    out += ["**not run:** %s  " % line for line in not_run]
    out += [""] + (sections or [])
    out += ["## Across TF versions (rows wrote, columns read; passed/verdicts)", "",
            ratio_md(table.version_grid(results), "written ↓ read →"),
            "## Failures by cause", "",
            md_table(table.failures_by_reason(results),
                     ["status", "consumer", "consumer_tf", "cells", "producer_tfs", "reason"])]
    return "\n".join(out)
