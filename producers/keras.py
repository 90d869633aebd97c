"""Keras 2 Model.save in the SavedModel format (tf.keras up to TF 2.15, tf_keras from 2.16)."""
from matrix.plugin import Export, keras2, needs_keras2
from producers.build import keras_models

API = "Keras 2 Model.save(save_format='tf')"
CASES = ("add_two", "variable", "dense", "dynamic_shape", "int64", "multi_io")


available = needs_keras2


def produce(tf, case, export_dir):
    keras = keras2(tf)
    built, inputs = keras_models.model(keras, case)
    output = keras_models.golden(built, inputs)
    built.save(export_dir, save_format="tf")
    inputs, golden = keras_models.named(export_dir, "serving_default", inputs, output)
    variables = keras_models.weights(built)
    keras.backend.clear_session()
    return Export(inputs, golden, variables=variables, variable_kind="resource")
