"""The vocab_lookup case as a TF1 graph: a vocabulary file (an asset) feeding a lookup table."""
import os
from typing import Any

from matrix.cases import VOCAB


def write_vocab(folder: str) -> str:
    """The vocabulary file, one word a line: the asset the SavedModel must carry with it."""
    path = os.path.join(folder, "vocab.txt")
    with open(path, "w") as f:
        f.write("".join(word + "\n" for word in VOCAB))
    return path


def lookup_graph(tf: Any, vocab_path: str) -> Any:
    """(graph, x placeholder, ids tensor, table init op): words in, line numbers out, -1 when unknown."""
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        x = v1.placeholder(tf.string, shape=[None], name="x")
        # A constant filename lands in the ASSET_FILEPATHS collection, which the builder copies to assets/.
        initializer = v1.lookup.TextFileInitializer(
            vocab_path, tf.string, v1.lookup.TextFileIndex.WHOLE_LINE,
            tf.int64, v1.lookup.TextFileIndex.LINE_NUMBER)
        table = v1.lookup.StaticHashTable(initializer, default_value=-1)
        ids = tf.identity(table.lookup(x), name="output")
        init = v1.tables_initializer()
    return graph, x, ids, init
