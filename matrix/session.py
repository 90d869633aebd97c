"""Running one cell on the pytest side: decide what needs no TF, ask the TF worker, judge, record.

Produce cells write artifacts; consume cells read them. The worker only
reports what happened (outputs, an export, a refusal); the verdict is reached
here: a consume cell passes only when the consumer's outputs equal the golden
values it is judged on (matrix/compare.py). The record is appended, and the
verdict cached under the cell's content key, the moment the cell finishes.
"""
import os
import time
from typing import Any, Dict, Optional

from matrix import compare, keys, protocol, records, reference, tensors
from matrix.cell import (ERROR, FAIL, NOT_APPLICABLE, PASS, REFERENCE, RERUN, UNAVAILABLE, Cell, Run, Store, now)
from matrix.discovery import Plugins
from matrix.manifest import MANIFEST_SCHEMA, Golden, Manifest, ManifestError, ModelFacts, read_model_facts
from matrix.savedmodel_pb import SavedModelError
from matrix.tfprocess import TFProcess, WorkerDied, WorkerTimedOut

UNKNOWN = {"tf": "unknown", "keras": "unknown", "python": "unknown", "platform": "unknown"}


class Verdict(object):
    def __init__(self, status: str, reason: str = "", detail: str = "", mismatch: str = "") -> None:
        self.status, self.reason, self.detail, self.mismatch = status, reason, detail, mismatch


class Session(object):
    """One pytest process's share of a phase in one TF environment: its TF worker and its results file."""

    def __init__(self, store: Store, run: Run, phase: str, env: str, worker_id: str, timeout: float,
                 plugins: Plugins, cache: "Any", shard: str = "", allow_model_code: bool = False) -> None:
        self.store, self.matrix_run, self.phase, self.env, self.timeout = store, run, phase, env, timeout
        self.plugins, self.cache, self.allow_model_code = plugins, cache, allow_model_code
        self.results = store.results_file(run, phase, env, worker_id, shard)
        self.process = TFProcess(store.log_file(phase, env, worker_id), plugins.extra)
        self.versions = dict(cache.hello() or UNKNOWN)
        self._manifest = ("", None, "")  # type: Any  # the last artifact's (folder, Manifest, why unreadable)

    def close(self) -> None:
        self.process.stop()

    def run(self, planned: Any) -> Dict[str, Any]:
        """Run one planned cell (matrix/plan.py) and return its record."""
        cell = planned.cell
        if cell.phase == "produce":
            return self.produce(cell, planned.key)
        folder = self.store.artifact_dir(cell.artifact)
        if self._manifest[0] != folder:
            self._manifest = (folder,) + tuple(read_manifest(folder))
        if cell.phase == REFERENCE:
            return self.reference(cell, planned.key, self._manifest[1], self._manifest[2])
        return self.consume(cell, planned.key, self._manifest[1], self._manifest[2])

    # -- the TF worker
    def _hello(self) -> protocol.Hello:
        started = self.process.proc is None
        hello = self.process.ensure_started()
        if started:
            self.versions = {"tf": hello.tf, "keras": hello.keras, "python": hello.python, "platform": hello.platform}
            self.cache.save_hello(hello)
            self._save_availability(hello)
        return hello

    def _save_availability(self, hello: protocol.Hello) -> None:
        """What this worker said of each consumer, for the next phase's up-front decisions (a broken
        plugin is not kept: its cells are errors, and errors are run again)."""
        for name in self.plugins.names("consumers"):
            if name not in hello.broken.get("consumers", {}):
                self.cache.save_availability(availability_key(self.plugins, name, self.cache.env_key),
                                             hello.unavailable.get("consumers", {}).get(name, ""))

    def _ask(self, request: Any) -> Any:
        try:
            return self.process.call(request)
        except WorkerTimedOut as exc:
            return protocol.Failed("timeout", "the TF worker did not answer: %s; it was killed" % exc)
        except WorkerDied as exc:
            return protocol.Failed("crash", "TF worker %s" % exc.how, exc.log_tail)

    def _broken(self, cell: Cell) -> Optional[Verdict]:
        """The TF worker does not start, or the plugin is broken in it (known from the worker's hello)."""
        try:
            hello = self._hello()
        except WorkerDied as exc:
            return Verdict(ERROR, exc.how, exc.log_tail)
        broken = hello.broken.get(cell.kind, {}).get(cell.plugin)
        return Verdict(ERROR, broken) if broken else None

    def _unavailable(self, cell: Cell) -> str:
        """Why the plugin's API does not exist in this TF ("" if it does); asked once _broken found none."""
        return self._hello().unavailable.get(cell.kind, {}).get(cell.plugin, "")

    # -- produce
    def produce(self, cell: Cell, key: str) -> Dict[str, Any]:
        started = time.time()
        folder = self.store.artifact_dir(cell.artifact)
        module, verdict = _load(self.plugins, cell)
        verdict = verdict or self._broken(cell)
        unavailable = self._unavailable(cell) if verdict is None else ""
        if unavailable:
            verdict = Verdict(UNAVAILABLE, unavailable)
        if verdict is None:
            reply = self._ask(protocol.ProduceRequest(cell.artifact.producer, cell.artifact.case, folder,
                                                      self.timeout))
            if isinstance(reply, protocol.Exported):
                try:
                    verdict = self._accept(cell, module, folder, reply.export, key)
                except Exception as exc:  # a malformed export is the producer's bug; the cell still gets a record
                    verdict = Verdict(ERROR, "the producer's export could not be checked: %s: %s" % (
                        type(exc).__name__, exc))
            else:
                verdict = Verdict(reply.status, reply.reason, reply.detail)
        record = records.ProduceRecord(
            run_id=self.matrix_run.run_id, cell=cell.id, producer=cell.artifact.producer,
            producer_api=getattr(module, "API", "?"), case=cell.artifact.case, producer_env=self.env,
            producer_tf=self.versions["tf"], producer_python=self.versions["python"],
            status=verdict.status, reason=verdict.reason, detail=verdict.detail,
            seconds=round(time.time() - started, 3), finished=now(),
            artifact=str(cell.artifact) if verdict.status == PASS else "", key=key)
        return self._record(cell, record)

    def _accept(self, cell: Cell, module: Any, folder: str, export: Dict[str, Any], key: str) -> Verdict:
        """Check the producer's golden values against the case's meaning, then publish the artifact."""
        from matrix.cases import CASES
        case = CASES[cell.artifact.case]
        golden = tensors.decode_all(export["outputs"])
        inputs = tensors.decode_all(export["inputs"])
        case_inputs = case.inputs()
        if len(inputs) == 1 and len(case_inputs) == 1:  # a save API may rename a lone input (input_1, args_0)
            inputs = {next(iter(case_inputs)): next(iter(inputs.values()))}
        reference = case.reference(inputs)
        if len(golden) == 1 and len(reference) == 1:
            reference = {next(iter(golden)): next(iter(reference.values()))}
        problem = compare.compare(reference, golden)
        if problem:
            return Verdict(FAIL, "the producer's own outputs are not what the case computes: " + problem.text)
        facts = ModelFacts()
        if export["format"] == "saved_model":
            try:
                facts = read_model_facts(os.path.join(folder, "model"), export["tags"])
            except SavedModelError as exc:
                return Verdict(FAIL, "the saved model cannot be read back: %s" % exc)
        golden = Golden("producer", "computed by the producer in TF %s" % self.versions["tf"])
        if export["signature"] is None and export["call"] is not None:
            export = dict(export, outputs={})  # called, never signature-run: its goldens are the call's alone
        manifest = Manifest.from_json(dict(
            export, producer=cell.artifact.producer, api=module.API, case=cell.artifact.case, env=self.env,
            created=now(), golden=vars(golden), model=vars(facts), recipe=key, schema=MANIFEST_SCHEMA,
            **{k: self.versions[k] for k in UNKNOWN}))
        manifest.write(folder)
        return Verdict(PASS)

    # -- consume
    def consume(self, cell: Cell, key: str, manifest: Optional[Manifest], unreadable: str = "") -> Dict[str, Any]:
        started = time.time()
        module, verdict = _load(self.plugins, cell)
        if verdict is None and manifest is None:
            verdict = Verdict(ERROR, "unreadable manifest: %s" % unreadable)
        verdict = verdict or self._broken(cell)
        if verdict is None:
            verdict = without_tf(module, manifest, self._unavailable(cell), self.allow_model_code)
        if verdict is None:
            folder = self.store.artifact_dir(cell.artifact)
            reply = self._ask(protocol.ConsumeRequest(cell.consumer, folder, self.timeout))
            if isinstance(reply, protocol.Outputs):
                verdict = judge(module, manifest, reply.outputs)
            else:
                verdict = Verdict(reply.status, reply.reason, reply.detail)
        return self._record(cell, consume_record(self.matrix_run, cell, key, manifest, module, self.env,
                                                 self.versions, verdict, time.time() - started))

    # -- reference (golden values for an imported model that states none: matrix/reference.py)
    def reference(self, cell: Cell, key: str, manifest: Optional[Manifest], unreadable: str = "") -> Dict[str, Any]:
        started = time.time()
        verdict, api, outputs = Verdict(ERROR, "unreadable manifest: %s" % unreadable), "", {}  # type: Any
        varies = {}  # type: Dict[str, str]
        loads = False
        if manifest is not None:
            try:
                hello = self._hello()
            except WorkerDied as exc:
                return self._record(cell, records.ReferenceRecord(
                    run_id=self.matrix_run.run_id, cell=cell.id, producer=cell.artifact.producer,
                    case=cell.artifact.case, artifact=str(cell.artifact), env=self.env, tf=self.versions["tf"],
                    python=self.versions["python"], status=ERROR, reason=exc.how, detail=exc.log_tail,
                    finished=now(), key=key))
            failures = []
            for name in reference.apis(manifest):
                why = _unusable(hello, name)
                if why:
                    failures.append("%s: %s" % (name, why))
                    continue
                module = self.plugins.load("consumers", name)
                reply = self._ask(protocol.ConsumeRequest(name, self.store.artifact_dir(cell.artifact), self.timeout))
                if isinstance(reply, protocol.Outputs):
                    verdict, api, outputs = Verdict(PASS), module.API, reply.outputs
                    varies = self._varies(name, cell, outputs, manifest)
                    break
                failures.append("%s: %s" % (module.API, reply.reason))
                verdict = Verdict(reply.status if reply.status in RERUN else FAIL, "; ".join(failures), reply.detail)
            if verdict.status == FAIL and manifest.inputs_synthesized:
                loads = self._loads(reference.apis(manifest), hello, cell)
        record = records.ReferenceRecord(
            run_id=self.matrix_run.run_id, cell=cell.id, producer=cell.artifact.producer, case=cell.artifact.case,
            artifact=str(cell.artifact), env=self.env, tf=self.versions["tf"], python=self.versions["python"],
            status=verdict.status, reason=verdict.reason, detail=verdict.detail, api=api, outputs=outputs,
            varies=varies, loads=loads, seconds=round(time.time() - started, 3), finished=now(), key=key)
        return self._record(cell, record)

    def _loads(self, apis: Any, hello: Any, cell: Cell) -> bool:
        """Whether one of the reference's APIs loads the model alone (its load()), where loading and running
        it on the synthesized inputs failed: then the inputs, not the load, are what failed."""
        for name in apis:
            module = self.plugins.load("consumers", name)
            if not hasattr(module, "load") or _unusable(hello, name):
                continue
            reply = self._ask(protocol.ConsumeRequest(name, self.store.artifact_dir(cell.artifact), self.timeout,
                                                      load_only=True))
            if isinstance(reply, protocol.Outputs):
                return True
        return False

    def _varies(self, consumer: str, cell: Cell, outputs: Dict[str, Any], manifest: Manifest) -> Dict[str, str]:
        """The outputs a second, fresh load of the model gives other values for (random ops): golden values
        nothing can match. A model whose state changes per call still gives its first call's values again."""
        again = self._ask(protocol.ConsumeRequest(consumer, self.store.artifact_dir(cell.artifact), self.timeout))
        if not isinstance(again, protocol.Outputs):
            return {}
        first, second = tensors.decode_all(outputs), tensors.decode_all(again.outputs)
        out = {}
        for name in sorted(first):
            problem = compare.compare({name: first[name]}, {name: second[name]} if name in second else {},
                                      atol=manifest.golden.atol, rtol=manifest.golden.rtol)
            if problem:
                out[name] = "two loads gave different values (%s)" % problem.text
        return out

    def _record(self, cell: Cell, record: Any) -> Dict[str, Any]:
        data = records.to_json(record)
        records.append(self.results, data)
        if data["status"] not in RERUN:
            self.cache.put(data)
        return data


def _unusable(hello: Any, consumer: str) -> str:
    """Why the worker cannot run this consumer (unavailable in its TF, or its plugin broken); "" if it can."""
    return hello.unavailable.get("consumers", {}).get(consumer) or hello.broken.get("consumers", {}).get(consumer) or ""


VARIES = ("loaded and ran, but every output varies from one load to the next (random ops): no golden value to "
          "compare with; give expected outputs in a spec if the model can be made deterministic")


def without_tf(module: Any, manifest: Manifest, unavailable: str, allow_model_code: bool) -> Optional[Verdict]:
    """A consume cell's verdict when it needs no TF: `unavailable` (the worker's word that the consumer's
    API does not exist here), else not_applicable; None when the worker must run it. One order for the
    session and for the cells decided before pytest (matrix/upfront.py)."""
    if unavailable:
        return Verdict(UNAVAILABLE, unavailable)
    reason = not_applicable(module, manifest, allow_model_code)
    return Verdict(NOT_APPLICABLE, reason) if reason else None


def consume_record(run: Run, cell: Cell, key: str, manifest: Optional[Manifest], module: Any, env: str,
                   versions: Dict[str, str], verdict: Verdict, seconds: float) -> records.ConsumeRecord:
    m = manifest
    return records.ConsumeRecord(
        run_id=run.run_id, cell=cell.id, producer=cell.artifact.producer,
        producer_api=m.api if m else "?", case=cell.artifact.case, producer_env=cell.artifact.env,
        producer_tf=m.tf if m else "?", producer_python=m.python if m else "?",
        consumer=cell.consumer, consumer_api=getattr(module, "API", "?"), consumer_env=env,
        consumer_tf=versions["tf"], consumer_python=versions["python"],
        status=verdict.status, reason=verdict.reason, detail=verdict.detail,
        seconds=round(seconds, 3), finished=now(), artifact=str(cell.artifact),
        golden=m.golden.by if m else "", writer_tf=m.model.tensorflow_version if m else "",
        mismatch=verdict.mismatch, key=key)


def availability_key(plugins: Plugins, consumer: str, env_key: str) -> str:
    return keys.availability_key(keys.files_digest(plugins.sources("consumers", consumer)), env_key)


def not_applicable(module: Any, manifest: Manifest, allow_model_code: bool) -> Optional[str]:
    """Why a consumer has nothing to check on this artifact (None: it applies), from its declared capabilities."""
    applies = getattr(module, "applies", None)
    reason = applies(manifest) if applies else None
    if not reason and manifest.no_inputs and getattr(module, "FEEDS", True):
        reason = manifest.no_inputs  # it calls the model, and there is nothing honest to feed it
    if not reason and manifest.env == "models" and getattr(module, "RUNS_MODEL_CODE", False) and not allow_model_code:
        reason = ("it may run Python code stored in the model (Keras Lambda layers): "
                  "run with --allow-model-code to let it read your models")
    return reason or None


def golden_of(module: Any, manifest: Manifest) -> Dict[str, Any]:
    """The golden values a consumer is judged on: its expected(manifest), else the signature's outputs."""
    expected = getattr(module, "expected", None)
    return expected(manifest) if expected else manifest.outputs


def judge(module: Any, manifest: Manifest, outputs: Dict[str, Any]) -> Verdict:
    golden = golden_of(module, manifest)
    if not golden and manifest.golden.varies:  # it loaded and ran; what it returned can match nothing
        return Verdict(NOT_APPLICABLE, VARIES)
    problem = compare.compare(tensors.decode_all(golden), tensors.decode_all(outputs),
                              atol=manifest.golden.atol, rtol=manifest.golden.rtol)
    if problem:
        if problem.kind == "nothing" and manifest.golden.by:
            return Verdict(FAIL, "no golden values to compare with: " + manifest.golden.by, mismatch=problem.kind)
        return Verdict(FAIL, "outputs differ from the golden values: " + problem.text, mismatch=problem.kind)
    return Verdict(PASS)


def _load(plugins: Plugins, cell: Cell) -> Any:
    """(module, None), or (None, an error verdict) when the plugin cannot be imported here."""
    try:
        return plugins.load(cell.kind, cell.plugin), None
    except Exception as exc:
        text = str(exc).splitlines()[0] if str(exc) else ""
        return None, Verdict(ERROR, "%s/%s.py failed to import: %s: %s" % (cell.kind, cell.plugin,
                                                                            type(exc).__name__, text))


def read_manifest(folder: str) -> Any:
    """(Manifest, "") or (None, why it cannot be read)."""
    try:
        return Manifest.read(folder), ""
    except ManifestError as exc:
        return None, str(exc)
