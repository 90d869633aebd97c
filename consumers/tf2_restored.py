"""tf.saved_model.load's restored object: its __call__ (no signature needed) and its variables' values."""

from consumers import _restored
from matrix.plugin import Refused, needs_saved_model, needs_tf2_load

API = "tf.saved_model.load + loaded(x) + loaded.variables"


available = needs_tf2_load


# Every SavedModel: a TF1 export loads without a restored __call__, and the cell says so.
applies = needs_saved_model


def expected(manifest):
    values = dict(manifest["outputs"])
    values.update(("variable:" + name, value) for name, value in manifest["variables"].items())
    return values


def consume(tf, artifact):
    loaded = tf.compat.v2.saved_model.load(artifact.path, tags=artifact.tags)
    if not callable(loaded):
        raise Refused("the restored %s has no __call__ (a TF1 SavedModel has signatures only: %s)" % (
            type(loaded).__name__, ", ".join(sorted(loaded.signatures.keys())) or "none"))
    outputs = _restored.numpy(artifact, _restored.call(tf, loaded, artifact.inputs))
    for variable in restored_variables(tf, loaded):
        outputs["variable:" + variable.name.split(":")[0]] = variable.numpy()
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
