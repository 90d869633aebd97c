"""The grid's verdicts on real TensorFlow: a pass is earned, everything else is recorded.

Runs the real grid in this environment's TF against a temporary store, with
the deliberately broken consumers in tests/plugins beside the real ones.
"""
import os

import pytest

pytestmark = pytest.mark.tf

BROKEN = "wrong_numbers,returns_nothing,segfaults,hangs,fails_to_import,buggy"
PROBE = "leaves_state"


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    from tests.conftest import Grid
    grid = Grid(str(tmp_path_factory.mktemp("artifacts")))
    produced = grid.run("produce", producers="tf2_module,tf1_builder,keras", cases="add_two,variable,dense")
    produced += grid.run("produce", producers="tf1_simple_save,estimator", cases="add_two")
    grid.run("consume", consumers="tf1_session,tf2_load,keras_load,%s,%s" % (PROBE, BROKEN), timeout=10)
    return grid, [r for r in produced if r["kind"] == "produce"]


def test_every_producer_cell_is_recorded_with_a_verdict(verdicts):
    grid, produced = verdicts
    assert {(r["producer"], r["case"]) for r in produced} == {
        (p, c) for p in ("tf2_module", "tf1_builder", "keras") for c in ("add_two", "variable", "dense")} | {
        ("tf1_simple_save", "add_two"), ("estimator", "add_two")}
    assert {r["status"] for r in produced} == {"pass"}


def test_add_two_returns_seven_for_five_through_tf1_and_tf2_loaders(verdicts):
    grid, _ = verdicts
    for producer in ("tf2_module", "tf1_builder", "tf1_simple_save", "estimator"):
        manifest = grid.manifest("test", producer, "add_two")
        x, output = manifest["inputs"]["x"], manifest["outputs"]["output"]
        assert (x["values"], output["values"]) == ([5.0], [7.0])
        assert x["shape"] == ([1] if producer == "estimator" else [])  # the Estimator serves batches
        for consumer in ("tf1_session", "tf2_load"):
            [cell] = grid.cells(producer=producer, case="add_two", consumer=consumer)
            assert cell["status"] == "pass", cell


def test_keras_load_model_loads_only_what_keras_saved(verdicts):
    grid, _ = verdicts
    for cell in grid.cells(consumer="keras_load"):
        assert cell["status"] == ("pass" if cell["producer"] == "keras" else "fail"), cell


def test_no_cell_finds_what_an_earlier_artifacts_cells_left_in_tf_or_keras(verdicts):
    """The probe leaves a resource variable in the eager context, a default-graph entry and a Keras
    name count, and fails if it finds them: it passes on every artifact, though one TF worker
    child read several artifacts one after the other (reset in between)."""
    grid, _ = verdicts
    cells = [c for c in grid.cells(consumer=PROBE) if c["status"] != "not_applicable"]
    assert len(cells) == 6
    assert {c["status"] for c in cells} == {"pass"}, [c["reason"] for c in cells]
    logs = "".join(open(os.path.join(grid.store, "logs", name)).read()
                   for name in os.listdir(os.path.join(grid.store, "logs")) if name.startswith("consume-"))
    assert logs.count("=== reset: done") >= 3  # cells ran in children that had read another artifact


def test_all_cells_of_an_artifact_run_on_one_xdist_worker(verdicts):
    """One artifact, one TF child: the grid groups an artifact's cells for xdist (the grouping once
    came too late and every artifact was split across both workers, read twice)."""
    from matrix import records
    grid, _ = verdicts
    folder = grid.the_store.results_dir(grid.the_store.current_run())
    workers = {}
    for name in os.listdir(folder):
        if name.startswith("consume-test-gw"):
            for record in records.read_folder(folder, prefix=name)[0]:
                workers.setdefault(record["artifact"], set()).add(name)
    assert len(workers) == 11
    assert {len(files) for files in workers.values()} == {1}
    assert len(set.union(*workers.values())) == 2  # and both workers had a share


def test_a_consumer_returning_wrong_numbers_fails_and_never_passes(verdicts):
    grid, _ = verdicts
    cells = grid.cells(consumer="wrong_numbers")
    assert len(cells) == 11
    assert {c["status"] for c in cells} == {"fail"}
    assert all("differ from the golden values" in c["reason"] for c in cells)


def test_a_consumer_returning_nothing_cannot_pass(verdicts):
    grid, _ = verdicts
    cells = grid.cells(consumer="returns_nothing")
    assert cells and {c["status"] for c in cells} == {"fail"}
    assert "outputs missing" in cells[0]["reason"]


def test_a_crashing_consumer_is_a_crash_cell_and_the_others_survive(verdicts):
    grid, _ = verdicts
    crashes = [c for c in grid.cells(consumer="segfaults") if c["status"] not in ("unavailable", "not_applicable")]
    assert len(crashes) == 2 and {c["status"] for c in crashes} == {"crash"}
    assert "SIGSEGV" in crashes[0]["reason"]
    assert {c["status"] for c in grid.cells(consumer="tf2_load")} == {"pass"}
    assert {c["status"] for c in grid.cells(consumer="tf1_session")} == {"pass"}


def test_a_hanging_consumer_is_a_timeout_cell(verdicts):
    grid, _ = verdicts
    hangs = [c for c in grid.cells(consumer="hangs") if c["status"] not in ("unavailable", "not_applicable")]
    assert len(hangs) == 2 and {c["status"] for c in hangs} == {"timeout"}
    assert all(10 <= c["seconds"] < 60 for c in hangs)


def test_a_plugin_that_fails_to_import_is_an_error_cell_per_artifact(verdicts):
    grid, _ = verdicts
    cells = grid.cells(consumer="fails_to_import")
    assert len(cells) == 11 and {c["status"] for c in cells} == {"error"}
    assert "failed to import" in cells[0]["reason"]


def test_a_bug_in_a_plugin_is_an_error_not_a_compatibility_failure(verdicts):
    grid, _ = verdicts
    cells = grid.cells(consumer="buggy")
    assert {c["status"] for c in cells} == {"error"}
    assert "AttributeError" in cells[0]["reason"]


def test_the_grid_exits_non_zero_only_because_of_error_cells_and_names_them(verdicts):
    grid, _ = verdicts
    assert grid.last_exit == 1  # buggy and fails_to_import are errors
    assert "error cells: a plugin or the harness broke:" in grid.last_output
    [named] = [line for line in grid.last_output.splitlines() if line.startswith("  buggy-")][:1]
    assert "AttributeError" in named


def test_every_record_is_valid_against_the_schema(verdicts):
    from matrix import records
    grid, _ = verdicts
    for record in grid.records():
        assert records.validate(record) == []
