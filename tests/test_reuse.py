"""Only what changed runs: verdicts are reused by content key, a killed run resumes, and no verdict
depends on what ran before it. Real TF, a small grid in a temporary store."""
import os
import shutil
import signal
import subprocess
import time

import pytest

from tests.conftest import ROOT, Grid

pytestmark = pytest.mark.tf

PRODUCERS = "tf1_builder,tf2_module,estimator_classify_regress"
CASES = "add_two,dense,example_regress"
CONSUMERS = "tf1_session,tf2_load,tf2_restored,saved_model_cli,keras_load,hub_keraslayer"


def computed(records):
    return [r for r in records if r["kind"] != "env" and not r["reused_from"]]


def reused(records):
    return [r for r in records if r["kind"] != "env" and r["reused_from"]]


def copy_with_a_new_run(first, folder):
    """The first run's store, and a new run in it whose artifacts are produced again (reused)."""
    grid = Grid(str(folder / "store"))
    shutil.copytree(first.store, grid.store)
    (folder / "no-models").mkdir()
    grid.begin("--models", str(folder / "no-models"))
    grid.run("produce", producers=PRODUCERS, cases=CASES, extra_plugins=False)
    return grid


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    grid = Grid(str(tmp_path_factory.mktemp("store")))
    grid.run("produce", producers=PRODUCERS, cases=CASES, extra_plugins=False)
    grid.run("consume", consumers=CONSUMERS, extra_plugins=False)
    return grid


def test_a_second_run_with_nothing_changed_runs_no_cell_and_says_where_each_verdict_came_from(first, tmp_path):
    before = {r["cell"]: r for r in first.records(kind="consume")}
    grid = copy_with_a_new_run(first, tmp_path)
    produced = grid.records("produce")
    consumed = grid.run("consume", consumers=CONSUMERS, extra_plugins=False)
    assert computed(produced) == [] and computed(consumed) == []
    assert "0 to run" in grid.last_output
    after = {r["cell"]: r for r in consumed if r["kind"] == "consume"}
    assert set(after) == set(before)
    for cell, record in after.items():
        assert (record["status"], record["reason"]) == (before[cell]["status"], before[cell]["reason"])
        assert record["reused_from"] == before[cell]["run_id"]


def test_a_changed_consumer_reruns_only_its_own_cells(first, tmp_path):
    plugins = tmp_path / "plugins"
    (plugins / "consumers").mkdir(parents=True)
    source = os.path.join(ROOT, "consumers", "tf1_session.py")
    mine = plugins / "consumers" / "my_session.py"
    shutil.copy(source, str(mine))
    grid = copy_with_a_new_run(first, tmp_path)

    def consume():
        cmd = grid.command("run", "--phase", "consume", "--env", "test", "--plugins", str(plugins),
                           "--consumers", CONSUMERS + ",my_session")
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        return grid.records("consume", "test", kind="consume")

    records = consume()  # my_session is new: only its cells run
    assert {r["consumer"] for r in computed(records)} == {"my_session"}
    mine.write_text(mine.read_text() + "\n# touched\n")
    records = consume()
    latest = {}
    for r in records:
        latest[r["cell"]] = r
    ran = {r["consumer"] for r in latest.values() if not r["reused_from"]}
    assert ran == {"my_session"}


def test_cells_that_need_no_tf_are_decided_before_pytest_as_the_tf_worker_decides_them(first, tmp_path):
    """unavailable and not_applicable cells, decided up front from what the produce step's TF worker said of
    each consumer, read exactly as the session's own verdicts when nothing of the env is known yet."""
    consumers = "keras3_load,signature_method_names,tf2_load"  # Keras 3 does not exist in TF 2.15
    grid = copy_with_a_new_run(first, tmp_path)
    up_front = {r["cell"]: r for r in grid.run("consume", consumers=consumers, extra_plugins=False)
                if r["kind"] == "consume"}
    decided = [r for r in up_front.values() if r["status"] in ("unavailable", "not_applicable")]
    assert decided and " %d decided without TF" % len(decided) in grid.last_output, grid.last_output[-2000:]
    shutil.rmtree(os.path.join(grid.store, "cache", "available"))  # no worker of this env has said anything yet
    found = grid.run("consume", consumers=consumers, extra_plugins=False, rerun="all")
    assert " 0 decided without TF" in grid.last_output, grid.last_output[-2000:]
    latest = {}
    for r in sorted((r for r in found if r["kind"] == "consume"), key=lambda r: r["finished"]):
        latest[r["cell"]] = r
    assert set(latest) == set(up_front)
    same = [f for f in decided[0] if f not in ("run_id", "finished", "seconds", "reused_from")]
    for cell, record in latest.items():
        assert record["finished"] > up_front[cell]["finished"]
        assert {f: record[f] for f in same} == {f: up_front[cell][f] for f in same}, cell


def test_killing_a_run_loses_no_finished_cell_and_the_next_run_does_only_the_rest(first, tmp_path):
    grid = copy_with_a_new_run(first, tmp_path)
    shutil.rmtree(os.path.join(grid.store, "cache", "consume"))  # nothing known: every cell runs
    cmd = grid.command("run", "--phase", "consume", "--env", "test", "--consumers", CONSUMERS, "--workers", "1")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while len(computed(grid.records("consume", "test"))) < 6 and time.time() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # kill -9 of everything it started
    proc.wait()
    finished = {r["cell"]: r for r in computed(grid.records("consume", "test"))}
    assert finished, "nothing finished before the kill"
    records = grid.run("consume", consumers=CONSUMERS, extra_plugins=False)
    all_cells = {r["cell"] for r in first.records(kind="consume")}
    ran_now = {r["cell"] for r in computed(records)} - set(finished)
    assert ran_now == all_cells - set(finished)  # exactly what had not finished
    final = {}
    for r in records:
        if r["kind"] == "consume":
            final[r["cell"]] = (r["status"], r["reason"])
    assert final == {r["cell"]: (r["status"], r["reason"]) for r in first.records(kind="consume")}


def test_a_cell_alone_gets_the_verdict_it_gets_in_the_full_order(first, tmp_path):
    """A sample of cells, each run alone in a fresh store copy (a new TF worker), against the full run's
    order, where a worker's child read several artifacts one after the other (reset in between)."""
    full = {r["cell"]: r for r in first.records(kind="consume")}
    judged = sorted(c for c, r in full.items() if r["status"] not in ("not_applicable", "unavailable"))
    sample = judged[::2]  # every other cell that reached a verdict: 15 of 30 here
    assert len(sample) >= 15
    for cell in sample:
        grid = Grid(str(tmp_path / cell.replace("/", "_")))
        shutil.copytree(first.store, grid.store)
        subprocess.run(grid.command("run", "--phase", "consume", "--env", "test", "--only", cell, "--rerun", "all",
                                    "--run-id", "alone", "--workers", "1"), cwd=ROOT, check=True, capture_output=True)
        from matrix import records
        from matrix.cell import Run
        [alone] = [r for r in records.read_folder(grid.the_store.results_dir(Run("alone", "")))[0]
                   if r.get("cell") == cell]
        assert (alone["status"], alone["reason"]) == (full[cell]["status"], full[cell]["reason"]), cell


def test_the_golden_values_a_reference_tf_recorded_are_reused_too(tmp_path):
    """Your model without expected outputs: its reference cells run once, then are reused."""
    corpus = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "serving__saved_model_half_plus_two_cpu")
    if not os.path.isdir(corpus):
        pytest.skip("no ../shared/corpus beside this checkout")
    models = tmp_path / "models"
    shutil.copytree(corpus, str(models / "half_plus_two"))  # no expected.json: goldens are recorded
    grid = Grid(str(tmp_path / "store"))
    for attempt in ("first", "second"):
        grid.begin("--models", str(models))
        produced = grid.run("produce", producers="none", extra_plugins=False)
        references = [r for r in produced if r["kind"] == "reference"]
        assert references, grid.last_output[-2000:]
        if attempt == "first":
            assert computed(references) and {r["status"] for r in references} == {"pass"}
        else:
            assert computed(references) == [], grid.last_output[-2000:]
