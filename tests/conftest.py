"""Shared helpers for the harness's own tests.

`grid` runs the real grid (matrix/test_grid.py) in a subprocess with this
environment's TensorFlow, against a temporary artifact store, and returns
the records it wrote. tests/plugins holds deliberately broken plugins that
only these tests load (MATRIX_EXTRA_PLUGINS).
"""
import glob
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BROKEN_PLUGINS = os.path.join(ROOT, "tests", "plugins")


class Grid(object):
    def __init__(self, store):
        self.store = store

    def run(self, phase, producers="", consumers="", cases="", env="test", workers=2, timeout=None,
            extra_plugins=True):
        environ = dict(os.environ, MATRIX_ARTIFACTS=self.store, MATRIX_ENV=env, MATRIX_CASES=cases,
                       MATRIX_PRODUCERS=producers, MATRIX_CONSUMERS=consumers)
        environ.pop("PYTEST_XDIST_WORKER", None)
        if extra_plugins:
            environ["MATRIX_EXTRA_PLUGINS"] = BROKEN_PLUGINS
        if timeout:
            environ["MATRIX_CELL_TIMEOUT"] = str(timeout)
        cmd = [sys.executable, "-m", "pytest", "matrix/test_grid.py", "--phase", phase, "-q",
               "-p", "no:cacheprovider", "-n", str(workers)]
        done = subprocess.run(cmd, cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True)
        self.last_output = done.stdout
        self.last_exit = done.returncode
        return self.records(phase, env)

    def records(self, phase=None, env=None, kind=None):
        pattern = "%s-%s-*.jsonl" % (phase or "*", env or "*")
        out = []
        for path in sorted(glob.glob(os.path.join(self.store, "results", pattern))):
            with open(path) as f:
                out.extend(json.loads(line) for line in f if line.strip())
        return [r for r in out if kind is None or r["kind"] == kind]

    def manifest(self, env, producer, case):
        with open(os.path.join(self.store, "store", env, producer, case, "manifest.json")) as f:
            return json.load(f)

    def cells(self, **match):
        return [r for r in self.records(kind="cell")
                if all(r.get(k) == v for k, v in match.items())]


@pytest.fixture
def grid(tmp_path):
    return Grid(str(tmp_path / "artifacts"))


def pytest_configure(config):
    config.addinivalue_line("markers", "tf: needs TensorFlow in this environment (runs the real grid)")
