"""reports/latest/index.html: one page a person can scan in seconds, then drill into."""
import html
from typing import Dict, List, Optional

import pandas as pd

from matrix.compare import TOLERANCE
from reports import table
from reports.results import Results, version_key

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{margin:0 0 .2em} h2{margin-top:1.6em;border-bottom:1px solid #ddd}
.meta{color:#555} table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:center;white-space:nowrap}
th{background:#f4f4f4} td.l,th.l{text-align:left}
.pass{background:#c8ecc8}.fail{background:#f5b5b5}.crash{background:#d48be0}.timeout{background:#f7d08a}
.error{background:#f2e36b}.unavailable{background:#e8e8e8;color:#888}.none{background:#fff}
.known{outline:2px dashed #a33;outline-offset:-3px}
.badge{display:inline-block;padding:3px 10px;margin:2px;border-radius:4px;font-weight:600}
.notrun{color:#a00;font-weight:600}.diag{font-weight:700}.old2new{}.new2old{font-style:italic}
td.r{text-align:left;white-space:normal;min-width:30em;max-width:60em;font-family:monospace;font-size:12px}
td.w{text-align:left;white-space:normal;max-width:18em;font-size:12px}
details{margin:.4em 0} summary{cursor:pointer;font-weight:600}
.legend span{margin-right:1em}
"""


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def ratio_class(value) -> str:
    if not value:
        return "none"
    passed, total = value
    return "pass" if passed == total else ("fail" if passed == 0 else "part")


def ratio_style(value) -> str:
    """A red-to-green background by share passed, so a grid reads at a glance."""
    if not value or not value[1]:
        return ""
    hue = int(120 * value[0] / value[1])
    return "background:hsl(%d,65%%,78%%)" % hue


def ratio_table(frame: pd.DataFrame, row_label: str, col_label: str, diagonal: bool = False) -> str:
    if frame.empty:
        return "<p>No cells.</p>"
    out = ["<table><tr><th class=l>%s ↓ / %s →</th>" % (esc(row_label), esc(col_label))]
    out += ["<th>%s</th>" % esc(c) for c in frame.columns] + ["</tr>"]
    for r in frame.index:
        out.append("<tr><th class=l>%s</th>" % esc(r))
        for c in frame.columns:
            value = frame.at[r, c]
            text = "%d/%d" % value if value else ""
            extra = ""
            if diagonal and value:
                a, b = version_key(r), version_key(c)
                extra = " diag" if a == b else (" old2new" if a < b else " new2old")
                title = "same TF" if a == b else ("written by older %s, read by newer %s" % (r, c) if a < b
                                                  else "written by newer %s, read by older %s" % (r, c))
            else:
                title = ""
            out.append('<td class="%s%s" style="%s" title="%s">%s</td>' % (
                ratio_class(value), extra, ratio_style(value), esc(title), text))
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def badges(counts: pd.Series) -> str:
    return "".join('<span class="badge %s">%s %d</span>' % (s, s, n) for s, n in counts.items())


def envs_table(results: Results, planned: Dict[str, str], preview: List[str], not_run: List[str]) -> str:
    out = ["<table><tr><th class=l>env</th><th>phase</th><th>TF</th><th>Keras</th><th>Python</th></tr>"]
    envs = results.envs.copy()
    envs["k"] = envs["tf"].map(version_key)
    for _, e in envs.sort_values(["k", "phase"]).iterrows():
        label = e["env"] + (" (preview)" if e["env"] in preview else "")
        out.append("<tr><td class=l>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % tuple(
            esc(v) for v in (label, e["phase"], e["tf"], e["keras"], e["python"])))
    out.append("</table>")
    out += ['<p class="notrun">not run: %s</p>' % esc(line) for line in not_run]
    return "".join(out)


def frame_table(frame: pd.DataFrame, columns: List[str], status_col: Optional[str] = "status") -> str:
    if frame.empty:
        return "<p>None.</p>"
    out = ["<table><tr>" + "".join("<th class=l>%s</th>" % esc(c) for c in columns) + "</tr>"]
    for _, row in frame.iterrows():
        cls = esc(row[status_col]) if status_col else ""
        cells = []
        for c in columns:
            klass = cls if c == status_col else ("r" if c in ("reason", "note", "known", "repro")
                                                 else "w" if c in ("producers", "producer_tfs", "consumer_tfs")
                                                 else "l")
            cells.append('<td class="%s">%s</td>' % (klass, esc(row[c])))
        out.append("<tr>%s</tr>" % "".join(cells))
    out.append("</table>")
    return "".join(out)


def full_matrix(results: Results) -> str:
    """Rows (producer, case, producer TF) x columns (consumer, consumer TF); hover a cell for its reason."""
    cells = results.cells
    if cells.empty:
        return "<p>No cells.</p>"
    lookup = {(r.producer, r.case, r.producer_tf, r.consumer, r.consumer_tf): r for r in cells.itertuples()}
    grid = table.matrix(results)
    consumers = []
    for consumer, tf in grid.columns:
        if not consumers or consumers[-1][0] != consumer:
            consumers.append([consumer, []])
        consumers[-1][1].append(tf)
    out = ['<table><tr><th class=l rowspan=2>producer</th><th class=l rowspan=2>case</th>'
           '<th class=l rowspan=2>written by TF</th>']
    out += ['<th colspan=%d>%s</th>' % (len(tfs), esc(c)) for c, tfs in consumers] + ["</tr><tr>"]
    out += ["<th>%s</th>" % esc(tf) for _, tfs in consumers for tf in tfs] + ["</tr>"]
    for producer, case, ptf in grid.index:
        out.append("<tr><td class=l>%s</td><td class=l>%s</td><td class=l>%s</td>" % (
            esc(producer), esc(case), esc(ptf)))
        for consumer, ctf in grid.columns:
            r = lookup.get((producer, case, ptf, consumer, ctf))
            if r is None:
                out.append('<td class="none"></td>')
                continue
            known = getattr(r, "known", "") or ""
            title = "%s — %s (%s → %s)%s%s" % (r.status, r.reason or "outputs match", ptf, ctf,
                                                 "\nknown: " + known if known else "",
                                                 "\nreproduce: " + r.repro if getattr(r, "repro", "") else "")
            out.append('<td class="%s%s" title="%s">%s</td>' % (
                esc(r.status), " known" if known else "", esc(title), table.SYMBOL.get(r.status, "?")))
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def render(results: Results, meta: Dict[str, str], not_run: List[str], preview: List[str],
           planned: Dict[str, str], sections: Optional[List[str]] = None) -> str:
    counts = table.counts(results.cells)
    produced = table.counts(results.produced)
    legend = "".join('<span><span class="badge %s">%s</span> %s</span>' % (s, table.SYMBOL[s], s)
                     for s in table.STATUS_ORDER)
    failures = table.failures_by_reason(results)
    producers = results.produced.copy()
    parts = [
        "<!doctype html><meta charset=utf-8><title>savedmodel-matrix report</title><style>%s</style>" % CSS,
        "<h1>SavedModel compatibility matrix</h1>",
        '<p class="meta">run %s · %s · commit %s · %d cells</p>' % (
            esc(meta.get("run_id")), esc(meta.get("date")), esc(meta.get("commit")), len(results.cells)),
        "<p>Consume cells: %s</p><p>Produce cells: %s</p>" % (badges(counts), badges(produced)),
        "<p class=meta><b>pass</b> = loaded and every output equal to the producer's golden value (%s). "
        "<b>fail</b> = the load API refused or outputs differ. <b>unavailable</b> = the API does not exist in "
        "that TF (or the check does not apply). <b>error</b> = a bug in a plugin or the harness. "
        "<b>crash</b>/<b>timeout</b> = the worker died or hung.</p>" % esc(TOLERANCE),
        "".join('<p class="notrun">not run: %s</p>' % esc(line) for line in not_run),
    ]
    parts += sections or []
    parts += [
        "<h2>Across TF versions</h2><p>Rows: the TF that wrote the model; columns: the TF that read it. "
        "Above the diagonal: <b>old → new</b> (upgrade direction); below it, in italics: <b>new → old</b> "
        "(rollback direction).</p>"
        "<p><b>Paths that survive the version change</b>: of the (producer, case, consumer) paths that pass "
        "when the writing TF also reads the model, how many still pass.</p>",
        ratio_table(table.survival_grid(results), "written by TF", "read by TF", diagonal=True),
        "<details><summary>All cells with a verdict, passed / total</summary>%s</details>" % ratio_table(
            table.version_grid(results), "written by TF", "read by TF", diagonal=True),
        "<h2>Failures by cause</h2>",
        "<p>One example cell per cause can be re-run with the <b>reproduce</b> command (also in every red cell's "
        "hover); a <b>known</b> cause is listed in reports/known_issues.toml.</p>",
        frame_table(failures, ["status", "consumer", "consumer_tfs", "cells", "producers", "producer_tfs", "reason",
                               "known", "repro"]),
        "<h2>Save API × load API</h2><p>Passed / cells with a verdict, over every TF pair.</p>",
        ratio_table(table.api_grid(results), "producer", "consumer"),
        "<h2>Producers</h2>",
        frame_table(producers.sort_values(["producer", "case", "producer_tf"]) if not producers.empty else producers,
                    ["producer", "case", "producer_env", "producer_tf", "status", "reason"]),
        "<h2>Environments</h2>", envs_table(results, planned, preview, not_run),
        "<h2>Every cell</h2><p class=legend>%s</p><p>Hover a cell for its reason.</p>" % legend,
        "<details open><summary>producer × consumer × TF versions</summary>%s</details>" % full_matrix(results),
    ]
    return "\n".join(parts)
