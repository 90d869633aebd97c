"""The begin step runs in a bare Python (no numpy, no TF): it starts a run and imports the corpus."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_begin_needs_nothing_but_the_standard_library(tmp_path):
    # -S -I: no site-packages, so numpy and friends cannot be found.
    env = {"MATRIX_ARTIFACTS": str(tmp_path), "PATH": os.environ.get("PATH", "")}
    done = subprocess.run([sys.executable, "-S", "-c", "import sys; sys.path.insert(0, %r); "
                           "from matrix.begin import main; main()" % ROOT],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "run.json") as f:
        assert json.load(f)["run_id"]


def test_corpus_models_become_artifacts_with_the_expected_values_of_their_source_tests(tmp_path):
    from matrix import corpus
    if corpus.corpus_dir() is None:
        import pytest
        pytest.skip("no ../shared/corpus beside this checkout")
    env = dict(os.environ, MATRIX_ARTIFACTS=str(tmp_path))
    subprocess.run([sys.executable, "-m", "matrix.begin"], cwd=ROOT, env=env, check=True, capture_output=True)
    manifest_path = tmp_path / "store" / "corpus" / "corpus" / "serving__saved_model_half_plus_two_cpu" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert manifest["tf"] == "1.14.0"
    assert manifest["outputs"]["y"]["values"] == [52.0, 23.0]
    assert (manifest_path.parent / "model" / "saved_model.pb").exists()
