"""`python -m reports bisect`: the first TF version where one cell breaks, and what could not be tried."""
import json
import os
import sys

from matrix.cell import ArtifactId
from reports.cli import main
from reports.results import load_folder
from tests.synthetic import TF, World

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

ENVS = ["tf115", "tf24", "tf212", "tf215", "tf216", "tf221"]


def recorded(tmp_path, verdict, envs=ENVS, consumer_envs=None):
    w = World(tmp_path / "results")
    for e in envs:
        w.env(e)
        w.produce("keras", "dense", e)
    for ce in consumer_envs or envs:
        for pe in envs:
            status, reason = verdict(pe, ce)
            w.cell("keras", "dense", pe, "keras_load", ce, status, reason)
    return w.write()


def bisect(capsys, results, cell, *extra):
    code = main(["bisect", "--cell", cell, "--recorded", "--results", results] + list(extra))
    return code, capsys.readouterr().out


def breaks_from_216(pe, ce):
    return ("fail", "File format not supported") if ce in ("tf216", "tf221") else ("pass", "")


def test_finds_the_first_consumer_version_that_breaks(tmp_path, capsys):
    results = recorded(tmp_path, breaks_from_216)
    code, out = bisect(capsys, results, "keras_load-tf215/keras/dense@tf215", "--json", str(tmp_path / "b.json"))
    assert code == 0
    assert "first breaks at TF 2.16.2 (tf216): fail; last pass at TF 2.15.1 (tf215)" in out
    o = json.load(open(tmp_path / "b.json"))
    assert o["first_break"]["env"] == "tf216" and o["last_good"]["env"] == "tf215"


def test_lists_versions_that_could_not_be_tried(tmp_path, capsys):
    # tf212 never read anything; tf24 could not write the model
    w_envs = ["tf115", "tf24", "tf215", "tf216", "tf221"]
    results = recorded(tmp_path, breaks_from_216, envs=w_envs)
    code, out = bisect(capsys, results, "keras_load-tf215/keras/dense@tf215")
    assert "first breaks at TF 2.16.2 (tf216)" in out
    assert "could not try: tf212 (no recorded cell (did consume-tf212 run?))" in out


def test_a_gap_between_the_last_pass_and_the_first_break_is_named(tmp_path, capsys):
    results = recorded(tmp_path, lambda pe, ce: ("fail", "x") if ce in ("tf216", "tf221") else ("pass", ""),
                       envs=["tf215", "tf221"], consumer_envs=["tf115", "tf215", "tf221"])
    _, out = bisect(capsys, results, "keras_load-tf215/keras/dense@tf215")
    assert "first breaks at TF 2.21.0 (tf221)" in out and "untried in between: tf216" in out


def test_producer_axis_finds_the_first_writer_whose_models_break(tmp_path, capsys):
    results = recorded(tmp_path, lambda pe, ce: ("fail", "Op type not registered") if pe in ("tf216", "tf221")
                       and ce == "tf24" else ("pass", ""))
    code, out = bisect(capsys, results, "keras_load-tf215/keras/dense@tf24", "--axis", "producer")
    assert code == 0 and "first breaks at TF 2.16.2 (tf216)" in out


def test_artifact_not_written_is_an_untried_reason_on_the_producer_axis(tmp_path, capsys):
    w = World(tmp_path / "results")
    for e in ["tf215", "tf216", "tf221"]:
        w.env(e)
    w.produce("keras", "dense", "tf215")
    w.produce("keras", "dense", "tf216", "fail", "save refused")
    w.produce("keras", "dense", "tf221")
    w.cell("keras", "dense", "tf215", "keras_load", "tf215", "pass")
    w.cell("keras", "dense", "tf221", "keras_load", "tf215", "fail", "newer op")
    _, out = bisect(capsys, w.write(), "keras_load-tf215/keras/dense@tf215", "--axis", "producer")
    assert "tf216 (artifact missing: tf216 could not write it (fail))" in out
    assert "first breaks at TF 2.21.0 (tf221)" in out


def test_a_cell_that_never_breaks_or_never_passes_says_so(tmp_path, capsys):
    results = recorded(tmp_path, lambda pe, ce: ("pass", ""))
    _, out = bisect(capsys, results, "keras_load-tf215/keras/dense@tf215")
    assert "passes in every version tried" in out
    results = recorded(tmp_path, lambda pe, ce: ("fail", "x"))
    _, out = bisect(capsys, results, "keras_load-tf215/keras/dense@tf215")
    assert "already fail at the oldest version tried" in out


def test_only_a_consume_cell_can_be_bisected(tmp_path, capsys):
    results = recorded(tmp_path, breaks_from_216)
    assert main(["bisect", "--cell", "tf215/keras/dense", "--recorded", "--results", results]) == 2
    assert main(["bisect", "--cell", "not a cell", "--recorded", "--results", results]) == 2


def test_live_bisect_runs_the_cell_through_tox_in_each_env_and_halves(tmp_path, monkeypatch):
    """A fake `tox` on PATH records the verdict the real grid would: the cell breaks from TF 2.16 on."""
    import json
    from matrix.cell import Store
    from reports import bisect as b
    store = Store(str(tmp_path / "store"))
    os.makedirs(os.path.join(store.artifact_dir(ArtifactId("tf215", "keras", "dense"))))
    open(os.path.join(store.artifact_dir(ArtifactId("tf215", "keras", "dense")), "manifest.json"), "w").write("{}")
    calls = tmp_path / "calls"
    fake = tmp_path / "bin" / "tox"
    fake.parent.mkdir()
    fake.write_text("#!%s\nimport sys\nsys.path.insert(0, %r)\nfrom tests.test_bisect import fake_tox\n"
                    "fake_tox(sys.argv, %r)\n" % (sys.executable, ROOT, str(calls)))
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent) + os.pathsep + os.environ["PATH"])
    monkeypatch.setattr(b, "find_python", lambda v: None if v == "3.8" else "/usr/bin/python" + v)  # no tf24 here
    results = load_folder(recorded(tmp_path, breaks_from_216))
    outcome = b.bisect(results, "keras_load-tf215/keras/dense@tf215", store=store.root)
    assert outcome.first_break.env == "tf216" and outcome.last_good.env == "tf215"
    ran = calls.read_text().split()
    assert ran[:2] == ["tf115", "tf221"] and len(ran) < 5  # the ends first, then halving
    text = b.render(outcome)
    assert "tf24 (interpreter python3.8 not found" in text
    assert "skipped (the bisection did not need them" in text
    assert json.dumps(outcome.as_dict())


def fake_tox(argv, calls):
    """What `tox -e consume-ENV -- --only CELL --run-id R --store S` records, the cell breaking from TF 2.16 on."""
    env = argv[argv.index("-e") + 1].split("-", 1)[1]
    args = argv[argv.index("--") + 1:]
    cell, run, store = (args[args.index(k) + 1] for k in ("--only", "--run-id", "--store"))
    with open(calls, "a") as f:
        f.write(env + "\n")
    folder = os.path.join(store, "results", run)
    os.makedirs(folder)
    with open(os.path.join(folder, "consume-%s-main.jsonl" % env), "w") as f:
        for record in (env_record(env, TF[env]), cell_record(cell, TF[env])):
            f.write(json.dumps(record) + "\n")


def env_record(env, tf):
    from matrix import records
    return records.to_json(records.EnvRecord(run_id="r", phase="consume", env=env, tf=tf, keras="", python="",
                                             platform="", started=""))


def cell_record(cell, tf):
    from matrix import records
    from matrix.cell import Cell
    c = Cell.parse(cell)
    from reports import versions
    status = "fail" if versions.parse(tf) >= versions.parse("2.16") else "pass"
    return records.to_json(records.ConsumeRecord(
        run_id="r", cell=cell, producer=c.artifact.producer, producer_api="", case=c.artifact.case,
        producer_env=c.artifact.env, producer_tf="", producer_python="", consumer=c.consumer, consumer_api="",
        consumer_env=c.env, consumer_tf=tf, consumer_python="", status=status, reason="r"))
