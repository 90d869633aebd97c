"""A console program for tests/test_programs.py: says whether `wave` was imported before it ran, then imports it."""
import sys


def main():
    print("wave imported before the run: %s" % ("wave" in sys.modules))
    import wave  # noqa: F401 -- what a program imports only when it runs
    return 0
