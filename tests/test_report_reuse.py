"""A report is rebuilt only when something it shows could differ: the key covers the verdicts, not the
run that computed them, and covers the registry and the date (a waiver expires overnight)."""
import datetime

from matrix import records
from reports import build
from tests.synthetic import World, registry

TODAY = datetime.date(2026, 11, 29)


def rows(tmp_path, name, run_id, verdict=lambda p, c, pe, ce: ("pass", ""), reused_from=""):
    world = World(tmp_path / name, run_id=run_id)
    world.grid(["tf215", "tf221"], [("keras", "dense")], ["keras_load"])
    if reused_from:  # the same verdicts, reused by a later run
        world.lines = {k: [dict(r, reused_from=reused_from) if r.get("kind") != "env" else r for r in v]
                       for k, v in world.lines.items()}
    found, invalid = records.read_folder(world.write())
    assert invalid == []
    return found


def test_a_run_that_reused_every_verdict_has_the_same_report_key(tmp_path):
    cold = rows(tmp_path, "cold", "20260101T000000Z-aaaaaa")
    warm = rows(tmp_path, "warm", "20260102T000000Z-bbbbbb", reused_from="20260101T000000Z-aaaaaa")
    assert build.report_key(cold, [], None, TODAY) == build.report_key(warm, [], None, TODAY)


def test_a_changed_verdict_a_changed_registry_or_another_day_changes_the_key(tmp_path):
    base = rows(tmp_path, "a", "20260101T000000Z-aaaaaa")
    key = build.report_key(base, [], None, TODAY)
    changed = [dict(r, status="fail", reason="refused") if r["kind"] == "consume" and r["consumer_env"] == "tf221"
               else r for r in base]
    assert build.report_key(changed, [], None, TODAY) != key
    assert build.report_key(base, ["x.jsonl:3: not JSON"], None, TODAY) != key
    known = registry(tmp_path / "known.toml", '[[issue]]\nid = "x"\nconsumer = "keras_load"\n')
    assert build.report_key(base, [], known, TODAY) != key
    assert build.report_key(base, [], None, TODAY + datetime.timedelta(days=1)) != key
