"""tf.saved_model.load's restored object called as its author calls it, and its variables' values."""
import numpy as np

from consumers import _call
from matrix.plugin import Refused, needs_saved_model, needs_tf2_load

API = "tf.saved_model.load + loaded(x) + loaded.variables"


available = needs_tf2_load


def applies(manifest):
    """Every SavedModel: an object its author never called (a TF1 export, a Keras 3 export) loads
    without a __call__, and the cell says so. An imported model's own __call__ is a case of its own."""
    if manifest.call is None and manifest.signature is not None and manifest.model.call:
        return "this case calls the signature %r; the model's own __call__ is checked in its __call__ case" % (
            manifest.signature)
    if manifest.call is None and manifest.model.call_why_not:
        return "the model's __call__ %s" % manifest.model.call_why_not
    return needs_saved_model(manifest)


def expected(manifest):
    values = dict(manifest.call.outputs if manifest.call else manifest.outputs)
    values.update(("variable:" + name, value) for name, value in manifest.variables.items())
    values.update(("regularization_loss:%d" % i, {"dtype": "float32", "shape": [], "values": [loss]})
                  for i, loss in enumerate(manifest.regularization_losses))
    return values


def load(tf, artifact):
    """The restored object (alone: asked by the reference when running the model on its inputs failed)."""
    loaded = tf.compat.v2.saved_model.load(artifact.path, tags=artifact.tags)
    if artifact.call is None or not callable(loaded):
        raise Refused("the restored %s has no __call__%s (signatures only: %s)" % (
            type(loaded).__name__, "" if artifact.call is None else " although its author called it",
            ", ".join(sorted(loaded.signatures.keys())) or "none"))
    return loaded


def consume(tf, artifact):
    loaded = load(tf, artifact)
    outputs = _call.named(_call.call(loaded, artifact, tf.constant), artifact, _call.to_numpy)
    for variable in restored_variables(tf, loaded):
        outputs["variable:" + variable.name.split(":")[0]] = variable.numpy()
    for i, loss in enumerate(getattr(loaded, "regularization_losses", None) or []):
        outputs["regularization_loss:%d" % i] = np.float32(loss().numpy())
    return outputs


def restored_variables(tf, loaded):
    """loaded.variables (the Reusable SavedModel API), else the tf.Variables among its attributes (a tf.Module)."""
    if getattr(loaded, "variables", None):
        return list(loaded.variables)
    found, seen, todo = [], set(), [loaded]
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, tf.Variable):
            found.append(obj)
        elif isinstance(obj, (list, tuple)):
            todo.extend(obj)
        elif isinstance(obj, dict):
            todo.extend(obj.values())
        elif hasattr(obj, "__dict__") and not callable(getattr(obj, "numpy", None)):
            todo.extend(v for k, v in vars(obj).items() if not k.startswith("_") and k != "signatures")
    return found
