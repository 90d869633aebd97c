"""Consumers judged on facts of the manifest: a manifest that says something else makes the cell fail, never pass.

Each test produces one real artifact, copies it with one fact in its manifest
changed, and consumes both: the untouched copy must pass, the edited one fail.
"""
import importlib.util

import pytest

pytestmark = pytest.mark.tf


def _check(grid, producer, case, consumer, edit):
    grid.run("produce", producers=producer, cases=case, workers=1, extra_plugins=False)
    grid.copy_artifact("test", producer, case, "edited", edit=edit)
    grid.run("consume", consumers=consumer, workers=1, extra_plugins=False)
    cells = {c["producer_env"]: c for c in grid.cells(consumer=consumer)}
    assert set(cells) == {"test", "edited"}, grid.last_output[-3000:]
    assert cells["test"]["status"] == "pass", cells["test"]
    assert cells["edited"]["status"] == "fail", cells["edited"]
    assert "differ from the golden values" in cells["edited"]["reason"], cells["edited"]


def test_tf2_restored_fails_when_the_manifest_variable_differs(grid):
    _check(grid, "tf2_module", "variable", "tf2_restored", lambda m: m["variables"]["v"].update(values=[4.0]))


def test_tf2_finetune_fails_when_the_called_function_reads_another_variable(grid):
    _check(grid, "tf2_module", "variable", "tf2_finetune", lambda m: m["trained_by_signature"].append("w"))


def test_hub_keraslayer_finetune_fails_when_the_manifest_names_another_variable(grid):
    if importlib.util.find_spec("tensorflow_hub") is None:
        pytest.skip("tensorflow_hub is not installed here")
    _check(grid, "tf2_hub_reusable", "variable", "hub_keraslayer_finetune",
           lambda m: m["variables"].update(w={"dtype": "float32", "shape": [], "values": [1.0]}))


def test_saved_model_cli_show_fails_when_the_model_facts_say_another_dtype(grid):
    _check(grid, "tf2_module", "variable", "saved_model_cli_show",
           lambda m: m["model"]["signatures"]["serving_default"]["inputs"]["x"].update(dtype="float64"))


def test_signature_method_names_fails_when_the_manifest_names_another_method(grid):
    _check(grid, "tf2_method_name_updater", "example_regress", "signature_method_names",
           lambda m: m["method_names"].update(serving_default="tensorflow/serving/classify"))


def test_tf1_import_meta_graph_fails_when_the_restored_variable_differs(grid):
    _check(grid, "tf1_saver_metagraph", "variable", "tf1_import_meta_graph",
           lambda m: m["variables"]["v"].update(values=[4.0]))
