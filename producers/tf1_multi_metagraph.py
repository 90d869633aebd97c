"""tf.compat.v1 SavedModelBuilder writing several MetaGraphs under different tag sets; consumers load "serve"."""
from matrix.plugin import Export
from producers.build import tf1

API = "tf.compat.v1.saved_model.Builder.add_meta_graph_and_variables + add_meta_graph (several tag sets)"
CASES = ("add_two", "variable", "dense")
LOADS_WITH = ("tf1_session", "tf2_load", "saved_model_cli")  # the load APIs its documentation shows
TAG_SETS = (["serve"], ["train"], ["serve", "gpu"], ["serve", "matrix_custom_tag"])


def available(tf):
    if not hasattr(tf.compat.v1.saved_model, "Builder"):
        return "tf.compat.v1.saved_model.Builder does not exist in this TF"


def produce(tf, case, export_dir):
    model = tf1.Graph(tf, case)
    with model.graph.as_default(), tf.compat.v1.Session(graph=model.graph) as sess:
        sess.run(model.init)
        golden = model.run(sess)
        signature = tf.compat.v1.saved_model.predict_signature_def(inputs=model.inputs, outputs=model.outputs)
        builder = tf.compat.v1.saved_model.Builder(export_dir)
        # The first tag set saves the variables; each later MetaGraph shares them.
        builder.add_meta_graph_and_variables(sess, TAG_SETS[0], signature_def_map={"serving_default": signature})
        for tags in TAG_SETS[1:]:
            builder.add_meta_graph(tags, signature_def_map={"serving_default": signature})
        builder.save()
        return Export(model.feed_values, golden, tags=TAG_SETS[0], variables=model.variable_values(sess),
                      variable_kind=model.variable_kind,
                      tensor_names=model.tensor_names())
