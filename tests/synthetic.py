"""Small recorded results for the report tests: JSON-lines records written into a folder, no TensorFlow.

    world = World(tmp_path / "results")
    world.env("tf215", "2.15.1")
    world.cell("keras", "dense", "tf215", "keras_load", "tf221", "fail", "load_model refused")
    world.write()
"""
import json
import os

from matrix import records

TF = {"tf115": "1.15.5", "tf24": "2.4.4", "tf212": "2.12.1", "tf215": "2.15.1", "tf216": "2.16.2",
      "tf221": "2.21.0"}
PY = {"tf115": "3.7.16", "tf24": "3.8.18", "tf212": "3.10.13", "tf215": "3.11.7", "tf216": "3.12.1",
      "tf221": "3.13.0"}


class World(object):
    def __init__(self, folder, run_id="20260101T000000Z-aaaaaa"):
        self.folder = str(folder)
        self.run_id = run_id
        self.lines = {}

    def _add(self, name, record):
        record = dict(record, schema=records.SCHEMA_VERSION, run_id=self.run_id)
        assert records.validate(record) == [], records.validate(record)
        self.lines.setdefault(name, []).append(record)

    def env(self, env, phases=("produce", "consume")):
        for phase in phases:
            self._add("%s-%s-gw0" % (phase, env), dict(
                kind="env", phase=phase, env=env, tf=TF[env], keras="x", python=PY[env], platform="linux",
                started="2026-01-01T00:00:00Z"))

    def produce(self, producer, case, env, status="pass", reason=""):
        self._add("produce-%s-gw0" % env, dict(
            kind="produce", producer=producer, producer_api="api", case=case, producer_env=env, producer_tf=TF[env],
            producer_python=PY[env], status=status, reason=reason, detail="", seconds=0.1,
            artifact="%s/%s/%s" % (env, producer, case) if status == "pass" else "", finished="2026-01-01T00:00:01Z"))

    def cell(self, producer, case, producer_env, consumer, consumer_env, status="pass", reason=""):
        self._add("consume-%s-gw0" % consumer_env, dict(
            kind="cell", producer=producer, producer_api="api", case=case, producer_env=producer_env,
            producer_tf=TF[producer_env], producer_python=PY[producer_env], consumer=consumer, consumer_api="api",
            consumer_env=consumer_env, consumer_tf=TF[consumer_env], consumer_python=PY[consumer_env],
            status=status, reason=reason, detail="", seconds=0.1,
            artifact="%s/%s/%s" % (producer_env, producer, case), finished="2026-01-01T00:00:02Z"))

    def grid(self, envs, producers, consumers, verdict=lambda p, c, pe, ce: ("pass", "")):
        """Every env produces every (producer, case) and reads every artifact with every consumer."""
        for e in envs:
            self.env(e)
            for producer, case in producers:
                self.produce(producer, case, e)
        for ce in envs:
            for pe in envs:
                for producer, case in producers:
                    for consumer in consumers:
                        status, reason = verdict(producer, consumer, pe, ce)
                        self.cell(producer, case, pe, consumer, ce, status, reason)

    def write(self):
        os.makedirs(self.folder, exist_ok=True)
        for name, lines in self.lines.items():
            with open(os.path.join(self.folder, name + ".jsonl"), "w") as f:
                f.write("".join(json.dumps(r, sort_keys=True) + "\n" for r in lines))
        with open(os.path.join(os.path.dirname(self.folder.rstrip("/")), "run.json"), "w") as f:
            json.dump({"run_id": self.run_id, "started": "2026-01-01T00:00:00Z"}, f)  # as `tox -e begin` does
        return self.folder


def registry(path, text):
    with open(str(path), "w") as f:
        f.write(text)
    return str(path)
