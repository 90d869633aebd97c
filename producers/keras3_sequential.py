"""Keras 3 Sequential model exported with model.export (a serving-only SavedModel)."""
from matrix.plugin import Export, keras3, needs_keras3
from producers.build import keras_models

API = "Keras 3 Sequential Model.export(format='tf_saved_model')"
CASES = ("add_two", "variable", "dense", "dynamic_shape")


available = needs_keras3


def produce(tf, case, export_dir):
    keras = keras3()
    built, inputs = keras_models.model(keras, case, "sequential")
    output = keras_models.golden(built, inputs)
    built.export(export_dir)
    inputs, golden = keras_models.named(export_dir, "serving_default", inputs, output)
    variables = keras_models.weights(built)
    keras.backend.clear_session()
    return Export(inputs, golden, variables=variables, variable_kind="resource")
