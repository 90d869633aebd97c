"""Program servers (matrix/programs.py): a console program run in a fork of a process that imported it once."""
import os

from matrix import programs

PROBE = ("program_probe", "tests.program_probe", "main")


def test_each_run_is_its_own_process_with_its_exit_code_and_output(tmp_path):
    servers = programs.Servers(str(tmp_path))
    try:
        path = servers.socket(*PROBE)
        output = str(tmp_path / "printed.txt")
        assert programs.request(path, ["program_probe"], output) == 0
        with open(output) as f:
            assert f.read().startswith("wave imported before the run:")
    finally:
        servers.stop()


def test_the_server_imports_what_a_run_imported_so_the_next_run_starts_with_it(tmp_path):
    """tf2onnx imports tf.contrib at every TF 1.x conversion (0.4 s a run): learned once, imported once."""
    servers = programs.Servers(str(tmp_path))
    try:
        path = servers.socket(*PROBE)
        said = []
        for n in range(2):
            folder = tmp_path / ("run%d" % n)  # the client's own folder
            folder.mkdir()
            assert programs.request(path, ["program_probe"], str(folder / "printed.txt")) == 0
            # the client hears back only once the server has taken its note out of the client's folder
            assert os.listdir(str(folder)) == ["printed.txt"]
            said.append((folder / "printed.txt").read_text().strip())
        assert said == ["wave imported before the run: False", "wave imported before the run: True"]
    finally:
        servers.stop()


def test_warming_tf_in_the_server_starts_no_thread_and_no_tf_runtime():
    """A fork keeps only the forking thread: the server may build TF's tables, never its runtime."""
    import pytest
    pytest.importorskip("tensorflow")
    from tensorflow.python.eager import context
    before = len(os.listdir("/proc/self/task"))
    started = context.context()._context_handle is not None
    programs._warm()
    assert len(os.listdir("/proc/self/task")) == before
    if not started:  # this test process may have run TF already; if not, warming must not start it
        assert context.context()._context_handle is None


def test_in_tf2_runs_share_a_process_yet_each_starts_with_a_new_process_tf_and_flags(tmp_path):
    """A fork and TF's start cost 25-45 ms of a 40-90 ms saved_model_cli or tf2onnx run: in TF 2.x one
    child serves many runs, and gives each what a new process has (TF 1.x: a fork per run)."""
    import pytest
    tf = pytest.importorskip("tensorflow")
    if tf.__version__.startswith("1."):
        pytest.skip("TF 1.x cannot be reset: a fork per run")
    servers = programs.Servers(str(tmp_path))
    try:
        path = servers.socket("program_probe_tf", "tests.program_probe_tf", "main")
        said = []
        for n, argv in enumerate([["leave", "--name", "x"], ["look"], ["leave", "--name", "y"]]):
            output = str(tmp_path / ("printed%d.txt" % n))
            assert programs.request(path, ["program_probe_tf"] + argv, output) == 0, open(output).read()
            said.append([line for line in open(output).read().splitlines() if line.startswith("pid ")][-1])
        pids = {line.split(",")[0] for line in said}
        assert len(pids) == 1  # one child served all three
        assert [line.split(", ", 1)[1] for line in said] == [
            "name x, same graph True, same eager context True",
            "name None, same graph False, same eager context False",  # no required --name left, no value, new TF state
            "name y, same graph True, same eager context True"]
    finally:
        servers.stop()
