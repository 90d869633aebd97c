"""`python -m tf2onnx.convert --saved-model` as a separate program, then onnxruntime inference (the ONNX export route)."""
import os
import tempfile

from consumers import _signature
from matrix import reasons
from matrix.plugin import Refused, needs_signature
from matrix.programs import run_program

API = "python -m tf2onnx.convert --saved-model + onnxruntime.InferenceSession"
PROGRAM = ("tf2onnx.convert", "tf2onnx.convert", "main")


def available(tf):
    try:
        import onnxruntime  # noqa: F401
        import tf2onnx  # noqa: F401
    except Exception as exc:  # ImportError, or a dependency that breaks on import (protobuf, ml_dtypes)
        return "tf2onnx/onnxruntime cannot be imported here: %s: %s" % (type(exc).__name__, str(exc).splitlines()[0])


def applies(manifest):
    if len(manifest.tags) != 1:
        return "tf2onnx --tag takes exactly one tag (the artifact has %s)" % ",".join(manifest.tags)
    return needs_signature(manifest)


def consume(tf, artifact):
    import onnxruntime
    with tempfile.TemporaryDirectory(prefix="onnx-") as work:
        model = os.path.join(work, "model.onnx")
        code, printed = run_program(*PROGRAM, argv=[
            "--saved-model", artifact.path, "--tag", artifact.tags[0], "--signature_def", artifact.signature,
            "--output", model], output=os.path.join(work, "printed.txt"))
        if code != 0 or not os.path.exists(model):
            raise Refused("tf2onnx.convert exited %d: %s" % (code, reasons.of_output(printed)))
        try:
            session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
        except Exception as exc:  # its message names the temporary folder: the same verdict must read the same
            raise Refused(reasons.of_exception(exc).replace(work, "<converted>"))
    # tf2onnx names TF2 SavedModels' inputs/outputs by the signature's keys, TF1 ones by graph tensor ("x:0").
    signature = _signature.signature_def(tf, artifact)
    key_of = dict((info.name, key) for key, info in list(signature.inputs.items()) + list(signature.outputs.items()))
    unknown = [i.name for i in session.get_inputs() if key_of.get(i.name, i.name) not in artifact.inputs]
    if unknown:
        raise Refused("the ONNX model takes inputs the signature does not name: %s" % ", ".join(unknown))
    feed = {i.name: artifact.inputs[key_of.get(i.name, i.name)] for i in session.get_inputs()}
    names = [o.name for o in session.get_outputs()]
    return {key_of.get(name, name): value for name, value in zip(names, session.run(names, feed))}
