"""`reports build` shows what changed since the previous run at the top of the report."""
from reports import build
from tests.synthetic import World


def test_the_second_report_starts_with_the_changes_since_the_first(tmp_path):
    history = str(tmp_path / "history")
    first = World(tmp_path / "r1", run_id="20260101T000000Z-aaaaaa")
    first.grid(["tf215", "tf221"], [("keras", "dense")], ["keras_load"], lambda *a: ("pass", ""))
    build.build(results=first.results(), out_root=history)
    second = World(tmp_path / "r2", run_id="20260102T000000Z-bbbbbb")
    second.grid(["tf215", "tf221"], [("keras", "dense")], ["keras_load"],
                lambda p, c, pe, ce: ("fail", "refused") if ce == "tf221" else ("pass", ""))
    folder = build.build(results=second.results(), out_root=history)
    md = open(folder + "/summary.md").read()
    assert "## Changes since the previous run" in md
    assert md.index("Changes since the previous run") < md.index("Across TF versions")
    assert "2 cells changed verdict (0 now pass, 2 no longer pass)" in md
    page = open(folder + "/index.html").read()
    assert "Changes since the previous run" in page and "pass → fail" in page
    assert "trend.svg" in page  # two runs: a trend
    first_md = open(history + "/20260101T000000Z-aaaaaa/summary.md").read()
    assert "Changes since the previous run" not in first_md
