"""One place per TF version: matrix.toml. tox's environments, the report's expectations, the tests'
synthetic worlds and the README's table all follow from it."""
import os
import re

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
