"""The HTML report (jinja2 templates in reports/templates/): a first page that opens at once, and one page per
load API with every cell, filterable to failures and searchable by reason.

The first page holds what a person reads first (status counts, the gate's verdict and score, the
violations of TF's own guarantee, the survival heatmap, the checks) and the grouped failures; the
53,000 cells live in the per-consumer pages (cells/<consumer>.html), a few hundred kB each.
"""
import os
from typing import Any, Dict, List

import jinja2
import pandas as pd

from matrix.cell import MEANING
from matrix.compare import TOLERANCE
from reports import table, versions
from reports.results import Results, as_rows

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                         lstrip_blocks=True)


def records(frame: pd.DataFrame, columns: List[str]) -> List[Dict[str, Any]]:
    if frame.empty:
        return []
    present = [c for c in columns if c in frame.columns]
    return [{k: ("" if (not isinstance(v, (list, tuple)) and pd.isna(v)) else v) for k, v in r.items()}
            for r in as_rows(frame[present])]


def render_table(rows: List[Dict[str, Any]], columns: List[str], **options: Any) -> Any:
    """An HTML table (markup, safe to embed: every value in it is escaped)."""
    return ENV.get_template("table.html.j2").module.table(rows, columns, **options)


def consumer_page(results: Results, consumer: str) -> str:
    cells = results.cells[results.cells["consumer"] == consumer]
    columns = sorted(set(cells["consumer_tf"]), key=versions.key)
    lookup = {(r["producer"], r["case"], r["producer_tf"], r["consumer_tf"]): r for r in as_rows(cells)}
    rows = []
    keys = sorted({(r[0], r[1], r[2]) for r in lookup}, key=lambda k: (k[0], k[1], versions.key(k[2])))
    for producer, case, writer in keys:
        found = [lookup.get((producer, case, writer, tf)) for tf in columns]
        text = " ".join([producer, case] + [str(c["reason"]) for c in found if c]).lower()
        rows.append({"producer": producer, "case": case, "writer": writer, "text": text,
                     "red": any(c and c["status"] not in ("pass",) + table.NOT_RUN for c in found),
                     "cells": [None if c is None else {
                         "status": c["status"], "symbol": table.SYMBOL.get(c["status"], "?"), "known": bool(c["known_id"]),
                         "title": "%s: %s%s%s%s" % (c["status"], c["reason"] or "outputs match", "\nknown: " + c["known_id"]
                                                    if c["known_id"] else "", "\npolicy: " + c["policy"] if c["policy"] else "",
                                                    "\nreproduce: " + c["repro"] if c["repro"] else "")} for c in found]})
    api = cells["consumer_api"].iloc[0] if not cells.empty else ""
    return ENV.get_template("consumer.html.j2").render(consumer=consumer, api=api, count=len(cells), columns=columns,
                                                      rows=rows)


def render(context: Dict[str, Any]) -> str:
    return ENV.get_template("index.html.j2").render(tolerance=TOLERANCE, meanings=sorted(MEANING.items()), **context)


def jinja2_markup(text: str) -> Any:
    """HTML made by this package's own renderers, to embed as it is."""
    return jinja2.utils.markupsafe.Markup(text)
