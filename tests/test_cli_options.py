"""A typo on the command line is one line naming what exists (exit 2), never an empty run that looks
like a result, nor a traceback."""
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def matrix(*args, store):
    done = subprocess.run([sys.executable, "-m", "matrix"] + list(args) + ["--store", store], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    return done.returncode, done.stdout.strip().splitlines()


@pytest.mark.parametrize("option, says", [
    (["--consumers", "tf2_laod"], "error: no consumer tf2_laod (the consumers: c_api, "),
    (["--producers", "kears"], "error: no producer kears among the plugins or this run's imported models ("),
    (["--workers", "0"], "error: --workers takes auto or a whole number of at least 1; got '0'"),
    (["--cell-timeout", "-5"], "error: --cell-timeout takes a number of seconds above 0; got -5"),
])
def test_a_bad_run_option_is_one_line_naming_the_choices(tmp_path, option, says):
    code, lines = matrix("run", "--phase", "consume", "--env", "test", *option, store=str(tmp_path / "store"))
    assert code == 2 and len(lines) == 1 and lines[0].startswith(says), lines


def test_a_store_that_cannot_be_made_is_one_line_naming_it(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    code, lines = matrix("begin", store=str(blocker / "store"))
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: %s" % blocker), lines
