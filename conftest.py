"""The grid's pytest wiring: options, parametrization, and the run's verdict counts.

    pytest matrix/test_grid.py --phase=produce -n 2   # write this TF's artifacts
    pytest matrix/test_grid.py --phase=consume -n 2   # load every artifact in the store

tox runs these per TF environment. Compatibility failures are data, not
test-run failures: the grid exits 0 when every cell reached a verdict, and
non-zero only when the harness or a plugin broke (an `error` cell).
"""
import glob
import os
from collections import Counter

import pytest

from matrix import grid, paths

STATUS_KEY = "matrix_status"


def pytest_addoption(parser):
    group = parser.getgroup("savedmodel-matrix")
    group.addoption("--phase", choices=("produce", "consume"), help="which half of the grid to run")
    group.addoption("--cell-timeout", type=float, default=float(os.environ.get("MATRIX_CELL_TIMEOUT", 300)),
                    help="seconds a cell may take before its worker is killed and the cell is a timeout")
    group.addoption("--producers", default=os.environ.get("MATRIX_PRODUCERS", ""),
                    help="comma-separated producers to run (default: all)")
    group.addoption("--cases", default=os.environ.get("MATRIX_CASES", ""),
                    help="comma-separated model cases to produce (default: every case a producer has)")
    group.addoption("--consumers", default=os.environ.get("MATRIX_CONSUMERS", ""),
                    help="comma-separated consumers to run (default: all)")


def _only(config, option):
    value = config.getoption(option)
    return [v.strip() for v in value.split(",") if v.strip()] or None


def pytest_configure(config):
    phase = config.getoption("--phase")
    if phase and not hasattr(config, "workerinput"):
        # The controller starts the phase: this env's earlier results for it are replaced.
        for old in glob.glob(os.path.join(paths.RESULTS, "%s-%s-*.jsonl" % (phase, grid.env_name()))):
            os.remove(old)


def pytest_generate_tests(metafunc):
    config = metafunc.config
    phase = config.getoption("--phase")
    if "produce_cell" in metafunc.fixturenames:
        cells = grid.produce_cells(_only(config, "--producers"), _only(config, "--cases")) if phase == "produce" else []
        metafunc.parametrize("produce_cell", cells, ids=["%s-%s" % c for c in cells])
    if "consume_cell" in metafunc.fixturenames:
        cells = grid.consume_cells(_only(config, "--consumers")) if phase == "consume" else []
        ids = ["%s-%s" % (consumer, os.path.relpath(folder, paths.STORE)) for folder, consumer in cells]
        metafunc.parametrize("consume_cell", cells, ids=ids)


def pytest_collection_modifyitems(config, items):
    """Run only the phase asked for: test_produce or test_consume."""
    phase = config.getoption("--phase")
    other = {"produce": "test_consume", "consume": "test_produce"}.get(phase)
    drop = [i for i in items if getattr(i, "originalname", None) == other]
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = [i for i in items if i not in drop]


@pytest.fixture(scope="session")
def matrix_session(request):
    phase = request.config.getoption("--phase")
    if not phase:
        pytest.skip("the grid runs with --phase=produce or --phase=consume")
    worker_id = getattr(request.config, "workerinput", {}).get("workerid", "main")
    session = grid.Session(phase, worker_id, request.config.getoption("--cell-timeout"))
    yield session
    session.close()


@pytest.fixture
def verdict(request):
    """Turns a cell record into the pytest outcome that reads the same."""
    def report(record):
        request.node.user_properties.append((STATUS_KEY, record["status"]))
        if record["status"] == "unavailable":
            pytest.skip(record["reason"])
        if record["status"] != "pass":
            pytest.fail("%s: %s" % (record["status"], record["reason"]), pytrace=False)
    return report


# Verdicts seen by this process (with xdist, the controller sees every cell's report).
STATUSES = Counter()


def pytest_runtest_logreport(report):
    if report.when == "teardown":
        for key, value in report.user_properties:
            if key == STATUS_KEY:
                STATUSES.update([value])


def pytest_sessionfinish(session, exitstatus):
    if STATUSES and exitstatus == pytest.ExitCode.TESTS_FAILED and not STATUSES["error"]:
        session.exitstatus = pytest.ExitCode.OK


def pytest_terminal_summary(terminalreporter, config):
    statuses = STATUSES
    if statuses:
        counts = ", ".join("%d %s" % (n, s) for s, n in sorted(statuses.items()))
        terminalreporter.write_line("matrix %s [%s]: %s (results in %s)" % (
            config.getoption("--phase"), grid.env_name(), counts, paths.RESULTS))
