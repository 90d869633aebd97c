"""tf.estimator export with classify and regress signatures over serialized tf.Example (TF Serving's Classify/Regress APIs)."""
import os
import tempfile

import numpy as np

from matrix.plugin import Export, needs_estimator
from producers.build import examples, tf1

API = "tf.estimator.Estimator.export_saved_model(ClassificationOutput, RegressionOutput, parsing receiver)"
CASES = ("example_regress",)
LOADS_WITH = ("tf1_session", "signature_method_names", "tf2_load", "saved_model_cli")  # the load APIs its documentation shows
METHOD_NAMES = {"serving_default": "tensorflow/serving/regress", "classify": "tensorflow/serving/classify",
                "predict": "tensorflow/serving/predict"}


available = needs_estimator


def produce(tf, case, export_dir):
    v1 = tf.compat.v1
    inputs = case.inputs()
    kinds = []

    def model_fn(features, labels, mode):
        weights = {k: v1.get_variable(k, initializer=v) for k, v in examples.WEIGHTS.items()}
        kinds[:] = list(weights.values())
        value = examples.regress(tf, features["x"], weights["w"], weights["b"])
        scores, classes = examples.classify(tf, features["x"], weights["class_w"], weights["class_b"])
        outputs = {"serving_default": tf.estimator.export.RegressionOutput(value),
                   "classify": tf.estimator.export.ClassificationOutput(scores=scores, classes=classes),
                   "predict": tf.estimator.export.PredictOutput({"value": value, "scores": scores})}
        # Training only makes the checkpoint that export needs; it changes no weight.
        step = v1.train.get_or_create_global_step()
        return tf.estimator.EstimatorSpec(
            mode, predictions={"value": value, "scores": scores, "classes": classes}, loss=tf.constant(0.0),
            train_op=v1.assign_add(step, 1), export_outputs=outputs)

    def features():  # the case's serialized tf.Example strings, parsed as the serving receiver will
        serialized = tf.data.Dataset.from_tensors(tf.constant(inputs["inputs"].tolist()))
        return serialized.map(lambda s: {"x": examples.parse(tf, s)})

    est = tf.estimator.Estimator(model_fn, model_dir=tempfile.mkdtemp(prefix="estimator-"))
    est.train(lambda: features().map(lambda f: (f, tf.zeros([len(inputs["inputs"])]))), steps=1)
    predictions = list(est.predict(features))
    golden = {k: np.stack([p[k] for p in predictions]) for k in ("value", "scores", "classes")}
    receiver = tf.estimator.export.build_parsing_serving_input_receiver_fn(examples.feature_spec(tf))
    written = est.export_saved_model(export_dir + ".tmp", receiver)
    os.rename(written.decode() if isinstance(written, bytes) else written, export_dir)
    os.rmdir(export_dir + ".tmp")
    variables = {n: est.get_variable_value(n) for n in examples.WEIGHTS}
    # serving_default (regress) reads w and b; class_w and class_b feed the classify signature only.
    return Export(inputs, {"outputs": golden["value"]}, variables=variables, variable_kind=tf1.variable_kind(kinds),
                  trained_by_signature=["w", "b"], method_names=METHOD_NAMES)
