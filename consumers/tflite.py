"""TFLiteConverter.from_saved_model, then the TFLite Interpreter on the manifest inputs (the on-device route)."""
import os
import sys

import numpy as np

from consumers._signature import signature_def
from matrix.plugin import Refused, needs_signature

API = "tf.lite.TFLiteConverter.from_saved_model + Interpreter signature runner (TF1 converter + tensor names before 2.5)"

applies = needs_signature


def available(tf):
    if not hasattr(getattr(tf, "lite", None), "Interpreter"):
        return "this TF has no tf.lite"


def consume(tf, artifact):
    if hasattr(tf.lite.Interpreter, "get_signature_runner"):  # TF 2.5+
        converter = tf.lite.TFLiteConverter.from_saved_model(
            artifact.path, signature_keys=[artifact.signature], tags=set(artifact.tags))
        interpreter = tf.lite.Interpreter(model_content=converter.convert())
        if artifact.signature not in interpreter.get_signature_list():
            raise Refused("signature %r not in the TFLite model (has %s)" % (
                artifact.signature, ", ".join(sorted(interpreter.get_signature_list())) or "none"))
        outputs = interpreter.get_signature_runner(artifact.signature)(**artifact.inputs)
        return {name: np.asarray(value) for name, value in outputs.items()}
    # TF 1.15 and 2.4 have no signature runners: the TF1 converter freezes the signature's graph
    # (input shapes given as a TF1 user must when they are not fully known), and its TFLite
    # tensors keep the graph's names ("x:0" -> "x").
    signature = signature_def(artifact)
    input_shapes = {_op(signature.inputs[name]): list(value.shape) for name, value in artifact.inputs.items()}
    converter = tf.compat.v1.lite.TFLiteConverter.from_saved_model(
        artifact.path, input_shapes=input_shapes, tag_set=set(artifact.tags), signature_key=artifact.signature)
    # TF 1.15 converts in a `toco_from_protos` program found on PATH, as in an activated virtualenv.
    if os.path.dirname(sys.executable) not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    try:
        model = converter.convert()
    except Exception as exc:  # TF 1.15's TOCO says only "See console for info." before its output
        for marker in ("Check failed", "operators for which you will need custom implementations"):
            for line in str(exc).splitlines():
                if marker in line:
                    raise Refused("TOCO refused: %s" % line[line.index(marker):][:400])
        raise
    interpreter = tf.lite.Interpreter(model_content=model)
    by_tensor = {d["name"]: d for d in interpreter.get_input_details() + interpreter.get_output_details()}

    def detail(tensor_info):
        name = _op(tensor_info)
        if name not in by_tensor:
            raise Refused("tensor %r not in the TFLite model (has %s)" % (name, ", ".join(sorted(by_tensor))))
        return by_tensor[name]

    for name, value in artifact.inputs.items():
        interpreter.resize_tensor_input(detail(signature.inputs[name])["index"], list(value.shape))
    interpreter.allocate_tensors()
    for name, value in artifact.inputs.items():
        interpreter.set_tensor(detail(signature.inputs[name])["index"], value)
    interpreter.invoke()
    return {name: interpreter.get_tensor(detail(info)["index"]) for name, info in signature.outputs.items()}


def _op(tensor_info):
    return tensor_info.name[:-2] if tensor_info.name.endswith(":0") else tensor_info.name
