"""The model cases as TF1 graphs: placeholders in, named tensors out."""
from typing import Any, Dict

import numpy as np

from matrix.cases import DENSE_B, DENSE_W, VARIABLE_V
from producers.build import tf2

# The load APIs the TF 1.x guides (and the C API's and TF2's migration docs) show for a SavedModelBuilder export.
LOADERS = ("tf1_session", "tf1_session_tensor_names", "tf2_load", "saved_model_cli", "c_api")

# The cases a TF1 graph expresses: the first three written out below, the rest from tf2.outputs.
CASES = tf2.CASES


class Graph(object):
    """A case built in its own tf.Graph, with what a TF1 exporter needs."""

    def __init__(self, tf: Any, case: Any, batched: bool = False) -> None:
        self.graph = tf.Graph()
        self.feed_values = case.inputs(batched)
        v1 = tf.compat.v1
        with self.graph.as_default():
            if case.name in ("add_two", "variable", "dense"):
                self._build_float(tf, case)
            elif case.name in CASES:  # placeholders named after the inputs, outputs after their keys
                self.inputs = {k: v1.placeholder(spec.dtype, shape=spec.shape, name=k)
                               for k, spec in zip(self.feed_values, tf2.specs(tf, case, batched=batched))}
                computed = tf2.outputs(tf, case.name, self.inputs, {})
                self.outputs = {k: tf.identity(t, name=k) for k, t in computed.items()}
                self.variables = {}
            else:
                raise KeyError("no TF1 graph for case %r" % case.name)
            self.init = v1.global_variables_initializer()

    def _build_float(self, tf: Any, case: Any) -> None:
        v1 = tf.compat.v1
        x = v1.placeholder(tf.float32, shape=[None] * self.feed_values["x"].ndim, name="x")
        if case.name == "add_two":
            y = tf.add(x, 2.0, name="output")
            self.variables = {}  # type: Dict[str, Any]
        elif case.name == "variable":
            v = v1.Variable(VARIABLE_V, name="v")
            y = tf.multiply(x, v, name="output")
            self.variables = {"v": v}
        else:
            w = v1.Variable(DENSE_W, name="w")
            b = v1.Variable(DENSE_B, name="b")
            y = tf.nn.relu(tf.matmul(x, w) + b, name="output")
            self.variables = {"w": w, "b": b}
        self.inputs = {"x": x}
        self.outputs = {"output": y}

    def run(self, sess: Any) -> Dict[str, np.ndarray]:
        """The golden outputs: this graph run in the producer's own session."""
        return sess.run(self.outputs, {self.inputs[k]: v for k, v in self.feed_values.items()})

    def tensor_names(self) -> Dict[str, Dict[str, str]]:
        """{"inputs": {name: "x:0"}, "outputs": {name: "output:0"}}: the raw graph tensor names."""
        return {"inputs": {k: t.name for k, t in self.inputs.items()},
                "outputs": {k: t.name for k, t in self.outputs.items()}}

    def variable_values(self, sess: Any) -> Dict[str, np.ndarray]:
        return sess.run(self.variables) if self.variables else {}

    @property
    def variable_kind(self) -> str:
        return variable_kind(list(self.variables.values()))


def variable_kind(variables: Any) -> str:
    """'ref' for TF1 VariableV2 variables, 'resource' for resource variables, 'none' without any."""
    if not variables:
        return "none"
    kinds = set("ref" if v.op.type in ("VariableV2", "Variable") else "resource" for v in variables)
    return kinds.pop() if len(kinds) == 1 else "mixed"
