"""The cells of a harness run, again, in a bare loop: one process, TF imported once, each consumer's
consume() and the comparison, nothing else (run by bench/grid_speed.py inside the TF environment).
Its imported heap is frozen out of the garbage collector as in the harness's worker, so the
comparison measures the harness and not that one-line trick.

    python bench/bare_loop.py STORE CELLS.json OUT.json
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(store_root, cells_file, out):
    started = time.time()
    from matrix.worker import import_tf
    tf = import_tf()
    imported = time.time() - started
    import gc
    gc.freeze()  # as the harness's worker does: TF's own gc.collect() calls then skip the imported heap
    from matrix import records, tensors
    from matrix.cell import Cell, Store
    from matrix.discovery import Plugins
    from matrix.manifest import Artifact
    from matrix.session import judge
    store, plugins = Store(store_root), Plugins()
    with open(cells_file) as f:
        cells = [Cell.parse(c) for c in json.load(f)]
    recorded = {r["cell"]: r["status"] for r in records.read_folder(store.results_dir(store.current_run()))[0]
                if r["kind"] == "consume"}
    agree = 0
    for cell in cells:
        module = plugins.load("consumers", cell.consumer)
        artifact = Artifact(store.artifact_dir(cell.artifact))
        try:
            status = judge(module, artifact.manifest, tensors.encode_all(module.consume(tf, artifact))).status
        except Exception:
            status = "fail"
        agree += status == recorded.get(cell.id)
    with open(out, "w") as f:
        json.dump({"seconds": time.time() - started, "import_seconds": imported, "cells": len(cells),
                   "agree": agree}, f)


if __name__ == "__main__":
    main(*sys.argv[1:4])
