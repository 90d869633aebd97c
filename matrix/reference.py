"""Golden values for imported models that state none, recorded by a reference TF environment.

In the produce step every TF environment runs a reference cell for each
imported model of the run that has inputs but no expected outputs: it loads the
model the way TF Serving does (tf.compat.v1.saved_model.load + Session.run of
the signature), else with tf.saved_model.load and the signature, and records
the outputs (a `reference` record). A model's own __call__ (its case has no
signature) is recorded by tf.saved_model.load and obj(x), as its users call it.
Before the consume step the golden values are chosen from the run's records by
one rule:
  1. the env with the writer's TF version (same minor), if the run has it;
  2. else the oldest env at or above the writer's version that loads the model;
  3. else the newest env that loads it.
The manifest then says which TF and which load API recorded them ("recorded by
TF 2.15.1 via tf.compat.v1.saved_model.load + Session.run"). The reference loads
the model twice: an output the two loads disagree on (random ops) gets no golden
value, and the manifest names it (Golden.varies). A model no env loads and runs
keeps no golden values ("no reference: no TF version here loaded and ran it on
these inputs"), and its cells stay not-pass with their real reasons; but where
the inputs were synthesized and a TF here loads the model alone (the API's
load()), the inputs are what failed: the manifest says so in `no_inputs`, and
the cells that feed it are not_applicable, asking for a spec. Stdlib only.
"""
from typing import Any, Dict, List, Optional, Tuple

from matrix import records, versions
from matrix.cell import PASS, ArtifactId, Run, Store
from matrix.manifest import Manifest, ManifestError

APIS = ("tf1_session", "tf2_load")  # consumer plugins whose outputs become the golden values, in order
CALL_APIS = ("tf2_restored",)       # the same, for a model's own __call__ (a case without signature)
NO_REFERENCE = "no reference: no TF version here loaded and ran it on these inputs"


def needs(manifest: Manifest) -> bool:
    """Has inputs (or takes none) and a signature or a call, but no golden values of its own."""
    return (manifest.golden.source == "recorded" and (manifest.signature is not None or manifest.call is not None)
            and not manifest.no_inputs)


def apis(manifest: Manifest) -> Tuple[str, ...]:
    """The consumer plugins that record this artifact's golden values, in order."""
    return APIS if manifest.signature is not None else CALL_APIS


def golden_outputs(manifest: Manifest, outputs: Dict[str, Any]) -> Dict[str, Any]:
    """Of a reference's outputs, those that are the artifact's: the call's own outputs for a call
    (tf2_restored also returns the variables it read, which an imported model states none of)."""
    if manifest.signature is None and manifest.call is not None:
        return {k: v for k, v in outputs.items() if k in manifest.call.output_names}
    return outputs


def choose(writer: str, candidates: List[Dict[str, Any]]) -> Tuple[Optional[Dict[str, Any]], str]:
    """(the reference record whose outputs become the golden values, why) from the run's reference records."""
    loaded = sorted((r for r in candidates if r["status"] == PASS), key=lambda r: versions.release(r["tf"]))
    if not loaded:
        return None, NO_REFERENCE
    same = [r for r in loaded if versions.minor(r["tf"]) == versions.minor(writer)]
    if same:
        return same[0], "the writer's TF version"
    newer = [r for r in loaded if versions.release(r["tf"]) >= versions.release(writer)]
    if newer and versions.release(writer):
        return newer[0], "the oldest TF here at or above the writer's %s" % writer
    return loaded[-1], "the newest TF here that loads it"


def inputs_fail(manifest: Manifest, candidates: List[Dict[str, Any]]) -> str:
    """Why the synthesized inputs, not the model's loads, are what failed: no TF here ran the model on them,
    yet one loads it (the writer's TF first, as in choose()); "" when that is not so. A model pinned to a
    device this machine lacks (TF names the device) fails on any inputs: that failure stays the cells'."""
    loading = [r for r in candidates if r.get("loads")]
    if not manifest.inputs_synthesized or not loading:
        return ""
    record = next((r for r in loading if versions.minor(r["tf"]) == versions.minor(manifest.tf)),
                  max(loading, key=lambda r: versions.release(r["tf"])))
    if "device" in record["reason"].lower():
        return ""
    return ("no inputs: the inputs synthesized from its %s fail the model in every TF here that loads it (TF %s: "
            "%s); give them in a spec (savedmodel-matrix.json beside the model, see README)" % (
                "signature" if manifest.signature is not None else "traced __call__", record["tf"],
                record["reason"]))


def settle(store: Store, run: Run) -> int:
    """Write the chosen golden values into every imported manifest that needs them; returns how many changed."""
    by_artifact = {}  # type: Dict[str, List[Dict[str, Any]]]
    for record in records.read_folder(store.results_dir(run), prefix="produce-")[0]:
        if record["kind"] == "reference":
            by_artifact.setdefault(record["artifact"], []).append(record)
    latest = {}  # type: Dict[str, Dict[str, Dict[str, Any]]]
    for artifact, found in by_artifact.items():
        for record in sorted(found, key=lambda r: r["finished"]):
            latest.setdefault(artifact, {})[record["env"]] = record
    changed = 0
    for artifact, per_env in sorted(latest.items()):
        folder = store.artifact_dir(ArtifactId.parse(artifact))
        try:
            manifest = Manifest.read(folder)
        except ManifestError:
            continue
        if not needs(manifest):
            continue
        chosen, why = choose(manifest.tf, list(per_env.values()))
        failed_inputs = inputs_fail(manifest, list(per_env.values())) if chosen is None else ""
        if failed_inputs:  # the harness's inputs, not the load APIs, failed: nothing honest to feed
            manifest.no_inputs, manifest.golden.by = failed_inputs, ""
            manifest.write(folder)
            changed += 1
            continue
        varies = golden_outputs(manifest, dict(chosen["varies"])) if chosen else {}
        # an output two loads disagree on has no golden value: it is left out, and the manifest says why
        outputs = {k: v for k, v in golden_outputs(manifest, chosen["outputs"]).items()
                   if k not in varies} if chosen else {}
        by = ("recorded by TF %s via %s (%s)" % (chosen["tf"], chosen["api"], why)) if chosen else why
        if varies:
            by += "; not compared, as they vary from one load to the next: %s" % ", ".join(sorted(varies))
        called = manifest.call if manifest.signature is None and manifest.call is not None else None
        before = called.outputs if called is not None else manifest.outputs
        if before != outputs or manifest.golden.by != by or manifest.golden.varies != varies:
            if called is not None:
                called.outputs = outputs
            else:
                manifest.outputs = outputs
            manifest.golden.by, manifest.golden.varies = by, varies
            manifest.write(folder)
            changed += 1
    return changed
