"""tf.saved_model.save of a tf.Module with no signatures at all: only the restored __call__ can run it."""
from matrix.plugin import Export, needs_tf2_save
from producers.build import tf2

API = "tf.saved_model.save(tf.Module) without signatures (restored functions only)"
CASES = ("add_two", "variable", "dense", "dynamic_shape", "int64", "string", "bool", "multi_io")
LOADS_WITH = ("tf2_restored", "tf2_finetune")  # the load APIs its documentation shows


available = needs_tf2_save


def produce(tf, case, export_dir):
    module = tf2.module(tf, case, signature=False)  # no input_signature: save() finds nothing to export
    inputs = case.inputs()
    golden = tf2.golden(tf, module.__call__, inputs)
    tf.saved_model.save(module, export_dir)
    variables = {v.name.split(":")[0]: v.numpy() for v in module.variables}
    return Export(inputs, golden, signature=None, call=tf2.call(inputs, golden), variables=variables,
                  variable_kind="resource" if variables else "none")
