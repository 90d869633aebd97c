"""The model cases as tf.Module objects with a traced __call__ (the TF2 guides' style)."""
from typing import Any

from matrix.cases import DENSE_B, DENSE_W, VARIABLE_V


def module(tf: Any, case: Any) -> Any:
    """A tf.Module whose __call__(x) returns {"output": ...} for the case."""
    x = case.inputs()["x"]
    spec = tf.TensorSpec([None] * x.ndim if x.ndim else [], tf.float32)

    class CaseModule(tf.Module):
        def __init__(self):
            super(CaseModule, self).__init__(name=case.name)
            if case.name == "variable":
                self.v = tf.Variable(VARIABLE_V, name="v")
            elif case.name == "dense":
                self.w = tf.Variable(DENSE_W, name="w")
                self.b = tf.Variable(DENSE_B, name="b")
            elif case.name != "add_two":
                raise KeyError("no tf.Module for case %r" % case.name)

        @tf.function(input_signature=[spec])
        def __call__(self, x):
            if case.name == "add_two":
                return {"output": x + 2.0}
            if case.name == "variable":
                return {"output": x * self.v}
            return {"output": tf.nn.relu(tf.matmul(x, self.w) + self.b)}

    return CaseModule()


def golden(tf: Any, fn: Any, inputs: Any) -> Any:
    """Run a function eagerly on numpy inputs and bring its outputs back as numpy."""
    outputs = fn(**{k: tf.constant(v) for k, v in inputs.items()})
    return {k: v.numpy() for k, v in outputs.items()}
