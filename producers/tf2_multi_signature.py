"""tf.saved_model.save with two signatures: serving_default (dynamic shapes) and static_shape (the inputs' exact shapes)."""
from matrix.plugin import Export, needs_tf2_save
from producers.build import tf2

API = "tf.saved_model.save(tf.Module, signatures={several names: functions})"
CASES = ("add_two", "variable", "dense", "dynamic_shape", "int64", "string", "bool", "multi_io")
LOADS_WITH = ("tf2_load", "tf2_restored", "saved_model_cli", "tflite")  # the load APIs its documentation shows


available = needs_tf2_save


def produce(tf, case, export_dir):
    module = tf2.module(tf, case)
    module.static_shape = tf.function(module.run, input_signature=tf2.specs(tf, case, static=True))
    inputs = case.inputs()
    golden = tf2.golden(tf, module.__call__, inputs)
    tf.saved_model.save(module, export_dir, signatures={"serving_default": module.__call__,
                                                        "static_shape": module.static_shape})
    variables = {v.name.split(":")[0]: v.numpy() for v in module.variables}
    return Export(inputs, golden, call=tf2.call(inputs, golden), variables=variables,
                  variable_kind="resource" if variables else "none")
