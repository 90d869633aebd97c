"""Keras 3 model.export: a serving-only SavedModel (endpoint `serve`, also `serving_default`)."""
from matrix.plugin import Export, keras3, needs_keras3
from producers.build import keras_models

API = "Keras 3 Model.export(format='tf_saved_model')"
CASES = ("add_two", "variable", "dense", "dynamic_shape", "int64", "multi_io")
LOADS_WITH = keras_models.KERAS3_LOADERS  # the load APIs its documentation shows


available = needs_keras3


def produce(tf, case, export_dir):
    keras = keras3()
    built, inputs = keras_models.model(keras, case)
    call = keras_models.call(built, inputs)  # the export has no __call__: its golden values are the signature's
    built.export(export_dir)
    inputs, golden = keras_models.named(export_dir, "serving_default", inputs, call)
    variables = keras_models.weights(built)
    keras.backend.clear_session()
    return Export(inputs, golden, variables=variables, variable_kind="resource")
