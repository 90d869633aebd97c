"""Keras 2 subclassed keras.Model (call returns a dict) saved with Model.save(save_format='tf')."""
from matrix.plugin import Export, keras2, needs_keras2
from producers.build import keras_models

API = "Keras 2 subclassed Model.save(save_format='tf')"
CASES = ("add_two", "variable", "dense", "dynamic_shape", "int64", "multi_io")
LOADS_WITH = keras_models.KERAS2_LOADERS  # the load APIs its documentation shows


available = needs_keras2


def produce(tf, case, export_dir):
    keras = keras2(tf)
    built, inputs = keras_models.model(keras, case, "subclassed")
    call = keras_models.call(built, inputs)
    built.predict(dict(inputs))  # TF 1.x Keras records a subclassed model's input shapes only in fit/predict
    built.save(export_dir, save_format="tf")
    inputs, golden = keras_models.named(export_dir, "serving_default", inputs, call)
    variables = keras_models.weights(built)
    keras.backend.clear_session()
    # Keras 2's SavedModel is a Reusable SavedModel: variables, trainable_variables, regularization_losses, __call__.
    return Export(inputs, golden, call=call, variables=variables, variable_kind="resource", reusable=True)
