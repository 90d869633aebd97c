"""Benchmark program runs (matrix/programs.py): a fork per run against one child serving many runs.

    .tox/tf215/bin/python bench/program_runs.py --store artifacts          # the store's artifacts
    .tox/tf221/bin/python bench/program_runs.py --store artifacts --limit 100

Run it with a TF environment's Python. It starts two program servers for each program the
consumers run (`saved_model_cli show --all` and `tf2onnx.convert`; `saved_model_cli run` needs
each model's feeds, the grid has them): one with RUNS_PER_CHILD = 1 (a fork per run, as before TF 2.x children served
many runs) and one as the grid has it, sends both the same runs over the store's SavedModels, and
prints wall seconds, CPU seconds (the servers' children) and page faults per run, and how many runs
gave a different exit status. Numbers, not opinions: quote them with this command.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from matrix import programs  # noqa: E402

PROGRAMS = {
    "saved_model_cli show": ("saved_model_cli", "tensorflow.python.tools.saved_model_cli", "main"),
    "tf2onnx.convert": ("tf2onnx.convert", "tf2onnx.convert", "main"),
}


def argv_for(program, model, manifest, out):
    if program == "saved_model_cli show":
        return ["saved_model_cli", "show", "--dir", model, "--all"]
    return ["tf2onnx.convert", "--saved-model", model, "--tag", manifest["tags"][0],
            "--signature_def", manifest["signature"] or "serving_default", "--output", out]


def start(folder, name, spec, runs_per_child):
    """A program server like the worker's, with RUNS_PER_CHILD set; (process, socket path)."""
    path = os.path.join(folder, "%s-%d.sock" % (name.replace(" ", "_"), runs_per_child))
    code = "import sys; from matrix import programs; programs.RUNS_PER_CHILD = %d; programs.serve(*sys.argv[1:])" % (
        runs_per_child)
    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.Popen([sys.executable, "-c", code, path, spec[1], spec[2]], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not os.path.exists(path):
        if proc.poll() is not None:
            raise SystemExit("the %s server exited while importing %s" % (name, spec[1]))
        time.sleep(0.05)
    return proc, path


def _stat(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()


def children_usage(pid):
    """CPU seconds and minor page faults of a server's children: those reaped (its cutime, cstime, cminflt)
    and those alive (the child serving runs)."""
    tick = os.sysconf("SC_CLK_TCK")
    fields = _stat(pid)
    cpu, faults = (int(fields[13]) + int(fields[14])) / tick, int(fields[8])
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                child = _stat(int(name))
            except OSError:
                continue
            if int(child[1]) == pid:
                cpu += (int(child[11]) + int(child[12])) / tick
                faults += int(child[7])
    return cpu, faults


def measure(folder, proc, path, program, models):
    """(wall s, CPU s, faults, exit codes) of the runs."""
    codes = []
    cpu0, faults0 = children_usage(proc.pid)
    started = time.time()
    for n, (model, manifest) in enumerate(models):
        out = os.path.join(folder, "run%d" % n)
        codes.append(programs.request(path, argv_for(program, model, manifest, out + ".onnx"), out + ".txt"))
    wall = time.time() - started
    cpu1, faults1 = children_usage(proc.pid)
    proc.kill()
    proc.wait()
    return wall, cpu1 - cpu0, faults1 - faults0, codes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=os.path.join(ROOT, "artifacts"), help="a store with artifacts (default artifacts/)")
    parser.add_argument("--limit", type=int, default=60, help="SavedModels to run each program on (default 60)")
    parser.add_argument("--programs", default=",".join(PROGRAMS), help="comma-separated, of: %s" % ", ".join(PROGRAMS))
    args = parser.parse_args()
    manifests = sorted(glob.glob(os.path.join(args.store, "store", "*", "*", "*", "manifest.json")))
    models = []
    for path in manifests:
        with open(path) as f:
            manifest = json.load(f)
        if manifest.get("format", "saved_model") == "saved_model" and len(manifest.get("tags") or []) == 1:
            models.append((os.path.join(os.path.dirname(path), "model"), manifest))
    step = max(1, len(models) // args.limit)
    models = models[::step][:args.limit]
    if not models:
        raise SystemExit("no SavedModels in %s/store: run `tox` first, or pass --store" % args.store)
    print("%d SavedModels from %s, Python %s" % (len(models), args.store, sys.version.split()[0]))
    for program in args.programs.split(","):
        spec = PROGRAMS[program]
        results = {}
        for runs_per_child in (1, programs.RUNS_PER_CHILD):
            with tempfile.TemporaryDirectory(prefix="program-runs-") as folder:
                proc, path = start(folder, program, spec, runs_per_child)
                wall, cpu, faults, codes = measure(folder, proc, path, program, models)
                results[runs_per_child] = codes
                label = "a fork per run" if runs_per_child == 1 else "%d runs per child" % runs_per_child
                print("%-22s %-20s %6.1f ms wall  %6.1f ms CPU  %7d page faults per run" % (
                    program, label, 1000 * wall / len(models), 1000 * cpu / len(models), faults / len(models)))
        differ = sum(a != b for a, b in zip(results[1], results[programs.RUNS_PER_CHILD]))
        print("%-22s exit status differs in %d of %d runs" % (program, differ, len(models)))


if __name__ == "__main__":
    main()
