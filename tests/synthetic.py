"""Small recorded runs for the report tests: records written into a results folder, no TensorFlow.

    world = World(tmp_path / "results")
    world.env("tf215")
    world.cell("keras", "dense", "tf215", "keras_load", "tf221", "fail", "load_model refused")
    results_folder = world.write()

The TF environments and their versions are matrix.toml's (the one place per TF version).
"""
import json
import os

from matrix import envs, records
from matrix.cell import ArtifactId, Cell

TF = {e.name: e.tensorflow.split("==")[1] if "==" in e.tensorflow else "2.99.0.dev20990101" for e in envs.envs()}
PY = {e.name: e.python + ".0" for e in envs.envs()}
ENVS = [e.name for e in envs.envs(include_preview=False)]


class World(object):
    def __init__(self, folder, run_id="20260101T000000Z-aaaaaa"):
        self.folder = str(folder)
        self.run_id = run_id
        self.lines = {}

    def _add(self, name, record):
        data = records.to_json(record)
        assert records.validate(data) == [], records.validate(data)
        self.lines.setdefault(name, []).append(data)

    def env(self, env, phases=("produce", "consume")):
        for phase in phases:
            self._add("%s-%s-env" % (phase, env), records.EnvRecord(
                run_id=self.run_id, phase=phase, env=env, tf=TF[env], keras="x", python=PY[env], platform="linux",
                started="2026-01-01T00:00:00Z"))

    def produce(self, producer, case, env, status="pass", reason=""):
        artifact = ArtifactId(env, producer, case)
        self._add("produce-%s-gw0" % env, records.ProduceRecord(
            run_id=self.run_id, cell=str(artifact), producer=producer, producer_api="api", case=case,
            producer_env=env, producer_tf=TF[env], producer_python=PY[env], status=status, reason=reason,
            seconds=0.1, finished="2026-01-01T00:00:01Z", artifact=str(artifact) if status == "pass" else ""))

    def cell(self, producer, case, producer_env, consumer, consumer_env, status="pass", reason="", **extra):
        cell = Cell.consume(consumer_env, ArtifactId(producer_env, producer, case), consumer)
        self._add("consume-%s-gw0" % consumer_env, records.ConsumeRecord(
            run_id=self.run_id, cell=cell.id, producer=producer, producer_api="api", case=case,
            producer_env=producer_env, producer_tf=extra.pop("producer_tf", TF.get(producer_env, "1.14.0")),
            producer_python=PY.get(producer_env, "n/a"), consumer=consumer, consumer_api="api " + consumer,
            consumer_env=consumer_env, consumer_tf=TF[consumer_env], consumer_python=PY[consumer_env],
            status=status, reason=reason, seconds=0.1, finished="2026-01-01T00:00:02Z", artifact=str(cell.artifact),
            **extra))

    def grid(self, envs_, producers, consumers, verdict=lambda p, c, pe, ce: ("pass", "")):
        """Every env produces every (producer, case) and reads every artifact with every consumer."""
        for e in envs_:
            self.env(e)
            for producer, case in producers:
                self.produce(producer, case, e)
        for ce in envs_:
            for pe in envs_:
                for producer, case in producers:
                    for consumer in consumers:
                        status, reason = verdict(producer, consumer, pe, ce)
                        self.cell(producer, case, pe, consumer, ce, status, reason)

    def write(self):
        os.makedirs(self.folder, exist_ok=True)
        for name, lines in self.lines.items():
            with open(os.path.join(self.folder, name + ".jsonl"), "w") as f:
                f.write("".join(json.dumps(r, sort_keys=True) + "\n" for r in lines))
        return self.folder

    def results(self):
        from reports.results import load_folder
        return load_folder(self.write())


def registry(path, text):
    with open(str(path), "w") as f:
        f.write(text)
    return str(path)
