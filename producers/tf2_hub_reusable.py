"""A TF Hub style Reusable SavedModel: variables, trainable_variables, regularization_losses, __call__(x, training)."""
from matrix.plugin import Export, needs_tf2_save
from producers.build import tf2

API = "tf.saved_model.save of a Reusable SavedModel (TF Hub's fine-tunable interface)"
CASES = ("variable", "dense")
LOADS_WITH = ("hub_load", "hub_keraslayer", "hub_keraslayer_finetune", "tf2_load", "tf2_restored", "tf2_finetune")  # the load APIs its documentation shows


available = needs_tf2_save


def produce(tf, case, export_dir):
    root = tf2.reusable(tf, case)
    inputs = case.inputs()
    golden = tf2.golden(tf, root.__call__, inputs)
    losses = [float(loss().numpy()) for loss in root.regularization_losses]
    tf.saved_model.save(root, export_dir, signatures={"serving_default": root.serve})
    variables = {v.name.split(":")[0]: v.numpy() for v in root.variables}
    return Export(inputs, golden, call=tf2.call(inputs, golden, training_arg=True), variables=variables,
                  variable_kind="resource", reusable=True, regularization_losses=losses)
