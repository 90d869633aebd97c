"""A deliberately broken consumer: never returns, as a deadlocked load would."""
import time

API = "hangs (broken on purpose)"


def available(tf):
    return None


def applies(manifest):
    # Two artifacts are enough to show the grid carries on after the cell's process died.
    if manifest.case not in ("add_two", "dense") or manifest.producer != "tf2_module":
        return "only run on tf2_module add_two and dense"


def consume(tf, artifact):
    while True:
        time.sleep(1)
