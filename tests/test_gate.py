"""`python -m reports gate`: an upgrade is blocked by new regressions only, and says why.

The synthetic world: TF 2.4, 2.15 and 2.21 each write keras/dense and
tf2_module/add_two and read everything with tf2_load and keras_load.
"""
import json

import pytest

from reports.cli import main
from tests.synthetic import World, registry

REFUSED = "ValueError: File format not supported: filepath=/tmp/x/model. Keras 3 only supports V3 .keras files"


def keras_breaks_in_221(producer, consumer, pe, ce):
    if consumer == "keras_load" and ce == "tf221":
        return "fail", REFUSED
    return "pass", ""


@pytest.fixture
def no_known(tmp_path):
    return registry(tmp_path / "empty.toml", "")


def world(tmp_path, verdict=keras_breaks_in_221, consumers=("tf2_load", "keras_load")):
    w = World(tmp_path / "results")
    w.grid(["tf24", "tf215", "tf221"], [("keras", "dense"), ("tf2_module", "add_two")], list(consumers), verdict)
    return w


def gate(capsys, results, *extra):
    code = main(["gate", "--baseline", "2.15", "--candidate", "2.21", "--results", results] + list(extra))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_consumer_broken_only_in_the_candidate_fails_the_gate_and_names_the_cell(tmp_path, capsys, no_known):
    results = world(tmp_path).write()
    code, out, _ = gate(capsys, results, "--known", no_known, "--json", str(tmp_path / "gate.json"))
    assert code == 1
    assert "❌" in out and "New regressions (6)" in out  # 2 producers x 3 producer TFs
    assert "keras_load" in out and "File format not supported" in out
    verdict = json.load(open(tmp_path / "gate.json"))
    assert verdict["exit_code"] == 1
    cells = {r["cell_cand"] for r in verdict["regressions"]}
    assert "keras_load-tf215/keras/dense@tf221" in cells
    assert all(r["status_base"] == "pass" and r["status_cand"] == "fail" for r in verdict["regressions"])
    assert verdict["baseline"] == {"env": "tf215", "tf": "2.15.1"}
    assert verdict["candidate"] == {"env": "tf221", "tf": "2.21.0"}


def test_every_red_cell_gets_a_reproduction_command(tmp_path, capsys, no_known):
    results = world(tmp_path).write()
    _, out, _ = gate(capsys, results, "--known", no_known)
    assert ("S=$(mktemp -d) && tox -e produce-tf215 -- --store $S --only tf215/keras/dense && "
            "tox -e consume-tf221 -- --store $S --only keras_load-tf215/keras/dense@tf221") in out


def test_no_regression_passes_the_gate(tmp_path, capsys, no_known):
    results = world(tmp_path, verdict=lambda *a: ("pass", "")).write()
    code, out, _ = gate(capsys, results, "--known", no_known)
    assert code == 0 and "✅" in out


def test_a_regression_matched_by_a_known_issue_does_not_fail_the_gate_but_is_listed(tmp_path, capsys):
    results = world(tmp_path).write()
    known = registry(tmp_path / "known.toml", """
[[issue]]
id = "keras3-savedmodel"
consumer = "keras_load"
consumer_tf = ">=2.16"
match = "File format not supported"
reason = "Keras 3 load_model reads .keras only"
link = "https://github.com/keras-team/keras/issues/18709"
""")
    code, out, _ = gate(capsys, results, "--known", known, "--json", str(tmp_path / "gate.json"))
    assert code == 0
    assert "Known incompatibilities (6, not gating)" in out
    assert "[keras3-savedmodel](https://github.com/keras-team/keras/issues/18709)" in out
    verdict = json.load(open(tmp_path / "gate.json"))
    assert verdict["regressions"] == [] and len(verdict["known"]) == 6
    assert {r["known_id_cand"] for r in verdict["known"]} == {"keras3-savedmodel"}


def test_a_known_issue_for_other_versions_does_not_hide_the_regression(tmp_path, capsys):
    results = world(tmp_path).write()
    known = registry(tmp_path / "known.toml", """
[[issue]]
consumer = "keras_load"
consumer_tf = "<2.16"
reason = "only old Keras"
link = "https://example.org"
""")
    code, _, _ = gate(capsys, results, "--known", known)
    assert code == 1


def test_an_api_that_disappears_in_the_candidate_is_api_gone_and_gates(tmp_path, capsys, no_known):
    def hub_gone(producer, consumer, pe, ce):
        if consumer == "hub_module" and ce == "tf221":
            return "unavailable", "hub.Module does not exist in this TF"
        return "pass", ""
    results = world(tmp_path, verdict=hub_gone, consumers=("tf2_load", "hub_module")).write()
    code, out, _ = gate(capsys, results, "--known", no_known, "--json", str(tmp_path / "gate.json"))
    assert code == 1
    assert "API gone (6)" in out and "New regressions (0)" in out
    verdict = json.load(open(tmp_path / "gate.json"))
    assert {r["category"] for r in verdict["api_gone"]} == {"api gone"}
    assert verdict["regressions"] == []


def test_rollback_risk_lists_models_the_baseline_cannot_read(tmp_path, capsys, no_known):
    def newer_format(producer, consumer, pe, ce):
        if pe == "tf221" and ce in ("tf215", "tf24") and producer == "keras":
            return "fail", "Op type not registered 'NewOp'"
        return "pass", ""
    results = world(tmp_path, verdict=newer_format).write()
    code, out, _ = gate(capsys, results, "--known", no_known, "--json", str(tmp_path / "gate.json"))
    assert code == 0  # rollback risk is reported, not gating by default
    assert "Rollback risk (2, 2 not known)" in out and "NewOp" in out
    verdict = json.load(open(tmp_path / "gate.json"))
    assert {(r["producer"], r["consumer"], r["producer_env"], r["consumer_env"]) for r in verdict["rollback_risk"]} == {
        ("keras", "tf2_load", "tf221", "tf215"), ("keras", "keras_load", "tf221", "tf215")}
    code, _, _ = gate(capsys, results, "--known", no_known, "--fail-on-rollback")
    assert code == 1


def test_a_producer_that_can_no_longer_write_gates_unless_known(tmp_path, capsys, no_known):
    w = world(tmp_path, verdict=lambda *a: ("pass", ""))
    w.produce("estimator", "dense", "tf215")
    w.produce("estimator", "dense", "tf221", "unavailable", "tf.estimator does not exist in this TF")
    results = w.write()
    code, out, _ = gate(capsys, results, "--known", no_known)
    assert code == 1 and "Cannot write any more (1, 1 new)" in out
    known = registry(tmp_path / "known.toml", """
[[issue]]
id = "estimator-removed"
phase = "produce"
producer = "estimator*"
producer_tf = ">=2.16"
reason = "tf.estimator removed in 2.16"
link = "https://www.tensorflow.org/guide/migrate/migrating_estimator"
""")
    code, out, _ = gate(capsys, results, "--known", known)
    assert code == 0 and "Cannot write any more (1, 0 new)" in out


def test_fixed_cells_are_counted_and_do_not_gate(tmp_path, capsys, no_known):
    def fixed_in_221(producer, consumer, pe, ce):
        return ("fail", "bug") if consumer == "keras_load" and ce == "tf215" else ("pass", "")
    results = world(tmp_path, verdict=fixed_in_221).write()
    code, out, _ = gate(capsys, results, "--known", no_known, "--json", str(tmp_path / "gate.json"))
    assert code == 0
    assert json.load(open(tmp_path / "gate.json"))["counts"]["fixed"] == 6


def test_env_names_work_as_well_as_version_prefixes(tmp_path, capsys, no_known):
    results = world(tmp_path).write()
    code = main(["gate", "--baseline", "tf215", "--candidate", "consume-tf221", "--results", results,
                 "--known", no_known])
    assert code == 1


def test_a_version_without_cells_is_a_usage_error_that_lists_what_exists(tmp_path, capsys, no_known):
    results = world(tmp_path).write()
    code = main(["gate", "--baseline", "2.15", "--candidate", "2.17", "--results", results, "--known", no_known])
    err = capsys.readouterr().err
    assert code == 2
    assert "2.17" in err and "2.4.4 (tf24)" in err and "2.15.1 (tf215)" in err and "2.21.0 (tf221)" in err


def test_missing_results_are_a_usage_error(tmp_path, capsys):
    code = main(["gate", "--baseline", "2.15", "--candidate", "2.21", "--results", str(tmp_path / "nothing")])
    assert code == 2 and "no results" in capsys.readouterr().err


def test_the_score_is_the_share_of_baseline_paths_that_still_pass(tmp_path, capsys, no_known):
    results = world(tmp_path).write()
    code, out, _ = gate(capsys, results, "--known", no_known, "--json", str(tmp_path / "gate.json"),
                        "--badge", str(tmp_path / "score.svg"))
    verdict = json.load(open(tmp_path / "gate.json"))
    # 12 cells pass under 2.15 (2 producers x 3 writers x 2 consumers); the 6 keras_load ones break in 2.21
    assert verdict["score"] == {"still_pass": 6, "paths": 12, "score": 0.5}
    assert {r["consumer"]: r["score"] for r in verdict["score_per_consumer"]} == {"keras_load": 0.0, "tf2_load": 1.0}
    assert "Compatibility score: 50.0% (6 of 12 paths still pass)" in out
    assert "50.0%" in open(tmp_path / "score.svg").read()


def test_a_waiver_past_its_date_gates_again_and_is_named(tmp_path, capsys):
    results = world(tmp_path).write()
    known = registry(tmp_path / "known.toml", """
[[issue]]
id = "keras-waiver"
consumer = "keras_load"
reason = "we accept this until the migration is done"
owner = "ml-platform"
until = 2020-01-31
""")
    code, out, _ = gate(capsys, results, "--known", known, "--json", str(tmp_path / "gate.json"))
    assert code == 1
    assert "waiver `keras-waiver` expired" in out and "New regressions (6)" in out
    assert json.load(open(tmp_path / "gate.json"))["expired_waivers"] == ["keras-waiver"]


def test_cells_that_violate_tfs_guarantee_come_first_with_an_upstream_summary(tmp_path, capsys, no_known):
    results = world(tmp_path, consumers=("tf2_load", "tf1_session"),
                    verdict=lambda p, c, pe, ce: ("fail", "NotFoundError: Op type not registered 'X'")
                    if c == "tf1_session" and ce == "tf221" and pe != "tf221" else ("pass", "")).write()
    code, out, _ = gate(capsys, results, "--known", no_known)
    assert code == 1
    assert out.index("Violates TF's own guarantee (4)") < out.index("New regressions")
    assert "SavedModel written by TF 2.15.1 (keras, tf215/dense) fails to load/run in TF 2.21.0" in out


def test_ci_outputs_junit_xml_and_the_step_summary(tmp_path, capsys, no_known, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    results = world(tmp_path).write()
    gate(capsys, results, "--known", no_known, "--junit", str(tmp_path / "gate.xml"))
    import xml.etree.ElementTree as ET
    suite = ET.parse(str(tmp_path / "gate.xml")).getroot()[0]
    assert suite.get("failures") == "6" and len(suite) == int(suite.get("tests"))
    assert "TF upgrade gate" in summary.read_text()


def test_without_versions_the_gate_is_the_upgrade_to_the_newest_tf(tmp_path, capsys, no_known):
    results = world(tmp_path).write()
    assert main(["gate", "--results", results, "--known", no_known]) == 1
    assert "## TF upgrade gate: TF 2.15.1 (tf215) → TF 2.21.0 (tf221)" in capsys.readouterr().out


def test_the_real_registry_is_valid():
    from reports import known
    issues = known.load_registry()
    assert issues and all(i.link.startswith("https://") and i.reason for i in issues)
