"""tf.compat.v1.saved_model.simple_save: the TF 1.x one-call export (serve tag, serving_default)."""
from matrix.plugin import Export
from producers.build import tf1

API = "tf.compat.v1.saved_model.simple_save"
CASES = ("add_two", "variable", "dense", "dynamic_shape", "int64", "string", "bool", "multi_io")
LOADS_WITH = tf1.LOADERS  # the load APIs its documentation shows


def available(tf):
    if not hasattr(tf.compat.v1.saved_model, "simple_save"):
        return "tf.compat.v1.saved_model.simple_save does not exist in this TF"


def produce(tf, case, export_dir):
    model = tf1.Graph(tf, case)
    with tf.compat.v1.Session(graph=model.graph) as sess:
        sess.run(model.init)
        golden = model.run(sess)
        tf.compat.v1.saved_model.simple_save(sess, export_dir, model.inputs, model.outputs)
        return Export(model.feed_values, golden, variables=model.variable_values(sess),
                      variable_kind=model.variable_kind,
                      tensor_names=model.tensor_names())
