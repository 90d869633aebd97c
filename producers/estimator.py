"""tf.estimator Estimator.export_saved_model with a raw-tensor predict signature (TF <= 2.15)."""
import os
import tempfile

import numpy as np

from matrix.cases import DENSE_B, DENSE_W, VARIABLE_V
from matrix.plugin import Export, needs_estimator
from producers.build import tf1

API = "tf.estimator.Estimator.export_saved_model"
CASES = ("add_two", "variable", "dense")
LOADS_WITH = ("tf1_session", "tf2_load", "saved_model_cli")  # the load APIs its documentation shows


available = needs_estimator


def produce(tf, case, export_dir):
    v1 = tf.compat.v1
    inputs = case.inputs(batched=True)
    kinds = []

    def model_fn(features, labels, mode):
        x = features["x"]
        if case.name == "add_two":
            y = x + 2.0
        elif case.name == "variable":
            v = v1.get_variable("v", initializer=VARIABLE_V)
            y, kinds[:] = x * v, [v]
        else:
            w = v1.get_variable("w", initializer=DENSE_W)
            b = v1.get_variable("b", initializer=DENSE_B)
            y, kinds[:] = tf.nn.relu(tf.matmul(x, w) + b), [w, b]
        # Training only makes the checkpoint that export needs; it changes no weight.
        step = v1.train.get_or_create_global_step()
        return tf.estimator.EstimatorSpec(
            mode, predictions={"output": y}, loss=tf.constant(0.0), train_op=v1.assign_add(step, 1),
            export_outputs={"serving_default": tf.estimator.export.PredictOutput({"output": y})})

    def input_fn():
        return tf.data.Dataset.from_tensors(({"x": inputs["x"]}, np.zeros_like(inputs["x"])))

    est = tf.estimator.Estimator(model_fn, model_dir=tempfile.mkdtemp(prefix="estimator-"))
    est.train(input_fn, steps=1)
    golden = {"output": np.stack([p["output"] for p in est.predict(lambda: input_fn().map(lambda f, l: f))])}
    def receiver():  # raw tensors in, as build_raw_serving_input_receiver_fn does, built in export's graph
        x = v1.placeholder(tf.float32, [None] + list(inputs["x"].shape[1:]), name="x")
        return tf.estimator.export.ServingInputReceiver({"x": x}, {"x": x})

    written = est.export_saved_model(export_dir + ".tmp", receiver)
    os.rename(written.decode() if isinstance(written, bytes) else written, export_dir)
    os.rmdir(export_dir + ".tmp")
    variables = {n: est.get_variable_value(n) for n in est.get_variable_names() if n in ("v", "w", "b")}
    return Export(inputs, golden, variables=variables, variable_kind=tf1.variable_kind(kinds))
