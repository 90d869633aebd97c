"""tf.compat.v1 SavedModelBuilder with an asset: a vocabulary file feeding a lookup table, initialized by main_op."""
import shutil
import tempfile

from matrix.plugin import Export
from producers.build import vocab

API = "tf.compat.v1.saved_model.Builder(assets_collection, main_op=tables_initializer)"
CASES = ("vocab_lookup",)
LOADS_WITH = ("tf1_session", "tf2_load", "saved_model_cli")  # the load APIs its documentation shows


def available(tf):
    if not hasattr(tf.compat.v1.saved_model, "Builder"):
        return "tf.compat.v1.saved_model.Builder does not exist in this TF"


def produce(tf, case, export_dir):
    v1 = tf.compat.v1
    source = tempfile.mkdtemp(prefix="vocab-")
    graph, x, ids, init = vocab.lookup_graph(tf, vocab.write_vocab(source))
    inputs = case.inputs()
    with graph.as_default(), v1.Session(graph=graph) as sess:
        sess.run(init)
        golden = {"output": sess.run(ids, {x: inputs["x"]})}
        signature = v1.saved_model.predict_signature_def(inputs={"x": x}, outputs={"output": ids})
        builder = v1.saved_model.Builder(export_dir)
        builder.add_meta_graph_and_variables(
            sess, ["serve"], signature_def_map={"serving_default": signature},
            assets_collection=v1.get_collection(v1.GraphKeys.ASSET_FILEPATHS), main_op=init)
        builder.save()
    shutil.rmtree(source)  # the SavedModel must work from its own assets/ copy
    tensors = {"inputs": {"x": x.name}, "outputs": {"output": ids.name}}
    return Export(inputs, golden, tensor_names=tensors)
