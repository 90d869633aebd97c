"""Reproducing one cell: the command that re-runs it, and a standalone script.

A cell is named by its id (matrix/cell.py): CONSUMER-ENV/PRODUCER/CASE@READING_ENV.
For an artifact a producer wrote, the command writes it again with the
producer's TF into a throw-away store, then runs that one cell with the
consumer's TF: the run's own store and results are untouched. An imported model
(env "models") is read where it is, its cell recorded into a throw-away run.
"""
import os
import re
import shlex
from typing import Any, Dict

from matrix.cell import ROOT, Cell


def command(cell: Dict[str, Any]) -> str:
    """One shell line that reproduces the cell with tox."""
    c = Cell.parse(cell["cell"])
    if c.artifact.env == "models":
        return "tox -e consume-%s -- --only %s --run-id repro --rerun all" % (c.env, shlex.quote(c.id))
    return ("S=$(mktemp -d) && tox -e produce-%s -- --store $S --only %s && tox -e consume-%s -- --store $S --only %s"
            % (c.artifact.env, shlex.quote(str(c.artifact)), c.env, shlex.quote(c.id)))


def script(cell: Dict[str, Any], root: str = ROOT) -> str:
    reason = " ".join(str(cell.get("reason", "")).split())[:300]
    return """#!/bin/sh
# Reproduce one savedmodel-matrix cell: %(cell)s
#   %(consumer)s under %(consumer_env)s (TF %(consumer_tf)s) reading %(producer)s/%(case)s
#   written under %(producer_env)s (TF %(producer_tf)s)
# Recorded verdict: %(status)s%(reason)s
set -e
cd %(root)s
%(command)s
""" % dict(cell, reason=(" - " + reason) if reason else "", root=shlex.quote(root), command=command(cell))


def write_script(cell: Dict[str, Any], folder: str) -> str:
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, re.sub(r"[^A-Za-z0-9_.-]+", "_", cell["cell"]) + ".sh")
    with open(path, "w") as f:
        f.write(script(cell))
    os.chmod(path, 0o755)
    return path
