"""The command line for everything that reads recorded results.

    python -m reports build      merge the run's records, write reports/latest/{index.html,summary.md,results.*}
    python -m reports summary    print counts by status; exit 1 if any cell is not pass/unavailable

Exit codes: 0 success; 1 the check found what it looks for (failing cells); 2 usage or input error.
"""
import argparse
import sys
from typing import List, Optional

from reports import build as build_mod
from reports import table
from reports.results import load


def cmd_build(args: argparse.Namespace) -> int:
    results = load(args.results)
    if results.cells.empty and results.produced.empty:
        print("no results in %s: run the grid first (`tox`)" % (args.results or "artifacts/results"), file=sys.stderr)
        return 2
    folder = build_mod.build(args.results)
    counts = table.counts(results.cells)
    print("report: %s/index.html" % build_mod.LATEST)
    print("cells: " + ", ".join("%d %s" % (n, s) for s, n in counts.items()))
    for line in build_mod.not_run(results, build_mod.expected_envs(results)):
        print("not run: " + line)
    if results.invalid:
        print("%d invalid records skipped (see results.json)" % len(results.invalid), file=sys.stderr)
    print("history: %s" % folder)
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    results = load(args.results)
    counts = table.counts(results.cells)
    print("cells: " + ", ".join("%d %s" % (n, s) for s, n in counts.items()))
    bad = int(counts.drop(["pass", "unavailable"]).sum())
    return 1 if bad else 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m reports", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write the report from the run's records")
    b.add_argument("--results", help="folder of *.jsonl records (default: artifacts/results)")
    b.set_defaults(func=cmd_build)
    s = sub.add_parser("summary", help="counts by status; exit 1 if any cell failed, crashed or timed out")
    s.add_argument("--results", help="folder of *.jsonl records (default: artifacts/results)")
    s.set_defaults(func=cmd_summary)
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)
