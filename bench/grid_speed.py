"""Benchmark the grid in one TF environment: wall time, per-cell cost, TF import, worker memory.

    python bench/grid_speed.py --env tf215                   # produce + consume, default consumers
    python bench/grid_speed.py --env tf221 --cli-compare     # + saved_model_cli: fork server vs plain subprocess

Runs the real grid with the env's virtualenv (.tox/<env>, made by `tox`) against a
temporary store, samples the RSS of the TF worker processes every 0.2 s, and
prints a table. Numbers, not opinions: quote them with the command that made them.
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def worker_rss_mb(store):
    """Total and largest RSS (MiB) of this benchmark's TF worker processes (not another run's)."""
    sizes = []
    mark = ("MATRIX_ARTIFACTS=%s" % store).encode()
    for status in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(status, "rb") as f:
                if b"matrix.worker" not in f.read():
                    continue
            with open(status.replace("cmdline", "environ"), "rb") as f:
                if mark not in f.read().split(b"\0"):
                    continue
            with open(status.replace("cmdline", "status")) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024.0)
        except OSError:
            continue
    return sum(sizes), max(sizes) if sizes else 0.0


class Sampler(threading.Thread):
    def __init__(self, store):
        super().__init__(daemon=True)
        self.store = store
        self.peak_total = self.peak_one = 0.0
        self.stop = False

    def run(self):
        while not self.stop:
            total, one = worker_rss_mb(self.store)
            self.peak_total, self.peak_one = max(self.peak_total, total), max(self.peak_one, one)
            time.sleep(0.2)


def grid(python, env, store, phase, workers, extra_env=None, **filters):
    environ = dict(os.environ, MATRIX_ARTIFACTS=store, MATRIX_ENV=env, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    environ.update(extra_env or {})
    for key, value in filters.items():
        environ["MATRIX_" + key.upper()] = value or ""
    sampler = Sampler(store)
    sampler.start()
    started = time.time()
    done = subprocess.run([python, "-m", "pytest", "matrix/test_grid.py", "--phase", phase, "-q", "-n", str(workers)],
                          cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.time() - started
    sampler.stop = True
    sampler.join()
    if done.returncode not in (0, 1):
        print(done.stdout[-3000:], file=sys.stderr)
    return wall, sampler.peak_total, sampler.peak_one


def records(store, phase):
    out = []
    for path in glob.glob(os.path.join(store, "results", phase + "-*.jsonl")):
        with open(path) as f:
            out.extend(json.loads(l) for l in f if l.strip())
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--env", default="tf215")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--producers", default="")
    p.add_argument("--consumers", default="")
    p.add_argument("--cli-compare", action="store_true", help="also time saved_model_cli with MATRIX_PROGRAM_FORK=0")
    args = p.parse_args()
    python = os.path.join(ROOT, ".tox", args.env, "bin", "python")
    if not os.path.exists(python):
        sys.exit("no virtualenv %s: run `tox -e produce-%s --notest` first" % (python, args.env))
    store = tempfile.mkdtemp(prefix="bench-")
    rows = []
    wall, total, one = grid(python, args.env, store, "produce", args.workers, producers=args.producers)
    rows.append(("produce", len([r for r in records(store, "produce") if r["kind"] == "produce"]), wall, total, one))
    wall, total, one = grid(python, args.env, store, "consume", args.workers, consumers=args.consumers)
    cells = [r for r in records(store, "consume") if r["kind"] == "cell"]
    rows.append(("consume", len(cells), wall, total, one))
    envs = [r for r in records(store, "consume") if r["kind"] == "env"]
    print("env %s, TF %s, Python %s, %d workers" % (args.env, envs[0]["tf"] if envs else "?",
                                                    envs[0]["python"] if envs else "?", args.workers))
    print("%-8s %7s %9s %10s %16s %14s" % ("phase", "cells", "wall s", "cells/s", "peak RSS all MiB", "peak RSS 1 MiB"))
    for phase, n, wall, total, one in rows:
        print("%-8s %7d %9.1f %10.1f %16.0f %14.0f" % (phase, n, wall, n / wall if wall else 0, total, one))
    imports = [r.get("import_seconds") for r in envs if r.get("import_seconds") is not None]
    if imports:
        print("TF import per worker: %s s" % ", ".join("%.1f" % s for s in imports))
    by_consumer = defaultdict(list)
    for c in cells:
        by_consumer[c["consumer"]].append(c["seconds"])
    print("\n%-28s %6s %10s %10s" % ("consumer", "cells", "median s", "max s"))
    for name, secs in sorted(by_consumer.items()):
        print("%-28s %6d %10.3f %10.3f" % (name, len(secs), statistics.median(secs), max(secs)))
    if args.cli_compare:
        print("\nsaved_model_cli run, %d cells:" % len(by_consumer.get("saved_model_cli", [])))
        for fork in ("1", "0"):
            for old in glob.glob(os.path.join(store, "results", "consume-*")):
                os.remove(old)
            wall, _, _ = grid(python, args.env, store, "consume", args.workers,
                              extra_env={"MATRIX_PROGRAM_FORK": fork}, consumers="saved_model_cli")
            secs = [c["seconds"] for c in records(store, "consume") if c["kind"] == "cell"]
            print("  %-34s wall %6.1f s, median cell %.3f s" % (
                "fork server (default)" if fork == "1" else "plain subprocess per cell", wall,
                statistics.median(secs) if secs else float("nan")))


if __name__ == "__main__":
    main()
