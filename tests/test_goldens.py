"""Every golden value a manifest holds is judged by some consumer (`python -m matrix goldens`).

Walks every manifest the produce step writes in this TF (every producer, every case) and the
imported corpus, and finds no golden value that no consumer is judged on; a value planted where no
consumer reads it is found."""
import os
import subprocess
import sys

import pytest

from matrix import goldens
from matrix.discovery import Plugins
from matrix.manifest import Call, Manifest
from tests.conftest import ROOT

TENSOR = {"dtype": "float32", "shape": [1], "values": [7.0]}


def consumers():
    plugins = Plugins()
    return {name: plugins.load("consumers", name) for name in plugins.names("consumers")}


def manifest(**fields):
    base = dict(producer="p", api="a", case="add_two", env="tf215", tags=["serve"], signature="serving_default",
                inputs={"x": TENSOR}, outputs={"output": TENSOR})
    base.update(fields)
    return Manifest(**base)


def test_a_signature_model_s_outputs_and_variables_are_read():
    m = manifest(variables={"v": TENSOR}, variable_kind="resource")
    assert goldens.unread(m, consumers()) == []


def test_a_value_no_applying_consumer_reads_is_found():
    m = manifest(variables={"v": TENSOR}, variable_kind="resource")
    readers = {k: v for k, v in consumers().items() if k not in ("tf2_restored", "tf2_finetune", "hub_keraslayer_finetune")}
    assert goldens.unread(m, readers) == ["variables[v]"]
    # the author's call outputs are read only by consumers that call the model
    called = manifest(call=Call("tensor", ["x"], "tensor", {"output": TENSOR}, ["output"]))
    signature_only = {k: v for k, v in consumers().items() if k in ("tf1_session", "saved_model_cli", "c_api")}
    assert goldens.unread(called, signature_only) == ["call.outputs[output]"]


@pytest.mark.tf
def test_every_golden_value_of_every_artifact_is_judged_by_some_consumer(grid):
    corpus = os.path.join(os.path.dirname(ROOT), "shared", "corpus")
    grid.begin(*(["--models", corpus] if os.path.isdir(corpus) else []))
    grid.run("produce", workers=2, extra_plugins=False)
    produced = [r for r in grid.records("produce") if r["kind"] == "produce" and r["status"] == "pass"]
    assert len(produced) > 50, grid.last_output[-2000:]
    done = subprocess.run([sys.executable, "-m", "matrix", "goldens", "--store", grid.store], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert done.returncode == 0, done.stdout[-3000:]
    assert " 0 read by no consumer" in done.stdout
