"""Everything that runs inside a TF environment parses as Python 3.7 (TF 1.15's Python)."""
import ast
import glob
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GRID_CODE = sorted(
    glob.glob(os.path.join(ROOT, "matrix", "*.py"))
    + glob.glob(os.path.join(ROOT, "producers", "**", "*.py"), recursive=True)
    + glob.glob(os.path.join(ROOT, "consumers", "*.py"))
    + glob.glob(os.path.join(ROOT, "tests", "plugins", "*", "*.py"))
)


@pytest.mark.parametrize("path", GRID_CODE, ids=lambda p: os.path.relpath(p, ROOT))
def test_grid_code_is_python_37_syntax(path):
    with open(path) as f:
        ast.parse(f.read(), filename=path, feature_version=(3, 7))


def test_report_code_is_not_imported_by_the_grid():
    # pandas exists only in the report environment.
    for path in GRID_CODE:
        with open(path) as f:
            text = f.read()
        assert "import pandas" not in text and "from reports" not in text, path
