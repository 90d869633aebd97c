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


# -- inputs and references of the shape, dtype and multi-io cases --

DYNAMIC_SCALE = np.float32(2.0)
DYNAMIC_OFFSET = np.float32(1.0)


def _dynamic_inputs(batched: bool) -> Arrays:
    """Always [batch 2, length 3, features 2]; the saved signature leaves batch and length dynamic."""
    return {"x": np.arange(-3.0, 3.0, 0.5, dtype=np.float32).reshape(2, 3, 2)}


def _int64_inputs(batched: bool) -> Arrays:
    x = np.array([3, -7, 3000000000, 0], dtype=np.int64)  # 3e9 * 3e9 still fits in int64
    return {"x": x.reshape(4, 1) if batched else x}


def _string_inputs(batched: bool) -> Arrays:
    return {"x": np.array([b"", b"tf", b"saved model", u"h\u00e9llo".encode("utf-8")], dtype=object)}


def _string_reference(inputs: Arrays) -> Arrays:
    x = inputs["x"]
    return {"output": np.array([len(v) for v in x.reshape(-1)], dtype=np.int32).reshape(x.shape)}


def _bool_inputs(batched: bool) -> Arrays:
    x = np.array([True, False, False, True], dtype=bool)
    return {"x": x.reshape(4, 1) if batched else x}


def _multi_io_inputs(batched: bool) -> Arrays:
    """Always [batch 2, 3] each."""
    return {"a": np.array([[1.0, 2.0, 3.0], [-1.5, 0.0, 4.0]], dtype=np.float32),
            "b": np.array([[0.5, -2.0, 3.0], [2.0, 7.0, -0.25]], dtype=np.float32)}


CASES = {
    case.name: case for case in [
        Case("add_two", "the guides' seed model: output = x + 2 on a float scalar",
             _add_two_inputs, lambda i: {"output": i["x"] + np.float32(2.0)}),
        Case("variable", "a model holding a variable: output = x * v, v = 3.0",
             _variable_inputs, lambda i: {"output": i["x"] * VARIABLE_V}),
        Case("dense", "a small dense layer with real weights on batched input: relu(x W + b)",
             _dense_inputs, _dense_reference),
    ] + [
        # -- shapes, dtypes, several inputs and outputs (kept together; other cases follow) --
        Case("dynamic_shape", "batch and length both dynamic ([None, None, 2]): output = x * 2 + 1",
             _dynamic_inputs, lambda i: {"output": i["x"] * DYNAMIC_SCALE + DYNAMIC_OFFSET}),
        Case("int64", "int64 in and out, values beyond 32 bits: output = x * x + x",
             _int64_inputs, lambda i: {"output": i["x"] * i["x"] + i["x"]}),
        Case("string", "a string tensor in, its byte lengths out (int32): output = tf.strings.length(x)",
             _string_inputs, _string_reference),
        Case("bool", "a bool tensor in and out: output = logical_not(x)",
             _bool_inputs, lambda i: {"output": np.logical_not(i["x"])}),
        Case("multi_io", "two inputs a, b and two named outputs: sum = a + b, product = a * b",
             _multi_io_inputs, lambda i: {"sum": i["a"] + i["b"], "product": i["a"] * i["b"]}),
    ]
}


# -- String-input cases: a vocabulary lookup and tf.Example parsing (TF1-era save paths) --------

VOCAB = ("apple", "banana", "cherry")  # the vocab_lookup asset, one word a line; line number = id
EXAMPLE_W = np.array([0.5, 0.25, -0.5], dtype=np.float32)  # example_regress: output = x . w + b
EXAMPLE_B = np.float32(0.1)
EXAMPLE_CLASSES = ("neg", "pos")  # its classify signature: softmax(x DENSE_W + DENSE_B) over these


def _vocab_inputs(batched: bool) -> Arrays:
    return {"x": np.array([b"banana", b"apple", b"durian", b"cherry", b""], dtype=object)}


def _vocab_reference(inputs: Arrays) -> Arrays:
    ids = [VOCAB.index(w.decode()) if w.decode() in VOCAB else -1 for w in inputs["x"].tolist()]
    return {"output": np.array(ids, dtype=np.int64)}


def _proto_field(tag: int, payload: bytes) -> bytes:
    """One length-delimited protobuf field (every length here is < 128, so one length byte)."""
    return bytes([tag, len(payload)]) + payload


def serialized_example(row: np.ndarray) -> bytes:
    """tf.train.Example(features={"x": FloatList(row)}).SerializeToString(), without TensorFlow."""
    float_list = _proto_field(0x0A, row.astype("<f4").tobytes())
    feature = _proto_field(0x12, float_list)
    entry = _proto_field(0x0A, b"x") + _proto_field(0x12, feature)
    return _proto_field(0x0A, _proto_field(0x0A, entry))


def _example_inputs(batched: bool) -> Arrays:
    rows = _dense_inputs(True)["x"]
    return {"inputs": np.array([serialized_example(r) for r in rows], dtype=object)}


def _example_reference(inputs: Arrays) -> Arrays:
    rows = {serialized_example(r): r for r in _dense_inputs(True)["x"]}
    x = np.stack([rows[s] for s in inputs["inputs"].tolist()])
    return {"outputs": (x.dot(EXAMPLE_W) + EXAMPLE_B).astype(np.float32)}


CASES.update({
    case.name: case for case in [
        Case("vocab_lookup", "a vocabulary asset feeding a lookup table: string words in, int64 ids out (-1 if unknown)",
             _vocab_inputs, _vocab_reference),
        Case("example_regress", "serialized tf.Example inputs (float x[3]) to a linear regression x . w + b",
             _example_inputs, _example_reference),
    ]
})
