"""One place per TF version: matrix.toml. tox's environments, the report's expectations, the tests'
synthetic worlds and the README's table all follow from it."""
import configparser
import os
import re
import shutil
import subprocess

import pytest

from matrix import envs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXTRA = """
[env.tf218]
python = "3.12"
tensorflow = "tensorflow==2.18.1"
keras = "Keras 3, tf_keras beside it"
deps = ["tf-keras==2.18.0"]
"""


@pytest.fixture
def one_more_version(tmp_path, monkeypatch):
    """matrix.toml with one TF version added, in one edit."""
    path = tmp_path / "matrix.toml"
    path.write_text(open(os.path.join(ROOT, "matrix.toml")).read() + EXTRA)
    monkeypatch.setattr(envs, "FILE", str(path))
    return path


def test_every_env_names_its_python_and_tensorflow():
    loaded = envs.load()
    assert loaded["grid"] and all(e.python and e.tensorflow for e in loaded["envs"])
    assert [e.name for e in loaded["envs"] if e.preview] == ["nightly"]


def test_a_new_tf_version_is_one_edit_that_tox_and_the_reports_follow(one_more_version):
    import toxfile
    from reports.results import planned
    assert {"produce-tf218", "consume-tf218"} <= set(toxfile._names())
    assert planned()[0]["tf218"] == "3.12"
    assert "| tf218 | 2.18.1 | 3.12 | Keras 3, tf_keras beside it |" in envs.markdown()


def test_the_readme_table_is_matrix_toml():
    readme = open(os.path.join(ROOT, "README.md")).read()
    assert envs.markdown() in readme, "README.md's table is out of date: paste `python -m matrix envs --markdown`"


def test_a_malformed_env_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "matrix.toml"
    path.write_text("[env.tf0]\npython = '3.7'\n")
    with pytest.raises(envs.EnvsError, match=re.escape(str(path))):
        envs.load(str(path))


def _tox(*args, cwd=ROOT):
    from bench.across_machines import clean_env
    env = clean_env({})
    tox = shutil.which("tox", path=env["PATH"])
    if tox is None:
        pytest.skip("needs tox on PATH")
    done = subprocess.run([tox, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    return done.stdout


def test_the_steps_of_one_tf_version_share_one_virtualenv():
    """TF is installed once per version, not once per step (toxfile.py's runner)."""
    config = configparser.ConfigParser(interpolation=None)
    config.read_string(_tox("config", "-e", "produce-tf221,consume-tf221,report,gate", "-k", "env_dir", "runner"))
    folder = {name[len("testenv:"):]: config[name]["env_dir"] for name in config.sections()}
    assert folder["produce-tf221"] == folder["consume-tf221"] and folder["produce-tf221"].endswith("tf221")
    assert folder["report"] == folder["gate"]
    assert {config[name]["runner"] for name in config.sections()} == {"matrix-shared-venv"}


def test_environments_sharing_a_folder_set_it_up_once(tmp_path):
    """gate after report (and report after gate) finds the virtualenv ready: tox alone remade it each time."""
    work = ["--workdir", str(tmp_path), "--notest", "-e"]
    first = _tox(*work, "report")
    assert "install_deps" in first
    for name in ("gate", "report", "gate"):
        again = _tox(*work, name)
        assert "recreate" not in again and "install_deps" not in again, again[-2000:]
