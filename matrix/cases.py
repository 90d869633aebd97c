"""Model cases: what a producer builds, the inputs it is run on, and the
mathematical reference its golden outputs must agree with.

Every producer builds each case with its own API; the reference only checks
that the producer computed what the case means before its golden values are
trusted. Weights and inputs are fixed numbers, identical in every TF version.
"""
from typing import Callable, Dict

import numpy as np

Arrays = Dict[str, np.ndarray]


class Case(object):
    def __init__(self, name: str, about: str, inputs: Callable[[bool], Arrays],
                 reference: Callable[[Arrays], Arrays]) -> None:
        self.name = name
        self.about = about
        self._inputs = inputs
        self.reference = reference

    def inputs(self, batched: bool = False) -> Arrays:
        """The case's inputs; batched=True adds a leading batch dimension (Estimator, Keras)."""
        return self._inputs(batched)


# The dense case's weights: fixed literals, so every TF version builds the same model.
DENSE_W = np.array([[0.5, -1.0], [0.25, 2.0], [-0.75, 0.125]], dtype=np.float32)
DENSE_B = np.array([0.1, -0.2], dtype=np.float32)
VARIABLE_V = np.float32(3.0)


def _add_two_inputs(batched: bool) -> Arrays:
    return {"x": np.array([5.0] if batched else 5.0, dtype=np.float32)}


def _variable_inputs(batched: bool) -> Arrays:
    x = np.array([1.0, 2.0, -3.5], dtype=np.float32)
    return {"x": x.reshape(3, 1) if batched else x}


def _dense_inputs(batched: bool) -> Arrays:
    return {"x": np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0], [0.0, 0.0, 0.0], [2.5, -2.0, 1.0]],
                          dtype=np.float32)}


def _dense_reference(inputs: Arrays) -> Arrays:
    return {"output": np.maximum(inputs["x"].dot(DENSE_W) + DENSE_B, 0.0).astype(np.float32)}


CASES = {
    case.name: case for case in [
        Case("add_two", "the guides' seed model: output = x + 2 on a float scalar",
             _add_two_inputs, lambda i: {"output": i["x"] + np.float32(2.0)}),
        Case("variable", "a model holding a variable: output = x * v, v = 3.0",
             _variable_inputs, lambda i: {"output": i["x"] * VARIABLE_V}),
        Case("dense", "a small dense layer with real weights on batched input: relu(x W + b)",
             _dense_inputs, _dense_reference),
    ]
}
