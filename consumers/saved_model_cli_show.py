"""`saved_model_cli show --dir D --all` as a separate program: the tag sets and signatures it lists."""
import os
import re
import tempfile

import numpy as np

from matrix.plugin import Refused, needs_saved_model
from matrix.programs import program_missing, run_program

API = "saved_model_cli show --all"


def available(tf):
    return program_missing("saved_model_cli")


def applies(manifest):
    reason = needs_saved_model(manifest)
    if reason:
        return reason
    if manifest.get("producer") == "corpus":
        return "the corpus's test inputs do not state the signature's shapes"


def _tag_set(tags):
    return ",".join(sorted(t.strip() for t in tags))


def expected(manifest):
    """Observation names as consume() makes them, with what the manifest says they must hold."""
    tags = _tag_set(manifest["tags"])
    out = {"tag_set:" + tags: {"dtype": "bool", "shape": [], "values": [True]}}
    if manifest["signature"] is None:  # no SignatureDef to expect: the tag set is all the manifest says
        return out
    for kind, tensors in (("inputs", manifest["inputs"]), ("outputs", manifest["outputs"])):
        for name, tensor in tensors.items():
            key = "%s/%s/%s/%s" % (tags, manifest["signature"], kind, name)
            out[key + ":dtype"] = {"dtype": "string", "shape": [], "values": [tensor["dtype"]]}
            out[key + ":rank"] = {"dtype": "int64", "shape": [], "values": [len(tensor["shape"])]}
    return out


def _rank(shape):
    if shape == "unknown_rank":
        return -1
    return len([d for d in shape.strip("()").split(",") if d.strip()])


def consume(tf, artifact):
    from tensorflow.core.framework import types_pb2
    code, printed = run_program("saved_model_cli", "tensorflow.python.tools.saved_model_cli", "main",
                                ["show", "--dir", artifact.path, "--all"],
                                os.path.join(tempfile.mkdtemp(prefix="saved_model_cli-"), "printed.txt"))
    if code != 0:
        lines = [l for l in printed.splitlines() if l.strip()]
        raise Refused("saved_model_cli exited %d: %s" % (code, lines[-1] if lines else "no output"))
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
