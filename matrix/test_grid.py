"""The grid itself: one test per cell (parametrized by matrix/pytest_grid.py from the planned job)."""
from matrix.pytest_grid import report


def test_cell(planned, matrix_session):
    report(matrix_session.run(planned))
