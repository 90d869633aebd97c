"""The command line for everything that reads recorded results.

    python -m reports build      the run's report: reports/latest/{index.html,summary.md,gate.md,results.*}
    python -m reports summary    counts by status; exit 1 if any cell failed, crashed, timed out or erred
    python -m reports gate [--baseline 2.15 --candidate 2.21]
                                 may we upgrade TF? Markdown for a PR comment; exit 1 on a new regression
    python -m reports diff OLD NEW
                                 which cells changed verdict between two runs
    python -m reports bisect --cell tf1_session-models/corpus/x@tf221
                                 the first TF version where one cell breaks (live through tox, or --recorded)
    python -m reports repro CELL write a shell script that reproduces one cell

A cell is named by its id: CONSUMER-ENV/PRODUCER/CASE@READING_ENV (e.g.
keras3_load-tf215/keras/dense@tf221). Versions are TF version prefixes (2.15,
2.15.1) or environment names (tf215). Known incompatibilities live in
reports/known_issues.toml (format: reports/known.py). RESULTS, OLD and NEW may be
a store folder (its current run), a folder of *.jsonl records, a report history
folder (reports/history/<run id>) or its results.json.

Exit codes:
  0  success: no new regressions (gate), no red cells (summary), done (build, diff, bisect, repro)
  1  the check found what it looks for: a new regression, API gone or an expired waiver's cells
     (gate), a red cell (summary), a changed verdict (diff --fail-on-change)
  2  usage or input error: bad arguments, no results, no cells for the baseline or candidate
     (the message names the versions that exist), an unreadable known_issues.toml
"""
import argparse
import datetime
import json
import os
import sys
from typing import List, Optional

from matrix.cli import add_run_options
from reports import build as build_mod
from reports import table


class UsageError(Exception):
    pass


def _results(path: Optional[str], store: Optional[str] = None):
    from reports.results import load, load_any
    try:
        results = load_any(path) if path else load(store)
    except FileNotFoundError as exc:
        raise UsageError("no results: %s (run the grid first: `tox`)" % exc)
    if results.cells.empty and results.produced.empty:
        raise UsageError("no results in %s: run the grid first (`tox`)" % (path or results.run.get("store")))
    return results


def _write(path: Optional[str], text: str) -> None:
    if path:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


def cmd_build(args: argparse.Namespace) -> int:
    from reports.results import from_records, load_any, read_current
    key = None
    if args.results:
        results = load_any(args.results)
    else:
        rows, invalid, run = read_current(args.store)
        key = build_mod.report_key(rows, invalid, args.known, datetime.date.today())
        done = None if args.rerun == "all" else build_mod.reusable(key)
        if done:
            print("nothing the report depends on changed (same verdicts, code, registry and date): "
                  "reports/latest is still the report of run %s (--rerun all rebuilds it)" % os.path.basename(done))
            with open(os.path.join(done, "console.txt")) as f:
                print(f.read(), end="")
            return 0
        results = from_records(rows, invalid, run)
    folder = build_mod.build(args.store, registry=args.known, results=results)
    counts = table.counts(results.cells)
    lines = ["report: %s/index.html" % build_mod.LATEST,
             "cells: " + ", ".join("%d %s" % (n, s) for s, n in counts.items() if n)]
    lines += ["not run: " + line for line in build_mod.not_run(results, build_mod.expected_envs(results))]
    if results.invalid:
        print("%d invalid records skipped (see results.json)" % len(results.invalid), file=sys.stderr)
    lines.append("history: %s" % folder)
    print("\n".join(lines))
    with open(os.path.join(folder, "console.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    if key:
        with open(os.path.join(folder, "report.key"), "w") as f:
            f.write(key + "\n")
    if results.cells.empty and results.produced.empty:
        print("no results: no TF environment ran (see the not-run lines)", file=sys.stderr)
        return 2
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    results = _results(args.results, args.store)
    counts = table.counts(results.cells)
    print("cells: " + ", ".join("%d %s" % (n, s) for s, n in counts.items() if n))
    return 1 if int(counts[["fail", "crash", "timeout", "error"]].sum()) else 0


def cmd_gate(args: argparse.Namespace) -> int:
    from reports import derive, gate, known
    results = _results(args.results, args.store)
    try:
        results = derive.annotate(results, args.known)
        if args.baseline and args.candidate:
            base, cand = args.baseline, args.candidate
        elif args.baseline or args.candidate:
            raise UsageError("give both --baseline and --candidate, or neither (the upgrade to the newest TF)")
        else:
            sides = gate.default_sides(results)
            base, cand = sides[0].env, sides[1].env
        g = gate.compare(results, base, cand, args.fail_on_rollback, args.models_only)
    except (gate.GateError, known.RegistryError) as exc:
        raise UsageError(str(exc))
    text = gate.render_markdown(g)
    print(text)
    _write(args.markdown, text + "\n")
    _write(args.json, json.dumps(gate.as_dict(g), indent=1, default=str))
    _write(args.junit, gate.junit(g))
    _write(args.badge, gate.badge(g))
    gate.step_summary(text)
    return g.exit_code


def cmd_diff(args: argparse.Namespace) -> int:
    from reports import diff
    old, new = _results(args.old), _results(args.new)
    d = diff.diff(old, new, args.old, args.new)
    print(diff.render_markdown(d, title="Changes", level="##"))
    _write(args.json, json.dumps(d.as_dict(), indent=1, default=str))
    return 1 if args.fail_on_change and len(d.changed) else 0


def cmd_bisect(args: argparse.Namespace) -> int:
    from reports import bisect
    from reports.results import load, load_any
    try:
        results = load_any(args.results) if args.results else load(args.store)
        outcome = bisect.bisect(results, args.cell, args.axis, recorded=args.recorded, every=args.all,
                                include_preview=args.include_preview, timeout=args.timeout, store=args.store,
                                log=None if args.recorded else lambda line: print(line, file=sys.stderr, flush=True))
    except (ValueError, FileNotFoundError) as exc:
        raise UsageError(str(exc))
    print(bisect.render(outcome))
    _write(args.json, json.dumps(outcome.as_dict(), indent=1, default=str))
    return 2 if outcome.verdict == "nothing could be tried" else 0


def cmd_repro(args: argparse.Namespace) -> int:
    from matrix.cell import Cell
    from reports import repro
    try:
        cell = Cell.parse(args.cell)
    except ValueError as exc:
        raise UsageError(str(exc))
    results = _results(args.results, args.store)
    hit = results.cells[results.cells["cell"] == cell.id]
    if hit.empty:
        raise UsageError("no recorded cell %s" % cell.id)
    row = hit.iloc[0].to_dict()
    path = repro.write_script(row, args.out or os.path.join(build_mod.LATEST, "repro"))
    print("recorded: %s - %s" % (row["status"], " ".join(str(row["reason"]).split())[:200]))
    print("command:  %s" % repro.command(row))
    print("script:   %s" % path)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m reports", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    raw = argparse.RawDescriptionHelpFormatter
    results_help = "recorded results to read instead of the store's current run"
    known_help = "known-issue registry (default: reports/known_issues.toml)"

    b = sub.add_parser("build", help="write the report from the run's records")
    b.add_argument("--results", help=results_help)
    b.add_argument("--known", help=known_help)
    add_run_options(b)  # tox passes `tox -- OPTIONS` to every step
    b.set_defaults(func=cmd_build)

    s = sub.add_parser("summary", help="counts by status; exit 1 if any cell is red")
    s.add_argument("--results", help=results_help)
    s.add_argument("--store", help="the store (default: artifacts/)")
    s.set_defaults(func=cmd_summary)

    from reports import gate
    g = sub.add_parser("gate", help="compare a candidate TF with the baseline; exit 1 on a new regression",
                       description=gate.__doc__ + "\nExit codes: 0 no new regressions; 1 new regressions (or, with "
                       "--fail-on-rollback, new rollback risk); 2 usage error or missing data.", formatter_class=raw)
    g.add_argument("--baseline", help="the TF in use: version prefix (2.15) or env (tf215); default: the newest but one")
    g.add_argument("--candidate", help="the TF to upgrade to: version prefix (2.21) or env (tf221); default: the newest")
    g.add_argument("--models-only", action="store_true", help="gate on your own models (--models) only")
    g.add_argument("--results", help=results_help)
    g.add_argument("--store", help="the store (default: artifacts/)")
    g.add_argument("--known", help=known_help)
    g.add_argument("--json", metavar="PATH", help="also write the verdict as JSON")
    g.add_argument("--markdown", metavar="PATH", help="also write the Markdown summary to a file "
                   "($GITHUB_STEP_SUMMARY gets it whenever that is set)")
    g.add_argument("--junit", metavar="PATH", help="also write the regressions as JUnit XML")
    g.add_argument("--badge", metavar="PATH", help="also write the score as an SVG badge")
    g.add_argument("--fail-on-rollback", action="store_true", help="rollback risk not in the registry gates too")
    g.set_defaults(func=cmd_gate)

    from reports import diff
    d = sub.add_parser("diff", help="which cells changed verdict between two runs",
                       description=diff.__doc__ + "\nExit codes: 0 done (even with changes); 1 a verdict changed and "
                       "--fail-on-change was given; 2 usage error or no results.", formatter_class=raw)
    d.add_argument("old", metavar="OLD", help="results folder, history run folder, results.json, or a store")
    d.add_argument("new", metavar="NEW", help="results folder, history run folder, results.json, or a store")
    d.add_argument("--json", metavar="PATH", help="also write the changes as JSON")
    d.add_argument("--fail-on-change", action="store_true", help="exit 1 when any cell changed verdict")
    d.set_defaults(func=cmd_diff)

    from reports import bisect
    bi = sub.add_parser("bisect", help="the first TF version where one cell breaks",
                        description=bisect.__doc__ + "\nExit codes: 0 done (the result says whether and where it "
                        "breaks); 2 usage error or no version could be tried.", formatter_class=raw)
    bi.add_argument("--cell", required=True, help="the cell id (any of its TF environments), e.g. "
                    "tf1_session-models/corpus/tensorflow__half_plus_two_2016:tensorflow_serving_regress@tf24")
    bi.add_argument("--axis", choices=("consumer", "producer"), default="consumer",
                    help="vary the TF that reads (consumer, default) or the TF that wrote (producer)")
    bi.add_argument("--recorded", action="store_true", help="use the recorded results instead of running live")
    bi.add_argument("--all", action="store_true", help="live: run every environment, not a bisection")
    bi.add_argument("--include-preview", action="store_true", help="also try preview environments (nightly)")
    bi.add_argument("--timeout", type=float, default=900, help="seconds per live run (default 900)")
    bi.add_argument("--results", help=results_help)
    bi.add_argument("--store", help="the store (default: artifacts/)")
    bi.add_argument("--json", metavar="PATH", help="also write the outcome as JSON")
    bi.set_defaults(func=cmd_bisect)

    r = sub.add_parser("repro", help="write a shell script that reproduces one cell",
                       description="Writes reports/latest/repro/<cell>.sh (or --out): it writes the model again with "
                       "the producer's TF into a temporary store and reads it with the consumer's TF.\n"
                       "Exit codes: 0 written; 2 no such recorded cell or bad id.", formatter_class=raw)
    r.add_argument("cell", metavar="CELL", help="CONSUMER-ENV/PRODUCER/CASE@READING_ENV, "
                   "e.g. keras3_load-tf215/keras/dense@tf221")
    r.add_argument("--results", help=results_help)
    r.add_argument("--store", help="the store (default: artifacts/)")
    r.add_argument("--out", help="folder for the script (default: reports/latest/repro)")
    r.set_defaults(func=cmd_repro)
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 2
