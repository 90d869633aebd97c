"""The report, built from recorded results (no TensorFlow): what a person and CI read."""
import csv
import os

import pandas as pd

from reports import build, derive, table, versions
from tests.synthetic import World

REQUIRED = ["cell", "producer", "case", "producer_tf", "producer_python", "consumer", "consumer_tf", "consumer_python",
            "status", "reason", "seconds", "known_id", "policy", "repro"]


def small_world(folder):
    world = World(folder)
    world.grid(["tf115", "tf215", "tf221"], [("tf1_builder", "add_two"), ("keras", "dense")],
               ["tf1_session", "keras3_load"],
               verdict=lambda p, c, pe, ce: (
                   ("unavailable", "Keras 3 is not installed with this TF") if c == "keras3_load" and ce != "tf221"
                   else ("fail", "ValueError: File format not supported") if c == "keras3_load"
                   else ("fail", "NotFoundError: Op type not registered 'DisableCopyOnRead'")
                   if ce == "tf115" and pe == "tf221" else ("pass", "")))
    return world.results()


def test_results_csv_has_one_row_per_cell_with_the_documented_columns(tmp_path):
    folder = build.build(results=small_world(tmp_path / "results"), out_root=str(tmp_path / "history"))
    with open(os.path.join(folder, "results.csv")) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3 * 3 * 2 * 2
    assert set(REQUIRED) <= set(rows[0])
    for name in ("index.html", "summary.md", "results.json", "gate.md", "survival.svg", "cells/tf1_session.html"):
        assert os.path.getsize(os.path.join(folder, name)) > 0


def test_an_environment_that_left_no_results_is_named_with_its_interpreter(tmp_path, monkeypatch):
    results = small_world(tmp_path / "results")
    monkeypatch.setattr(build, "find_python", lambda version: None)
    lines = build.not_run(results, {"tf115": "3.7", "tf24": "3.8"})
    assert lines == ["tf24 (produce and consume): interpreter python3.8 not found on this machine"]


def test_versions_sort_by_release_not_by_text():
    assert sorted(["2.21.0", "1.15.5", "0.12.head", "2.4.4", "2.12.1", "2.23.0.dev20261026", "unknown"],
                  key=versions.key) == ["0.12.head", "1.15.5", "2.4.4", "2.12.1", "2.21.0", "2.23.0.dev20261026",
                                        "unknown"]


def test_survival_grid_separates_cross_version_breakage_from_apis_that_never_worked(tmp_path):
    grid = table.survival_grid(small_world(tmp_path / "results"))
    # keras3_load never passes, so it is not a path that "survives" or not; tf1_session breaks new -> old only.
    assert grid.at["2.21.0", "1.15.5"] == (0, 2)
    assert grid.at["1.15.5", "2.21.0"] == (2, 2)
    assert grid.at["2.21.0", "2.21.0"] == (2, 2)


def test_failures_group_by_cause_across_versions_with_paths_removed():
    assert derive.short_reason("ValueError: File format not supported: filepath=/x/artifacts/store/tf215/keras/"
                               "dense/model. Keras 3 only") == "ValueError: File format not supported: " \
                                                               "filepath=<model>. Keras 3 only"


def test_the_first_page_stays_small_and_every_cell_is_on_its_consumers_page(tmp_path):
    folder = build.build(results=small_world(tmp_path / "results"), out_root=str(tmp_path / "history"))
    index = open(os.path.join(folder, "index.html")).read()
    assert "cells/keras3_load.html" in index and 'title="fail: ValueError' not in index
    page = open(os.path.join(folder, "cells", "keras3_load.html")).read()
    assert page.count('class="fail') == 6 and "only rows with a red cell" in page


def test_a_run_in_which_nothing_ran_still_gets_a_report_naming_what_did_not_run(tmp_path, monkeypatch, capsys):
    from reports.cli import main
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "produce-tf215-gw0.jsonl").write_text("")
    monkeypatch.setattr(build, "find_python", lambda version: None)
    monkeypatch.setattr(build, "HISTORY", str(tmp_path / "history"))
    monkeypatch.setattr(build, "LATEST", str(tmp_path / "latest"))
    monkeypatch.setattr(build, "REPORTS", str(tmp_path))
    assert main(["build", "--results", str(tmp_path / "results")]) == 2
    out = capsys.readouterr().out
    assert "not run: tf115 (produce and consume): interpreter python3.7 not found on this machine" in out
    assert "interpreter python3.7 not found" in (tmp_path / "latest" / "index.html").read_text()


def test_a_markdown_table_shows_each_value_as_it_reads_and_links_stay_links():
    from reports import markdown
    frame = pd.DataFrame([{"case": "keras_dict:__call__", "reason": "filepath=<artifact>/model | *2*",
                           "known": markdown.link("tf_keras-trains", "https://example.org/a_b")}])
    assert markdown.md_table(frame, ["case", "reason", "known"]).splitlines()[2] == (
        r"| keras\_dict:\_\_call\_\_ | filepath=\<artifact\>/model \| \*2\* | "
        r"[tf\_keras-trains](https://example.org/a_b) |")
