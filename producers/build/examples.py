"""The example_regress case's pieces: parse serialized tf.Example, then regression and classification heads.

Graph-mode and eager alike, so the Estimator and the tf.Module producers share them.
"""
from typing import Any

from matrix.cases import DENSE_B, DENSE_W, EXAMPLE_B, EXAMPLE_CLASSES, EXAMPLE_W


def feature_spec(tf: Any) -> Any:
    return {"x": tf.io.FixedLenFeature([3], tf.float32)}


def parse(tf: Any, serialized: Any) -> Any:
    """Serialized tf.Example strings [batch] -> x [batch, 3]."""
    return tf.io.parse_example(serialized, feature_spec(tf))["x"]


def regress(tf: Any, x: Any, w: Any, b: Any) -> Any:
    """x . w + b: one float per example, shape [batch] as TF Serving's Regress expects."""
    return tf.reduce_sum(x * w, axis=1) + b


def classify(tf: Any, x: Any, w: Any, b: Any) -> Any:
    """(scores [batch, 2], classes [batch, 2] strings): softmax(x W + b) over EXAMPLE_CLASSES."""
    scores = tf.nn.softmax(tf.matmul(x, w) + b)
    classes = tf.tile(tf.constant([list(EXAMPLE_CLASSES)]), [tf.shape(x)[0], 1])
    return scores, classes


WEIGHTS = {"w": EXAMPLE_W, "b": EXAMPLE_B, "class_w": DENSE_W, "class_b": DENSE_B}
