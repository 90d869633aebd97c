"""`python -m reports bisect`: the first TF version where one cell breaks, and what could not be tried."""
import json

from reports.cli import main
from tests.synthetic import World

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


def bisect(capsys, results, *extra):
    code = main(["bisect", "--producer", "keras", "--case", "dense", "--consumer", "keras_load", "--recorded",
                 "--results", results] + list(extra))
    return code, capsys.readouterr().out


def breaks_from_216(pe, ce):
    return ("fail", "File format not supported") if ce in ("tf216", "tf221") else ("pass", "")


def test_finds_the_first_consumer_version_that_breaks(tmp_path, capsys):
    results = recorded(tmp_path, breaks_from_216)
    code, out = bisect(capsys, results, "--producer-env", "tf215", "--json", str(tmp_path / "b.json"))
    assert code == 0
    assert "first breaks at TF 2.16.2 (tf216): fail; last pass at TF 2.15.1 (tf215)" in out
    o = json.load(open(tmp_path / "b.json"))
    assert o["first_break"]["env"] == "tf216" and o["last_good"]["env"] == "tf215"


def test_lists_versions_that_could_not_be_tried(tmp_path, capsys):
    # tf212 never read anything; tf24 could not write the model
    w_envs = ["tf115", "tf24", "tf215", "tf216", "tf221"]
    results = recorded(tmp_path, breaks_from_216, envs=w_envs)
    code, out = bisect(capsys, results, "--producer-env", "tf215")
    assert "first breaks at TF 2.16.2 (tf216)" in out
    assert "could not try: tf212 (no recorded cell (did consume-tf212 run?))" in out


def test_a_gap_between_the_last_pass_and_the_first_break_is_named(tmp_path, capsys):
    results = recorded(tmp_path, lambda pe, ce: ("fail", "x") if ce in ("tf216", "tf221") else ("pass", ""),
                       envs=["tf215", "tf221"], consumer_envs=["tf115", "tf215", "tf221"])
    _, out = bisect(capsys, results, "--producer-env", "tf215")
    assert "first breaks at TF 2.21.0 (tf221)" in out and "untried in between: tf216" in out


def test_producer_axis_finds_the_first_writer_whose_models_break(tmp_path, capsys):
    results = recorded(tmp_path, lambda pe, ce: ("fail", "Op type not registered") if pe in ("tf216", "tf221")
                       and ce == "tf24" else ("pass", ""))
    code, out = bisect(capsys, results, "--axis", "producer", "--consumer-env", "tf24")
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
    _, out = bisect(capsys, w.write(), "--axis", "producer", "--consumer-env", "tf215")
    assert "tf216 (artifact missing: tf216 could not write it (fail: save refused))" in out
    assert "first breaks at TF 2.21.0 (tf221)" in out


def test_a_cell_that_never_breaks_or_never_passes_says_so(tmp_path, capsys):
    results = recorded(tmp_path, lambda pe, ce: ("pass", ""))
    _, out = bisect(capsys, results, "--producer-env", "tf215")
    assert "passes in every version tried" in out
    results = recorded(tmp_path, lambda pe, ce: ("fail", "x"))
    _, out = bisect(capsys, results, "--producer-env", "tf215")
    assert "already fail at the oldest version tried" in out


def test_the_fixed_side_of_the_axis_is_required(tmp_path, capsys):
    results = recorded(tmp_path, breaks_from_216)
    assert main(["bisect", "--producer", "keras", "--case", "dense", "--consumer", "keras_load", "--recorded",
                 "--results", results]) == 2


def test_live_bisect_names_envs_without_a_venv_or_artifact(tmp_path, monkeypatch, capsys):
    """Live mode checks each env before running anything: no venv, no interpreter, no artifact."""
    from reports import bisect as b
    from matrix import paths
    root = tmp_path / "root"
    (root / ".tox" / "tf215" / "bin").mkdir(parents=True)
    (root / ".tox" / "tf215" / "bin" / "python").symlink_to(tmp_path / "gone" / "python3.11")
    monkeypatch.setattr(paths, "ROOT", str(root))
    monkeypatch.setattr(paths, "STORE", str(tmp_path / "store"))
    cell = {"producer": "keras", "case": "dense", "consumer": "keras_load", "producer_env": "tf215"}
    assert b.untried_reason(dict(cell, consumer_env="tf221")).startswith("no venv")
    assert b.untried_reason(dict(cell, consumer_env="tf215")).startswith("interpreter missing")
    (root / ".tox" / "tf216" / "bin").mkdir(parents=True)
    (root / ".tox" / "tf216" / "bin" / "python").symlink_to("/bin/sh")
    assert b.untried_reason(dict(cell, consumer_env="tf216")).startswith("artifact missing")


def test_live_bisect_runs_the_cell_in_each_venv_and_halves(tmp_path, monkeypatch, capsys):
    """Fake venvs whose 'python' records the verdict the real grid would: breaks from TF 2.16 on."""
    import os
    from matrix import paths
    from reports import bisect as b
    from reports.results import load
    root = tmp_path / "root"
    store = tmp_path / "store"
    (store / "tf215" / "keras" / "dense").mkdir(parents=True)
    (store / "tf215" / "keras" / "dense" / "manifest.json").write_text("{}")
    calls = tmp_path / "calls"
    tf = {"tf115": "1.15.5", "tf24": "2.4.4", "tf212": "2.12.1", "tf215": "2.15.1", "tf216": "2.16.2",
          "tf221": "2.21.0"}
    for env, version in tf.items():
        if env == "tf24":
            continue  # no venv
        status = "fail" if version >= "2.16" else "pass"
        (root / ".tox" / env / "bin").mkdir(parents=True)
        fake = root / ".tox" / env / "bin" / "python"
        fake.write_text('#!/bin/sh\necho %s >> %s\n'
                        'printf \'{"kind": "env", "tf": "%s"}\\n{"kind": "cell", "status": "%s", "reason": "r"}\\n\' '
                        '> "$MATRIX_RESULTS/consume-$MATRIX_ENV-main.jsonl"\n' % (env, calls, version, status))
        fake.chmod(0o755)
    monkeypatch.setattr(paths, "ROOT", str(root))
    monkeypatch.setattr(paths, "STORE", str(store))
    results = load(recorded(tmp_path, breaks_from_216))
    cell = {"producer": "keras", "case": "dense", "consumer": "keras_load", "producer_env": "tf215"}
    outcome = b.bisect(results, cell)
    assert outcome.first_break.env == "tf216" and outcome.last_good.env == "tf215"
    ran = calls.read_text().split()
    assert ran[:2] == ["tf115", "tf221"] and len(ran) < 5  # the ends first, then halving
    text = b.render(outcome)
    assert "tf24 (no venv" in text
    assert "skipped (the bisection did not need them" in text
