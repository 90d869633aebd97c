"""`python -m reports diff OLD NEW`: which cells changed verdict, with the reasons on both sides."""
import json
import shutil

from reports.cli import main
from reports.results import load_any
from tests.synthetic import World

PRODUCERS = [("keras", "dense")]


def run(tmp_path, name, verdict):
    w = World(tmp_path / name / "results", run_id="2026010%sT000000Z-x" % (1 if name == "old" else 2))
    w.grid(["tf215", "tf221"], PRODUCERS, ["tf2_load", "keras_load"], verdict)
    return w.write()


def test_diff_lists_cells_that_changed_verdict_with_both_reasons(tmp_path, capsys):
    old = run(tmp_path, "old", lambda p, c, pe, ce: ("fail", "old bug") if c == "tf2_load" and ce == "tf215"
              else ("pass", ""))
    new = run(tmp_path, "new", lambda p, c, pe, ce: ("fail", "Keras refused") if c == "keras_load" and ce == "tf221"
              else ("pass", ""))
    code = main(["diff", old, new, "--json", str(tmp_path / "diff.json")])
    out = capsys.readouterr().out
    assert code == 0  # a diff informs; it does not fail unless asked
    assert "4 cells changed verdict (2 now pass, 2 no longer pass)" in out
    assert "pass → fail" in out and "fail → pass" in out and "Keras refused" in out and "old bug" in out
    d = json.load(open(tmp_path / "diff.json"))
    assert {(r["consumer"], r["consumer_env"], r["old_status"], r["new_status"]) for r in d["changed"]} == {
        ("tf2_load", "tf215", "fail", "pass"), ("keras_load", "tf221", "pass", "fail")}
    assert main(["diff", old, new, "--fail-on-change"]) == 1


def test_identical_runs_show_no_change(tmp_path, capsys):
    old = run(tmp_path, "old", lambda *a: ("pass", ""))
    assert main(["diff", old, old, "--fail-on-change"]) == 0
    assert "0 cells changed verdict" in capsys.readouterr().out


def test_a_new_reason_for_the_same_failure_is_shown_apart(tmp_path, capsys):
    old = run(tmp_path, "old", lambda p, c, pe, ce: ("fail", "reason A at /tmp/abc/model") if c == "keras_load"
              else ("pass", ""))
    new = run(tmp_path, "new", lambda p, c, pe, ce: ("fail", "reason B") if c == "keras_load" else ("pass", ""))
    main(["diff", old, new, "--json", str(tmp_path / "d.json")])
    assert "Same verdict, new reason" in capsys.readouterr().out
    assert len(json.load(open(tmp_path / "d.json"))["reason_changed"]) == 4


def test_diff_reads_history_folders_and_results_json(tmp_path, capsys):
    from reports import build
    old = run(tmp_path, "old", lambda *a: ("pass", ""))
    new = run(tmp_path, "new", lambda p, c, pe, ce: ("crash", "SIGSEGV") if ce == "tf221" and c == "tf2_load"
              else ("pass", ""))
    history = tmp_path / "history"
    a = build.build(results=load_any(old), out_root=str(history))
    b = build.build(results=load_any(new), out_root=str(history))
    capsys.readouterr()
    assert main(["diff", a, b + "/results.json", "--json", str(tmp_path / "d.json")]) == 0
    assert len(json.load(open(tmp_path / "d.json"))["changed"]) == 2


def test_added_and_removed_cells_are_counted(tmp_path, capsys):
    old = run(tmp_path, "old", lambda *a: ("pass", ""))
    new = str(tmp_path / "new")
    shutil.copytree(old, new)
    w = World(tmp_path / "extra")
    w.cell("keras", "dense", "tf215", "hub_load", "tf221", "pass")
    extra = w.write()
    shutil.copy(extra + "/consume-tf221-gw0.jsonl", new + "/consume-tf221-gw9.jsonl")
    main(["diff", old, new, "--json", str(tmp_path / "d.json")])
    d = json.load(open(tmp_path / "d.json"))
    assert d["counts"]["added"] == 1 and d["counts"]["removed"] == 0


def test_a_missing_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["diff", str(tmp_path / "nope"), str(tmp_path / "nope2")]) == 2
