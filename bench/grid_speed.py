"""Benchmark one environment's consume phase: the harness against a bare loop over the same cells.

    python bench/grid_speed.py --env tf221                      # every producer's artifacts of that env
    python bench/grid_speed.py --env tf115 --consumers c_api,tflite,onnx

Through tox, as the grid runs: `tox -e produce-ENV` writes the env's artifacts into a temporary
store; `tox -e consume-ENV -- --rerun all --workers 1` runs every cell in the harness (TF worker,
forked child per artifact, records, cache); then `tox exec -e consume-ENV -- python bench/bare_loop.py`
runs the cells that reached a verdict again in one process that imports TF once and calls each
consumer's consume() and the comparison, nothing else. Both single-process, so the ratio
bare / harness says what the harness costs (1.0: nothing). Also the per-consumer cost, the TF
import, and the TF workers' peak memory. Numbers, not opinions: quote them with this command.
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
sys.path.insert(0, ROOT)

from matrix import records  # noqa: E402
from matrix.cell import Store  # noqa: E402


def worker_rss_mb(store):
    """Total and largest RSS (MiB) of this benchmark's TF worker processes (and their forked children):
    those whose stderr is a log file in this benchmark's store."""
    sizes = []
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(cmdline, "rb") as f:
                if b"matrix.worker" not in f.read():
                    continue
            if not os.readlink(cmdline.replace("cmdline", "fd/2")).startswith(store):
                continue
            with open(cmdline.replace("cmdline", "status")) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024.0)
        except OSError:
            continue
    return sum(sizes), max(sizes) if sizes else 0.0


class Sampler(threading.Thread):
    def __init__(self, store):
        super().__init__(daemon=True)
        self.store, self.peak_total, self.peak_one, self.stop = store, 0.0, 0.0, False

    def run(self):
        while not self.stop:
            total, one = worker_rss_mb(self.store)
            self.peak_total, self.peak_one = max(self.peak_total, total), max(self.peak_one, one)
            time.sleep(0.2)


def tox(*args):
    started = time.time()
    done = subprocess.run([sys.executable, "-m", "tox", "-q"] + list(args), cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if done.returncode not in (0, 1):
        print(done.stdout[-3000:], file=sys.stderr)
    return time.time() - started, done.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--env", default="tf221")
    p.add_argument("--producers", default="")
    p.add_argument("--consumers", default="")
    p.add_argument("--json", help="also write the figures as JSON")
    args = p.parse_args()
    store = tempfile.mkdtemp(prefix="bench-")
    selection = ["--producers", args.producers] if args.producers else []
    consumers = ["--consumers", args.consumers] if args.consumers else []
    tox("-e", "produce-" + args.env, "--", "--store", store, *selection)
    sampler = Sampler(store)
    sampler.start()
    harness, _ = tox("-e", "consume-" + args.env, "--", "--store", store, "--rerun", "all", "--workers", "1", *consumers)
    sampler.stop = True
    sampler.join()
    s = Store(store)
    found = records.read_folder(s.results_dir(s.current_run()))[0]
    cells = [r for r in found if r["kind"] == "consume" and not r["reused_from"]]
    judged = [r for r in cells if r["status"] not in ("unavailable", "not_applicable")]
    with open(os.path.join(store, "bench-cells.json"), "w") as f:
        json.dump([r["cell"] for r in judged], f)
    bare_out = os.path.join(store, "bench-bare.json")
    tox("exec", "-e", "consume-" + args.env, "--", "python", os.path.join(ROOT, "bench", "bare_loop.py"), store,
        os.path.join(store, "bench-cells.json"), bare_out)
    with open(bare_out) as f:
        bare = json.load(f)
    env = next((r for r in found if r["kind"] == "env" and r["phase"] == "consume"), {})
    figures = {"env": args.env, "tf": env.get("tf"), "python": env.get("python"), "cells": len(cells),
               "judged": len(judged), "harness_seconds": round(harness, 1),
               "bare_seconds": round(bare["seconds"], 1), "bare_import_seconds": round(bare["import_seconds"], 1),
               "ratio_bare_over_harness": round(bare["seconds"] / harness, 3),
               "agreeing_verdicts": bare["agree"], "peak_worker_rss_mib": round(sampler.peak_one)}
    print("env %(env)s, TF %(tf)s, Python %(python)s, one process each side" % figures)
    print("consume cells %(cells)d, of which %(judged)d reached a verdict (the rest: not applicable/unavailable)" % figures)
    print("harness (tox -e consume-%s, --workers 1): %.1f s" % (args.env, harness))
    print("bare loop, same %d cells (TF import %.1f s included): %.1f s" % (
        len(judged), bare["import_seconds"], bare["seconds"]))
    print("ratio bare / harness: %.2f; verdicts agreeing: %d of %d" % (
        figures["ratio_bare_over_harness"], bare["agree"], len(judged)))
    print("peak RSS of one TF worker: %.0f MiB" % sampler.peak_one)
    by_consumer = defaultdict(list)
    for c in cells:
        by_consumer[c["consumer"]].append(c["seconds"])
    print("\n%-26s %6s %9s %9s %9s" % ("consumer", "cells", "total s", "median s", "max s"))
    for name, secs in sorted(by_consumer.items(), key=lambda kv: -sum(kv[1])):
        print("%-26s %6d %9.1f %9.3f %9.3f" % (name, len(secs), sum(secs), statistics.median(secs), max(secs)))
    figures["per_consumer_seconds"] = {k: round(sum(v), 1) for k, v in by_consumer.items()}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=1)


if __name__ == "__main__":
    main()
