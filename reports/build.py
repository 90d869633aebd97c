"""`reports build`: turn a run's records into the report.

Writes reports/history/<run id>/ (reports/latest points at the newest):
  index.html, cells/<consumer>.html       the report (reports/html.py)
  survival.*, apis.*, trend.*, score.svg  pictures and the score badge (reports/pictures.py)
  summary.md                              a pull-request-sized summary
  gate.md, gate.json, gate.junit.xml      the gate of the upgrade to the newest stable TF
  results.csv, results.json               one row per cell (results.json: every record but tracebacks)
  details.json.gz                         each red cell's traceback, by cell id
  report.key, console.txt                 what the report was built from, and what `build` printed

A report is reused when nothing it depends on changed (report_key): a warm run whose cells were all
reused points reports/latest at the report already built from the same verdicts instead of
rebuilding 60,000 rows.
"""
import datetime
import gzip
import hashlib
import json
import os
import shutil
import subprocess
from typing import Dict, List, Optional

import pandas as pd

from matrix.cell import ROOT
from matrix.interpreters import find_python
from reports import checks, derive, diff as diff_mod, gate as gate_mod, html, markdown, pictures, policy, table
from reports.results import COLUMNS, PRODUCE_COLUMNS, Results, as_rows, load, load_any, planned

REPORTS = os.path.join(ROOT, "reports")
HISTORY = os.path.join(REPORTS, "history")
LATEST = os.path.join(REPORTS, "latest")
DERIVED = ["known_id", "known_reason", "known_link", "waiver_expired", "policy", "policy_link", "direction", "repro"]


# fields of a record that change when a verdict is reused, not when it changes
VOLATILE = ("run_id", "started", "finished", "reused_from", "seconds")
SOURCES = (".py", ".toml", ".html", ".css", ".js", ".txt")


def report_key(rows: List[Dict], invalid: List[str], registry: Optional[str], today: datetime.date) -> str:
    """Everything a report depends on: the verdicts (not when or in which run they were computed), the
    invalid records, the code and templates in the checkout (reports/, the plugins whose capabilities the
    checks read, matrix.toml), the registry, the interpreters found (the not-run lines) and the date
    (waivers expire)."""
    h = hashlib.sha256()
    stable = sorted(json.dumps({k: v for k, v in r.items() if k not in VOLATILE}, sort_keys=True, default=str)
                    for r in rows)
    for line in stable + sorted(invalid):
        h.update(line.encode() + b"\n")
    skip = {".git", ".tox", "artifacts", "history", "latest", "node_modules", "__pycache__"}
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if d not in skip and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(SOURCES):
                path = os.path.join(folder, name)
                h.update(os.path.relpath(path, ROOT).encode() + b"\0")
                with open(path, "rb") as f:
                    h.update(f.read())
    if registry and os.path.isfile(registry):
        with open(registry, "rb") as f:
            h.update(f.read())
    stable_envs, _ = planned()
    h.update(json.dumps({e: bool(find_python(p)) for e, p in stable_envs.items()}, sort_keys=True).encode())
    h.update(today.isoformat().encode())
    return h.hexdigest()


def reusable(key: str) -> Optional[str]:
    """The report folder reports/latest points at, if it was built with `key`."""
    path = os.path.join(LATEST, "report.key")
    if os.path.isfile(path):
        with open(path) as f:
            if f.read().strip() == key:
                return os.path.realpath(LATEST)
    return None


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "") if out.returncode == 0 else "unknown"
    except OSError:
        return "unknown"


def not_run(results: Results, expected: Dict[str, str]) -> List[str]:
    """One line per expected TF environment that left no results for a step, naming why if we can tell."""
    lines = []
    ran = set(zip(results.envs["env"], results.envs["phase"])) if not results.envs.empty else set()
    shards = {}  # (env, phase) -> the shards recorded, "i/N"
    if not results.envs.empty:
        for env, phase, shard in zip(results.envs["env"], results.envs["phase"], results.envs["shard"]):
            if shard:
                shards.setdefault((env, phase), set()).add(shard)
    for (env, phase), seen in sorted(shards.items()):
        count = int(sorted(seen)[0].split("/")[1])
        for missing_shard in ["%d/%d" % (i, count) for i in range(1, count + 1) if "%d/%d" % (i, count) not in seen]:
            lines.append("%s shard %s: no results recorded (re-run the %s-%s job with --shard %s)" % (
                env, missing_shard, phase, env, missing_shard))
    for env, python in expected.items():
        missing = [phase for phase in ("produce", "consume") if (env, phase) not in ran]
        if not missing:
            continue
        why = ("interpreter python%s not found on this machine" % python if not find_python(python)
               else "no results recorded (see the tox output for %s)" % ", ".join("%s-%s" % (p, env) for p in missing))
        lines.append("%s (%s): %s" % (env, " and ".join(missing), why))
    return lines


def expected_envs(results: Results) -> Dict[str, str]:
    """The environments this run should have: every stable one, and preview ones only if they ran."""
    stable, preview = planned()
    ran = set(results.envs["env"]) if not results.envs.empty else set()
    from matrix import envs as matrix_envs
    out = dict(stable)
    out.update({e.name: e.python for e in matrix_envs.envs() if e.name in preview and e.name in ran})
    return out


def previous_run(history_root: str, run_id: str) -> Optional[str]:
    """The newest history entry before `run_id` (run ids start with their UTC start time)."""
    if not os.path.isdir(history_root):
        return None
    older = sorted(d for d in os.listdir(history_root)
                   if d < run_id and os.path.isfile(os.path.join(history_root, d, "results.json")))
    return os.path.join(history_root, older[-1]) if older else None


def trend_points(history_root: str, current: Results, run_id: str, limit: int = 20) -> List[Dict]:
    """Pass share per (writer TF → reader TF) over the history's runs and this one."""
    runs = []
    if os.path.isdir(history_root):
        for name in sorted(os.listdir(history_root))[-limit:]:
            if name != run_id and os.path.isfile(os.path.join(history_root, name, "results.json")):
                try:
                    runs.append((name, load_any(os.path.join(history_root, name))))
                except (OSError, ValueError):
                    continue
    runs.append((run_id, current))
    points = []
    for name, results in runs:
        grid = table.survival_grid(results)
        for writer in grid.index:
            for reader in grid.columns:
                v = grid.at[writer, reader]
                if v and v[1] and writer != reader:
                    points.append({"run": name, "pair": "%s→%s" % (writer, reader), "share": v[0] / v[1]})
    return points if len(runs) > 1 else []


def models_table(results: Results) -> List[Dict]:
    """Per imported model case: the golden values' source, and per TF version the APIs that pass and what breaks."""
    cells = results.cells[results.cells["producer_env"] == "models"]
    rows = []
    for (producer, case), part in cells.groupby(["producer", "case"]):
        row = {"model": "%s/%s" % (producer, case), "written by": part["writer_tf"].iloc[0] or part["producer_tf"].iloc[0],
               "golden": part["golden"].iloc[0]}
        judged = part[~part["status"].isin(table.NOT_RUN)]
        for tf, same in judged.groupby("consumer_tf"):
            row[tf] = "%d/%d" % ((same["status"] == "pass").sum(), len(same))
        broken = judged[judged["status"] != "pass"]
        row["breaks"] = "; ".join(sorted({"%s: %s" % (c, markdown.short(r, 80)) for c, r in
                                          zip(broken["consumer"], broken["reason_short"])})[:4])
        rows.append(row)
    return rows


def build(store: Optional[str] = None, out_root: Optional[str] = None, registry: Optional[str] = None,
          results: Optional[Results] = None, today: Optional[datetime.date] = None) -> str:
    results = derive.annotate(results if results is not None else load(store), registry, today)
    missing = not_run(results, expected_envs(results))
    run_id = results.run.get("run_id") or datetime.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")
    meta = {"run_id": run_id, "date": results.run.get("started", ""), "commit": git_commit()}
    root = out_root or HISTORY
    folder = os.path.join(root, run_id)
    if os.path.isdir(folder):
        shutil.rmtree(folder)  # a report rebuilt for the same run replaces the old one
    os.makedirs(os.path.join(folder, "cells"))

    cells = results.cells
    keep = [c for c in COLUMNS + DERIVED if c in cells.columns and c != "detail"]
    cells[keep].to_csv(os.path.join(folder, "results.csv"), index=False)
    produced_keep = [c for c in PRODUCE_COLUMNS + ["known_id", "known_link"] if c in results.produced.columns]
    payload = {"meta": meta, "not_run": missing, "invalid_records": results.invalid,
               "cells": as_rows(cells[keep]),
               "produced": as_rows(results.produced[[c for c in produced_keep if c != "detail"]]),
               "references": as_rows(results.references.drop(columns=["detail"], errors="ignore")),
               "envs": as_rows(results.envs)}
    # json.dumps, not json.dump: only a text made at once gets the C encoder (2.8 s against 0.6 s here)
    with open(os.path.join(folder, "results.json"), "w") as f:
        f.write(json.dumps(payload, default=str))
    red = cells[cells["status"].isin(derive.RED)] if not cells.empty else cells
    with gzip.open(os.path.join(folder, "details.json.gz"), "wt") as f:
        f.write(json.dumps(dict(zip(red.get("cell", []), red.get("detail", [])))))

    # the gate of the upgrade to the newest stable TF
    gate_view = None
    try:
        base, cand = gate_mod.default_sides(results)
        g = gate_mod.compare(results, base.env, cand.env)
        text = gate_mod.render_markdown(g)
        for name, content in (("gate.md", text + "\n"), ("gate.junit.xml", gate_mod.junit(g)), ("score.svg", gate_mod.badge(g)),
                              ("gate.json", json.dumps(gate_mod.as_dict(g), indent=1, default=str))):
            with open(os.path.join(folder, name), "w") as f:
                f.write(content)
        overall = g.score()
        gate_view = {"baseline": g.baseline.label, "candidate": g.candidate.label, "exit_code": g.exit_code,
                     "verdict": text.splitlines()[2].replace("**", "").replace("✅ ", "").replace("❌ ", ""),
                     "expired": g.expired_waivers,
                     "score": ("%s (%d of %d paths still pass)" % (gate_mod.percent(overall["score"][0]),
                                                                   overall["still_pass"][0], overall["paths"][0])
                               if not overall.empty else "n/a")}
    except gate_mod.GateError:
        pass

    found = checks.run_all(results)
    survival = table.survival_grid(results)
    pictures.survival(survival, folder)
    pictures.apis(table.api_grid(results), folder)
    trend = pictures.trend(trend_points(root, results, run_id), folder)
    failures = table.failures_by_reason(results)
    failures["example"] = failures["example"].astype(str)
    prev = previous_run(root, run_id)
    sections, md_sections = [], []
    if prev:
        try:
            d = diff_mod.diff(load_any(prev), results, os.path.basename(prev), run_id)
            sections, md_sections = [diff_mod.render_html(d)], [diff_mod.render_markdown(d, limit=markdown.SUMMARY_ROWS)]
        except (OSError, ValueError):
            pass
    use = derive.registry_use(results, registry)
    vio = cells[(cells.get("policy", pd.Series(dtype=object)) == policy.VIOLATES.name)] if not cells.empty else cells
    producers = results.produced.sort_values(["producer", "case", "producer_tf"]) if not results.produced.empty \
        else results.produced
    context = {
        "meta": meta, "total": len(cells), "not_run": missing, "gate": gate_view, "trend": bool(trend),
        "reused": int((cells["reused_from"] != "").sum()) if not cells.empty else 0,
        "counts": [(s, int(n)) for s, n in table.counts(cells).items() if n],
        "produced": [(s, int(n)) for s, n in table.counts(results.produced).items() if n],
        "guide": policy.SAVEDMODELS, "checks": {k: html.records(v, list(v.columns)) for k, v in found.items()},
        "violations": [dict(r, writer=r.get("writer_tf") or r["producer_tf"]) for r in html.records(
            vio, ["cell", "writer_tf", "producer_tf", "consumer_tf", "reason", "known_id", "known_link"])],
        "models": not cells.empty and bool((cells["producer_env"] == "models").any()),
        "registry": {"used": len(set(cells.get("known_id", [])) - {""}), "stale": [i.id for i in use["stale"]],
                     "expired": [i.id for i in use["expired"]]},
        "consumers": sorted(set(cells["consumer"])) if not cells.empty else [],
        "sections": [html.jinja2_markup(s) for s in sections],
        "tables": {
            "diagonal": html.render_table(html.records(found["diagonal"], ["cell", "status", "reason"]),
                                          ["cell", "status", "reason"], status="status", wide=("reason",), limit=200),
            "disagreement": html.render_table(html.records(found["disagreement"], list(found["disagreement"].columns)),
                                              ["artifact", "consumer_env", "passes", "fails", "status", "reason"],
                                              status="status", wide=("reason",), limit=200),
            "reason": html.render_table(html.records(found["reason"], list(found["reason"].columns)),
                                        ["cell", "status", "reason", "problem"], status="status", wide=("reason",),
                                        limit=200),
            "models": html.render_table(models_table(results), ["model", "written by", "golden"] + [
                tf for tf in results.tf_order if tf in set(cells["consumer_tf"])] + ["breaks"], wide=("breaks", "golden")),
            "failures": html.render_table(html.records(failures, list(failures.columns)), [
                "status", "consumer", "consumer_tfs", "cells", "producers", "producer_tfs", "reason", "policy", "known_id",
                "repro"], status="status", wide=("reason", "repro", "producers"), links={"known_id": "known_link",
                                                                                         "policy": "policy_link"},
                limit=300, more=" (results.csv has every cell)"),
            "policy": html.render_table(html.records(table.by_policy(results), ["policy", "policy_link", "cells", "known"]),
                                        ["policy", "cells", "known"], links={"policy": "policy_link"}),
            "producers": html.render_table(html.records(producers, ["producer", "case", "producer_env", "producer_tf",
                                                                    "status", "reason"]),
                                           ["producer", "case", "producer_env", "producer_tf", "status", "reason"],
                                           status="status", wide=("reason",)),
            "envs": html.render_table(html.records(results.envs, ["env", "phase", "shard", "tf", "keras", "python"]),
                                      ["env", "phase", "shard", "tf", "keras", "python"]),
        },
    }
    with open(os.path.join(folder, "index.html"), "w") as f:
        f.write(html.render(context))
    for consumer in context["consumers"]:
        with open(os.path.join(folder, "cells", consumer + ".html"), "w") as f:
            f.write(html.consumer_page(results, consumer))
    with open(os.path.join(folder, "summary.md"), "w") as f:
        f.write(markdown.render(results, meta, missing, sections=md_sections))
    with open(os.path.join(folder, "checks.json"), "w") as f:
        json.dump({k: as_rows(v) for k, v in found.items()}, f, indent=1, default=str)
    if out_root is None:
        point_latest(folder)
    return folder


def point_latest(history: str) -> None:
    if os.path.islink(LATEST) or os.path.isfile(LATEST):
        os.remove(LATEST)
    elif os.path.isdir(LATEST):
        shutil.rmtree(LATEST)
    os.symlink(os.path.relpath(history, REPORTS), LATEST)
