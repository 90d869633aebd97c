"""`saved_model_cli run` as a separate program: inputs from .npy files, outputs read back from --outdir."""
import glob
import os
import tempfile

import numpy as np

from matrix import reasons, tensors
from matrix.plugin import Refused, needs_signature
from matrix.programs import run_program

API = "saved_model_cli run --inputs x=in.npy --outdir"
PROGRAM = ("saved_model_cli", "tensorflow.python.tools.saved_model_cli", "main")


def available(tf):
    try:
        __import__(PROGRAM[1])
    except Exception as exc:
        return "no saved_model_cli here: %s: %s" % (type(exc).__name__, str(exc).splitlines()[0])


applies = needs_signature


def consume(tf, artifact):
    work = tempfile.mkdtemp(prefix="saved_model_cli-")
    feeds = []
    for name, value in artifact.inputs.items():
        path = os.path.join(work, "%s.npy" % name)
        np.save(path, value)
        feeds.append("%s=%s" % (name, path))
    outdir = os.path.join(work, "out")
    code, printed = run_program(*PROGRAM, argv=[
        "run", "--dir", artifact.path, "--tag_set", ",".join(artifact.tags), "--signature_def",
        artifact.signature, "--inputs", ";".join(feeds), "--outdir", outdir], output=os.path.join(work, "printed.txt"))
    if code != 0:
        raise Refused("saved_model_cli exited %d: %s" % (code, reasons.of_output(printed)))
    return {os.path.basename(p)[:-4]: _read(tf, p) for p in glob.glob(os.path.join(outdir, "*.npy"))}


def _read(tf, path):
    array = tensors.load_npy(path)
    if array.dtype.kind == "V" and array.dtype.itemsize == 2:  # the CLI's np.save of a bfloat16: raw 2-byte values
        array = array.view(tf.bfloat16.as_numpy_dtype)
    return array
