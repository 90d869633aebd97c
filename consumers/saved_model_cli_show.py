"""`saved_model_cli show --dir D --all` as a separate program: the tag sets and signatures it lists,
against what the model's own files say (its tag sets; the dtype and rank of every signature tensor)."""
import os
import re
import tempfile

import numpy as np

from consumers.saved_model_cli import PROGRAM, available  # noqa: F401 (the same program)
from matrix import reasons
from matrix.plugin import Refused, needs_saved_model
from matrix.programs import run_program

API = "saved_model_cli show --all"
FEEDS = False  # reads what the model declares; feeds it nothing


def applies(manifest):
    reason = needs_saved_model(manifest)
    if reason:
        return reason
    if not manifest.model.tag_sets:
        return "the model's files could not be read without TF: nothing to compare the listing with"


def _tag_set(tags):
    return ",".join(sorted(t.strip() for t in tags))


def expected(manifest):
    """Observation names as consume() makes them, with what the model's files say they must hold."""
    out = {"tag_set:" + _tag_set(tags): {"dtype": "bool", "shape": [], "values": [True]}
           for tags in manifest.model.tag_sets}
    tags = _tag_set(manifest.tags)
    for signature, spec in manifest.model.signatures.items():
        for kind in ("inputs", "outputs"):
            for name, tensor in spec[kind].items():
                key = "%s/%s/%s/%s" % (tags, signature, kind, name)
                out[key + ":dtype"] = {"dtype": "string", "shape": [], "values": [tensor["dtype"]]}
                # A TensorInfo without a shape is protobuf's default shape, which the CLI prints as "()".
                rank = 0 if not tensor.get("recorded", True) else -1 if tensor["shape"] is None else len(tensor["shape"])
                out[key + ":rank"] = {"dtype": "int64", "shape": [], "values": [rank]}
    return out


def _rank(shape):
    if shape == "unknown_rank":
        return -1
    return len([d for d in shape.strip("()").split(",") if d.strip()])


def consume(tf, artifact):
    from tensorflow.core.framework import types_pb2
    work = tempfile.mkdtemp(prefix="saved_model_cli-")
    code, printed = run_program(*PROGRAM, argv=["show", "--dir", artifact.path, "--all"],
                                output=os.path.join(work, "printed.txt"))
    if code != 0:
        raise Refused("saved_model_cli exited %d: %s" % (code, reasons.of_output(printed)))
    observed, tags, signature, key = {}, None, None, None
    for line in printed.splitlines():
        match = re.match(r"MetaGraphDef with tag-set: '(.*)' contains", line)
        if match:
            tags = _tag_set(match.group(1).split(","))
            observed["tag_set:" + tags] = np.bool_(True)
            continue
        match = re.match(r"signature_def\['(.*)'\]:", line)
        if match:
            signature = match.group(1)
            continue
        match = re.match(r"\s+(inputs|outputs)\['(.*)'\] tensor_info:", line)
        if match:
            key = "%s/%s/%s/%s" % (tags, signature, match.group(1), match.group(2))
            continue
        match = re.match(r"\s+(dtype|shape): (.*)$", line)
        if match and key:
            if match.group(1) == "dtype":
                dtype = types_pb2.DataType.Value(match.group(2).strip())
                observed[key + ":dtype"] = np.array(tf.as_dtype(dtype).name if dtype else "invalid", dtype=object)
            else:
                observed[key + ":rank"] = np.int64(_rank(match.group(2).strip()))
            continue
        if line.startswith("Concrete Functions:") or line.startswith("The MetaGraph with tag set"):
            key = None
    return observed
