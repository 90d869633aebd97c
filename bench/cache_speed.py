"""Only what changed runs, measured: a cold `tox`, a warm one with nothing changed, one after touching one
consumer plugin, and one after adding one model to the corpus, in a fresh clone.

    python bench/cache_speed.py --clone /tmp/cold [--empty-uv-cache] [--kill-after 2000]

Each run is plain `tox` (the README's command) in a fresh clone of this checkout, with ../shared beside
it; --empty-uv-cache gives the cold run an empty uv cache (a fresh machine's download and install).
For each: wall time, CPU time (user + system of tox and every process it waited for: on 2 cores a
run cannot take less wall time than half its CPU time), and the cells the run computed and reused
(from its records). With --kill-after N,
one more pair: the last consume phase (--kill-env, default tf221) made cold again by removing its cached
verdicts, `tox` killed (kill -9 of tox's whole process group) once N of its cells that load a model have
finished (those decided before pytest, unavailable and not applicable, finish at once: not counted), then
`tox` again: the cells run after the kill equal those not finished before it, and
the verdicts equal the uninterrupted run's, cell for cell. With --baseline REV, first a cold `tox` of
that older commit in its own fresh clone: the "before" of the cold run, measured in the same run on the
same machine (this machine is shared and its speed varies from day to day).
"""
import argparse
import glob
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from matrix import records  # noqa: E402
from matrix.cell import Store  # noqa: E402


def current_run(clone):
    """(the clone's store, its current run or None)."""
    store = Store(os.path.join(clone, "artifacts"))
    return store, store.current_run(start=False)


def run_id(clone):
    run = current_run(clone)[1]
    return run.run_id if run else ""


def run_records(clone):
    store, run = current_run(clone)
    return records.read_folder(store.results_dir(run))[0] if run else []


def tally(clone):
    found = [r for r in run_records(clone) if r["kind"] != "env"]
    latest = {}
    for r in sorted(found, key=lambda r: r["finished"]):
        latest[r["cell"]] = r
    computed = sum(1 for r in latest.values() if not r["reused_from"])
    return {"cells": len(latest), "computed": computed, "reused": len(latest) - computed}


def cpu_seconds():
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def tox(clone, env, *args):
    started, cpu = time.time(), cpu_seconds()
    with open(os.path.join(clone, "bench-tox.log"), "a") as log:
        code = subprocess.call([sys.executable, "-m", "tox"] + list(args), cwd=clone, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    return time.time() - started, cpu_seconds() - cpu, code


def baseline_cold(base, rev, env):
    """A cold `tox` of an older commit in a fresh clone of it, with ../shared beside it as the README wants."""
    folder = os.path.join(base, "baseline")
    clone = os.path.join(folder, "main")
    os.makedirs(folder)
    subprocess.check_call(["git", "clone", "-q", ROOT, clone])
    subprocess.check_call(["git", "checkout", "-q", rev], cwd=clone)
    os.symlink(os.path.join(os.path.dirname(ROOT), "shared"), os.path.join(folder, "shared"))
    seconds, cpu, code = tox(clone, env)
    # Older commits keep their records in other places and shapes: every JSON line with a status counts.
    statuses = {}
    for path in glob.glob(os.path.join(clone, "artifacts", "results", "**", "*.jsonl"), recursive=True):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if "status" in record:
                    statuses[record["status"]] = statuses.get(record["status"], 0) + 1
    return dict(step="cold tox of %s" % rev, seconds=round(seconds, 1), cpu_seconds=round(cpu, 1), exit=code,
                cells=sum(statuses.values()), computed=sum(statuses.values()), reused=0, statuses=statuses)


def verdicts(clone):
    return {r["cell"]: (r["status"], r["reason"]) for r in run_records(clone) if r["kind"] == "consume"}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clone", required=True, help="where to clone (emptied first)")
    p.add_argument("--empty-uv-cache", action="store_true")
    p.add_argument("--kill-after", type=int, default=0)
    p.add_argument("--kill-env", default="tf221")
    p.add_argument("--json", help="also write the figures as JSON")
    p.add_argument("--baseline", metavar="REV",
                   help="first a cold tox of this older commit (the 'before'), in a fresh clone of its own")
    p.add_argument("--kill-only", action="store_true",
                   help="only the kill pair, in the clone an earlier full run of this benchmark left")
    args = p.parse_args()
    if args.baseline and subprocess.call(["git", "rev-parse", "-q", "--verify", args.baseline + "^{commit}"], cwd=ROOT,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) != 0:
        raise SystemExit("--baseline %s: no such commit in %s" % (args.baseline, ROOT))
    base = os.path.abspath(args.clone)
    clone = os.path.join(base, "main")
    if args.kill_only and not os.path.isdir(os.path.join(base, "extra-models")):
        raise SystemExit("--kill-only: %s holds no clone a full run of this benchmark left" % base)
    if not args.kill_only:
        shutil.rmtree(base, ignore_errors=True)
        os.makedirs(base)
        subprocess.check_call(["git", "clone", "-q", ROOT, clone])
        os.symlink(os.path.join(os.path.dirname(ROOT), "shared"), os.path.join(base, "shared"))
    env = dict(os.environ)
    if args.empty_uv_cache:
        env["UV_CACHE_DIR"] = tempfile.mkdtemp(prefix="uv-cache-")
    corpus = os.path.join(base, "shared", "corpus")
    extra = os.path.join(base, "extra-models")
    rows = []

    def step(name, *tox_args):
        seconds, cpu, code = tox(clone, env, *tox_args)
        row = dict(tally(clone), step=name, seconds=round(seconds, 1), cpu_seconds=round(cpu, 1), exit=code)
        rows.append(row)
        print("%-34s %8.1f s  cpu %8.1f s  exit %d  cells %6d  computed %6d  reused %6d" % (
            name, seconds, cpu, code, row["cells"], row["computed"], row["reused"]), flush=True)

    if args.baseline and not args.kill_only:
        before = baseline_cold(base, args.baseline, env)
        print("%-34s %8.1f s  cpu %8.1f s  exit %d  cells %6d  %s" % (
            before["step"], before["seconds"], before["cpu_seconds"], before["exit"], before["cells"],
            before["statuses"]), flush=True)
    if not args.kill_only:
        step("cold tox")
        if not rows[0]["cells"]:
            raise SystemExit("the cold run recorded no cells; see %s" % os.path.join(clone, "bench-tox.log"))
        step("warm tox, nothing changed")
        with open(os.path.join(clone, "consumers", "tflite.py"), "a") as f:
            f.write("\n# touched by bench/cache_speed.py\n")
        step("after touching consumers/tflite.py")
        os.makedirs(extra)
        shutil.copytree(os.path.join(corpus, "serving__saved_model_half_plus_two_cpu"), os.path.join(extra, "one_more"))
        step("after adding one model", "--", "--models", corpus, "--models", extra)
        cold, warm = rows[0]["seconds"], rows[1]["seconds"]
        print("warm / cold: %.1f%%" % (100.0 * warm / cold))
        cores = os.cpu_count() or 1
        print("cold: %.0f CPU seconds on %d cores: no schedule runs it in less than %.0f s (it took %.0f s)" % (
            rows[0]["cpu_seconds"], cores, rows[0]["cpu_seconds"] / cores, cold))
        if args.baseline:
            print("cold / cold of %s: %.2f (wall), %.2f (CPU)" % (
                args.baseline, cold / before["seconds"], rows[0]["cpu_seconds"] / before["cpu_seconds"]))
            rows.insert(0, before)
    if args.kill_after:
        uninterrupted = verdicts(clone)
        planned = {r["cell"] for r in run_records(clone) if r["kind"] == "consume" and r["consumer_env"] == args.kill_env}
        # that env's consume cells run again
        shutil.rmtree(os.path.join(clone, "artifacts", "cache", "consume", args.kill_env))
        log = open(os.path.join(clone, "bench-tox.log"), "a")
        last_run = run_id(clone)  # the kill counts the new run's cells only, once its begin step made it
        proc = subprocess.Popen([sys.executable, "-m", "tox", "--", "--models", corpus, "--models", extra],
                                cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        while True:
            finished = [r for r in run_records(clone) if r["kind"] == "consume" and not r["reused_from"]
                        and r["status"] not in ("unavailable", "not_applicable")] if run_id(clone) != last_run else []
            if len(finished) >= args.kill_after or proc.poll() is not None:
                break
            time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        time.sleep(2)
        done_before = {r["cell"] for r in run_records(clone) if r["kind"] == "consume" and not r["reused_from"]}
        step("tox after kill -9", "--", "--models", corpus, "--models", extra)
        after = [r for r in run_records(clone) if r["kind"] == "consume"]
        rerun = {r["cell"] for r in after if not r["reused_from"]} - done_before
        every = planned
        resumed = verdicts(clone)
        # Statuses, and reasons apart: some TF messages name the first of several offending nodes in an
        # order that varies from run to run.
        same_status = sum(1 for c, v in uninterrupted.items() if c in resumed and resumed[c][0] == v[0])
        same_reason = sum(1 for c, v in uninterrupted.items() if resumed.get(c) == v)
        print("killed after %d finished consume cells (%d of them loaded a model); re-run after the kill: %d; "
              "not finished before it: %d; of %d cells, statuses equal to the uninterrupted run's: %d, statuses "
              "and reasons: %d" % (len(done_before), len(finished), len(rerun), len(every - done_before),
                                   len(uninterrupted), same_status, same_reason))
        rows.append({"step": "kill", "finished_before_kill": len(done_before), "loaded_before_kill": len(finished),
                     "rerun_after": len(rerun),
                     "not_finished": len(every - done_before), "cells": len(uninterrupted),
                     "same_status": same_status, "same_status_and_reason": same_reason})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
