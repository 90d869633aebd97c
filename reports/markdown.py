"""reports/latest/summary.md: the same facts as the page, short enough for a PR comment."""
import re
from typing import Dict, List, Optional

import pandas as pd

from reports import table
from reports.results import Results


# A summary is for a pull-request comment: the longest tables stop here (index.html has every row).
SUMMARY_ROWS = 30


def md_table(frame: pd.DataFrame, columns: List[str], limit: Optional[int] = None) -> str:
    """A Markdown table; with `limit`, the first rows and a line saying how many more index.html has."""
    if frame.empty:
        return "_none_\n"
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    shown = frame if limit is None else frame.head(limit)
    for _, row in shown.iterrows():
        lines.append("| " + " | ".join(str(row[c]).replace("|", "\\|").replace("\n", " ") for c in columns) + " |")
    if len(shown) < len(frame):
        lines.append("\n_… and %d more rows in index.html_" % (len(frame) - len(shown)))
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


def _known_link(label: str) -> str:
    """'id: reason (https://…)' -> '[id](https://…)'."""
    if not label:
        return ""
    m = re.match(r"^([^:]+):.*\((https?://[^)\s]+)\)\s*$", label, re.S)
    return "[%s](%s)" % (m.group(1), m.group(2)) if m else label.split(":", 1)[0]


def render(results: Results, meta: Dict[str, str], not_run: List[str], sections: List[str] = None) -> str:
    counts = table.counts(results.cells)
    produced = table.counts(results.produced)
    out = ["# SavedModel compatibility matrix", "",
           "run `%s` · %s · commit `%s`" % (meta.get("run_id"), meta.get("date"), meta.get("commit")), "",
           "**Consume cells:** " + ", ".join("%s %d" % (s, n) for s, n in counts.items()),
           "  ", "**Produce cells:** " + ", ".join("%s %d" % (s, n) for s, n in produced.items()), ""]
    out += ["**not run:** %s  " % line for line in not_run]
    out += [""] + (sections or [])
    failures = table.failures_by_reason(results)
    if not failures.empty:
        failures["known"] = failures["known"].map(_known_link)
    out += ["## Across TF versions: paths that survive the version change", "",
            "Rows wrote the model, columns read it. Of the (producer, case, consumer) paths that pass when the "
            "writing TF reads its own model, how many still pass.", "",
            ratio_md(table.survival_grid(results), "written ↓ read →"),
            "## Failures by cause", "",
            md_table(failures, ["status", "consumer", "consumer_tfs", "cells", "producer_tfs", "reason", "known"],
                     limit=SUMMARY_ROWS)]
    repro = table.failures_by_reason(results)
    repro = repro[repro["repro"].fillna("") != ""].head(SUMMARY_ROWS) if not repro.empty else repro
    if not repro.empty:
        out += ["<details><summary>Reproduce one cell per cause</summary>", "", "```sh"]
        out += ["# %s %s under TF %s: %s\n%s" % (r["status"], r["consumer"], r["consumer_tfs"],
                                                " ".join(str(r["reason"]).split())[:100], r["repro"])
                for r in repro.to_dict(orient="records")]
        out += ["```", "", "</details>", ""]
    return "\n".join(out)
