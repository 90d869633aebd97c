"""The command line for everything that reads recorded results.

    python -m reports build      merge the run's records, write reports/latest/{index.html,summary.md,results.*}
    python -m reports summary    print counts by status; exit 1 if any cell is not pass/unavailable
    python -m reports gate --baseline 2.15 --candidate 2.21
                                 may we upgrade TF? Markdown for a PR comment; exit 1 on a new regression
    python -m reports diff OLD NEW
                                 which cells changed verdict between two runs
    python -m reports bisect --producer keras --case dense --producer-env tf215 --consumer keras_load
                                 the first TF version where one cell breaks (live, or --recorded)
    python -m reports repro keras3_load-tf215/keras/dense@tf221
                                 write a shell script that reproduces one cell

A cell is named CONSUMER-PRODUCER_ENV/PRODUCER/CASE@CONSUMER_ENV: the grid's test id
(test_consume[keras3_load-tf215/keras/dense]) and the environment that read the model.
Versions are TF version prefixes (2.15, 2.15.1) or tox environment names (tf215).
Known incompatibilities live in reports/known_issues.toml (format: reports/known.py).
RESULTS, OLD and NEW may be a folder of *.jsonl records (artifacts/results), an artifacts
folder, a report history folder (reports/history/<run id>) or its results.json.

Exit codes:
  0  success: no new regressions (gate), no failing cells (summary), done (diff, bisect, repro, build)
  1  the check found what it looks for: a new regression or API gone (gate), a failing cell
     (summary), a changed verdict (diff --fail-on-change)
  2  usage or input error: bad arguments, no results, no cells for the baseline or candidate
     (the message names the versions that exist), an unreadable known_issues.toml
"""
import argparse
import json
import os
import sys
from typing import List, Optional

from reports import build as build_mod
from reports import table


class UsageError(Exception):
    pass


def _results(path: Optional[str]):
    from reports.results import load_any
    from matrix import paths
    path = path or paths.RESULTS
    try:
        results = load_any(path)
    except FileNotFoundError as exc:
        raise UsageError("no results: %s (run the grid first: `tox`)" % exc)
    if results.cells.empty and results.produced.empty:
        raise UsageError("no results in %s: run the grid first (`tox`)" % path)
    return results


def _write_json(path: Optional[str], payload) -> None:
    if path:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as f:
            json.dump(payload, f, indent=1, default=str)


def cmd_build(args: argparse.Namespace) -> int:
    from reports.results import load
    results = load(args.results)
    # Even a run in which nothing ran gets its report: reports/latest must never show an older run.
    folder = build_mod.build(args.results, registry=args.known)
    counts = table.counts(results.cells)
    print("report: %s/index.html" % build_mod.LATEST)
    print("cells: " + ", ".join("%d %s" % (n, s) for s, n in counts.items()))
    for line in build_mod.not_run(results, build_mod.expected_envs(results)):
        print("not run: " + line)
    if results.invalid:
        print("%d invalid records skipped (see results.json)" % len(results.invalid), file=sys.stderr)
    print("history: %s" % folder)
    if results.cells.empty and results.produced.empty:
        print("no results in %s: no TF environment ran (see the not-run lines)" % (
            args.results or "artifacts/results"), file=sys.stderr)
        return 2
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from reports.results import load
    results = load(args.results)
    counts = table.counts(results.cells)
    print("cells: " + ", ".join("%d %s" % (n, s) for s, n in counts.items()))
    bad = int(counts.drop(["pass", "unavailable"]).sum())
    return 1 if bad else 0


def cmd_gate(args: argparse.Namespace) -> int:
    from reports import gate, known
    results = _results(args.results)
    try:
        issues = known.load_registry(args.known)
        g = gate.compare(results, args.baseline, args.candidate, issues, args.fail_on_rollback)
    except (gate.GateError, known.RegistryError) as exc:
        raise UsageError(str(exc))
    text = gate.render_markdown(g)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    _write_json(args.json, gate.as_dict(g))
    return g.exit_code


def cmd_diff(args: argparse.Namespace) -> int:
    from reports import diff
    old, new = _results(args.old), _results(args.new)
    d = diff.diff(old, new, args.old, args.new)
    print(diff.render_markdown(d, title="Changes", level="##"))
    _write_json(args.json, d.as_dict())
    return 1 if args.fail_on_change and len(d.changed) else 0


def cmd_bisect(args: argparse.Namespace) -> int:
    from reports import bisect
    from reports.results import load_any
    from matrix import paths
    if args.axis == "consumer" and not args.producer_env:
        raise UsageError("--axis consumer needs --producer-env (the TF env that wrote the model)")
    if args.axis == "producer" and not args.consumer_env:
        raise UsageError("--axis producer needs --consumer-env (the TF env that reads the models)")
    try:
        results = load_any(args.results or paths.RESULTS)
    except FileNotFoundError as exc:
        if args.recorded:
            raise UsageError("no results: %s" % exc)
        from reports.results import Results
        import pandas as pd
        from reports.results import COLUMNS, PRODUCE_COLUMNS
        results = Results(pd.DataFrame(columns=COLUMNS), pd.DataFrame(columns=PRODUCE_COLUMNS),
                          pd.DataFrame(columns=["env", "phase", "tf"]))
    cell = {"producer": args.producer, "case": args.case, "consumer": args.consumer,
            "producer_env": args.producer_env or "", "consumer_env": args.consumer_env or ""}
    log = (lambda line: print(line, file=sys.stderr, flush=True)) if not args.recorded else None
    outcome = bisect.bisect(results, cell, args.axis, recorded=args.recorded, every=args.all,
                            include_preview=args.include_preview, timeout=args.timeout, log=log)
    print(bisect.render(outcome))
    _write_json(args.json, outcome.as_dict())
    return 2 if outcome.verdict == "nothing could be tried" else 0


def cmd_repro(args: argparse.Namespace) -> int:
    from reports import repro
    try:
        want = repro.parse_cell_id(args.cell)
    except ValueError as exc:
        raise UsageError(str(exc))
    if args.consumer_env:
        want["consumer_env"] = args.consumer_env
    results = _results(args.results)
    c = results.cells
    hit = c[(c["consumer"] == want["consumer"]) & (c["producer_env"] == want["producer_env"])
            & (c["producer"] == want["producer"]) & (c["case"] == want["case"])]
    if want["consumer_env"]:
        hit = hit[hit["consumer_env"] == want["consumer_env"]]
    if hit.empty:
        raise UsageError("no recorded cell %s" % args.cell)
    if len(hit) > 1:
        raise UsageError("%s was read under several environments; add @ENV: %s" % (
            args.cell, ", ".join(repro.cell_id(r) for r in hit.to_dict(orient="records"))))
    cell = hit.iloc[0].to_dict()
    folder = args.out or os.path.join(build_mod.LATEST, "repro")
    path = repro.write_script(cell, folder)
    print("recorded: %s — %s" % (cell["status"], " ".join(str(cell["reason"]).split())[:200]))
    print("command:  %s" % repro.command(cell))
    print("script:   %s" % path)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m reports", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    raw = argparse.RawDescriptionHelpFormatter
    results_help = "recorded results (default: artifacts/results)"
    known_help = "known-issue registry (default: reports/known_issues.toml)"

    b = sub.add_parser("build", help="write the report from the run's records")
    b.add_argument("--results", help="folder of *.jsonl records (default: artifacts/results)")
    b.add_argument("--known", help=known_help)
    b.set_defaults(func=cmd_build)

    s = sub.add_parser("summary", help="counts by status; exit 1 if any cell failed, crashed or timed out")
    s.add_argument("--results", help="folder of *.jsonl records (default: artifacts/results)")
    s.set_defaults(func=cmd_summary)

    from reports import gate
    g = sub.add_parser("gate", help="compare a candidate TF with the baseline; exit 1 on a new regression",
                       description=gate.__doc__ + "\nExit codes: 0 no new regressions; 1 new regressions (or, with "
                       "--fail-on-rollback, new rollback risk); 2 usage error or missing data.", formatter_class=raw)
    g.add_argument("--baseline", required=True, help="the TF in use: version prefix (2.15) or env (tf215)")
    g.add_argument("--candidate", required=True, help="the TF to upgrade to: version prefix (2.21) or env (tf221)")
    g.add_argument("--results", help=results_help)
    g.add_argument("--known", help=known_help)
    g.add_argument("--json", metavar="PATH", help="also write the verdict as JSON")
    g.add_argument("--markdown", metavar="PATH", help="also write the Markdown summary to a file")
    g.add_argument("--fail-on-rollback", action="store_true", help="rollback risk not in the registry gates too")
    g.set_defaults(func=cmd_gate)

    from reports import diff
    d = sub.add_parser("diff", help="which cells changed verdict between two runs",
                       description=diff.__doc__ + "\nExit codes: 0 done (even with changes); 1 a verdict changed and "
                       "--fail-on-change was given; 2 usage error or no results.", formatter_class=raw)
    d.add_argument("old", metavar="OLD", help="results folder, history run folder, or results.json")
    d.add_argument("new", metavar="NEW", help="results folder, history run folder, or results.json")
    d.add_argument("--json", metavar="PATH", help="also write the changes as JSON")
    d.add_argument("--fail-on-change", action="store_true", help="exit 1 when any cell changed verdict")
    d.set_defaults(func=cmd_diff)

    from reports import bisect
    bi = sub.add_parser("bisect", help="the first TF version where one cell breaks",
                        description=bisect.__doc__ + "\nExit codes: 0 done (the result says whether and where it "
                        "breaks); 2 usage error or no version could be tried.", formatter_class=raw)
    bi.add_argument("--producer", required=True)
    bi.add_argument("--case", required=True)
    bi.add_argument("--consumer", required=True)
    bi.add_argument("--producer-env", help="env that wrote the model (fixed on the consumer axis), e.g. tf215")
    bi.add_argument("--consumer-env", help="env that reads the models (fixed on the producer axis), e.g. tf221")
    bi.add_argument("--axis", choices=("consumer", "producer"), default="consumer",
                    help="vary the TF that reads (consumer, default) or the TF that wrote (producer)")
    bi.add_argument("--recorded", action="store_true", help="use the recorded results instead of running live")
    bi.add_argument("--all", action="store_true", help="live: run every environment, not a bisection")
    bi.add_argument("--include-preview", action="store_true", help="also try preview environments (nightly)")
    bi.add_argument("--timeout", type=float, default=900, help="seconds per live run (default 900)")
    bi.add_argument("--results", help=results_help)
    bi.add_argument("--json", metavar="PATH", help="also write the outcome as JSON")
    bi.set_defaults(func=cmd_bisect)

    r = sub.add_parser("repro", help="write a shell script that reproduces one cell",
                       description="Writes reports/latest/repro/<cell>.sh (or --out): it writes the model again with "
                       "the producer's TF into a temporary store and reads it with the consumer's TF.\n"
                       "Exit codes: 0 written; 2 no such recorded cell or bad id.", formatter_class=raw)
    r.add_argument("cell", metavar="CELL", help="CONSUMER-PRODUCER_ENV/PRODUCER/CASE@CONSUMER_ENV, "
                   "e.g. keras3_load-tf215/keras/dense@tf221")
    r.add_argument("--consumer-env", help="instead of @ENV in CELL")
    r.add_argument("--results", help=results_help)
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
