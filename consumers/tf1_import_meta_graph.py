"""tf.compat.v1.train.import_meta_graph + Saver.restore on a MetaGraph + checkpoint, run by raw tensor names;
the restored variables' values are judged too (restoring them is what this path is for)."""
import os

from matrix.plugin import Refused

API = "tf.compat.v1.train.import_meta_graph + Saver.restore + Session.run (outputs and variables)"


def available(tf):
    if not hasattr(tf.compat.v1.train, "import_meta_graph"):
        return "tf.compat.v1.train.import_meta_graph does not exist in this TF"


def applies(manifest):
    if manifest.metagraph is None:
        return "not a MetaGraph + checkpoint artifact (%s)" % manifest.format


def expected(manifest):
    values = dict(manifest.outputs)
    values.update(("variable:" + name, value) for name, value in manifest.variables.items())
    return values


def files(artifact):
    """(meta_graph path, checkpoint prefix) from the manifest, relative to the model or its folder."""
    metagraph = artifact.manifest.metagraph
    found = []
    for rel, probe in ((metagraph["meta_graph"], ""), (metagraph["checkpoint"], ".index")):
        candidates = [os.path.join(base, rel) for base in (artifact.path, artifact.folder)]
        found.append(next((c for c in candidates if os.path.exists(c + probe)), candidates[0]))
    return found[0], found[1]


def consume(tf, artifact):
    meta_graph, checkpoint = files(artifact)
    names = artifact.manifest.tensor_names
    with tf.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as sess:
        saver = tf.compat.v1.train.import_meta_graph(meta_graph)
        if saver is None:
            raise Refused("import_meta_graph found no variables to restore (returned no Saver)")
        saver.restore(sess, checkpoint)
        feed = {graph.get_tensor_by_name(names["inputs"][k]): v for k, v in artifact.inputs.items()}
        fetch = {k: graph.get_tensor_by_name(t) for k, t in names["outputs"].items()}
        restored = {v.op.name: v for v in tf.compat.v1.global_variables()}
        missing = sorted(set(artifact.manifest.variables) - set(restored))
        if missing:
            raise Refused("variables %s not restored (the graph has %s)" % (missing, ", ".join(sorted(restored)) or "none"))
        fetch.update(("variable:" + name, restored[name]) for name in artifact.manifest.variables)
        return sess.run(fetch, feed)
