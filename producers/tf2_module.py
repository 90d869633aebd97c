"""tf.saved_model.save of a tf.Module with an explicit serving signature (the TF2 guides' way)."""
from matrix.plugin import Export, needs_tf2_save
from producers.build import tf2

API = "tf.saved_model.save(tf.Module, signatures=...)"
CASES = ("add_two", "variable", "dense", "dynamic_shape", "int64", "string", "bool", "multi_io")
LOADS_WITH = ("tf2_load", "tf2_restored", "tf2_finetune", "hub_load", "saved_model_cli", "tflite")  # the load APIs its documentation shows


available = needs_tf2_save


def produce(tf, case, export_dir):
    module = tf2.module(tf, case)
    inputs = case.inputs()
    golden = tf2.golden(tf, module.__call__, inputs)
    tf.saved_model.save(module, export_dir, signatures={"serving_default": module.__call__})
    variables = {v.name.split(":")[0]: v.numpy() for v in module.variables}
    return Export(inputs, golden, call=tf2.call(inputs, golden), variables=variables,
                  variable_kind="resource" if variables else "none")
