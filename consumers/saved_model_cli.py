"""`saved_model_cli run` as a separate program: inputs from .npy files, outputs read back from --outdir."""
import glob
import os
import tempfile

import numpy as np

from matrix.plugin import Refused, needs_signature
from matrix.programs import program_missing, run_program

API = "saved_model_cli run --inputs x=in.npy --outdir"


def available(tf):
    return program_missing("saved_model_cli")


applies = needs_signature


def consume(tf, artifact):
    work = tempfile.mkdtemp(prefix="saved_model_cli-")
    feeds = []
    for name, value in artifact.inputs.items():
        path = os.path.join(work, "%s.npy" % name)
        np.save(path, value)
        feeds.append("%s=%s" % (name, path))
    outdir = os.path.join(work, "out")
    code, printed = run_program(
        "saved_model_cli", "tensorflow.python.tools.saved_model_cli", "main",
        ["run", "--dir", artifact.path, "--tag_set", ",".join(artifact.tags), "--signature_def",
         artifact.signature, "--inputs", ";".join(feeds), "--outdir", outdir], os.path.join(work, "printed.txt"))
    if code != 0:
        lines = [l for l in printed.splitlines() if l.strip()]
        raise Refused("saved_model_cli exited %d: %s" % (code, lines[-1] if lines else "no output"))
    return {os.path.basename(p)[:-4]: np.load(p, allow_pickle=True) for p in glob.glob(os.path.join(outdir, "*.npy"))}
