"""What a killed run leaves in the temporary folder goes at the next run (matrix/tfprocess.py)."""
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
