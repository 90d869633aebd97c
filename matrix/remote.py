"""A store that can live anywhere: each job of a run pulls what it needs from a URL and pushes what it wrote.

    python -m matrix store pull --url URL --step consume-tf215 --shard 1/2   before a job: only what it needs
    python -m matrix store push --url URL --step consume-tf215 --shard 1/2   after it: what it wrote

URL is any fsspec filesystem ("s3://bucket/prefix", "gs://...", "file:///shared/folder", a plain path);
the one place to set it is pyproject.toml's [tool.savedmodel-matrix] store, or --url. The TF
environments never touch it: `tox -e store` runs this on a modern Python with fsspec, and the
grid reads and writes the local store (artifacts/) as always. Layout at the URL:

  runs/<run id>/run.json                               the run (the begin job pushes it)
  runs/<run id>/results/<step>[-<shard>]/<file>.jsonl  each job's records: no two jobs write one object
  artifacts/<env>/<producer>/<case>/<recipe>.tar.gz    one object per artifact, complete or absent
  cache/<phase>/<env>/<run id>-<job>-<nonce>.tar.gz    the verdicts one job computed (content-keyed files)

Every object is written under a temporary name and renamed once complete, so a reader never sees
a partial upload and a killed job leaves nothing half-written. A consume job pulls only its
shard's artifacts. Runs reuse the verdicts of every earlier run with the same keys, from any machine.
"""
import io
import json
import os
import tarfile
import uuid
from typing import Dict, List, Optional, Set, Tuple

from matrix.cell import ROOT, Run, Store
from matrix.plan import recorded_artifacts, shard_artifacts

STEP_NAMES = ("begin", "produce", "consume", "report")


class RemoteError(ValueError):
    pass


def configured_url() -> Optional[str]:
    try:
        import tomllib  # type: ignore
    except ImportError:
        import tomli as tomllib  # type: ignore
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        return tomllib.load(f).get("tool", {}).get("savedmodel-matrix", {}).get("store") or None


class Remote(object):
    """The store at a URL, and the bytes moved through it."""

    def __init__(self, url: str) -> None:
        import fsspec
        self.url = url.rstrip("/")
        self.fs, self.root = fsspec.core.url_to_fs(self.url)
        self.sent = self.received = 0

    def path(self, *parts: str) -> str:
        return "/".join([self.root.rstrip("/")] + [p.strip("/") for p in parts])

    def exists(self, *parts: str) -> bool:
        return self.fs.exists(self.path(*parts))

    def put_bytes(self, data: bytes, *parts: str) -> None:
        """Written whole under a temporary name, then renamed: readers see it complete or not at all."""
        final = self.path(*parts)
        self.fs.makedirs(final.rsplit("/", 1)[0], exist_ok=True)
        temporary = "%s.partial-%s" % (final, uuid.uuid4().hex)
        with self.fs.open(temporary, "wb") as f:
            f.write(data)
        self.fs.mv(temporary, final)
        self.sent += len(data)

    def get_bytes(self, *parts: str) -> bytes:
        with self.fs.open(self.path(*parts), "rb") as f:
            data = f.read()
        self.received += len(data)
        return data

    def listing(self, *parts: str) -> List[str]:
        """Complete objects under a prefix (relative paths); nothing if the prefix does not exist."""
        base = self.path(*parts)
        try:
            found = self.fs.find(base)
        except FileNotFoundError:
            return []
        return sorted(p[len(base):].lstrip("/") for p in found if ".partial-" not in p)


# -- packing ----------------------------------------------------------------------------------------

def pack(folder: str, names: Optional[List[str]] = None) -> bytes:
    """A folder (or some files in it) as tar.gz bytes; symbolic links are followed (an imported model)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", dereference=True) as tar:
        for name in names if names is not None else sorted(os.listdir(folder)):
            tar.add(os.path.join(folder, name), arcname=name)
    return buffer.getvalue()


def unpack(data: bytes, folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():  # nothing may land outside the folder
            target = os.path.realpath(os.path.join(folder, member.name))
            if not target.startswith(os.path.realpath(folder) + os.sep) or member.issym() or member.islnk():
                raise RemoteError("refusing %s in an archive for %s" % (member.name, folder))
        tar.extractall(folder)


# -- what a step needs and writes -----------------------------------------------------------------------

def parse_step(step: str) -> Tuple[str, str]:
    """'consume-tf215' -> ('consume', 'tf215'); 'begin' / 'report' -> (name, '')."""
    phase, _, env = step.partition("-")
    if phase not in STEP_NAMES or (phase in ("produce", "consume")) != bool(env):
        raise RemoteError("a step is begin, produce-<env>, consume-<env> or report; got %r" % step)
    return phase, env


def job_name(step: str, shard: str) -> str:
    return step + ("-%sof%s" % tuple(shard.split("/")) if shard else "")


def pull(remote: Remote, store: Store, run_id: str, step: str, shard: str = "") -> Dict[str, int]:
    phase, env = parse_step(step)
    run = Run(run_id, "")
    if phase != "begin":
        if not remote.exists("runs", run_id, "run.json"):
            raise RemoteError("no run %s at %s: run the begin job first" % (run_id, remote.url))
        os.makedirs(store.root, exist_ok=True)
        with open(store.run_file, "wb") as f:
            f.write(remote.get_bytes("runs", run_id, "run.json"))
    for name in remote.listing("runs", run_id, "results"):
        job = name.split("/", 1)[0]
        # a produce job needs the imported models' records; a consume job every artifact's; the report all
        if phase == "report" or job == "begin" or (phase == "consume" and job.startswith("produce-")):
            os.makedirs(store.results_dir(run), exist_ok=True)
            with open(os.path.join(store.results_dir(run), os.path.basename(name)), "wb") as f:
                f.write(remote.get_bytes("runs", run_id, "results", name))
    pulled = 0
    if phase in ("produce", "consume"):
        known = recorded_artifacts(store, run)
        needed = [a for a in known if a.env == "models"] if phase == "produce" else \
            shard_artifacts(known, shard)
        for artifact in needed:
            folder = store.artifact_dir(artifact)
            if _local_recipe(folder) == known[artifact]:
                continue
            obj = ("artifacts", artifact.env, artifact.producer, artifact.case, known[artifact] + ".tar.gz")
            if remote.exists(*obj):
                unpack(remote.get_bytes(*obj), folder)
                pulled += 1
        cache_phase = "produce" if phase == "produce" else "consume"
        for segment in remote.listing("cache", cache_phase, env):
            marker = os.path.join(store.cache, cache_phase, env, ".pulled", segment)
            if not os.path.exists(marker):
                unpack(remote.get_bytes("cache", cache_phase, env, segment), os.path.join(store.cache, cache_phase, env))
                os.makedirs(os.path.dirname(marker), exist_ok=True)
                open(marker, "w").close()
    _remember_cache(store, phase, env)
    return {"artifacts": pulled, "bytes": remote.received}


def _local_recipe(folder: str) -> str:
    try:
        with open(os.path.join(folder, "manifest.json")) as f:
            return json.load(f).get("recipe", "")
    except (OSError, ValueError):
        return ""


def _cache_files(store: Store, phase: str, env: str) -> Set[str]:
    folder = os.path.join(store.cache, phase, env)
    found = set()
    for base, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != ".pulled"]
        found |= {os.path.relpath(os.path.join(base, f), folder) for f in files if f.endswith(".json")}
    return found


def _remember_cache(store: Store, phase: str, env: str) -> None:
    """What the cache held after the pull: the push sends only what the job added."""
    if phase in ("produce", "consume"):
        path = os.path.join(store.cache, phase, env, ".before-job.json")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            json.dump(sorted(_cache_files(store, phase, env)), f)


def push(remote: Remote, store: Store, run_id: str, step: str, shard: str = "") -> Dict[str, int]:
    phase, env = parse_step(step)
    run = Run(run_id, "")
    job = job_name(step, shard)
    if phase == "begin":
        with open(store.run_file, "rb") as f:
            remote.put_bytes(f.read(), "runs", run_id, "run.json")
    prefix = {"begin": "produce-models-", "produce": "produce-%s-" % env,
              "consume": "consume-%s-" % env, "report": None}[phase]
    if prefix is not None:
        folder = store.results_dir(run)
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            if name.startswith(prefix) and name.endswith(".jsonl"):
                with open(os.path.join(folder, name), "rb") as f:
                    remote.put_bytes(f.read(), "runs", run_id, "results", job, name)
    pushed = 0
    if phase in ("begin", "produce"):
        for artifact, key in sorted(recorded_artifacts(store, run).items(), key=lambda kv: str(kv[0])):
            if artifact.env != (env or "models"):
                continue
            obj = ("artifacts", artifact.env, artifact.producer, artifact.case, key + ".tar.gz")
            if not remote.exists(*obj):  # an unchanged recipe is already there: nothing to send
                remote.put_bytes(pack(store.artifact_dir(artifact)), *obj)
                pushed += 1
    if phase in ("produce", "consume"):
        folder = os.path.join(store.cache, phase, env)
        try:
            with open(os.path.join(folder, ".before-job.json")) as f:
                before = set(json.load(f))
        except (OSError, ValueError):
            before = set()
        new = sorted(_cache_files(store, phase, env) - before)
        if new:
            remote.put_bytes(pack(folder, new), "cache", phase, env, "%s-%s-%s.tar.gz" % (run_id, job, uuid.uuid4().hex[:8]))
    return {"artifacts": pushed, "bytes": remote.sent}
