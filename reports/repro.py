"""Reproducing one cell: the command that re-runs it, and a standalone script.

A consume cell is named `<consumer>-<producer env>/<producer>/<case>@<consumer env>`,
the grid's own test id (test_consume[keras3_load-tf215/keras/dense]) plus the
environment that ran it. The command writes the artifact again with the
producer's TF into a throw-away store (MATRIX_ARTIFACTS), then runs that one
consume test under the consumer's TF: the real store and results are untouched.
"""
import os
import re
import shlex
from typing import Dict, Optional

import pandas as pd

from matrix import paths

_ID = re.compile(r"^(?:test_consume\[)?(?P<consumer>[^-\[\]/@]+)-(?P<producer_env>[^/]+)/(?P<producer>[^/]+)/"
                 r"(?P<case>[^@\]]+)\]?(?:@(?P<consumer_env>.+))?$")


def test_id(cell: Dict) -> str:
    return "%s-%s/%s/%s" % (cell["consumer"], cell["producer_env"], cell["producer"], cell["case"])


def cell_id(cell: Dict) -> str:
    return "%s@%s" % (test_id(cell), cell["consumer_env"])


def parse_cell_id(text: str) -> Dict[str, Optional[str]]:
    """{'consumer', 'producer_env', 'producer', 'case', 'consumer_env' (None if not given)}."""
    m = _ID.match(text.strip())
    if not m:
        raise ValueError("not a cell id: %r (expected CONSUMER-PRODUCER_ENV/PRODUCER/CASE@CONSUMER_ENV, "
                         "e.g. keras3_load-tf215/keras/dense@tf221)" % text)
    return m.groupdict()


def produce_step(cell: Dict) -> str:
    """The tox call that writes the cell's artifact again (the corpus is imported by `begin`, not produced)."""
    if cell["producer_env"] == "corpus":
        return "tox -e begin"
    return "tox -e produce-%s -- --producers=%s -k %s" % (
        cell["producer_env"], cell["producer"], shlex.quote("[%s-%s]" % (cell["producer"], cell["case"])))


def command(cell: Dict) -> str:
    """One shell line that reproduces the cell from scratch with tox."""
    consume_k = shlex.quote("[%s]" % test_id(cell))
    return ("export MATRIX_ARTIFACTS=$(mktemp -d) MATRIX_PYTEST_ARGS='-n 0' && "
            "%s && tox -e consume-%s -- --consumers=%s -k %s" % (
                produce_step(cell), cell["consumer_env"], cell["consumer"], consume_k))


def add_repro(cells: pd.DataFrame) -> pd.DataFrame:
    """cells with a `repro` column: the command for every failing cell ('' for pass and unavailable)."""
    cells = cells.copy()
    if cells.empty:
        cells["repro"] = []
        return cells
    cells["repro"] = [command(r) if r["status"] not in ("pass", "unavailable") else ""
                      for r in cells.to_dict(orient="records")]
    return cells


def script(cell: Dict, root: str = paths.ROOT) -> str:
    reason = " ".join(str(cell.get("reason", "")).split())[:300]
    return """#!/bin/sh
# Reproduce one savedmodel-matrix cell:
#   %(consumer)s under %(consumer_env)s (TF %(consumer_tf)s) loading %(producer)s/%(case)s
#   written under %(producer_env)s (TF %(producer_tf)s)
# Recorded verdict: %(status)s%(reason)s
#
# The artifact is written again into a throw-away store, so the run's own
# store and results are left alone. Set MATRIX_ARTIFACTS to keep it elsewhere.
set -e
cd %(root)s
export MATRIX_ARTIFACTS="${MATRIX_ARTIFACTS:-$(mktemp -d)}"
export MATRIX_PYTEST_ARGS="${MATRIX_PYTEST_ARGS:--n 0}"
echo "store: $MATRIX_ARTIFACTS"
%(produce_step)s
tox -e consume-%(consumer_env)s -- --consumers=%(consumer)s -k %(consume_k)s -rA
cat "$MATRIX_ARTIFACTS"/results/consume-%(consumer_env)s-*.jsonl
""" % dict(cell, reason=(" — " + reason) if reason else "", root=shlex.quote(root), produce_step=produce_step(cell),
           consume_k=shlex.quote("[%s]" % test_id(cell)))


def write_script(cell: Dict, folder: str) -> str:
    os.makedirs(folder, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", cell_id(cell)) + ".sh"
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write(script(cell))
    os.chmod(path, 0o755)
    return path
