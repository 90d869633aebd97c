"""tf.compat.v1 SavedModelBuilder with a predict signature: how TF 1.x served models were exported."""
from matrix.plugin import Export
from producers.build import tf1

API = "tf.compat.v1.saved_model.Builder + predict_signature_def"
CASES = ("add_two", "variable", "dense", "dynamic_shape", "int64", "string", "bool", "multi_io")
LOADS_WITH = tf1.LOADERS  # the load APIs its documentation shows


def available(tf):
    if not hasattr(tf.compat.v1.saved_model, "Builder"):
        return "tf.compat.v1.saved_model.Builder does not exist in this TF"


def produce(tf, case, export_dir):
    model = tf1.Graph(tf, case)
    with tf.compat.v1.Session(graph=model.graph) as sess:
        sess.run(model.init)
        golden = model.run(sess)
        signature = tf.compat.v1.saved_model.predict_signature_def(inputs=model.inputs, outputs=model.outputs)
        builder = tf.compat.v1.saved_model.Builder(export_dir)
        builder.add_meta_graph_and_variables(sess, ["serve"], signature_def_map={"serving_default": signature})
        builder.save()
        return Export(model.feed_values, golden, variables=model.variable_values(sess),
                      variable_kind=model.variable_kind,
                      tensor_names=model.tensor_names())
