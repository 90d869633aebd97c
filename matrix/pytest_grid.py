"""The grid as a pytest run: one test per cell, parametrized from the job `python -m matrix run` planned.

    python -m matrix run --phase consume --env tf221      (never `pytest` by hand: the job file says
                                                           which cells, store, run and env)
Pytest runs and selects (-k, -x, xdist) the cells that need TF (those that do not, unavailable
and not_applicable ones, were decided before it started: matrix/upfront.py); the verdict of each cell is reached
and recorded by matrix/session.py; the phase's exit status is the controller's
(matrix/cli.py). A cell's test outcome reads like its verdict: pass passes,
unavailable and not_applicable skip with their reason, everything else fails.
"""
from typing import Any, Dict

import pytest

from matrix.cell import NOT_APPLICABLE, PASS, UNAVAILABLE
from matrix.discovery import Plugins
from matrix.job import Job


def pytest_addoption(parser: Any) -> None:
    parser.getgroup("savedmodel-matrix").addoption("--matrix-job", help="the phase to run (written by python -m matrix run)")


def _job(config: Any) -> Job:
    if not hasattr(config, "_matrix_job"):
        path = config.getoption("--matrix-job")
        if not path:
            raise pytest.UsageError("the grid runs through `python -m matrix run` (no --matrix-job given)")
        config._matrix_job = Job.read(path)
    return config._matrix_job


def pytest_generate_tests(metafunc: Any) -> None:
    if "planned" in metafunc.fixturenames:
        cells = _job(metafunc.config).planned()
        metafunc.parametrize("planned", cells, ids=[p.cell.id for p in cells])


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: Any, log: Any) -> Any:
    return _artifact_scheduling()(config, log)


def _artifact_scheduling() -> Any:
    """xdist's loadgroup scheduling with the artifact as the group, and its bookkeeping O(1) per test.

    All cells of one artifact go to one xdist worker, in order: its TF worker reads them in one
    forked child. The group is the artifact the job says the cell reads. (xdist_group marks would
    need xdist to rename each test "id@group", which pytest 9.2 no longer lets it do: every
    artifact was split across both workers and read twice.) And loadgroup counts a worker's pending
    tests by walking every group it was ever given, at each finished test, and finds each test's
    index by a list search: 30 s of the controller's CPU in a 10,000-cell phase; here a counter per
    worker and an index per collection do the same.
    """
    from xdist.scheduler import LoadGroupScheduling

    class ArtifactScheduling(LoadGroupScheduling):  # type: ignore
        def __init__(self, config: Any, log: Any = None) -> None:
            super().__init__(config, log)
            self.artifact_of = {p.cell.id: str(p.cell.artifact) for p in _job(config).planned()}
            self.pending = {}  # type: Dict[Any, int]
            self.index = {}  # type: Dict[Any, Dict[str, int]]

        def _split_scope(self, nodeid: str) -> str:
            cell = nodeid[nodeid.find("[") + 1:nodeid.rfind("]")]  # test_cell[<cell id>]
            return self.artifact_of.get(cell, nodeid)

        def add_node_collection(self, node: Any, collection: Any) -> None:
            super().add_node_collection(node, collection)
            self.index[node] = {nodeid: n for n, nodeid in enumerate(collection)}

        def _assign_work_unit(self, node: Any) -> None:
            scope, work_unit = self.workqueue.popitem(last=False)
            self.assigned_work.setdefault(node, {})[scope] = work_unit
            todo = [self.index[node][nodeid] for nodeid, done in work_unit.items() if not done]
            self.pending[node] = self.pending.get(node, 0) + len(todo)
            node.send_runtest_some(todo)

        def mark_test_complete(self, node: Any, item_index: int, duration: float = 0) -> None:
            nodeid = self.registered_collections[node][item_index]
            self.assigned_work[node][self._split_scope(nodeid)][nodeid] = True
            self.pending[node] -= 1
            self._reschedule(node)

        def _pending_of(self, workload: Any) -> int:
            for node, assigned in self.assigned_work.items():
                if assigned is workload and node in self.pending:
                    return self.pending[node]
            return super()._pending_of(workload)

    return ArtifactScheduling


@pytest.fixture(scope="session")
def matrix_session(request: Any) -> Any:
    from matrix.cache import Cache
    from matrix.session import Session
    job = _job(request.config)
    worker_id = getattr(request.config, "workerinput", {}).get("workerid", "main")
    store = job.the_store
    session = Session(store, job.run, job.phase, job.env, worker_id, job.cell_timeout, Plugins(job.plugins or None),
                      Cache(store, job.phase, job.env, job.env_key), job.shard, job.allow_model_code)
    yield session
    session.close()


def report(record: Any) -> None:
    """The pytest outcome that reads the same as the cell's verdict."""
    if record["status"] in (UNAVAILABLE, NOT_APPLICABLE):
        pytest.skip("%s: %s" % (record["status"], record["reason"]))
    if record["status"] != PASS:
        pytest.fail("%s: %s" % (record["status"], record["reason"]), pytrace=False)
