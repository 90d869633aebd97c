"""The TF workers of a phase: how many run (matrix/cli.py), and what a run killed with them leaves in the
temporary folder goes at the next run (matrix/tfprocess.py)."""
import os
import subprocess
import sys

from matrix import tfprocess


def test_the_next_run_removes_the_worker_folders_of_a_run_killed_with_its_workers(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that no longer exists: the killed run's
    orphan = tmp_path / ("matrix-worker-%d-abcd1234" % gone.pid)
    (orphan / "artifact-x").mkdir(parents=True)
    mine = tmp_path / ("matrix-worker-%d-efgh5678" % os.getpid())
    mine.mkdir()
    other = tmp_path / "someone-elses"
    other.mkdir()
    assert tfprocess.sweep_orphans(str(tmp_path)) == [orphan.name]
    assert sorted(os.listdir(str(tmp_path))) == sorted([mine.name, other.name])


def test_a_phase_runs_one_worker_per_core_as_far_as_memory_allows():
    from matrix.cli import WORKER_MEMORY, auto_workers
    gib = 1 << 30
    assert auto_workers(cells=10000, artifacts=500, cpus=2, memory=20 * gib) == 2   # this machine
    assert auto_workers(cells=10000, artifacts=500, cpus=16, memory=64 * gib) == 16
    assert auto_workers(cells=10000, artifacts=500, cpus=16, memory=5 * gib) == 5 * gib // WORKER_MEMORY
    assert auto_workers(cells=10000, artifacts=500, cpus=4, memory=None) == 4          # memory unknown
    assert auto_workers(cells=10000, artifacts=3, cpus=16, memory=None) == 3           # a worker reads whole artifacts
    assert auto_workers(cells=12, artifacts=3, cpus=16, memory=None) == 1              # not worth a second TF import
    assert auto_workers(cells=10000, artifacts=500, cpus=16, memory=1 * gib) == 1
