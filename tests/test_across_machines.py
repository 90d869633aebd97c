"""Across machines: separate clones, each with its own .tox and store, share only a bucket on a real
S3-compatible server (moto's, started on localhost), and run the CI workflow's jobs. Their report
equals one machine's, cell for cell; a killed shard is named as missing until its job runs again.

The jobs and the server are bench/across_machines.py's (which also times them, run at once)."""
import importlib.util
import shutil

import pytest

from bench import across_machines as am

pytestmark = [pytest.mark.tf, pytest.mark.skipif(
    importlib.util.find_spec("moto") is None or importlib.util.find_spec("s3fs") is None
    or shutil.which("tox", path=am.clean_env({})["PATH"]) is None,
    reason="needs moto[server] and s3fs (tests/requirements.txt) and tox on PATH")]


@pytest.fixture(scope="module")
def s3():
    server = am.S3()
    yield server
    server.stop()


def test_jobs_on_separate_clones_sharing_a_bucket_report_what_one_machine_reports(s3, tmp_path_factory):
    base = str(tmp_path_factory.mktemp("machines"))
    env = am.clean_env(s3.env)
    single = am.one_machine(base, env)
    a, b, c = (am.Machine(base, name, env) for name in ("machine-a", "machine-b", "machine-c"))

    a.job("begin")
    a.job("produce-tf215")
    b.job("produce-tf221")
    a.job("consume-tf215")
    b.job("consume-tf221", "1/2")
    c.killed_job("consume-tf221", "2/2")     # killed mid-way: it pushes nothing
    before = c.report()
    assert "not run: tf221 shard 2/2: no results recorded" in before, before[-3000:]

    c.job("consume-tf221", "2/2")            # only that shard runs again
    c.report()
    expected = single.verdicts()
    assert len(expected) == 2 * 2 * 2 * 2 * 3  # producers x cases x writing TFs x reading TFs x consumers
    assert c.verdicts() == expected
    assert a.moved + b.moved + c.moved > 0
