"""A TF Hub style Reusable SavedModel: variables, trainable_variables, regularization_losses, __call__(x, training)."""
from matrix import tensors
from matrix.plugin import Export, needs_tf2_save
from producers.build import tf2

API = "tf.saved_model.save of a Reusable SavedModel (TF Hub's fine-tunable interface)"
CASES = ("variable", "dense")


available = needs_tf2_save


def produce(tf, case, export_dir):
    root = tf2.reusable(tf, case)
    inputs = case.inputs()
    golden = tf2.golden(tf, root.__call__, inputs)
    training = tf2.golden(tf, lambda x: root.__call__(x, training=True), inputs)
    losses = [float(loss().numpy()) for loss in root.regularization_losses]
    tf.saved_model.save(root, export_dir, signatures={"serving_default": root.serve})
    variables = {v.name.split(":")[0]: v.numpy() for v in root.variables}
    return Export(inputs, golden, variables=variables, variable_kind="resource", extra={
        "reusable": True, "trainable": True, "call": "__call__", "training_arg": True,
        "training_outputs": tensors.encode_all(training),
        "trainable_variables": sorted(variables), "regularization_losses": losses})
