"""A folder of broken SavedModels beside a good one: each broken model is one verdict line naming what is
wrong, no cell is an `error` (a harness bug), and the good model's cells are all there and pass.

The broken ones are made from a real model here: a truncated saved_model.pb, random bytes, an empty
file, a folder with variables/ but no saved_model.pb, and garbage in the variables."""
import os
import shutil

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.tf
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus")
GOOD = os.path.join(CORPUS, "serving__saved_model_half_plus_two_cpu")
CONSUMERS = "tf1_session,tf2_load,saved_model_cli,c_api"


def make_folder(root):
    models = os.path.join(str(root), "models")
    shutil.copytree(GOOD, os.path.join(models, "good"))
    pb = open(os.path.join(GOOD, "saved_model.pb"), "rb").read()

    def broken(name, edit):
        folder = os.path.join(models, name)
        shutil.copytree(GOOD, folder)
        edit(folder)

    def write(folder, name, data):
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)

    broken("truncated", lambda f: write(f, "saved_model.pb", pb[:len(pb) // 2]))
    broken("random_bytes", lambda f: write(f, "saved_model.pb", os.urandom(4096)))
    broken("empty", lambda f: write(f, "saved_model.pb", b""))
    broken("no_pb", lambda f: os.remove(os.path.join(f, "saved_model.pb")))
    broken("garbage_variables", lambda f: write(os.path.join(f, "variables"), "variables.data-00000-of-00001",
                                                os.urandom(64)))
    return models


@pytest.mark.skipif(not os.path.isdir(GOOD), reason="no ../shared/corpus beside this checkout")
def test_each_broken_model_is_one_verdict_line_and_the_good_model_beside_it_passes(grid, tmp_path):
    models = make_folder(tmp_path)
    began = grid.begin("--models", models)
    assert began.returncode == 0, began.stdout
    grid.run("produce", consumers=CONSUMERS, workers=1, extra_plugins=False)  # the reference cells
    grid.run("consume", consumers=CONSUMERS, workers=2, extra_plugins=False)
    produced = {r["case"].split(":")[0]: r for r in grid.records(kind="produce")}
    cells = grid.cells()
    assert [c for c in cells if c["status"] in ("error", "crash", "timeout")] == []

    # unreadable graphs: one red produce line each, naming the file; no consume cells
    for name in ("truncated", "random_bytes", "empty", "no_pb"):
        assert produced[name]["status"] == "fail", produced[name]
        assert "saved_model.pb" in produced[name]["reason"], produced[name]
        assert not [c for c in cells if c["case"].startswith(name)]
    # the graph reads, the variables do not: every load API refuses, each saying why
    garbage = [c for c in cells if c["case"].startswith("garbage_variables")]
    assert garbage and all(c["status"] in ("fail", "not_applicable") for c in garbage), garbage
    assert any("variables" in c["reason"].lower() or "checkpoint" in c["reason"].lower() or "corrupt" in c["reason"].lower()
               or "reference" in c["reason"] for c in garbage), [c["reason"] for c in garbage]
    # the good model: every consumer's cell of every signature is there; those it can feed pass
    good_cases = {r["case"] for r in grid.records(kind="produce") if r["case"].startswith("good:")}
    good = {(c["case"], c["consumer"]): c for c in cells if c["case"].startswith("good:")}
    assert set(good) == {(case, k) for case in good_cases for k in CONSUMERS.split(",")}
    assert {c["status"] for c in good.values()} == {"pass", "not_applicable"}, good
    assert all(good[("good:serving_default", k)]["status"] == "pass" for k in CONSUMERS.split(","))
