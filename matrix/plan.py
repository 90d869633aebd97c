"""What one phase in one TF environment runs: its cells, their content keys, and which of them a
stored verdict already answers.

    plan = Plan.make(store, plugins, "consume", "tf221", Selection(consumers=["tflite"]))
    plan.reused    verdicts computed by earlier runs, recorded again for this run
    plan.to_run    the cells pytest runs

A cell is reused when its content key (matrix/keys.py) has a cached verdict,
unless `rerun` asks otherwise ("all": ignore the cache; "not-pass": reuse only
passes). A shard i/N takes every N-th artifact, so the shards of a phase
together hold each of its cells exactly once and each shard needs only its
own artifacts. Stdlib only: the plan is made before pytest and before any TF import.
"""
import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

from matrix import keys, records, reference
from matrix.cache import Cache
from matrix.cell import PASS, ArtifactId, Cell, Run, Store
from matrix.discovery import Plugins
from matrix.manifest import Manifest, ManifestError

RERUN_CHOICES = ("none", "all", "not-pass")


@dataclass
class Selection:
    """What a run is narrowed to (empty: everything)."""
    producers: List[str] = field(default_factory=list)
    cases: List[str] = field(default_factory=list)
    consumers: List[str] = field(default_factory=list)
    only: List[str] = field(default_factory=list)  # cell ids
    allow_model_code: bool = False  # consumers that may run code stored in a model read imported models too

    def wants(self, what: str, name: str) -> bool:
        chosen = getattr(self, what)
        return not chosen or name in chosen

    def cells(self) -> List[Cell]:
        return [Cell.parse(text) for text in self.only]


def parse_shard(text: str) -> Tuple[int, int]:
    try:
        index, count = (int(p) for p in text.split("/"))
    except ValueError:
        raise ValueError("--shard takes I/N with 1 <= I <= N, e.g. 2/4; got %r" % text)
    if not 1 <= index <= count:
        raise ValueError("--shard takes I/N with 1 <= I <= N, e.g. 2/4; got %r" % text)
    return index, count


@dataclass
class Planned:
    cell: Cell
    key: str


class Plan(object):
    def __init__(self, phase: str, env: str, cells: List[Planned], to_run: List[Planned],
                 reused: List[Dict[str, Any]]) -> None:
        self.phase, self.env, self.cells, self.to_run, self.reused = phase, env, cells, to_run, reused

    @classmethod
    def make(cls, store: Store, plugins: Plugins, phase: str, env: str, run: Run, selection: Selection,
             rerun: str = "none", shard: str = "", env_key: Optional[str] = None) -> "Plan":
        env_key = env_key or keys.environment()
        only = selection.cells()
        if phase == "produce":  # the produce step also records reference outputs for imported models
            cells = produce_cells(plugins, env, selection, env_key)
            cells += reference_cells(store, run_artifacts(store, run), plugins, env, env_key)
        else:
            reference.settle(store, run)
            # a shard is a share of the run's artifacts as its records name them, whatever this machine
            # holds (a CI job pulls only its own share): every machine splits alike
            artifacts = run_artifacts(store, run, shard)
            # --only names cells whose artifacts may come from another run (bisect, repro)
            artifacts += sorted({c.artifact for c in only if c.artifact not in artifacts and
                                 os.path.isfile(os.path.join(store.artifact_dir(c.artifact), "manifest.json"))}, key=str)
            cells = consume_cells(store, artifacts, plugins, env, selection, env_key)
        if only:
            wanted = {c.id for c in only}
            cells = [p for p in cells if p.cell.id in wanted]
        if shard and phase == "produce":
            mine = set(shard_artifacts({p.cell.artifact for p in cells}, shard))
            cells = [p for p in cells if p.cell.artifact in mine]
        cache = Cache(store, phase, env, env_key)
        to_run, reused = [], []
        for planned in cells:
            record = None if rerun == "all" else cache.get(planned.key)
            if record is not None and rerun == "not-pass" and record["status"] != PASS:
                record = None
            if record is not None and planned.cell.phase == "produce" and record["status"] == PASS \
                    and not _artifact_made_by(store, planned.cell.artifact, planned.key):
                record = None  # the artifact it wrote is gone or was written again since
            if record is None:
                to_run.append(planned)
            else:
                reused.append(records.reused(record, run))
        return cls(phase, env, cells, to_run, reused)


def _artifact_made_by(store: Store, artifact: ArtifactId, key: str) -> bool:
    try:
        with open(os.path.join(store.artifact_dir(artifact), "manifest.json")) as f:
            return json.load(f).get("recipe") == key
    except (OSError, ValueError, AttributeError):
        return False


def recorded_artifacts(store: Store, run: Run) -> Dict[ArtifactId, str]:
    """Every artifact the run's passing produce records name (written, reused or imported), with the
    recipe key it was made with, whether or not this machine holds it."""
    out = {}
    for record in records.read_folder(store.results_dir(run), prefix="produce-")[0]:
        if record["kind"] == "produce" and record["status"] == PASS and record["artifact"]:
            out[ArtifactId.parse(record["artifact"])] = record["key"]
    return out


def run_artifacts(store: Store, run: Run, shard: str = "") -> List[ArtifactId]:
    """The artifacts this run wrote, reused or imported, that are in the store; with `shard` ("I/N"),
    only that shard's share of them.

    Artifacts left in the store by earlier runs are not this run's: a narrowed run reads only its own."""
    return [a for a in shard_artifacts(recorded_artifacts(store, run), shard)
            if os.path.isfile(os.path.join(store.artifact_dir(a), "manifest.json"))]


def shard_artifacts(artifacts: Iterable[ArtifactId], shard: str) -> List[ArtifactId]:
    """Shard "I/N"'s share of the run's artifacts (all of them without a shard), in name order: every Nth.
    The one split, used by the planner and by a CI job's pull (matrix/remote.py), so a job fetches
    exactly what it reads."""
    ordered = sorted(artifacts, key=str)
    if not shard:
        return ordered
    index, count = parse_shard(shard)
    return [a for n, a in enumerate(ordered) if n % count == index - 1]


def produce_cells(plugins: Plugins, env: str, selection: Selection, env_key: str) -> List[Planned]:
    """(producer, case) cells; a producer that cannot be imported is one cell, case '*' (an error)."""
    out = []
    for name in plugins.names("producers"):
        if not selection.wants("producers", name):
            continue
        plugin = keys.files_digest(plugins.sources("producers", name))
        try:
            cases = list(getattr(plugins.load("producers", name), "CASES", None) or ["*"])
        except Exception:
            cases = ["*"]
        for case in cases:
            if case == "*" or selection.wants("cases", case):
                out.append(Planned(Cell.produce(env, name, case), keys.produce_key(plugin, case, env_key)))
    return out


def reference_cells(store: Store, artifacts: List[ArtifactId], plugins: Plugins, env: str,
                    env_key: str) -> List[Planned]:
    """A reference cell for every imported model of the run that needs its golden values recorded."""
    sources = [reference.__file__] + [p for api in reference.APIS + reference.CALL_APIS
                                      for p in plugins.sources("consumers", api)]
    plugin = keys.files_digest(sorted(set(os.path.abspath(p) for p in sources)))
    out = []
    for artifact in artifacts:
        try:
            manifest = Manifest.read(store.artifact_dir(artifact))
        except ManifestError:
            continue  # its consume cells say so
        if reference.needs(manifest):
            # keyed by the artifact without what the reference itself writes into it (matrix/reference.py)
            data = manifest.to_json()
            data.update(outputs={}, golden=dict(data["golden"], by="", varies={}))
            if data["signature"] is None and data["call"] is not None:
                data["call"] = dict(data["call"], outputs={})
            digest = keys.artifact_digest(data)
            out.append(Planned(Cell.reference(env, artifact), keys.consume_key(digest, plugin, env_key)))
    return out


def consume_cells(store: Store, artifacts: List[ArtifactId], plugins: Plugins, env: str, selection: Selection,
                  env_key: str) -> List[Planned]:
    """Every artifact of the run with every consumer, grouped by artifact (one forked child reads each)."""
    consumers = [c for c in plugins.names("consumers") if selection.wants("consumers", c)]
    # --allow-model-code changes what a consumer that may run model code does with imported models: in its key
    digests = {c: keys.digest([keys.files_digest(plugins.sources("consumers", c)), selection.allow_model_code])
               for c in consumers}
    out = []
    for artifact in artifacts:
        if not (selection.wants("producers", artifact.producer) and selection.wants("cases", artifact.case)):
            continue
        with open(os.path.join(store.artifact_dir(artifact), "manifest.json"), "rb") as f:
            raw = f.read()
        try:
            manifest = json.loads(raw.decode("utf-8"))
        except ValueError:
            manifest = {"unreadable": raw.hex()}
        content = keys.artifact_digest(manifest if isinstance(manifest, dict) else {"manifest": manifest})
        for consumer in consumers:
            out.append(Planned(Cell.consume(env, artifact, consumer), keys.consume_key(content, digests[consumer], env_key)))
    return out
