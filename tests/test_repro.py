"""Reproduction commands: they run exactly one cell through tox, and `reports repro` writes a script."""
import os
import re
import stat

from reports import repro
from reports.cli import main
from tests.synthetic import World

CELL = dict(cell="keras3_load-tf215/keras/dense@tf221", producer="keras", case="dense", producer_env="tf215",
            producer_tf="2.15.1", consumer="keras3_load", consumer_env="tf221", consumer_tf="2.21.0", status="fail",
            reason="File format not supported")


def test_the_command_produces_then_consumes_only_that_cell_in_a_throwaway_store():
    assert repro.command(CELL) == ("S=$(mktemp -d) && tox -e produce-tf215 -- --store $S --only tf215/keras/dense && "
                                   "tox -e consume-tf221 -- --store $S --only keras3_load-tf215/keras/dense@tf221")


def test_an_imported_model_is_read_where_it_is_in_a_throwaway_run():
    cell = dict(CELL, cell="tf1_session-models/corpus/half:serving_default@tf24")
    assert repro.command(cell) == ("tox -e consume-tf24 -- --only tf1_session-models/corpus/half:serving_default@tf24 "
                                   "--run-id repro --rerun all")


def test_reports_repro_writes_an_executable_script(tmp_path, capsys):
    w = World(tmp_path / "results")
    w.cell("keras", "dense", "tf215", "keras3_load", "tf221", "fail", "File format not supported")
    results = w.write()
    out = str(tmp_path / "repro")
    assert main(["repro", "keras3_load-tf215/keras/dense@tf221", "--results", results, "--out", out]) == 0
    [name] = os.listdir(out)
    script = open(os.path.join(out, name)).read()
    assert os.stat(os.path.join(out, name)).st_mode & stat.S_IXUSR
    assert script.startswith("#!/bin/sh") and "tox -e consume-tf221" in script and "tox -e produce-tf215" in script
    assert re.search(r"Recorded verdict: fail", script)
    assert main(["repro", "keras3_load-tf215/keras/dense@tf216", "--results", results, "--out", out]) == 2
    assert "no recorded cell" in capsys.readouterr().err
