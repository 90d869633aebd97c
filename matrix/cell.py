"""What a grid cell is, what can become of it, and where a run keeps it: the one owner of those facts.

A cell is one unit of the matrix. A produce cell writes one artifact (a
producer writing a model case in a TF environment); a consume cell reads one
artifact with one consumer in a TF environment. Everything that crosses a
boundary names cells through this module: the cell id and its parser, the
statuses, the run, and the store's layout (artifact folders, result files,
the cell cache). Stdlib only, Python 3.7: every TF environment imports it.

    tf215/keras/dense                       produce cell: the artifact it writes (env/producer/case)
    keras3_load-tf215/keras/dense@tf221     consume cell: consumer-artifact@reading env
"""
import datetime
import json
import os
import re
import uuid
from dataclasses import dataclass
from typing import Dict, List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# -- statuses ------------------------------------------------------------------------------------

PASS, FAIL = "pass", "fail"
NOT_APPLICABLE, UNAVAILABLE = "not_applicable", "unavailable"
ERROR, CRASH, TIMEOUT = "error", "crash", "timeout"
STATUSES = (PASS, FAIL, NOT_APPLICABLE, UNAVAILABLE, ERROR, CRASH, TIMEOUT)
MEANING = {
    PASS: "loaded, and every output equals the golden value within the stated tolerance",
    FAIL: "the load API refused the artifact, or its outputs differ from the golden values",
    NOT_APPLICABLE: "the check has nothing to check on this artifact (e.g. no signature to call)",
    UNAVAILABLE: "the API does not exist in this TF/Keras",
    ERROR: "a bug in a plugin or in the harness, not a compatibility verdict",
    CRASH: "the process running the cell died (the reason names the signal)",
    TIMEOUT: "the cell did not finish within the cell timeout",
}
# Harness trouble is never a fact about TensorFlow: such cells are re-run, never reused.
RERUN = (ERROR, CRASH, TIMEOUT)
# produce: a producer writes an artifact; reference: a TF env records its outputs for an imported model
# that states none (runs in the produce step); consume: a consumer reads an artifact.
PHASES = ("produce", "reference", "consume")
REFERENCE = "reference"
# The steps of a run, in the one order they run in, whatever subset is selected.
STEPS = ("begin", "produce", "consume", "report")


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- cells -----------------------------------------------------------------------------------------

_SAFE = re.compile(r"[^A-Za-z0-9_.+:=,~-]+")


def safe_name(text: str) -> str:
    """A name usable as a case and a folder: no '/', '@' or whitespace."""
    return _SAFE.sub("_", text).strip("_") or "_"


@dataclass(frozen=True)
class ArtifactId:
    """One artifact: written by `producer` for `case` in TF environment `env` (or imported: env "models")."""
    env: str
    producer: str
    case: str

    def __str__(self) -> str:
        return "%s/%s/%s" % (self.env, self.producer, self.case)

    @classmethod
    def parse(cls, text: str) -> "ArtifactId":
        parts = text.strip().split("/", 2)
        if len(parts) != 3 or not all(parts):
            raise ValueError("not an artifact id: %r (expected ENV/PRODUCER/CASE, e.g. tf215/keras/dense)" % text)
        return cls(*parts)


@dataclass(frozen=True)
class Cell:
    """A produce cell (consumer ""), a reference cell (consumer "reference") or a consume cell, run in
    TF environment `env`."""
    phase: str
    env: str
    artifact: ArtifactId
    consumer: str = ""

    def __post_init__(self) -> None:
        if self.phase not in PHASES:
            raise ValueError("unknown phase %r" % self.phase)
        if (self.phase == "produce") == bool(self.consumer) or (self.phase == REFERENCE) != (self.consumer == REFERENCE):
            raise ValueError("a consume cell names its consumer, a reference cell is consumer 'reference', "
                             "a produce cell names none")
        if self.phase == "produce" and self.env != self.artifact.env:
            raise ValueError("a produce cell writes its own environment's artifact")

    @property
    def id(self) -> str:
        if self.phase == "produce":
            return str(self.artifact)
        return "%s-%s@%s" % (self.consumer, self.artifact, self.env)

    @property
    def plugin(self) -> str:
        return self.consumer or self.artifact.producer

    @property
    def kind(self) -> str:
        return "producers" if self.phase == "produce" else "consumers"

    @classmethod
    def produce(cls, env: str, producer: str, case: str) -> "Cell":
        return cls("produce", env, ArtifactId(env, producer, case))

    @classmethod
    def consume(cls, env: str, artifact: ArtifactId, consumer: str) -> "Cell":
        return cls(REFERENCE if consumer == REFERENCE else "consume", env, artifact, consumer)

    @classmethod
    def reference(cls, env: str, artifact: ArtifactId) -> "Cell":
        return cls(REFERENCE, env, artifact, REFERENCE)

    @classmethod
    def parse(cls, text: str) -> "Cell":
        """The inverse of .id; also accepts pytest's test_consume[...] / test_produce[...] wrapping."""
        text = text.strip()
        m = re.match(r"^test_(?:consume|produce)\[(.*)\]$", text)
        text = m.group(1) if m else text
        if "@" not in text:
            artifact = ArtifactId.parse(text)
            return cls.produce(artifact.env, artifact.producer, artifact.case)
        head, env = text.rsplit("@", 1)
        consumer, sep, artifact = head.partition("-")
        if not sep or not consumer or not env:
            raise ValueError("not a cell id: %r (expected CONSUMER-ENV/PRODUCER/CASE@ENV, e.g. "
                             "keras3_load-tf215/keras/dense@tf221, or ENV/PRODUCER/CASE for a produce cell)" % text)
        return cls.consume(env, ArtifactId.parse(artifact), consumer)


# -- runs --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    """One run of the matrix: `begin` starts it; every phase after it records into it."""
    run_id: str
    started: str

    @classmethod
    def new(cls) -> "Run":
        started = now()
        return cls(started.replace(":", "").replace("-", "") + "-" + uuid.uuid4().hex[:6], started)

    def to_json(self) -> Dict[str, str]:
        return {"run_id": self.run_id, "started": self.started}


# -- where a run keeps what it writes -----------------------------------------------------------------

class Store(object):
    """The folder a run writes to (default: artifacts/ in the checkout; everything in it is generated).

        store/<env>/<producer>/<case>/{model/, manifest.json}   the artifacts
        results/<run id>/<phase>-<env>[-<shard>]-<worker>.jsonl  one record per cell of the run
        cache/<phase>/<env>/<key[:2]>/<key>.json                 verdicts by content key (reused by later runs)
        logs/<phase>-<env>-<worker>.log                          the TF workers' stderr
        run.json                                                 the current run
    """

    def __init__(self, root: Optional[str] = None) -> None:
        self.root = os.path.abspath(root or os.path.join(ROOT, "artifacts"))
        self.artifacts = os.path.join(self.root, "store")
        self.results_root = os.path.join(self.root, "results")
        self.cache = os.path.join(self.root, "cache")
        self.logs = os.path.join(self.root, "logs")
        self.run_file = os.path.join(self.root, "run.json")

    def __repr__(self) -> str:
        return "Store(%r)" % self.root

    # -- runs
    def new_run(self, run_id: Optional[str] = None) -> Run:
        run = Run(run_id, now()) if run_id else Run.new()
        os.makedirs(self.root, exist_ok=True)
        tmp = self.run_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(run.to_json(), f)
        os.replace(tmp, self.run_file)
        return run

    def current_run(self, start: bool = True) -> Optional[Run]:
        """The run `begin` started; a new one when a phase runs before any begin (start=True)."""
        try:
            with open(self.run_file) as f:
                data = json.load(f)
            return Run(str(data["run_id"]), str(data.get("started", "")))
        except (OSError, ValueError, KeyError, TypeError):
            return self.new_run() if start else None

    def results_dir(self, run: Run) -> str:
        return os.path.join(self.results_root, run.run_id)

    def results_file(self, run: Run, phase: str, env: str, worker: str, shard: str = "") -> str:
        name = "-".join(p for p in (phase, env, shard.replace("/", "of"), worker) if p)
        return os.path.join(self.results_dir(run), name + ".jsonl")

    def log_file(self, phase: str, env: str, worker: str) -> str:
        return os.path.join(self.logs, "%s-%s-%s.log" % (phase, env, worker))

    # -- artifacts
    def artifact_dir(self, artifact: ArtifactId) -> str:
        return os.path.join(self.artifacts, artifact.env, artifact.producer, artifact.case)

    def artifact_of(self, folder: str) -> ArtifactId:
        rel = os.path.relpath(os.path.abspath(folder), self.artifacts)
        return ArtifactId(*rel.split(os.sep, 2))

    def artifact_ids(self) -> List[ArtifactId]:
        """Every complete artifact (its manifest written), in a stable order."""
        found = []
        if not os.path.isdir(self.artifacts):
            return found
        for env in sorted(os.listdir(self.artifacts)):
            for producer in sorted(_subdirs(os.path.join(self.artifacts, env))):
                for case in sorted(_subdirs(os.path.join(self.artifacts, env, producer))):
                    if os.path.isfile(os.path.join(self.artifacts, env, producer, case, "manifest.json")):
                        found.append(ArtifactId(env, producer, case))
        return found

    # -- the cell cache
    def cache_file(self, phase: str, env: str, key: str) -> str:
        return os.path.join(self.cache, phase, env, key[:2], key + ".json")


def _subdirs(folder: str) -> List[str]:
    try:
        return [d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d))]
    except OSError:
        return []
