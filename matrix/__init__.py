"""The grid: the code that runs inside every TF environment (Python 3.7+)."""
