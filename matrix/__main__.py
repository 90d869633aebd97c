"""python -m matrix: see matrix/cli.py."""
from matrix.cli import main

raise SystemExit(main())
