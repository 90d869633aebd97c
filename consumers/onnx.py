"""`python -m tf2onnx.convert --saved-model` as a separate program, then onnxruntime inference (the ONNX export route)."""
import os
import re
import tempfile

from consumers import _signature
from matrix.plugin import Refused, needs_signature
from matrix.programs import run_program

API = "python -m tf2onnx.convert --saved-model + onnxruntime.InferenceSession"


def available(tf):
    try:
        import onnxruntime  # noqa: F401
        import tf2onnx  # noqa: F401
    except Exception as exc:  # ImportError, or a dependency that breaks on import (protobuf, ml_dtypes)
        return "tf2onnx/onnxruntime cannot be imported here: %s: %s" % (type(exc).__name__, str(exc).splitlines()[0])


def applies(manifest):
    if len(manifest.get("tags", [])) != 1:
        return "tf2onnx --tag takes exactly one tag (the artifact has %s)" % manifest.get("tags")
    return needs_signature(manifest)


def consume(tf, artifact):
    import onnxruntime
    signature = _signature.signature_def(artifact)
    with tempfile.TemporaryDirectory(prefix="onnx-") as work:
        model = os.path.join(work, "model.onnx")
        code, printed = run_program(
            "tf2onnx.convert", "tf2onnx.convert", "main",
            ["--saved-model", artifact.path, "--tag", artifact.tags[0], "--signature_def", artifact.signature,
             "--output", model], os.path.join(work, "printed.txt"))
        if code != 0 or not os.path.exists(model):
            lines = [l for l in printed.splitlines() if l.strip()]
            lines = [l for l in lines if re.match(r"\w+(Error|Exception): ", l)] or lines  # the exception, not a hint
            raise Refused("tf2onnx.convert exited %d: %s\n%s" % (
                code, lines[-1] if lines else "no output", printed[-4000:]))
        session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    # tf2onnx names TF2 SavedModels' inputs/outputs by the signature's keys, TF1 ones by graph tensor ("x:0").
    key_of = dict((info.name, key) for key, info in list(signature.inputs.items()) + list(signature.outputs.items()))
    feed = {i.name: artifact.inputs[key_of.get(i.name, i.name)] for i in session.get_inputs()}
    names = [o.name for o in session.get_outputs()]
    return {key_of.get(name, name): value for name, value in zip(names, session.run(names, feed))}
