"""Goldens recorded for models that state none, checked against the values their source tests state.

    python bench/withheld_goldens.py --base /tmp/withheld [--corpus ../shared/corpus]

Copies the corpus twice as a user's folder: once with expected.json withheld (inputs synthesized
from the signatures), once with only its expected outputs withheld (the source tests' inputs kept).
Each goes through `tox -e begin,produce-<every env> -- --models COPY --producers corpus` (the
reference cells of every TF environment) into its own store; the reference rule then picks the
goldens (matrix/reference.py). Prints, for each copy: the models and cases imported, the models
with recorded goldens, and for every expected value the corpus states, whether the recorded golden
agrees (compared only where the model was fed the source test's own inputs).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from matrix import envs, reference, records  # noqa: E402
from matrix.cell import Store  # noqa: E402
from matrix.manifest import Manifest  # noqa: E402


def values(tensor):
    return [str(v) for v in tensor.get("values", tensor.get("values_b64", []))]


def close(a, b):
    try:
        return len(a) == len(b) and all(abs(float(x) - float(y)) <= 1e-6 + 1e-5 * abs(float(y)) for x, y in zip(a, b))
    except ValueError:
        return a == b


def run(corpus, folder, keep_inputs):
    copy = os.path.join(folder, "corpus")
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(corpus, copy)
    spec = os.path.join(copy, "expected.json")
    if keep_inputs:
        entries = json.load(open(spec))
        for e in entries:
            e.pop("expected_outputs", None)
        json.dump(entries, open(spec, "w"), indent=1)
    else:
        os.remove(spec)
    store_dir = os.path.join(folder, "artifacts")
    steps = ",".join(["begin"] + ["produce-" + e.name for e in envs.envs(include_preview=False)])
    with open(os.path.join(folder, "tox.log"), "w") as log:
        subprocess.check_call([sys.executable, "-m", "tox", "-e", steps, "--", "--models", copy, "--producers", "corpus",
                               "--store", store_dir], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    store = Store(store_dir)
    run_ = store.current_run(start=False)
    reference.settle(store, run_)
    refs = [r for r in records.read_folder(store.results_dir(run_))[0] if r["kind"] == "reference"]
    models = {}
    for a in store.artifact_ids():
        if a.env == "models":
            models.setdefault(a.case.split(":")[0], []).append(Manifest.read(store.artifact_dir(a)))
    golden = sorted(k for k, v in models.items() if any(m.outputs for m in v))
    compared = agree = other = none = 0
    for e in json.load(open(os.path.join(corpus, "expected.json"))):
        if not e.get("expected_outputs") or not e.get("signature"):
            continue
        found = [m for m in models.get(e["dir"], []) if m.signature == e["signature"] and set(m.tags) == set(e["tags"])]
        if not found or not found[0].outputs:
            none += len(e["expected_outputs"])
            continue
        m = found[0]
        if set(e["inputs"]) != set(m.inputs) or any(values(m.inputs[k]) != values(v) for k, v in e["inputs"].items()):
            other += len(e["expected_outputs"])  # fed other inputs (synthesized, or another call of the signature)
            continue
        for name, t in e["expected_outputs"].items():
            compared += 1
            ok = name in m.outputs and close(values(m.outputs[name]), values(t))
            agree += ok
            if not ok:
                print("  differs: %s %s/%s: recorded %s, stated %s" % (e["dir"], e["signature"], name,
                                                                        m.outputs.get(name), t["values"]))
    print("%s: %d models, %d cases imported; %d reference cells (%d pass); %d models got recorded goldens "
          "(none for: %s)" % ("inputs kept, outputs withheld" if keep_inputs else "expected.json withheld",
                              len(models), sum(len(v) for v in models.values()), len(refs),
                              sum(r["status"] == "pass" for r in refs), len(golden),
                              ", ".join(sorted(set(models) - set(golden))) or "-"))
    print("  stated expected values: %d compared, %d agree; %d not comparable (fed other inputs), %d without a "
          "recorded golden" % (compared, agree, other, none))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", required=True)
    p.add_argument("--corpus", default=os.path.join(os.path.dirname(ROOT), "shared", "corpus"))
    args = p.parse_args()
    run(args.corpus, os.path.join(args.base, "withheld"), keep_inputs=False)
    run(args.corpus, os.path.join(args.base, "outputs-withheld"), keep_inputs=True)


if __name__ == "__main__":
    main()
