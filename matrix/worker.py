"""The TF worker: a long-lived child process that imports TensorFlow once and
runs cells sent to it as JSON lines.

    python -m matrix.worker      (started by matrix.runner, never by hand)

stdin carries requests; the original stdout carries replies, one JSON line
each; everything TF or a plugin prints goes to stderr (the worker's log).
A crash or hang here takes down only this process: the runner on the other
side of the pipe records the cell as crash/timeout and starts a new worker.
"""
import faulthandler
import json
import os
import platform
import shutil
import sys
import time
import traceback
from typing import Any, Dict

from matrix import paths, plugins, tensors
from matrix.plugin import Refused

OUR_CODE = tuple(os.path.join(paths.ROOT, d) + os.sep for d in ("matrix", "producers", "consumers")) + tuple(
    folder + os.sep for kind in plugins.KINDS for folder in plugins.folders(kind)[1:])


def import_tf() -> Any:
    import tensorflow as tf
    if not tf.__version__.startswith("1."):
        return tf
    # TF 1.x users reached the TF2 APIs (tf.saved_model.save, tf.Module) by
    # enabling eager execution at start-up; graph-mode code still runs inside
    # explicit tf.Graph() contexts, where variables stay TF1 reference variables.
    tf.compat.v1.enable_eager_execution()
    return tf


def versions(tf: Any) -> Dict[str, str]:
    from matrix.plugin import keras2, keras3
    k2, k3 = keras2(tf), keras3()
    keras = ", ".join(v for v in [
        "keras %s" % k3.__version__ if k3 else "",
        "keras2 %s" % getattr(k2, "__version__", "?") if k2 else "",
    ] if v)
    return {"tf": tf.__version__, "keras": keras or "none", "python": platform.python_version(),
            "platform": platform.platform()}


def first_line(exc: BaseException) -> str:
    text = ("%s: %s" % (type(exc).__name__, exc)).strip()
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:500]
    return type(exc).__name__


def failure(exc: BaseException) -> Dict[str, Any]:
    """A refusal by the API under test (fail), or a bug in our own code (error).

    Decided by where the exception was raised: the innermost frame in
    TensorFlow, Keras or any library means the API refused; in producers/,
    consumers/ or matrix/ it is a plugin or harness bug. Refused is always a
    refusal; a plugin that cannot even be imported or asked for availability is a bug.
    """
    tb = exc.__traceback__
    innermost = None
    while tb is not None:
        innermost = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    ours = innermost is not None and os.path.abspath(innermost).startswith(OUR_CODE)
    if isinstance(exc, PluginBug):
        status, reason = "error", str(exc)
    else:
        status, reason = ("fail" if isinstance(exc, Refused) or not ours else "error"), first_line(exc)
    return {"status": status, "reason": reason,
            "detail": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-8000:]}


class PluginBug(Exception):
    """A plugin failed before the API under test was called: always an error."""


def ready(tf: Any, kind: str, name: str) -> Any:
    """The plugin module, checked for availability; raises PluginBug if it cannot say."""
    try:
        module = plugins.load(kind, name)
        return module, module.available(tf)
    except Exception as exc:
        raise PluginBug("%s/%s failed to load or check availability: %s" % (kind, name, first_line(exc)))


def produce(tf: Any, request: Dict[str, Any]) -> Dict[str, Any]:
    from matrix.cases import CASES
    module, reason = ready(tf, "producers", request["producer"])
    if reason:
        return {"status": "unavailable", "reason": reason}
    folder = request["folder"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    export = module.produce(tf, CASES[request["case"]], os.path.join(folder, "model"))
    return {"status": "ok", "export": {
        "inputs": tensors.encode_all(export.inputs), "outputs": tensors.encode_all(export.outputs),
        "tags": export.tags, "signature": export.signature,
        "variables": tensors.encode_all(export.variables), "variable_kind": export.variable_kind,
        "format": export.format, "notes": export.notes, "extra": export.extra}}


def consume(tf: Any, request: Dict[str, Any]) -> Dict[str, Any]:
    from matrix.store import Artifact
    module, reason = ready(tf, "consumers", request["consumer"])
    if reason:
        return {"status": "unavailable", "reason": reason}
    artifact = Artifact(request["artifact"])
    applies = getattr(module, "applies", None)
    reason = applies(artifact.manifest) if applies else None
    if reason:
        return {"status": "unavailable", "reason": "not applicable: " + reason}
    outputs = module.consume(tf, artifact)
    return {"status": "ok", "outputs": tensors.encode_all(outputs)}


HANDLERS = {"produce": produce, "consume": consume}


def main() -> None:
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    faulthandler.enable()

    def reply(message: Dict[str, Any]) -> None:
        channel.write(json.dumps(message) + "\n")
        channel.flush()

    started = time.time()
    tf = import_tf()
    hello = versions(tf)
    hello["import_seconds"] = round(time.time() - started, 2)
    reply(hello)
    for line in sys.stdin:
        request = json.loads(line)
        print("=== %s %s" % (request["op"], json.dumps(request)), file=sys.stderr)
        try:
            message = HANDLERS[request["op"]](tf, request)
        except Exception as exc:  # every failure becomes a reply; only a crash ends the worker
            message = failure(exc)
        reply(message)


if __name__ == "__main__":
    main()
