"""Reproduction commands: they select exactly the grid's test ids, and `reports repro` writes a script."""
import os
import re
import stat

from reports import repro
from reports.cli import main
from tests.synthetic import World

CELL = dict(producer="keras", case="dense", producer_env="tf215", producer_tf="2.15.1", consumer="keras3_load",
            consumer_env="tf221", consumer_tf="2.21.0", status="fail", reason="File format not supported")


def test_the_command_produces_then_consumes_only_that_cell_in_a_throwaway_store():
    cmd = repro.command(CELL)
    assert cmd == ("export MATRIX_ARTIFACTS=$(mktemp -d) MATRIX_PYTEST_ARGS='-n 0' && "
                   "tox -e produce-tf215 -- --producers=keras -k '[keras-dense]' && "
                   "tox -e consume-tf221 -- --consumers=keras3_load -k '[keras3_load-tf215/keras/dense]'")


def test_the_k_expressions_match_only_the_intended_test_ids():
    """pytest -k matches substrings of the test name; the brackets anchor the whole id."""
    produce_k = "[keras-dense]"
    consume_k = "[keras3_load-tf215/keras/dense]"
    produce_ids = ["test_produce[keras-dense]", "test_produce[keras-dense_vocab]", "test_produce[tf2_keras-dense]"]
    consume_ids = ["test_consume[keras3_load-tf215/keras/dense]", "test_consume[tf2_keras3_load-tf215/keras/dense]",
                   "test_consume[keras3_load-tf215/keras/dense_vocab]", "test_consume[keras3_load-tf2150/keras/dense]"]
    assert [i for i in produce_ids if produce_k.lower() in i.lower()] == ["test_produce[keras-dense]"]
    assert [i for i in consume_ids if consume_k.lower() in i.lower()] == [consume_ids[0]]


def test_cell_ids_round_trip():
    assert repro.cell_id(CELL) == "keras3_load-tf215/keras/dense@tf221"
    parsed = repro.parse_cell_id("test_consume[keras3_load-tf215/keras/dense]")
    assert parsed == dict(consumer="keras3_load", producer_env="tf215", producer="keras", case="dense",
                          consumer_env=None)
    assert repro.parse_cell_id("keras3_load-tf215/keras/dense@tf221")["consumer_env"] == "tf221"


def test_reports_repro_writes_an_executable_script(tmp_path, capsys):
    w = World(tmp_path / "results")
    w.cell("keras", "dense", "tf215", "keras3_load", "tf221", "fail", "File format not supported")
    w.cell("keras", "dense", "tf215", "keras3_load", "tf216", "fail", "File format not supported")
    results = w.write()
    out = str(tmp_path / "repro")
    assert main(["repro", "keras3_load-tf215/keras/dense@tf221", "--results", results, "--out", out]) == 0
    [name] = os.listdir(out)
    script = open(os.path.join(out, name)).read()
    assert os.stat(os.path.join(out, name)).st_mode & stat.S_IXUSR
    assert script.startswith("#!/bin/sh") and "tox -e consume-tf221" in script and "tox -e produce-tf215" in script
    assert re.search(r"Recorded verdict: fail", script)
    # several consumer envs and no @ENV: ask which
    assert main(["repro", "keras3_load-tf215/keras/dense", "--results", results, "--out", out]) == 2
    assert "@tf216" in capsys.readouterr().err
