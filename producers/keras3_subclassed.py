"""Keras 3 subclassed keras.Model (call returns a dict) exported with model.export (a serving-only SavedModel)."""
from matrix.plugin import Export, keras3, needs_keras3
from producers.build import keras_models

API = "Keras 3 subclassed Model.export(format='tf_saved_model')"
CASES = ("add_two", "variable", "dense", "dynamic_shape", "int64", "multi_io")


available = needs_keras3


def produce(tf, case, export_dir):
    keras = keras3()
    built, inputs = keras_models.model(keras, case, "subclassed")
    output = keras_models.golden(built, inputs)
    # Named specs: without them Keras 3 names a subclassed model's inputs args_0, args_0_1, ...
    built.export(export_dir, input_signature=keras_models.input_signature(tf, case, inputs))
    inputs, golden = keras_models.named(export_dir, "serving_default", inputs, output)
    variables = keras_models.weights(built)
    keras.backend.clear_session()
    return Export(inputs, golden, variables=variables, variable_kind="resource",
                  extra={"keras_call": "dict"})  # the restored model takes its inputs as one dict by name
