"""Reports: the compatibility table and everything that reads recorded results.

Runs in the report environment (modern Python, pandas), never inside a TF environment.
"""
