"""`reports build`: merge a run's records into results.csv/json and render the reports.

Each run is kept under reports/history/<run id>/; reports/latest points at the newest.
"""
import datetime
import json
import os
import shutil
import subprocess
from typing import Dict, List, Optional

from matrix import paths
from matrix.interpreters import find_python
from reports import diff as diff_mod
from reports import html, known, markdown, repro
from reports.results import COLUMNS, Results, load, load_any, planned_envs, preview_envs

REPORTS = os.path.join(paths.ROOT, "reports")
HISTORY = os.path.join(REPORTS, "history")
LATEST = os.path.join(REPORTS, "latest")


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=paths.ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=paths.ROOT,
                               capture_output=True, text=True).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "") if out.returncode == 0 else "unknown"
    except OSError:
        return "unknown"


def not_run(results: Results, planned: Dict[str, str]) -> List[str]:
    """One line per planned TF environment that left no results for a phase, naming why if we can tell."""
    lines = []
    ran = set(zip(results.envs["env"], results.envs["phase"])) if not results.envs.empty else set()
    for env, python in planned.items():
        missing = [phase for phase in ("produce", "consume") if (env, phase) not in ran]
        if not missing:
            continue
        interpreter = "python" + python
        why = ("interpreter %s not found on this machine" % interpreter if not find_python(python)
               else "no results recorded (see the tox output for %s)" % ", ".join("%s-%s" % (p, env) for p in missing))
        lines.append("%s (%s): %s" % (env, " and ".join(missing), why))
    return lines


def expected_envs(results: Results) -> Dict[str, str]:
    """The environments this run should have: every planned one, and preview ones only if they ran."""
    ran = set(results.envs["env"]) if not results.envs.empty else set()
    preview = preview_envs()
    return {e: p for e, p in planned_envs().items() if e not in preview or e in ran}


def annotate(results: Results, registry: Optional[str] = None) -> Results:
    """The same results with `known` (the registry entry explaining a red cell, with its link) and `repro`
    (the command that re-runs a red cell) on every cell."""
    cells = known.annotate(results.cells, known.load_registry(registry))
    cells = repro.add_repro(cells)
    return Results(cells, results.produced, results.envs, results.invalid, results.run)


def previous_run(history_root: str, run_id: str) -> Optional[str]:
    """The newest history entry before `run_id` (run ids start with their UTC start time)."""
    if not os.path.isdir(history_root):
        return None
    older = sorted(d for d in os.listdir(history_root)
                   if d < run_id and os.path.isfile(os.path.join(history_root, d, "results.json")))
    return os.path.join(history_root, older[-1]) if older else None


def change_sections(results: Results, history_root: str, run_id: str) -> (List[str], List[str]):
    """(html sections, markdown sections) saying what changed since the previous run; empty if there is none."""
    prev = previous_run(history_root, run_id)
    if not prev:
        return [], []
    try:
        old = load_any(prev)
    except (OSError, ValueError):
        return [], []
    d = diff_mod.diff(old, results, os.path.basename(prev), run_id)
    return [diff_mod.render_html(d)], [diff_mod.render_markdown(d, limit=markdown.SUMMARY_ROWS)]


def build(results_dir: Optional[str] = None, out_root: Optional[str] = None, registry: Optional[str] = None) -> str:
    results = annotate(load(results_dir), registry)
    planned = planned_envs()
    preview = preview_envs()
    missing = not_run(results, expected_envs(results))
    run_id = results.run.get("run_id") or datetime.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")
    meta = {"run_id": run_id, "date": results.run.get("started", ""), "commit": git_commit()}
    history = os.path.join(out_root or HISTORY, run_id)
    html_sections, md_sections = change_sections(results, out_root or HISTORY, run_id)
    os.makedirs(history, exist_ok=True)
    extra = [c for c in ("known", "known_link", "repro") if c in results.cells.columns]
    results.cells[COLUMNS + extra].to_csv(os.path.join(history, "results.csv"), index=False)
    payload = {"meta": meta, "not_run": missing, "invalid_records": results.invalid,
               "cells": results.cells[COLUMNS + extra].to_dict(orient="records"),
               "produced": results.produced.to_dict(orient="records"),
               "envs": results.envs.to_dict(orient="records")}
    with open(os.path.join(history, "results.json"), "w") as f:
        json.dump(payload, f, indent=1, default=str)
    with open(os.path.join(history, "index.html"), "w") as f:
        f.write(html.render(results, meta, missing, preview, planned, sections=html_sections))
    with open(os.path.join(history, "summary.md"), "w") as f:
        f.write(markdown.render(results, meta, missing, sections=md_sections))
    if out_root is None:
        point_latest(history)
    return history


def point_latest(history: str) -> None:
    if os.path.islink(LATEST) or os.path.isfile(LATEST):
        os.remove(LATEST)
    elif os.path.isdir(LATEST):
        shutil.rmtree(LATEST)
    os.symlink(os.path.relpath(history, REPORTS), LATEST)
