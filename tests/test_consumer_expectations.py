"""Consumers with their own expected(): a manifest that says something else makes the cell fail, never pass.

Each test produces one real artifact, copies it with one fact in its manifest
changed, and consumes both: the untouched copy must pass, the edited one fail.
"""
import importlib.util
import json
import os
import shutil

import pytest

pytestmark = pytest.mark.tf


def _edited_pair(grid, producer, case, edit):
    grid.run("produce", producers=producer, cases=case, workers=1)
    folder = os.path.join(grid.store, "store", "test", producer)
    for other in os.listdir(folder):
        if other != case:
            shutil.rmtree(os.path.join(folder, other))
    assert os.path.exists(os.path.join(folder, case, "manifest.json")), grid.last_output[-3000:]
    wrong = os.path.join(folder, case + "_wrong")
    shutil.copytree(os.path.join(folder, case), wrong)
    with open(os.path.join(wrong, "manifest.json")) as f:
        manifest = json.load(f)
    edit(manifest)
    with open(os.path.join(wrong, "manifest.json"), "w") as f:
        json.dump(manifest, f)


def _verdicts(grid, consumer):
    grid.run("consume", consumers=consumer, workers=1)
    cells = {os.path.basename(c["artifact"]): c for c in grid.cells(consumer=consumer)}
    assert len(cells) == 2, grid.last_output[-3000:]
    return cells


def _check(grid, consumer, case):
    cells = _verdicts(grid, consumer)
    assert cells[case]["status"] == "pass", cells[case]
    assert cells[case + "_wrong"]["status"] == "fail", cells[case + "_wrong"]
    assert "differ from the golden values" in cells[case + "_wrong"]["reason"], cells[case + "_wrong"]


def _wrong_variable(manifest):
    manifest["variables"]["v"]["values"] = [4.0]


def _ref_variables(manifest):
    manifest["variable_kind"] = "ref"


def _wrong_input_dtype(manifest):
    manifest["inputs"]["x"]["dtype"] = "float64"


def test_tf2_restored_fails_when_the_manifest_variable_differs(grid):
    _edited_pair(grid, "tf2_module", "variable", _wrong_variable)
    _check(grid, "tf2_restored", "variable")


def test_tf2_finetune_fails_when_the_manifest_says_reference_variables(grid):
    _edited_pair(grid, "tf2_module", "variable", _ref_variables)
    _check(grid, "tf2_finetune", "variable")


def test_hub_keraslayer_finetune_fails_when_the_manifest_says_reference_variables(grid):
    if importlib.util.find_spec("tensorflow_hub") is None:
        pytest.skip("tensorflow_hub is not installed here")
    _edited_pair(grid, "tf2_hub_reusable", "variable", _ref_variables)
    _check(grid, "hub_keraslayer_finetune", "variable")


def test_saved_model_cli_show_fails_when_the_manifest_input_dtype_differs(grid):
    _edited_pair(grid, "tf2_module", "variable", _wrong_input_dtype)
    _check(grid, "saved_model_cli_show", "variable")


def _regress_becomes_classify(manifest):
    manifest["extra"]["method_names"]["serving_default"] = "tensorflow/serving/classify"


def test_signature_method_names_fails_when_the_manifest_names_another_method(grid):
    _edited_pair(grid, "tf2_method_name_updater", "example_regress", _regress_becomes_classify)
    _check(grid, "signature_method_names", "example_regress")


def _a_signature_that_does_not_exist(manifest):
    manifest["extra"]["method_names"]["no_such_signature"] = "tensorflow/serving/regress"


def test_tf2_resave_method_names_fails_when_the_manifest_names_a_signature_the_model_lacks(grid):
    _edited_pair(grid, "tf2_method_name_updater", "example_regress", _a_signature_that_does_not_exist)
    _check(grid, "tf2_resave_method_names", "example_regress")
