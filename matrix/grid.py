"""Running one grid cell on the pytest side: ask the TF worker, judge, record.

Produce cells write artifacts; consume cells load them. Either way the
worker only reports what happened, the verdict is reached here, and the
record is appended the moment the cell finishes.
"""
import os
import time
from typing import Any, Dict, List, Optional, Tuple

from matrix import compare, paths, plugins, records, store, tensors
from matrix.cases import CASES
from matrix.runner import Worker, WorkerDied, WorkerTimedOut


def env_name() -> str:
    """The TF environment's name: tox's env name without its phase (produce-tf215 -> tf215)."""
    name = os.environ.get("MATRIX_ENV") or "local"
    for phase in ("produce-", "consume-"):
        if name.startswith(phase):
            return name[len(phase):]
    return name


class Session(object):
    """This pytest process's share of a phase: its TF worker and its results file."""

    def __init__(self, phase: str, worker_id: str, timeout: float) -> None:
        self.phase = phase
        self.env = env_name()
        self.timeout = timeout
        self.run = records.current_run()
        name = "%s-%s-%s" % (phase, self.env, worker_id)
        self.results = os.path.join(paths.RESULTS, name + ".jsonl")
        self.worker = Worker(os.path.join(paths.LOGS, name + ".log"))
        self.versions = {"tf": "unknown", "keras": "unknown", "python": "unknown", "platform": "unknown"}
        self._env_written = False
        os.makedirs(paths.RESULTS, exist_ok=True)

    def close(self) -> None:
        self.worker.stop()

    def _call(self, request: Dict[str, Any]) -> Dict[str, Any]:
        """The worker's reply, or a crash/timeout/error reply when there was none."""
        try:
            reply = self.worker.call(request, self.timeout)
        except WorkerTimedOut as exc:
            return {"status": "timeout", "reason": "cell timed out: %s; worker killed" % exc}
        except WorkerDied as exc:
            if self.worker.start_failure is exc:
                return {"status": "error", "reason": exc.how, "detail": exc.log_tail}
            return {"status": "crash", "reason": "TF worker %s" % exc.how, "detail": exc.log_tail}
        finally:
            if self.worker.hello and not self._env_written:
                self._write_env()
        return reply

    def _write_env(self) -> None:
        hello = self.worker.hello or {}
        for key in self.versions:
            self.versions[key] = str(hello.get(key, "unknown"))
        record = dict(self.versions, schema=records.SCHEMA_VERSION, kind="env", run_id=self.run["run_id"],
                      phase=self.phase, env=self.env, started=records.now(),
                      import_seconds=hello.get("import_seconds", -1.0))
        records.append(self.results, record)
        self._env_written = True

    def _base(self, started: float, reply: Dict[str, Any]) -> Dict[str, Any]:
        return {"schema": records.SCHEMA_VERSION, "run_id": self.run["run_id"],
                "status": reply["status"], "reason": reply.get("reason", ""),
                "detail": reply.get("detail", ""), "seconds": round(time.time() - started, 3),
                "finished": records.now()}

    # -- produce -------------------------------------------------------------

    def produce(self, producer: str, case: str) -> Dict[str, Any]:
        started = time.time()
        folder = store.artifact_dir(self.env, producer, case)
        module, problem = _plugin("producers", producer)
        if problem:
            reply = problem
        else:
            reply = self._call({"op": "produce", "producer": producer, "case": case, "folder": folder})
        if reply["status"] == "ok":
            try:
                reply = self._accept(producer, case, module, folder, reply["export"])
            except Exception as exc:  # a malformed export is the producer's bug; the cell still gets a record
                reply = {"status": "error", "reason": "the producer's export could not be checked: %s: %s" % (
                    type(exc).__name__, exc)}
        record = self._base(started, reply)
        record.update(kind="produce", producer=producer, producer_api=getattr(module, "API", "?"),
                      case=case, producer_env=self.env, producer_tf=self.versions["tf"],
                      producer_python=self.versions["python"],
                      artifact=os.path.relpath(folder, paths.STORE) if record["status"] == "pass" else "")
        records.append(self.results, record)
        return record

    def _accept(self, producer: str, case: str, module: Any, folder: str, export: Dict[str, Any]) -> Dict[str, Any]:
        """Check the producer's golden values against the case's meaning, then publish the artifact."""
        golden = tensors.decode_all(export["outputs"])
        inputs = tensors.decode_all(export["inputs"])
        case_inputs = CASES[case].inputs()
        if len(inputs) == 1 and len(case_inputs) == 1:  # a save API may rename a lone input (input_1, args_0)
            inputs = {next(iter(case_inputs)): next(iter(inputs.values()))}
        reference = CASES[case].reference(inputs)
        if len(golden) == 1 and len(reference) == 1:
            reference = {next(iter(golden)): next(iter(reference.values()))}
        problem = compare.compare(reference, golden)
        if problem:
            return {"status": "fail", "reason": "the producer's own outputs are not what the case computes: " + problem}
        manifest = dict(export, schema=store.MANIFEST_SCHEMA, producer=producer, api=module.API, case=case,
                        env=self.env, path="model", created=records.now(), **self.versions)
        store.write_manifest(folder, manifest)
        return {"status": "pass"}

    # -- consume -------------------------------------------------------------

    def consume(self, folder: str, consumer: str) -> Dict[str, Any]:
        started = time.time()
        module, problem = _plugin("consumers", consumer)
        manifest, unreadable = _read_manifest(folder)
        if problem:
            reply = problem
        elif manifest is None:
            reply = {"status": "error", "reason": "unreadable manifest in %s: %s" % (folder, unreadable)}
        else:
            reply = self._call({"op": "consume", "consumer": consumer, "artifact": folder})
        if reply["status"] == "ok":
            reply = _judge(module, manifest, reply["outputs"])
        manifest = manifest or {}
        record = self._base(started, reply)
        record.update(kind="cell", producer=manifest.get("producer", "?"), producer_api=manifest.get("api", "?"),
                      case=manifest.get("case", "?"), producer_env=manifest.get("env", "?"),
                      producer_tf=manifest.get("tf", "?"), producer_python=manifest.get("python", "?"),
                      consumer=consumer, consumer_api=getattr(module, "API", "?"), consumer_env=self.env,
                      consumer_tf=self.versions["tf"], consumer_python=self.versions["python"],
                      artifact=os.path.relpath(folder, paths.STORE))
        records.append(self.results, record)
        return record


def _judge(module: Any, manifest: Dict[str, Any], outputs: Dict[str, Any]) -> Dict[str, Any]:
    expected = getattr(module, "expected", None)
    golden = expected(manifest) if expected else manifest["outputs"]
    problem = compare.compare(tensors.decode_all(golden), tensors.decode_all(outputs))
    if problem:
        return {"status": "fail", "reason": "outputs differ from the golden values: " + problem}
    return {"status": "pass", "reason": ""}


def _read_manifest(folder: str) -> Tuple[Optional[Dict[str, Any]], str]:
    try:
        return store.Artifact(folder).manifest, ""
    except Exception as exc:
        return None, "%s: %s" % (type(exc).__name__, exc)


def _plugin(kind: str, name: str) -> Tuple[Any, Optional[Dict[str, Any]]]:
    try:
        return plugins.load(kind, name), None
    except Exception as exc:
        return None, {"status": "error", "reason": "%s/%s.py failed to import: %s: %s" % (
            kind, name, type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")}


# -- what the grid enumerates ----------------------------------------------------

def produce_cells(only: Optional[List[str]] = None, only_cases: Optional[List[str]] = None) -> List[Tuple[str, str]]:
    """(producer, case) pairs; a producer that cannot be imported is one cell, case '*'."""
    cells = []
    for name in plugins.names("producers"):
        if only and name not in only:
            continue
        module, problem = _plugin("producers", name)
        cases = (getattr(module, "CASES", None) if module else None) or ["*"]
        cells.extend((name, case) for case in cases if not only_cases or case in only_cases or case == "*")
    return cells


def consume_cells(only: Optional[List[str]] = None) -> List[Tuple[str, str]]:
    """(artifact folder, consumer) pairs: every artifact in the store by every consumer."""
    consumers = [c for c in plugins.names("consumers") if not only or c in only]
    return [(folder, consumer) for folder in store.artifacts() for consumer in consumers]
