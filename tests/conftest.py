"""Shared helpers for the harness's own tests.

`grid` runs the real grid (`python -m matrix run`) in a subprocess with this
environment's TensorFlow, against a temporary store, and returns the records
it wrote. tests/plugins holds deliberately broken plugins that only these
tests load (--plugins).
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BROKEN_PLUGINS = os.path.join(ROOT, "tests", "plugins")
sys.path.insert(0, ROOT)


class Grid(object):
    def __init__(self, store):
        self.store = store

    def command(self, *args):
        return [sys.executable, "-m", "matrix"] + list(args) + ["--store", self.store]

    def run(self, phase, producers="", consumers="", cases="", env="test", workers=2, timeout=None,
            extra_plugins=True, rerun="none"):
        cmd = self.command("run", "--phase", phase, "--env", env, "--workers", str(workers), "--rerun", rerun,
                           "--producers", producers, "--consumers", consumers, "--cases", cases)
        if extra_plugins:
            cmd += ["--plugins", BROKEN_PLUGINS]
        if timeout:
            cmd += ["--cell-timeout", str(timeout)]
        done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        self.last_output = done.stdout
        self.last_exit = done.returncode
        return self.records(phase, env)

    def begin(self, *args):
        done = subprocess.run(self.command("begin", *args), cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True)
        self.last_output, self.last_exit = done.stdout, done.returncode
        return done

    @property
    def the_store(self):
        from matrix.cell import Store
        return Store(self.store)

    def records(self, phase=None, env=None, kind=None):
        from matrix import records
        store = self.the_store
        run = store.current_run(start=False)
        if run is None:
            return []
        found = records.read_folder(store.results_dir(run), prefix="%s-" % phase if phase else "")[0]
        return [r for r in found if (kind is None or r["kind"] == kind)
                and (env is None or r.get("env", r.get("consumer_env", r.get("producer_env"))) == env)]

    def manifest(self, env, producer, case):
        with open(os.path.join(self.store, "store", env, producer, case, "manifest.json")) as f:
            return json.load(f)

    def cells(self, **match):
        return [r for r in self.records(kind="consume") if all(r.get(k) == v for k, v in match.items())]

    def copy_artifact(self, env, producer, case, new_env, new_case=None, edit=None):
        """A copy of an artifact, its manifest edited, added to the run (as if produced by `new_env`)."""
        from matrix import records
        from matrix.cell import ArtifactId, now
        source = os.path.join(self.store, "store", env, producer, case)
        target_id = ArtifactId(new_env, producer, new_case or case)
        target = self.the_store.artifact_dir(target_id)
        shutil.copytree(source, target, symlinks=True)
        manifest = self.manifest(new_env, producer, new_case or case)
        manifest["env"] = new_env
        if edit:
            edit(manifest)
        with open(os.path.join(target, "manifest.json"), "w") as f:
            json.dump(manifest, f)
        store = self.the_store
        records.append(store.results_file(store.current_run(), "produce", new_env, "copy"), records.ProduceRecord(
            run_id=store.current_run().run_id, cell=str(target_id), producer=producer, producer_api="copy",
            case=target_id.case, producer_env=new_env, producer_tf=manifest["tf"], producer_python="copy",
            status="pass", finished=now(), artifact=str(target_id)))
        return target


@pytest.fixture
def grid(tmp_path):
    return Grid(str(tmp_path / "artifacts"))


def pytest_configure(config):
    config.addinivalue_line("markers", "tf: needs TensorFlow in this environment (runs the real grid)")
