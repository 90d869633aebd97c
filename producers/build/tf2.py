"""The model cases as tf.Module objects with a traced __call__ (the TF2 guides' style)."""
from typing import Any, Dict, List

from matrix.cases import DENSE_B, DENSE_W, DYNAMIC_OFFSET, DYNAMIC_SCALE, VARIABLE_V

# The cases written in TF ops, usable in eager mode, tf.function and TF1 graphs alike.
CASES = ("add_two", "variable", "dense", "dynamic_shape", "int64", "string", "bool", "multi_io")
VARIABLES = {"variable": {"v": VARIABLE_V}, "dense": {"w": DENSE_W, "b": DENSE_B}}


def dtype(tf: Any, value: Any) -> Any:
    return tf.string if value.dtype.kind in "SUO" else tf.as_dtype(value.dtype)


def specs(tf: Any, case: Any, static: bool = False, batched: bool = False) -> List[Any]:
    """One TensorSpec per input, in input order: every dimension dynamic (or, static=True, the inputs' shapes)."""
    values = case.inputs(batched)
    if case.name == "dynamic_shape" and not static:
        return [tf.TensorSpec([None, None, values["x"].shape[-1]], tf.float32, name="x")]
    return [tf.TensorSpec(list(v.shape) if static else [None] * v.ndim, dtype(tf, v), name=k)
            for k, v in values.items()]


def outputs(tf: Any, name: str, inputs: Dict[str, Any], variables: Dict[str, Any]) -> Dict[str, Any]:
    """The case computed in TF ops from input tensors and the case's variables."""
    if name == "multi_io":
        return {"sum": inputs["a"] + inputs["b"], "product": inputs["a"] * inputs["b"]}
    x = inputs["x"]
    if name == "add_two":
        return {"output": x + 2.0}
    if name == "variable":
        return {"output": x * variables["v"]}
    if name == "dense":
        return {"output": tf.nn.relu(tf.matmul(x, variables["w"]) + variables["b"])}
    if name == "dynamic_shape":
        return {"output": x * DYNAMIC_SCALE + DYNAMIC_OFFSET}
    if name == "int64":
        return {"output": x * x + x}
    if name == "string":
        return {"output": tf.strings.length(x)}
    if name == "bool":
        return {"output": tf.logical_not(x)}
    raise KeyError("no TF ops for case %r" % name)


def module(tf: Any, case: Any, signature: bool = True) -> Any:
    """A tf.Module whose __call__ returns the case's outputs as a dict, its variables as attributes.

    signature=True gives __call__ an input_signature; False leaves it without one,
    traced once for the case's specs (a restored function, never a signature).
    """
    if case.name not in CASES:
        raise KeyError("no tf.Module for case %r" % case.name)
    spec = specs(tf, case) if signature else None

    class CaseModule(tf.Module):
        def __init__(self):
            super(CaseModule, self).__init__(name=case.name)
            self._names = sorted(VARIABLES.get(case.name, {}))
            for key in self._names:
                setattr(self, key, tf.Variable(VARIABLES[case.name][key], name=key))

        def case_variables(self):
            return {key: getattr(self, key) for key in self._names}

    if list(case.inputs()) == ["x"]:
        class Module(CaseModule):
            def run(self, x):
                return outputs(tf, case.name, {"x": x}, self.case_variables())
            __call__ = tf.function(run, input_signature=spec)
    else:
        class Module(CaseModule):
            def run(self, a, b):
                return outputs(tf, case.name, {"a": a, "b": b}, self.case_variables())
            __call__ = tf.function(run, input_signature=spec)

    built = Module()
    if not signature:
        built.__call__.get_concrete_function(*specs(tf, case))
    return built


def golden(tf: Any, fn: Any, inputs: Any) -> Any:
    """Run a function eagerly on numpy inputs and bring its outputs back as numpy."""
    outputs = fn(**{k: tf.constant(v) for k, v in inputs.items()})
    return {k: v.numpy() for k, v in outputs.items()}


REGULARIZATION = 0.01  # the reusable model's one regularization loss: REGULARIZATION * sum(first variable ** 2)


def reusable(tf: Any, case: Any) -> Any:
    """A Reusable SavedModel object (TF Hub style): variables, trainable_variables,
    regularization_losses and a __call__(x, training) traced for training=True and False."""
    if not VARIABLES.get(case.name) or list(case.inputs()) != ["x"]:
        raise KeyError("no reusable model for case %r (needs variables and one input)" % case.name)
    root = tf.train.Checkpoint()
    found = {key: tf.Variable(value, name=key) for key, value in sorted(VARIABLES[case.name].items())}
    for key, variable in found.items():
        setattr(root, key, variable)
    root.variables = list(found.values())
    root.trainable_variables = list(found.values())
    first = root.variables[0]

    @tf.function(input_signature=[])
    def regularization_loss():
        return REGULARIZATION * tf.reduce_sum(tf.square(first))

    root.regularization_losses = [regularization_loss]

    @tf.function
    def call(x, training=False):  # no dropout or batch norm: training does not change the result
        return outputs(tf, case.name, {"x": x}, found)

    spec = specs(tf, case)[0]
    for training in (True, False):
        call.get_concrete_function(spec, training)
    root.__call__ = call
    root.serve = call.get_concrete_function(spec, False)
    return root


def call(inputs: Dict[str, Any], golden: Dict[str, Any], training_arg: bool = False) -> Any:
    """A tf.Module's __call__ as its author calls it: the inputs positionally (or by name), a dict back."""
    from matrix.plugin import Call
    return Call("args", list(inputs), "dict", golden, training_arg=training_arg)
