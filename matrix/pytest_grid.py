"""The grid as a pytest run: one test per cell, parametrized from the job `python -m matrix run` planned.

    python -m matrix run --phase consume --env tf221      (never `pytest` by hand: the job file says
                                                           which cells, store, run and env)
Pytest runs and selects (-k, -x, xdist); the verdict of each cell is reached
and recorded by matrix/session.py; the phase's exit status is the controller's
(matrix/cli.py). A cell's test outcome reads like its verdict: pass passes,
unavailable and not_applicable skip with their reason, everything else fails.
"""
from typing import Any

import pytest

from matrix.cell import NOT_APPLICABLE, PASS, UNAVAILABLE
from matrix.discovery import Plugins
from matrix.job import Job


def pytest_addoption(parser: Any) -> None:
    parser.getgroup("savedmodel-matrix").addoption("--matrix-job", help="the phase to run (written by python -m matrix run)")


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "xdist_group(name): cells of one artifact run on one xdist worker")


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


def pytest_collection_modifyitems(config: Any, items: Any) -> None:
    """All cells of one artifact go to one xdist worker, in order: its TF worker reads them in one forked child."""
    for item in items:
        planned = getattr(item, "callspec", None) and item.callspec.params.get("planned")
        if planned is not None:
            item.add_marker(pytest.mark.xdist_group(str(planned.cell.artifact)))


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
