"""The begin step runs in a bare Python (no numpy, no TF): it starts a run and imports your models."""
import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus")


def test_begin_needs_nothing_but_the_standard_library(tmp_path):
    # -S: no site-packages, so numpy and friends cannot be found.
    done = subprocess.run([sys.executable, "-S", "-c", "import sys; sys.path.insert(0, %r); "
                           "from matrix.cli import main; sys.exit(main(['begin', '--store', %r]))" % (ROOT, str(tmp_path))],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(tmp_path / "run.json") as f:
        assert json.load(f)["run_id"]


def test_a_run_never_deletes_the_store_or_the_earlier_runs_results(grid):
    first = grid.begin()
    assert first.returncode == 0
    os.makedirs(os.path.join(grid.store, "store", "tf215", "keras", "dense"))
    old_run = grid.the_store.current_run()
    os.makedirs(grid.the_store.results_dir(old_run), exist_ok=True)
    grid.begin()
    assert grid.the_store.current_run().run_id != old_run.run_id
    assert os.path.isdir(os.path.join(grid.store, "store", "tf215", "keras", "dense"))
    assert os.path.isdir(grid.the_store.results_dir(old_run))


@pytest.mark.skipif(not os.path.isdir(CORPUS), reason="no ../shared/corpus beside this checkout")
def test_corpus_models_become_artifacts_with_the_expected_values_of_their_source_tests(grid):
    grid.begin("--models", CORPUS)  # (instead of pyproject.toml's list)
    manifest = grid.manifest("models", "corpus", "serving__saved_model_half_plus_two_cpu:serving_default")
    assert manifest["tf"] == "1.14.0"
    assert manifest["golden"]["source"] == "spec"
    assert manifest["outputs"]["y"]["values"] == [52.0, 23.0]
    # fed and compared at the signature's declared shape [-1, 1] (the source test fed [2])
    assert manifest["inputs"]["x"]["shape"] == [2, 1] and manifest["outputs"]["y"]["shape"] == [2, 1]
    assert os.path.exists(os.path.join(grid.store, "store", "models", "corpus",
                                       "serving__saved_model_half_plus_two_cpu:serving_default", "model",
                                       "saved_model.pb"))


@pytest.mark.skipif(not os.path.isdir(CORPUS), reason="no ../shared/corpus beside this checkout")
def test_a_second_begin_with_unchanged_models_records_every_import_as_reused(grid, tmp_path):
    models = str(tmp_path / "mine")
    shutil.copytree(os.path.join(CORPUS, "serving__saved_model_half_plus_two_cpu"), os.path.join(models, "a"))
    shutil.copytree(os.path.join(CORPUS, "serving__saved_model_half_plus_two_cpu"), os.path.join(models, "b"))
    os.makedirs(os.path.join(models, "broken", "variables"))  # a folder without its graph: a failed import
    grid.begin("--models", models)
    first = {r["cell"]: r for r in grid.records(kind="produce")}
    assert first and not any(r["reused_from"] for r in first.values())
    grid.begin("--models", models)
    second = {r["cell"]: r for r in grid.records(kind="produce")}
    assert second.keys() == first.keys()
    assert all(r["reused_from"] == first[c]["run_id"] for c, r in second.items())
    assert {c: r["status"] for c, r in second.items()} == {c: r["status"] for c, r in first.items()}
    with open(os.path.join(models, "b", "variables", "variables.data-00000-of-00001"), "ab") as f:
        f.write(b"\0")  # one model's bytes change: its import is made again, the others are reused
    grid.begin("--models", models)
    third = {r["cell"]: r for r in grid.records(kind="produce")}
    made_again = {r["case"].split(":")[0] for r in third.values() if not r["reused_from"]}
    assert made_again == {"b"}
