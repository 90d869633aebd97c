"""tf.compat.v1.train.Saver: a MetaGraph file plus a checkpoint, how TF 1.x code saved before SavedModel."""
import os

from matrix.plugin import Export
from producers.build import tf1

API = "tf.compat.v1.train.Saver.export_meta_graph + save"
CASES = ("variable", "dense")  # a Saver needs variables: add_two has none
LOADS_WITH = ("tf1_import_meta_graph", "tf2_wrap_function_prune")  # the load APIs its documentation shows


def available(tf):
    if not hasattr(tf.compat.v1.train, "Saver"):
        return "tf.compat.v1.train.Saver does not exist in this TF"


def produce(tf, case, export_dir):
    model = tf1.Graph(tf, case)
    os.makedirs(export_dir)
    with model.graph.as_default(), tf.compat.v1.Session(graph=model.graph) as sess:
        sess.run(model.init)
        golden = model.run(sess)
        saver = tf.compat.v1.train.Saver()
        saver.export_meta_graph(os.path.join(export_dir, "model.meta"))
        saver.save(sess, os.path.join(export_dir, "model.ckpt"), write_meta_graph=False)
        return Export(model.feed_values, golden, tags=(), signature=None, format="metagraph",
                      variables=model.variable_values(sess), variable_kind=model.variable_kind,
                      tensor_names=model.tensor_names(),
                      metagraph={"meta_graph": "model.meta", "checkpoint": "model.ckpt"})
