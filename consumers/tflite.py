"""TFLiteConverter.from_saved_model, then the TFLite Interpreter on the manifest inputs (the on-device route).

Each TF's converter as its users call it: from TF 2.5 the converter and the
interpreter's signature runner. Before, TF 1.x users convert TF1 graphs with
the TF1 converter (input shapes given, as a TF1 user must when they are not
fully known) and models written by the TF2 object API with tf.compat.v2.lite;
TF 2.4 users with tf.lite's TF1-compatible converter; the interpreter's tensors
are then matched by the graph's tensor names, or by signature order.
"""

import numpy as np

from consumers import _signature
from matrix import reasons
from matrix.plugin import Refused, needs_signature
from matrix.programs import client_command

API = "tf.lite.TFLiteConverter.from_saved_model + Interpreter signature runner (TF1 converter + tensor names before 2.5)"
TOCO = ("toco_from_protos", "tensorflow.lite.toco.python.toco_from_protos", "main")

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
    signature = _signature.signature_def(tf, artifact)
    if tf.__version__.startswith("1.") and artifact.manifest.model.object_graph:
        converter = tf.compat.v2.lite.TFLiteConverter.from_saved_model(
            artifact.path, signature_keys=[artifact.signature], tags=set(artifact.tags))
    else:
        input_shapes = {_op(signature.inputs[name]): list(value.shape) for name, value in artifact.inputs.items()}
        converter = tf.compat.v1.lite.TFLiteConverter.from_saved_model(
            artifact.path, input_shapes=input_shapes, tag_set=set(artifact.tags), signature_key=artifact.signature)
    return run(tf, convert(tf, converter), artifact, signature)


def convert(tf, converter):
    if tf.__version__.startswith("1."):
        # TF 1.x converts in a `toco_from_protos` program: run it through a program server
        # (one TF import per worker, not one per conversion).
        from tensorflow.lite.python import convert as toco
        toco._toco_from_proto_bin = client_command(*TOCO)
    try:
        return converter.convert()
    except Exception as exc:  # TOCO says "See console for info." before the program's output
        printed = str(exc)
        if "See console for info" in printed:
            raise Refused("TOCO refused: %s" % reasons.of_output(printed))
        raise


def run(tf, model, artifact, signature):
    interpreter = tf.lite.Interpreter(model_content=model)
    inputs, outputs = interpreter.get_input_details(), interpreter.get_output_details()
    by_name = {d["name"]: d for d in inputs + outputs}
    # The TF1 converter keeps the graph's tensor names ("x:0" -> "x"); the TF2 one names inputs after
    # the signature's keys and returns outputs in the order of the signature's sorted keys.
    in_detail = {k: by_name.get(_op(signature.inputs[k])) or by_name.get(k) for k in artifact.inputs}
    out_detail = {k: by_name.get(_op(info)) for k, info in signature.outputs.items()}
    if None in out_detail.values() and len(outputs) == len(signature.outputs):
        out_detail = dict(zip(sorted(signature.outputs), outputs))
    missing = [k for k, d in list(in_detail.items()) + list(out_detail.items()) if d is None]
    if missing:
        raise Refused("tensors %s not in the TFLite model (has %s)" % (missing, ", ".join(sorted(by_name))))
    for name, value in artifact.inputs.items():
        interpreter.resize_tensor_input(in_detail[name]["index"], list(value.shape))
    interpreter.allocate_tensors()
    for name, value in artifact.inputs.items():
        interpreter.set_tensor(in_detail[name]["index"], value)
    interpreter.invoke()
    return {name: interpreter.get_tensor(d["index"]) for name, d in out_detail.items()}


def _op(tensor_info):
    return tensor_info.name[:-2] if tensor_info.name.endswith(":0") else tensor_info.name
