"""reports/latest/summary.md: the same facts as the page, short enough for a pull-request comment."""
import re
from typing import Dict, List, Optional

import pandas as pd

from reports import table
from reports.results import Results, as_rows

# A summary is for a pull-request comment: the longest tables stop here (index.html has every row).
SUMMARY_ROWS = 30


def short(text: object, limit: int = 160) -> str:
    text = " ".join(("" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


_LINK = re.compile(r"\[([^\]\n]*)\]\((https?://[^)\s]+)\)")  # what link() writes
_SPECIAL = re.compile(r"([\\`*_<>\[\]~|])")


def escape(text: str) -> str:
    """A table cell's text as it reads, links aside: `keras_dict:__call__` would turn bold and
    `filepath=<artifact>/model` lose its <artifact> (GitHub drops unknown HTML tags) unescaped."""
    text, out, at = text.replace("\n", " "), [], 0
    for found in _LINK.finditer(text):
        out += [_SPECIAL.sub(r"\\\1", text[at:found.start()]),
                "[%s](%s)" % (_SPECIAL.sub(r"\\\1", found.group(1)), found.group(2))]
        at = found.end()
    return "".join(out + [_SPECIAL.sub(r"\\\1", text[at:])])


def md_table(frame: pd.DataFrame, columns: List[str], limit: Optional[int] = None) -> str:
    """A Markdown table; with `limit`, the first rows and a line saying how many more index.html has."""
    if frame.empty:
        return "_none_\n"
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    shown = frame if limit is None else frame.head(limit)
    for _, row in shown.iterrows():
        lines.append("| " + " | ".join(escape(str(row[c])) for c in columns) + " |")
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


def link(label: str, url: str) -> str:
    return "[%s](%s)" % (label, url) if url and label else label


def render(results: Results, meta: Dict[str, str], not_run: List[str], sections: Optional[List[str]] = None) -> str:
    counts = table.counts(results.cells)
    produced = table.counts(results.produced)
    reused = int((results.cells["reused_from"] != "").sum()) if not results.cells.empty else 0
    out = ["# SavedModel compatibility matrix", "",
           "run `%s` · %s · commit `%s`" % (meta.get("run_id"), meta.get("date"), meta.get("commit")), "",
           "**Consume cells:** " + ", ".join("%s %d" % (s, n) for s, n in counts.items() if n) +
           " (%d reused from earlier runs)" % reused,
           "  ", "**Produce cells:** " + ", ".join("%s %d" % (s, n) for s, n in produced.items() if n), ""]
    out += ["**not run:** %s  " % line for line in not_run]
    out += [""] + (sections or [])
    failures = table.failures_by_reason(results)
    if not failures.empty:
        failures["known"] = [link(i, l) for i, l in zip(failures["known_id"], failures["known_link"])]
    out += ["## Across TF versions: paths that survive the version change", "",
            "Rows wrote the model, columns read it. Of the (producer, case, consumer) paths that pass when the "
            "writing TF reads its own model, how many still pass.", "",
            ratio_md(table.survival_grid(results), "written ↓ read →"),
            "## Failures by cause", "",
            md_table(failures, ["status", "consumer", "consumer_tfs", "cells", "producer_tfs", "reason", "policy", "known"],
                     limit=SUMMARY_ROWS)]
    repro = failures[failures["repro"].fillna("") != ""].head(SUMMARY_ROWS) if not failures.empty else failures
    if not repro.empty:
        out += ["<details><summary>Reproduce one cell per cause</summary>", "", "```sh"]
        out += ["# %s %s under TF %s: %s\n%s" % (r["status"], r["consumer"], r["consumer_tfs"], short(r["reason"], 100),
                                                r["repro"]) for r in as_rows(repro)]
        out += ["```", "", "</details>", ""]
    return "\n".join(out)
