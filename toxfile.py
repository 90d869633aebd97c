"""tox plugin (loaded by tox from the project root): find pyenv's interpreters.

pyenv installs each Python under $(pyenv root)/versions/X/bin, but its shims
answer only for the versions named in PYENV_VERSION, so tox and uv would not
find python3.7 on a machine where 3.11 is active. Putting those folders on
PATH (after whatever the user already has) lets every TF environment find the
Python it needs; environments whose Python is still missing are skipped by
`skip_missing_interpreters` and named by the report.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from matrix.interpreters import extend_path  # noqa: E402

os.environ["PATH"] = extend_path(os.environ.get("PATH", ""))
