"""The method name of each signature as TF Serving reads it (TF1 loader): classify/regress must survive loading."""
import numpy as np

API = "tf.compat.v1.saved_model.load -> MetaGraphDef.signature_def[...].method_name"
FEEDS = False  # reads what the model declares; feeds it nothing


def available(tf):
    if not hasattr(tf.compat.v1.saved_model, "load"):
        return "tf.compat.v1.saved_model.load does not exist in this TF"


def applies(manifest):
    if not manifest.method_names:
        return "the producer set no method names to check"


def expected(manifest):
    return {"method_name:" + key: {"dtype": "string", "shape": [], "values": [name]}
            for key, name in manifest.method_names.items()}


def consume(tf, artifact):
    with tf.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as sess:
        meta_graph = tf.compat.v1.saved_model.load(sess, artifact.tags, artifact.path)
        return {"method_name:" + key: np.array(sig.method_name.encode("utf-8"), dtype=object)
                for key, sig in meta_graph.signature_def.items()}
