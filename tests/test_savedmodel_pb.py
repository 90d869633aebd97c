"""matrix/savedmodel_pb.py reads SavedModel facts without TensorFlow.

Checked three ways: against the facts the real corpus's README states (models
written by TF 0.12 to 2.14), against TensorFlow's own parse of the same files
(marked `tf`: the only tests here that import TensorFlow), and against broken
directories and files, which must raise SavedModelError with a one-line
message naming the path, never another exception. Wire-format and
text-format rules are pinned on small files encoded here by hand.
"""
import os
import random
import re
import shutil
import time

import pytest

from matrix import savedmodel_pb
from matrix.savedmodel_pb import SavedModelError, TensorFacts, read

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus")
needs_corpus = pytest.mark.skipif(not os.path.isdir(CORPUS), reason="no shared/corpus beside the checkout")


def corpus(name):
    return os.path.join(CORPUS, name)


def corpus_models():
    if not os.path.isdir(CORPUS):
        return []
    return sorted(n for n in os.listdir(CORPUS) if os.path.isdir(corpus(n)))


def corpus_index():
    """dir -> (TF version, GraphDef producer, tags) from the README's index table."""
    rows = {}
    with open(os.path.join(CORPUS, "README.md")) as f:
        for line in f:
            m = re.match(r"\|\s*`([^`]+)`\s*\|[^|]*\|\s*([^|\s]+)\s*\|\s*(\d+)\s*\|\s*([^|]+?)\s*\|", line)
            if m:
                rows[m.group(1)] = (m.group(2), int(m.group(3)), tuple(t.strip() for t in m.group(4).split(",")))
    return rows


def assert_one_line_error(path, call=None):
    """read(path) (or call()) raises SavedModelError whose message is one line naming path; returns it."""
    with pytest.raises(SavedModelError) as caught:
        call() if call else read(path)
    message = str(caught.value)
    assert len(message.splitlines()) == 1, message
    assert message.startswith(str(path) + ": "), message
    return message


# -- protobuf wire format, encoded by hand -------------------------------------------

def varint(n):
    n &= (1 << 64) - 1  # negative int64: ten bytes of two's complement, as protobuf writes it
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def field(number, value):
    """One field: int -> varint (wire type 0); str/bytes -> length-delimited (wire type 2)."""
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    data = value.encode("utf-8") if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(data)) + data


def msg(*fields):
    return b"".join(fields)


def shape(*sizes, unknown_rank=False):
    return msg(*[field(2, field(1, s)) for s in sizes]) + (field(3, 1) if unknown_rank else b"")


def tensor_info(name="x:0", dtype=1, tensor_shape=None):
    return msg(field(1, name), field(2, dtype), field(3, tensor_shape) if tensor_shape is not None else b"")


def map_entry(key, value):
    return field(1, key) + field(2, value)


def signature(inputs=(), outputs=(), method="tensorflow/serving/predict", defaults=()):
    return msg(*([field(1, map_entry(k, v)) for k, v in inputs] + [field(2, map_entry(k, v)) for k, v in outputs]
                 + [field(3, method)] + [field(4, map_entry(k, b"")) for k in defaults]))


def meta_graph(tags=("serve",), version="2.15.1", producer=1645, ops=("Placeholder",), signatures=(),
               functions=(), object_graph=False, extra=b""):
    info = msg(*[field(4, t) for t in tags]) + field(5, version) + field(6, "v" + version)
    library = msg(*[field(1, msg(*[field(3, field(2, op)) for op in fn])) for fn in functions])
    graph = msg(*[field(1, field(1, "n%d" % i) + field(2, op)) for i, op in enumerate(ops)])
    graph += (field(2, library) if functions else b"") + field(4, field(1, producer))
    sigs = msg(*[field(5, map_entry(k, v)) for k, v in signatures])
    return field(1, info) + field(2, graph) + sigs + (field(7, b"") if object_graph else b"") + extra


def saved_model(*meta_graphs):
    return field(1, 1) + msg(*[field(2, m) for m in meta_graphs])


def model_dir(tmp_path, data, name="saved_model.pb", folder="model"):
    path = tmp_path / folder
    path.mkdir()
    (path / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return str(path)


SERVING = signature(inputs=[("x", tensor_info("x:0", 1, shape(-1, 3)))],
                    outputs=[("y", tensor_info("y:0", 1, shape(-1, 1)))])


# -- the real corpus ------------------------------------------------------------------

@needs_corpus
@pytest.mark.parametrize("name", corpus_models())
def test_every_corpus_model_has_the_writer_version_producer_and_tags_the_corpus_index_states(name):
    version, producer, tags = corpus_index()[name]
    facts = read(corpus(name))
    assert facts.schema_version == 1
    assert len(facts.meta_graphs) == 1
    (meta_graph,) = facts.meta_graphs
    assert (meta_graph.tensorflow_version, meta_graph.graph_producer, meta_graph.tags) == (version, producer, tags)
    assert facts.meta_graph(tags) is meta_graph
    assert facts.file_format == ("text" if name.endswith("_pbtxt") else "binary")


@needs_corpus
def test_half_plus_two_2_versions_has_six_signatures_with_their_method_names():
    meta_graph = read(corpus("serving__saved_model_half_plus_two_2_versions")).meta_graph(["serve"])
    assert {k: s.method_name for k, s in meta_graph.signatures.items()} == {
        "classify_x2_to_y3": "tensorflow/serving/classify",
        "classify_x_to_y": "tensorflow/serving/classify",
        "regress_x2_to_y3": "tensorflow/serving/regress",
        "regress_x_to_y": "tensorflow/serving/regress",
        "regress_x_to_y2": "tensorflow/serving/regress",
        "serving_default": "tensorflow/serving/predict",
    }
    assert meta_graph.signatures["serving_default"].inputs == {"x": TensorFacts("x:0", "float32", (None, 1), "dense")}
    assert meta_graph.signatures["classify_x_to_y"].inputs == {
        "inputs": TensorFacts("tf_example:0", "string", None, "dense")}
    assert not meta_graph.has_object_graph and meta_graph.function_count == 0


@needs_corpus
def test_half_plus_two_2016_is_tensorflow_0_12_producer_19_and_its_tensor_infos_record_no_dtype_or_shape():
    facts = read(corpus("tensorflow__half_plus_two_2016"))
    meta_graph = facts.meta_graph("serve")
    assert (meta_graph.tensorflow_version, meta_graph.graph_producer) == ("0.12.head", 19)
    assert sorted(meta_graph.signatures) == ["serving_default", "tensorflow/serving/regress"]
    assert meta_graph.signatures["serving_default"].outputs == {"y": TensorFacts("y:0", "invalid", None, "dense")}
    assert "Variable" in meta_graph.op_types and "VariableV2" not in meta_graph.op_types  # the legacy op
    assert facts.assets == ("foo.txt",) and facts.has_variables


@needs_corpus
def test_the_pbtxt_model_reads_in_text_format_with_the_facts_of_its_binary_twin():
    text = read(corpus("tensorflow__half_plus_two_pbtxt"))
    binary = read(corpus("serving__saved_model_half_plus_two_2_versions"))
    assert (text.file_format, binary.file_format) == ("text", "binary")
    assert text.meta_graphs[0].tensorflow_version == "1.1.0-rc2" and text.meta_graphs[0].graph_producer == 23
    assert text.meta_graphs[0].signatures == binary.meta_graphs[0].signatures
    assert text.meta_graphs[0].op_types == binary.meta_graphs[0].op_types
    assert text.meta_graphs[0].node_dtypes == binary.meta_graphs[0].node_dtypes and \
        "float32" in text.meta_graphs[0].node_dtypes


@needs_corpus
def test_tf2_cpu_model_has_defaults_for_x_an_object_graph_and_fourteen_functions():
    meta_graph = read(corpus("serving__saved_model_half_plus_two_tf2_cpu")).meta_graph(("serve",))
    assert (meta_graph.tensorflow_version, meta_graph.graph_producer) == ("2.14.0", 1569)
    assert meta_graph.has_object_graph and meta_graph.function_count == 14
    assert len(meta_graph.signatures) == 7
    serving = meta_graph.signatures["serving_default"]
    assert serving.defaults == ("x",)
    assert serving.inputs == {"x": TensorFacts("serving_default_x:0", "float32", (1,), "dense")}
    assert serving.outputs == {"y": TensorFacts("StatefulPartitionedCall_5:0", "float32", (1,), "dense")}
    assert all(not s.defaults for k, s in meta_graph.signatures.items() if k != "serving_default")
    assert meta_graph.signatures["__saved_model_init_op"].outputs == {
        "__saved_model_init_op": TensorFacts("NoOp", "invalid", None, "dense")}
    assert "StatefulPartitionedCall" in meta_graph.op_types


@needs_corpus
def test_counter_outputs_are_reference_dtypes():
    meta_graph = read(corpus("serving__saved_model_counter")).meta_graphs[0]
    assert sorted(meta_graph.signatures) == ["get_counter", "incr_counter", "incr_counter_by", "reset_counter"]
    assert meta_graph.signatures["get_counter"].outputs == {"output": TensorFacts("counter:0", "float32_ref", (), "dense")}
    assert meta_graph.signatures["incr_counter_by"].inputs == {"delta": TensorFacts("delta:0", "float32", None, "dense")}


@needs_corpus
def test_matrix_half_plus_two_has_no_variables_assets_or_keras_metadata():
    facts = read(corpus("serving__matrix_half_plus_two"))
    assert (facts.has_variables, facts.assets, facts.keras_metadata) == (False, (), False)
    assert facts.meta_graphs[0].signatures["serving_default"].inputs["x"].shape == (None, 3, 3)
    assert facts.meta_graphs[0].op_types == {"Placeholder", "Const", "Mul", "Add", "NoOp"}


@needs_corpus
def test_x_plus_y_v2_written_by_tf_1_14_has_an_object_graph_and_its_functions_ops():
    meta_graph = read(corpus("tensorflow__x_plus_y_v2_debuginfo")).meta_graphs[0]
    assert meta_graph.has_object_graph and meta_graph.function_count == 4
    assert "AddV2" in meta_graph.op_types  # only inside a library function
    assert meta_graph.signatures["serving_default"].inputs == {
        "x": TensorFacts("serving_default_x:0", "float32", (), "dense"),
        "y": TensorFacts("serving_default_y:0", "float32", (), "dense")}


@needs_corpus
def test_the_fingerprint_covers_every_byte_and_path_but_not_the_location(tmp_path):
    original = corpus("serving__saved_model_half_plus_two_cpu")
    copy = str(tmp_path / "copy")
    shutil.copytree(original, copy)
    assert read(copy).fingerprint == read(original).fingerprint
    with open(os.path.join(copy, "assets", "foo.txt"), "ab") as f:
        f.write(b"!")
    changed = read(copy).fingerprint
    assert changed != read(original).fingerprint
    os.rename(os.path.join(copy, "assets", "foo.txt"), os.path.join(copy, "assets", "bar.txt"))
    assert read(copy).fingerprint not in (changed, read(original).fingerprint)
    assert read(copy).assets == ("bar.txt",)


def test_assets_are_listed_recursively_relative_and_sorted(tmp_path):
    path = model_dir(tmp_path, saved_model(meta_graph()))
    for name in ("b.txt", "sub/z.txt", "sub/deeper/a.bin", "a.txt"):
        os.makedirs(os.path.dirname(os.path.join(path, "assets", name)), exist_ok=True)
        open(os.path.join(path, "assets", name), "w").close()
    os.makedirs(os.path.join(path, "variables"))
    open(os.path.join(path, "variables", "variables.index"), "w").close()
    open(os.path.join(path, "keras_metadata.pb"), "w").close()
    facts = read(path)
    assert facts.assets == ("a.txt", "b.txt", "sub/deeper/a.bin", "sub/z.txt")
    assert facts.has_variables and facts.keras_metadata


def test_meta_graph_matches_the_exact_tag_set_in_any_order_and_names_the_sets_it_has(tmp_path):
    path = model_dir(tmp_path, saved_model(meta_graph(tags=("serve",)), meta_graph(tags=("serve", "gpu")),
                                           meta_graph(tags=("train",))))
    facts = read(path)
    assert facts.meta_graph(["gpu", "serve"]).tags == ("serve", "gpu")
    assert facts.meta_graph("serve,gpu") is facts.meta_graphs[1]
    assert facts.meta_graph({"serve"}) is facts.meta_graphs[0]
    message = assert_one_line_error(path, lambda: facts.meta_graph(["serve", "tpu"]))
    assert "{serve, tpu}" in message and "{serve}; {gpu, serve}; {train}" in message


# -- wire-format rules -------------------------------------------------------------------

def only_meta_graph(tmp_path, *args, **kwargs):
    return read(model_dir(tmp_path, saved_model(meta_graph(*args, **kwargs)))).meta_graphs[0]


def test_negative_dimension_sizes_are_ten_byte_varints_and_read_as_unknown_dimensions(tmp_path):
    assert len(varint(-1)) == 10
    sig = signature(inputs=[("x", tensor_info(tensor_shape=shape(-1, 7, -1))),
                            ("scalar", tensor_info(tensor_shape=shape())),
                            ("any", tensor_info(tensor_shape=shape(4, unknown_rank=True))),
                            ("unrecorded", tensor_info())])
    inputs = only_meta_graph(tmp_path, signatures=[("s", sig)]).signatures["s"].inputs
    assert inputs["x"].shape == (None, 7, None)
    assert inputs["scalar"].shape == ()
    assert inputs["any"].shape is None            # unknown_rank wins over any dims
    assert inputs["unrecorded"].shape is None     # no tensor_shape at all: nothing recorded


def test_dtype_numbers_read_as_numpy_like_names_with_ref_suffix_and_unknown_numbers_kept(tmp_path):
    numbers = {0: "invalid", 1: "float32", 2: "float64", 7: "string", 10: "bool", 14: "bfloat16", 19: "float16",
               20: "resource", 21: "variant", 23: "uint64", 101: "float32_ref", 119: "float16_ref",
               24: "dtype_24", 100: "dtype_100", 300: "dtype_300", -1: "dtype_-1"}
    sig = signature(inputs=[("t%d" % n, tensor_info(dtype=n)) for n in numbers])
    inputs = only_meta_graph(tmp_path, signatures=[("s", sig)]).signatures["s"].inputs
    assert {int(k[1:]): t.dtype for k, t in inputs.items()} == numbers


def test_unknown_fields_of_every_wire_type_are_skipped_at_every_level(tmp_path):
    unknown = field(90, 5) + field(91, b"\x00\xff junk") + varint(92 << 3 | 1) + b"8 bytes!" + varint(93 << 3 | 5) + b"4by!"
    info = tensor_info(tensor_shape=shape(-1) + unknown) + unknown
    sig = signature(inputs=[("x", info)]) + unknown
    data = saved_model(meta_graph(signatures=[("s", sig)], extra=unknown) + unknown) + unknown
    meta = read(model_dir(tmp_path, data)).meta_graphs[0]
    assert meta.signatures["s"].inputs == {"x": TensorFacts("x:0", "float32", (None,), "dense")}
    assert meta.tags == ("serve",) and meta.graph_producer == 1645


def test_a_field_with_an_unexpected_wire_type_is_an_unknown_field(tmp_path):
    info = field(4, 123) + field(5, "2.15.1") + field(4, "serve")   # tags as a varint: not a tag
    data = field(2, field(1, info) + field(2, field(4, field(1, "oops"))))  # producer as a string: not a producer
    meta = read(model_dir(tmp_path, data)).meta_graphs[0]
    assert meta.tags == ("serve",) and meta.graph_producer == 0


def test_packed_and_unpacked_repeated_scalars_are_skipped_around_the_fields_read(tmp_path):
    versions = field(1, 27) + field(2, 12) + field(3, 4) + field(3, 5) + field(3, varint(6) + varint(7))
    data = field(2, field(1, field(4, "serve")) + field(2, field(4, versions)))
    assert read(model_dir(tmp_path, data)).meta_graphs[0].graph_producer == 27


def test_a_message_field_given_twice_is_merged_and_a_scalar_keeps_its_last_value(tmp_path):
    first = field(4, "serve") + field(5, "1.0")
    second = field(4, "gpu") + field(5, "2.0")
    data = field(1, 1) + field(1, 2) + field(2, field(1, first) + field(2, field(1, field(2, "A"))) + field(1, second)
                                           + field(2, field(1, field(2, "B")) + field(4, field(1, 7)) + field(4, field(1, 8))))
    facts = read(model_dir(tmp_path, data))
    assert facts.schema_version == 2
    meta = facts.meta_graphs[0]
    assert (meta.tags, meta.tensorflow_version, meta.graph_producer, meta.op_types) == (
        ("serve", "gpu"), "2.0", 8, {"A", "B"})


def test_map_entries_with_the_same_key_keep_the_last(tmp_path):
    older = signature(method="old")
    newer = signature(method="new")
    meta = only_meta_graph(tmp_path, signatures=[("s", older), ("t", older), ("s", newer)])
    assert {k: s.method_name for k, s in meta.signatures.items()} == {"s": "new", "t": "old"}


def test_the_encoding_oneof_keeps_the_member_set_last(tmp_path):
    coo = field(4, field(1, "sp/values:0") + field(2, "sp/indices:0") + field(3, "sp/shape:0"))
    composite = field(5, field(1, b"spec"))
    sig = signature(inputs=[
        ("dense", coo + field(1, "x:0")),
        ("sparse", field(1, "x:0") + coo + field(2, 3)),
        ("ragged", coo + composite),
        ("nothing", field(2, 1)),
    ])
    inputs = only_meta_graph(tmp_path, signatures=[("s", sig)]).signatures["s"].inputs
    assert inputs["dense"] == TensorFacts("x:0", "invalid", None, "dense")
    assert inputs["sparse"] == TensorFacts("sp/values:0", "int32", None, "coo_sparse")
    assert inputs["ragged"] == TensorFacts("", "invalid", None, "composite")
    assert inputs["nothing"] == TensorFacts("", "float32", None, "dense")


def test_defaults_name_the_inputs_that_have_a_default_value(tmp_path):
    sig = signature(inputs=[("x", tensor_info()), ("y", tensor_info())], defaults=("y",))
    assert only_meta_graph(tmp_path, signatures=[("s", sig)]).signatures["s"].defaults == ("y",)


def test_op_types_cover_graph_nodes_and_function_node_defs_and_functions_are_counted(tmp_path):
    meta = only_meta_graph(tmp_path, ops=("Placeholder", "StatefulPartitionedCall", "Placeholder"),
                           functions=[("ReadVariableOp", "AddV2"), (), ("Identity",)], object_graph=True)
    assert meta.op_types == {"Placeholder", "StatefulPartitionedCall", "ReadVariableOp", "AddV2", "Identity"}
    assert meta.function_count == 3 and meta.has_object_graph


def test_node_dtypes_are_the_type_attributes_of_graph_nodes_and_function_node_defs(tmp_path):
    """What the graph computes in (Keras mixed precision casts to float16 inside a float32 signature)."""
    def node(op, **types):  # NodeDef: op, and attr entries whose AttrValue is a type (field 6)
        return field(2, op) + msg(*[field(5, map_entry(k, field(6, t))) for k, t in types.items()])
    half_list = field(5, map_entry("Tout", field(1, field(6, 19))))  # list(type): not a type attribute
    graph = msg(field(1, node("Cast", SrcT=1, DstT=19)), field(1, node("Const", dtype=3) + half_list))
    library = field(1, field(3, node("MatMul", T=14)))
    data = saved_model(field(2, graph + field(2, library)))
    assert read(model_dir(tmp_path, data)).meta_graphs[0].node_dtypes == {"float32", "float16", "int32", "bfloat16"}


def test_a_meta_graph_without_graph_def_or_versions_has_no_producer(tmp_path):
    data = saved_model(field(1, field(4, "serve")), field(1, field(4, "train")) + field(2, field(1, field(2, "Op"))))
    facts = read(model_dir(tmp_path, data))
    assert [m.graph_producer for m in facts.meta_graphs] == [None, None]
    assert facts.meta_graphs[1].op_types == {"Op"} and facts.meta_graphs[0].op_types == frozenset()


def test_a_40_mb_graph_of_300_thousand_nodes_reads_in_a_few_seconds(tmp_path):
    attr = field(5, map_entry("T", field(6, 1))) + field(5, map_entry("_class", field(1, field(2, "loc:@w" * 8))))
    nodes = [field(1, field(1, "block/layer/op_%06d" % i) + field(2, "Op%d" % (i % 7)) + field(3, "block/layer/in")
                   + field(3, "^ctrl") + field(4, "/device:CPU:0") + attr) for i in range(1000)]
    graph = b"".join(nodes) * 300 + field(4, field(1, 1700))
    data = field(1, 1) + field(2, field(1, field(4, "serve")) + field(2, graph) + field(5, map_entry("s", SERVING)))
    assert len(data) > 40e6
    path = model_dir(tmp_path, data)
    started = time.time()
    meta = read(path).meta_graphs[0]
    assert time.time() - started < 10  # about 1 s on one core; generous for a loaded machine
    assert meta.op_types == {"Op%d" % i for i in range(7)} and meta.graph_producer == 1700


# -- text format rules ---------------------------------------------------------------------

PBTXT = r"""
# a comment; fields in any order, ':' before a message optional, ';' and ',' as separators
saved_model_schema_version: 0x1
meta_graphs: {
  meta_info_def <
    tags: 'serve', tags: "tr\141in";   # octal escape
    tags: ["gp\x75", "t" 'pu']         # list syntax, hex escape, adjacent literals
    tensorflow_version: "2.\0615\n" tensorflow_version: "caf\303\251"
    any_info { [type.googleapis.com/tensorflow.Unknown] { stuff: 1 more { x: "y" } } }
    stripped_default_attrs: true
  >
  graph_def {
    node { name: "a" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
    node { op: 'Const' attr { key: "value" value { tensor { tensor_content: "\000\001\377" float_val: -1.5e3 } } } }
    versions { producer: 27 bad_consumers: [1, 2] }
    library { function { node_def { op: "AddV2" } node_def { op: "Mul" } } }
  }
  signature_def {
    key: "serving_default"
    value {
      inputs { key: "x" value { name: "x:0" dtype: DT_HALF tensor_shape { dim { size: -1 } dim { size: 3 } } } }
      inputs { key: "r" value { name: "r:0" dtype: DT_FLOAT_REF tensor_shape { unknown_rank: true } } }
      inputs { key: "n" value { name: "n:0" dtype: 9 } }
      inputs { key: "sp" value { coo_sparse { values_tensor_name: "sp/values:0" } dtype: DT_INT64 } }
      outputs { key: "y" value { composite_tensor { type_spec { type_spec_class: RAGGED_TENSOR_SPEC } } } }
      method_name: "tensorflow/serving/predict"
      defaults { key: "n" value { dtype: DT_INT64 int64_val: 0 } }
    }
  }
  object_graph_def {}
}
"""


def test_text_format_reads_comments_escapes_lists_extensions_and_enum_names(tmp_path):
    facts = read(model_dir(tmp_path, PBTXT, "saved_model.pbtxt"))
    assert facts.file_format == "text" and facts.schema_version == 1
    meta = facts.meta_graphs[0]
    assert meta.tags == ("serve", "train", "gpu", "tpu")
    assert meta.tensorflow_version == "caf\u00e9"
    assert meta.graph_producer == 27 and meta.has_object_graph and meta.function_count == 1
    assert meta.op_types == {"Placeholder", "Const", "AddV2", "Mul"}
    serving = meta.signatures["serving_default"]
    assert serving.inputs == {
        "x": TensorFacts("x:0", "float16", (None, 3), "dense"),
        "r": TensorFacts("r:0", "float32_ref", None, "dense"),
        "n": TensorFacts("n:0", "int64", None, "dense"),
        "sp": TensorFacts("sp/values:0", "int64", None, "coo_sparse"),
    }
    assert serving.outputs == {"y": TensorFacts("", "invalid", None, "composite")}
    assert serving.defaults == ("n",) and serving.method_name == "tensorflow/serving/predict"


def test_saved_model_pb_is_read_when_both_files_exist(tmp_path):
    path = model_dir(tmp_path, saved_model(meta_graph(version="binary")))
    with open(os.path.join(path, "saved_model.pbtxt"), "w") as f:
        f.write('meta_graphs { meta_info_def { tensorflow_version: "text" } }')
    facts = read(path)
    assert (facts.file_format, facts.meta_graphs[0].tensorflow_version) == ("binary", "binary")


@pytest.mark.parametrize("text, cause", [
    ("meta_graphs { meta_info_def { tags: \"serve\" }", "truncated"),
    ("meta_graphs { meta_info_def { tags: \"serve\" } } }", "line 1"),
    ("meta_graphs {\n meta_info_def { tags: \"bad \\q escape\" } }", "line 2"),
    ("meta_graphs { signature_def { value { inputs { value { dtype: DT_NOPE } } } } }", "unknown DataType DT_NOPE"),
    ("meta_graphs { meta_info_def { tags: serve } }", "tags should be a quoted string"),
    ("meta_graphs { graph_def { versions { producer: 99999999999 } } }", "producer should be an int32"),
    ("meta_graphs { meta_info_def { tags: \"\\377\" } }", "not UTF-8"),
    ("meta_graphs { meta_info_def: \"x\" }", "should be a message"),
    ("meta_graphs { @ }", "unexpected '@'"),
    ("meta_graphs " + "{ a " * 5000 + "}" * 5000 + "}", "nested more than"),
    ("", "holds no MetaGraph (the file is empty)"),
    ("saved_model_schema_version: 1", "holds no MetaGraph"),
])
def test_broken_text_format_is_a_saved_model_error_naming_the_line_or_cause(tmp_path, text, cause):
    message = assert_one_line_error(model_dir(tmp_path, text, "saved_model.pbtxt"))
    assert "saved_model.pbtxt" in message and cause in message


# -- broken directories and files -------------------------------------------------------------

def test_a_path_that_does_not_exist_is_a_saved_model_error(tmp_path):
    assert assert_one_line_error(str(tmp_path / "nowhere")).endswith(": does not exist")


def test_a_file_instead_of_a_directory_is_a_saved_model_error(tmp_path):
    path = tmp_path / "saved_model.pb"
    path.write_bytes(saved_model(meta_graph()))
    assert "is not a directory" in assert_one_line_error(str(path))


def test_a_directory_without_saved_model_pb_or_pbtxt_is_a_saved_model_error(tmp_path):
    path = tmp_path / "model"
    (path / "variables").mkdir(parents=True)
    (path / "model.meta").write_bytes(b"a MetaGraph + checkpoint folder is not a SavedModel")
    assert assert_one_line_error(str(path)).endswith(": no saved_model.pb or saved_model.pbtxt")


def test_an_empty_saved_model_pb_holds_no_meta_graph(tmp_path):
    message = assert_one_line_error(model_dir(tmp_path, b""))
    assert message.endswith("saved_model.pb holds no MetaGraph (the file is empty)")


def test_the_message_stays_one_line_when_the_path_has_a_newline(tmp_path):
    path = str(tmp_path / "two\nlines")
    os.mkdir(path)
    with pytest.raises(SavedModelError) as caught:
        read(path)
    assert str(caught.value).splitlines() == [path.replace("\n", "\\n") + ": no saved_model.pb or saved_model.pbtxt"]


@pytest.mark.parametrize("data, cause", [
    (field(2, field(1, field(4, "serve")))[:-2], "is truncated (field 2 at byte 0 runs past the end)"),
    (field(2, field(1, field(4, "serve") + varint(5 << 3 | 2) + varint(100)) + b"x" * 50),
     "runs past the end of its message at byte"),
    (varint(2 << 3 | 3) + b"\x00", "is a group"),
    (varint(2 << 3 | 4), "is a group"),
    (varint(2 << 3 | 7), "wire type 7"),
    (field(0, 1), "field number 0 at byte 0"),
    (field(1, b"") + b"\xff" * 11, "longer than 10 bytes"),
    (field(2, field(1, field(4, b"\xc3\x28"))), "is not UTF-8"),
    (field(1, 1), "holds no MetaGraph"),
    (b"\x08", "is truncated (varint at byte 1 runs past the end)"),
])
def test_malformed_wire_format_is_a_saved_model_error_naming_the_cause(tmp_path, data, cause):
    message = assert_one_line_error(model_dir(tmp_path, data))
    assert "saved_model.pb" in message and cause in message, message


@needs_corpus
def test_truncated_copies_of_a_real_model_are_saved_model_errors(tmp_path):
    data = open(os.path.join(corpus("serving__saved_model_half_plus_two_tf2_cpu"), "saved_model.pb"), "rb").read()
    for cut in [1, 10, 100, len(data) // 3, len(data) // 2, len(data) - 100, len(data) - 1]:
        message = assert_one_line_error(model_dir(tmp_path, data[:cut], folder="cut%d" % cut))
        assert "saved_model.pb is truncated (" in message, message
    # cut right after saved_model_schema_version: a complete message, without its MetaGraph
    assert assert_one_line_error(model_dir(tmp_path, data[:2], folder="cut2")).endswith("holds no MetaGraph")


def test_random_bytes_are_saved_model_errors(tmp_path):
    rng = random.Random(20261129)
    for n in range(200):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000)))
        path = model_dir(tmp_path, data, folder="random%d" % n)
        try:
            read(path)
        except SavedModelError as exc:
            assert len(str(exc).splitlines()) == 1 and str(exc).startswith(path + ": ")
        else:  # random bytes may spell a valid message, but never one with a MetaGraph this often
            raise AssertionError("random bytes read as a SavedModel: %r" % data[:40])


@needs_corpus
def test_every_7th_byte_flipped_in_turn_gives_a_saved_model_error_or_valid_facts(tmp_path):
    original = corpus("serving__saved_model_half_plus_two_tf2_cpu")  # graph, functions, object graph, defaults
    path = str(tmp_path / "model")
    shutil.copytree(original, path)
    pb = os.path.join(path, "saved_model.pb")
    with open(pb, "rb") as f:
        data = f.read()
    outcomes = {"error": 0, "facts": 0}
    for at in range(0, len(data), 7):
        flipped = bytearray(data)
        flipped[at] ^= 0xFF
        with open(pb, "wb") as f:
            f.write(flipped)
        try:
            facts = read(path)
        except SavedModelError as exc:
            assert len(str(exc).splitlines()) == 1 and str(exc).startswith(path + ": "), exc
            outcomes["error"] += 1
        else:
            assert facts.meta_graphs and all(isinstance(m.op_types, frozenset) for m in facts.meta_graphs)
            outcomes["facts"] += 1
    assert outcomes["error"] and outcomes["facts"]  # both happen: flips in strings and numbers still parse


# -- against TensorFlow's own parse ---------------------------------------------------------------

def tensorflow_facts(path):
    """The same facts as read(), from TensorFlow's protobuf classes (imports TensorFlow)."""
    from google.protobuf import text_format
    from tensorflow.core.protobuf import saved_model_pb2
    from tensorflow.python.framework import dtypes, tensor_shape

    proto = saved_model_pb2.SavedModel()
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        with open(os.path.join(path, "saved_model.pb"), "rb") as f:
            proto.ParseFromString(f.read())
    else:
        with open(os.path.join(path, "saved_model.pbtxt")) as f:
            text_format.Parse(f.read(), proto)

    def dtype(number):
        if number == 0:
            return "invalid"
        try:
            return dtypes.as_dtype(number).name
        except TypeError:
            return "dtype_%d" % number

    def tensor(info):
        encoding = info.WhichOneof("encoding")
        name = {"name": info.name, "coo_sparse": info.coo_sparse.values_tensor_name}.get(encoding, "")
        dims = None
        if info.HasField("tensor_shape"):
            dims = tensor_shape.TensorShape(info.tensor_shape)
            dims = None if dims.rank is None else tuple(dims.as_list())
        return TensorFacts(name, dtype(info.dtype), dims,
                           {"coo_sparse": "coo_sparse", "composite_tensor": "composite"}.get(encoding, "dense"))

    def shape(proto_shape):
        dims = tensor_shape.TensorShape(proto_shape)
        return None if dims.rank is None else tuple(dims.as_list())

    def structure(value):
        kind = value.WhichOneof("kind")
        if kind is None:
            return savedmodel_pb.Opaque("unknown")
        if kind == "none_value":
            return None
        if kind in ("string_value", "bool_value", "int64_value", "float64_value"):
            return getattr(value, kind)
        if kind in ("list_value", "tuple_value"):
            items = [structure(v) for v in getattr(value, kind).values]
            return items if kind == "list_value" else tuple(items)
        if kind == "dict_value":
            return {k: structure(v) for k, v in sorted(value.dict_value.fields.items())}
        if kind == "named_tuple_value":
            return savedmodel_pb.Named(value.named_tuple_value.name,
                                       {p.key: structure(p.value) for p in value.named_tuple_value.values})
        if kind == "tensor_spec_value":
            spec = value.tensor_spec_value
            return TensorFacts(spec.name, dtype(spec.dtype), shape(spec.shape), "dense")
        return savedmodel_pb.Opaque(kind)

    def root_call(meta):
        graph = meta.object_graph_def
        refs = {c.local_name: c.node_id for c in graph.nodes[0].children} if graph.nodes else {}
        node = graph.nodes[refs["__call__"]] if "__call__" in refs else None
        if node is None or node.WhichOneof("kind") != "function":
            return False, ()
        argspec = structure(node.function.function_spec.fullargspec) \
            if node.function.function_spec.HasField("fullargspec") else None
        names = tuple(argspec.fields["args"]) if isinstance(argspec, savedmodel_pb.Named) else ()
        defaults = argspec.fields.get("defaults") if isinstance(argspec, savedmodel_pb.Named) else None
        found = []
        for name in sorted(set(node.function.concrete_functions)):
            concrete = graph.concrete_functions[name]
            args, kwargs = structure(concrete.canonicalized_input_signature)
            own = names[1:] if node.function.function_spec.is_method and len(names) > len(args) else names
            found.append(savedmodel_pb.CallFunction(name, args, kwargs, structure(concrete.output_signature), own,
                                                    tuple(defaults) if isinstance(defaults, (list, tuple)) else ()))
        return True, tuple(found)

    meta_graphs = []
    for meta in proto.meta_graphs:
        callable_, call_functions = root_call(meta)
        graph = meta.graph_def
        meta_graphs.append(savedmodel_pb.MetaGraphFacts(
            tags=tuple(meta.meta_info_def.tags),
            tensorflow_version=meta.meta_info_def.tensorflow_version,
            tensorflow_git_version=meta.meta_info_def.tensorflow_git_version,
            graph_producer=graph.versions.producer if meta.HasField("graph_def") and graph.HasField("versions") else None,
            signatures={key: savedmodel_pb.SignatureFacts(
                key=key, method_name=sig.method_name,
                inputs={k: tensor(v) for k, v in sorted(sig.inputs.items())},
                outputs={k: tensor(v) for k, v in sorted(sig.outputs.items())},
                defaults=tuple(sorted(sig.defaults))) for key, sig in sorted(meta.signature_def.items())},
            has_object_graph=meta.HasField("object_graph_def"),
            op_types=frozenset([n.op for n in graph.node] + [n.op for f in graph.library.function for n in f.node_def]),
            function_count=len(graph.library.function), callable=callable_, call_functions=call_functions,
            node_dtypes=frozenset(dtype(a.type) for n in list(graph.node) + [n for f in graph.library.function
                                                                             for n in f.node_def]
                                  for a in n.attr.values() if a.WhichOneof("value") == "type")))
    return proto.saved_model_schema_version, tuple(meta_graphs)


def assert_same_as_tensorflow(path):
    facts = read(path)
    assert (facts.schema_version, facts.meta_graphs) == tensorflow_facts(path)


@pytest.mark.tf
@needs_corpus
def test_the_reader_agrees_with_tensorflows_own_parse_on_every_corpus_model():
    names = corpus_models()
    assert len(names) >= 16
    for name in names:
        assert_same_as_tensorflow(corpus(name))


@pytest.mark.tf
def test_the_reader_agrees_with_tensorflow_on_sparse_ragged_text_and_multi_meta_graph_models(tmp_path):
    import tensorflow as tf
    v1 = tf.compat.v1
    for as_text in (False, True):
        graph = tf.Graph()
        with graph.as_default(), v1.Session() as session:
            sparse = v1.sparse_placeholder(tf.float32, shape=[None, 4], name="sp")
            half = v1.placeholder(tf.float16, shape=[None, None, 3], name="x")
            total = tf.sparse.reduce_sum(sparse, axis=1)
            sig = v1.saved_model.signature_def_utils.build_signature_def(
                inputs={"sp": v1.saved_model.utils.build_tensor_info(sparse),
                        "x": v1.saved_model.utils.build_tensor_info(half)},
                outputs={"y": v1.saved_model.utils.build_tensor_info(total)},
                method_name="tensorflow/serving/predict")
            builder = v1.saved_model.Builder(str(tmp_path / ("tf1_text" if as_text else "tf1_binary")))
            builder.add_meta_graph_and_variables(session, ["serve"], signature_def_map={"serving_default": sig})
            builder.add_meta_graph(["serve", "gpu"], signature_def_map={"other": sig})
            builder.save(as_text=as_text)

    class Ragged(tf.Module):
        @tf.function(input_signature=[tf.RaggedTensorSpec(shape=[None, None], dtype=tf.int32)])
        def double(self, r):
            return {"doubled": r * 2, "sum": tf.reduce_sum(r, axis=1)}

    module = Ragged()
    tf.saved_model.save(module, str(tmp_path / "tf2_ragged"), signatures={"double": module.double})

    for name in ("tf1_binary", "tf1_text", "tf2_ragged"):
        assert_same_as_tensorflow(str(tmp_path / name))
    assert not read(str(tmp_path / "tf2_ragged")).meta_graphs[0].callable  # no __call__: signatures only
    assert read(str(tmp_path / "tf1_text")).file_format == "text"
    assert read(str(tmp_path / "tf1_binary")).meta_graph("gpu,serve").signatures["other"].inputs["sp"].encoding == "coo_sparse"
    outputs = read(str(tmp_path / "tf2_ragged")).meta_graphs[0].signatures["double"].outputs
    assert outputs["doubled"].encoding == "composite"


def test_a_tensor_info_without_a_shape_says_so_apart_from_an_unknown_rank():
    """saved_model_cli prints protobuf's default (a scalar) where the writer recorded no shape at all."""
    model = os.path.join(CORPUS, "tensorflow__half_plus_two_2016")
    if not os.path.isdir(model):
        pytest.skip("no ../shared/corpus beside this checkout")
    x = read(model).meta_graphs[0].signatures["tensorflow/serving/regress"].inputs["inputs"]
    assert x.shape is None and x.shape_recorded is False


@pytest.mark.tf
def test_the_reader_agrees_with_tensorflow_on_what_a_models_own_call_was_traced_on(tmp_path):
    """The root's __call__ (a TF Hub style module, a Keras model): each concrete function's arguments,
    constants (training=False, a float, an int) and outputs, as TF's own parse of the object graph."""
    import tensorflow as tf

    class Hub(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])

        @tf.function
        def __call__(self, x, training=False, scale=1.5, steps=2, name=None):
            return {"y": tf.matmul(x, self.w) * scale, "n": tf.constant(steps)}

    hub = Hub()
    hub.__call__.get_concrete_function(tf.TensorSpec([None, 2], tf.float32, name="x"))
    hub.__call__.get_concrete_function(tf.TensorSpec([None, 2], tf.float32), training=True, steps=3)
    tf.saved_model.save(hub, str(tmp_path / "hub"), signatures={})
    inputs = {"a": tf.keras.Input((2,), name="a"), "b": tf.keras.Input((3,), name="b")}
    both = tf.keras.layers.Concatenate()([inputs["a"], inputs["b"]])
    keras = tf.keras.Model(inputs, [tf.keras.layers.Dense(1)(both), both])
    tf.saved_model.save(keras, str(tmp_path / "keras"))
    for name in ("hub", "keras"):
        assert_same_as_tensorflow(str(tmp_path / name))
    meta = read(str(tmp_path / "hub")).meta_graphs[0]
    assert meta.callable and len(meta.call_functions) == 2
    assert {f.args[1:] for f in meta.call_functions} == {(False, 1.5, 2, None), (True, 1.5, 3, None)}
    assert meta.call_functions[0].arg_names == ("x", "training", "scale", "steps", "name")
