"""What a SavedModel directory holds, read without TensorFlow and without protobuf.

`read(path)` returns the facts a compatibility question starts from: the tag
sets, the TF version that wrote each MetaGraph and its GraphDef producer, every
signature (method name, input and output tensor names, dtypes, shapes,
encodings, inputs with defaults), whether the TF2 object graph is present, the
op types the graph and its functions use, and the files around them
(variables, assets, keras_metadata.pb, a fingerprint of every byte).

Why by hand: the facts are wanted where TensorFlow is absent (the `begin` and
report steps) or is the thing under test (a TF whose loader refuses the model
must not be the one that says what the model is), on every Python from 3.7
to 3.13. So this decodes the protobuf wire format of saved_model.pb itself,
and the protobuf text format of saved_model.pbtxt, reading only the fields
listed in the schemas below and skipping the rest (GraphDef node contents,
constants, collections, the object graph's contents) without decoding it.

Protobuf's own rules are followed where they decide a fact: a scalar field
given several times keeps its last value, a message field given several times
is merged, map entries with the same key keep the last, the last member set of
a oneof wins, a field with an unexpected wire type is an unknown field, int32
and enum values keep their low 32 bits. Where we differ: a TensorInfo without
tensor_shape has shape None (the writer recorded nothing, as TF 0.12 did), not
the scalar shape protobuf's default would mean; any negative dimension size is
an unknown dimension (None), as -1 is; groups (wire types 3 and 4), which no
SavedModel message uses, are errors rather than skipped; in text format, field
names we do not read are skipped without checking that the message has them.

Anything that is not a readable SavedModel (missing, not a directory,
truncated, corrupt, no MetaGraph) raises SavedModelError, whose message is one
line that starts with the path. Stdlib only.
"""
import hashlib
import os
import re
import struct
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple, Union

__all__ = ["SavedModelError", "TensorFacts", "SignatureFacts", "Opaque", "Named", "CallFunction", "MetaGraphFacts",
           "SavedModelFacts", "read"]


class SavedModelError(Exception):
    """Not a readable SavedModel; str(exc) is one line: '<path>: <cause>'."""


Shape = Optional[Tuple[Optional[int], ...]]


# Frozen, but those holding dicts are not hashable.
@dataclass(frozen=True)
class TensorFacts:
    name: str              # graph tensor name ("x:0"); the values tensor for coo_sparse; "" for composite
    dtype: str             # "float32", "float32_ref", "invalid" (not recorded), "dtype_<n>" (unknown to us)
    shape: Shape           # None: unknown rank (or not recorded); a None dimension: unknown size
    encoding: str          # "dense" | "coo_sparse" | "composite"
    # False: no tensor_shape at all (tools that print protobuf's default show "()"). Not part of equality:
    # the shape facts above are the same either way.
    shape_recorded: bool = field(default=True, compare=False)


@dataclass(frozen=True)
class SignatureFacts:
    key: str
    method_name: str
    inputs: Dict[str, TensorFacts]
    outputs: Dict[str, TensorFacts]
    defaults: Tuple[str, ...]     # keys of SignatureDef.defaults (inputs that may be left out), sorted


@dataclass(frozen=True)
class Opaque:
    """A part of a traced function's structure that is not a plain tensor, constant or container
    (a RaggedTensorSpec, a SparseTensorSpec, a dtype): `kind` is StructuredValue's member set."""
    kind: str


@dataclass(frozen=True)
class Named:
    """A namedtuple in a traced function's structure (FullArgSpec, a user's namedtuple)."""
    name: str
    fields: Dict[str, Any]


# A traced function's structure (StructuredValue): a TensorFacts for a tf.TensorSpec (encoding "dense"),
# None, a bool, int, float or str constant, a list, a tuple, a dict (str keys), a Named, or an Opaque.
Structure = Any


@dataclass(frozen=True)
class CallFunction:
    """One concrete function of the root object's __call__ (the TF2 object graph): what it was traced on."""
    name: str                      # the concrete function's name, "__inference___call___30"
    args: Tuple[Structure, ...]    # canonicalized positional arguments
    kwargs: Dict[str, Structure]   # canonicalized keyword arguments
    output: Structure              # output_signature
    arg_names: Tuple[str, ...]     # the Python function's parameters (FullArgSpec.args, without self), () if unknown
    defaults: Tuple[Structure, ...]  # FullArgSpec.defaults: of the last len(defaults) parameters


@dataclass(frozen=True)
class MetaGraphFacts:
    tags: Tuple[str, ...]
    tensorflow_version: str
    tensorflow_git_version: str
    graph_producer: Optional[int]   # GraphDef.versions.producer; None without graph_def or versions
    signatures: Dict[str, SignatureFacts]
    has_object_graph: bool          # object_graph_def present: written by the TF2 object API
    op_types: FrozenSet[str]        # ops of graph_def.node and of every library function's node_def
    function_count: int             # graph_def.library.function
    # the object graph's root has a __call__ function (tf.saved_model.load gives a callable object) ...
    callable: bool = False
    # ... traced on these structures, sorted by name
    call_functions: Tuple[CallFunction, ...] = ()
    # the dtypes the nodes' type attributes name (T, DstT, dtype, ...), graph and library functions: what
    # the graph computes in, which its signature may not show (Keras mixed precision: float32 in and out)
    node_dtypes: FrozenSet[str] = frozenset()


@dataclass(frozen=True)
class SavedModelFacts:
    path: str                       # the directory, as given to read()
    file_format: str                # "binary" (saved_model.pb) | "text" (saved_model.pbtxt)
    schema_version: int
    meta_graphs: Tuple[MetaGraphFacts, ...]
    has_variables: bool             # variables/variables.index exists
    assets: Tuple[str, ...]         # files under assets/, relative to it, "/"-separated, sorted
    keras_metadata: bool            # keras_metadata.pb exists
    fingerprint: str                # sha256 over every file: see _fingerprint

    def meta_graph(self, tags: Union[str, Iterable[str]]) -> MetaGraphFacts:
        """The first MetaGraph whose tag set is exactly `tags` (order and repeats ignored).

        A string is a comma-separated tag set, as saved_model_cli's --tag_set."""
        wanted = frozenset(t.strip() for t in tags.split(",") if t.strip()) if isinstance(tags, str) else frozenset(tags)
        for meta_graph in self.meta_graphs:
            if frozenset(meta_graph.tags) == wanted:
                return meta_graph
        has = "; ".join(_tag_set(m.tags) for m in self.meta_graphs) or "none"
        raise SavedModelError(_one_line("%s: no MetaGraph tagged %s (tag sets: %s)" % (self.path, _tag_set(wanted), has)))


def read(path: Union[str, "os.PathLike[str]"]) -> SavedModelFacts:
    """The facts of the SavedModel directory `path`; SavedModelError if it is not a readable one."""
    path = os.fsdecode(path)
    try:
        return _read(path)
    except _Bad as exc:
        raise SavedModelError(_one_line("%s: %s" % (path, exc))) from None


# -- DataType ------------------------------------------------------------------

_DTYPES = ("invalid", "float32", "float64", "int32", "uint8", "int16", "int8", "string", "complex64", "int64",
           "bool", "qint8", "quint8", "qint32", "bfloat16", "qint16", "quint16", "uint16", "complex128",
           "float16", "resource", "variant", "uint32", "uint64")
# The enum's names in types.proto, index = number (text format spells dtypes this way).
_ENUM_NAMES = ("DT_INVALID", "DT_FLOAT", "DT_DOUBLE", "DT_INT32", "DT_UINT8", "DT_INT16", "DT_INT8", "DT_STRING",
               "DT_COMPLEX64", "DT_INT64", "DT_BOOL", "DT_QINT8", "DT_QUINT8", "DT_QINT32", "DT_BFLOAT16",
               "DT_QINT16", "DT_QUINT16", "DT_UINT16", "DT_COMPLEX128", "DT_HALF", "DT_RESOURCE", "DT_VARIANT",
               "DT_UINT32", "DT_UINT64", "DT_FLOAT8_E5M2", "DT_FLOAT8_E4M3FN", "DT_FLOAT8_E4M3FNUZ",
               "DT_FLOAT8_E4M3B11FNUZ", "DT_FLOAT8_E5M2FNUZ", "DT_INT4", "DT_UINT4", "DT_INT2", "DT_UINT2",
               "DT_FLOAT4_E2M1FN")
_ENUM_NUMBERS = dict((name, number) for number, name in enumerate(_ENUM_NAMES))
_ENUM_NUMBERS.update((name + "_REF", number + 100) for number, name in enumerate(_ENUM_NAMES) if number)


def _dtype_name(number: int) -> str:
    if 0 <= number < len(_DTYPES):
        return _DTYPES[number]
    if 100 < number < 100 + len(_DTYPES):
        return _DTYPES[number - 100] + "_ref"
    return "dtype_%d" % number


# -- the fields read, per message type ----------------------------------------

_INT64, _INT32, _ENUM, _BOOL, _STRING, _MESSAGE = "int64", "int32", "enum", "bool", "string", "message"
_SINT64, _DOUBLE = "sint64", "double"
_WIRE_TYPE = {_INT64: 0, _INT32: 0, _ENUM: 0, _BOOL: 0, _STRING: 2, _MESSAGE: 2, _SINT64: 0, _DOUBLE: 1}


class _Schema(object):
    """The fields of one message type that are read: number -> (name, kind); every other field is skipped."""

    def __init__(self, fields: Dict[int, Tuple[str, str]]) -> None:
        self.by_number = fields
        self.by_name = dict((name, kind) for name, kind in fields.values())


_SAVED_MODEL = _Schema({1: ("saved_model_schema_version", _INT64), 2: ("meta_graphs", _MESSAGE)})
_META_GRAPH = _Schema({1: ("meta_info_def", _MESSAGE), 2: ("graph_def", _MESSAGE), 5: ("signature_def", _MESSAGE),
                       7: ("object_graph_def", _MESSAGE)})
_META_INFO = _Schema({4: ("tags", _STRING), 5: ("tensorflow_version", _STRING), 6: ("tensorflow_git_version", _STRING)})
_GRAPH = _Schema({2: ("library", _MESSAGE), 4: ("versions", _MESSAGE)})  # node: _GRAPH_NODES
_GRAPH_NODES = _Schema({1: ("node", _MESSAGE)})
_VERSIONS = _Schema({1: ("producer", _INT32)})
_NODE = _Schema({2: ("op", _STRING)})
_NODE_ATTRS = _Schema({5: ("attr", _MESSAGE)})
_ATTR_VALUE = _Schema({6: ("type", _ENUM)})
_LIBRARY = _Schema({1: ("function", _MESSAGE)})
_FUNCTION_NODES = _Schema({3: ("node_def", _MESSAGE)})
_MESSAGE_MAP_ENTRY = _Schema({1: ("key", _STRING), 2: ("value", _MESSAGE)})
_KEY_ONLY_MAP_ENTRY = _Schema({1: ("key", _STRING)})
_SIGNATURE = _Schema({1: ("inputs", _MESSAGE), 2: ("outputs", _MESSAGE), 3: ("method_name", _STRING),
                      4: ("defaults", _MESSAGE)})
_TENSOR_INFO = _Schema({1: ("name", _STRING), 2: ("dtype", _ENUM), 3: ("tensor_shape", _MESSAGE),
                        4: ("coo_sparse", _MESSAGE), 5: ("composite_tensor", _MESSAGE)})
_COO_SPARSE = _Schema({1: ("values_tensor_name", _STRING)})
_SHAPE = _Schema({2: ("dim", _MESSAGE), 3: ("unknown_rank", _BOOL)})
_DIM = _Schema({1: ("size", _INT64)})
# the TF2 object graph: the root's __call__ and what its concrete functions were traced on
_OBJECT_GRAPH = _Schema({1: ("nodes", _MESSAGE), 2: ("concrete_functions", _MESSAGE)})
_OBJECT = _Schema({1: ("children", _MESSAGE), 6: ("function", _MESSAGE)})
_OBJECT_REFERENCE = _Schema({1: ("node_id", _INT32), 2: ("local_name", _STRING)})
_SAVED_FUNCTION = _Schema({1: ("concrete_functions", _STRING), 2: ("function_spec", _MESSAGE)})
_FUNCTION_SPEC = _Schema({1: ("fullargspec", _MESSAGE), 2: ("is_method", _BOOL)})
_CONCRETE_FUNCTION = _Schema({3: ("canonicalized_input_signature", _MESSAGE), 4: ("output_signature", _MESSAGE)})
# StructuredValue's oneof members (struct.proto); those not read as values only say what the member is
_STRUCTURED = _Schema({1: ("none_value", _MESSAGE), 11: ("float64_value", _DOUBLE), 12: ("int64_value", _SINT64),
                       13: ("string_value", _STRING), 14: ("bool_value", _BOOL), 31: ("tensor_shape_value", _MESSAGE),
                       32: ("tensor_dtype_value", _ENUM), 33: ("tensor_spec_value", _MESSAGE),
                       34: ("type_spec_value", _MESSAGE), 35: ("bounded_tensor_spec_value", _MESSAGE),
                       51: ("list_value", _MESSAGE), 52: ("tuple_value", _MESSAGE), 53: ("dict_value", _MESSAGE),
                       54: ("named_tuple_value", _MESSAGE), 55: ("tensor_value", _MESSAGE),
                       56: ("numpy_value", _MESSAGE)})
_VALUES = _Schema({1: ("values", _MESSAGE)})                              # ListValue, TupleValue
_DICT_VALUE = _Schema({1: ("fields", _MESSAGE)})                          # map<string, StructuredValue>
_NAMED_TUPLE = _Schema({1: ("name", _STRING), 2: ("values", _MESSAGE)})   # values: PairValue
_PAIR = _Schema({1: ("key", _STRING), 2: ("value", _MESSAGE)})
_TENSOR_SPEC = _Schema({1: ("name", _STRING), 2: ("shape", _MESSAGE), 3: ("dtype", _ENUM)})
_MAX_DEPTH = 32  # deeper structures are Opaque: no traced call nests that far

# name -> [(order, value), ...] in the order the fields appear
_Fields = Dict[str, List[Tuple[int, Any]]]


class _Bad(Exception):
    """Why the directory is not a readable SavedModel (read() prefixes the path)."""


# -- wire format ----------------------------------------------------------------

_MAX_FIELD_NUMBER = (1 << 29) - 1
_MAX_KEY = _MAX_FIELD_NUMBER << 3 | 7
_MASK64 = (1 << 64) - 1


class _Binary(object):
    """One message of a binary file: the byte ranges it was given in (several when merged)."""
    __slots__ = ("file", "data", "ranges")

    def __init__(self, file: str, data: bytes, ranges: List[Tuple[int, int]]) -> None:
        self.file = file
        self.data = data
        self.ranges = ranges

    def fields(self, schema: _Schema) -> _Fields:
        out = {}  # type: _Fields
        data = self.data
        wanted = schema.by_number
        order = 0
        for start, end in self.ranges:
            pos = start
            while pos < end:
                at = pos
                key = data[pos]
                if key < 0x80:
                    pos += 1
                else:
                    key, pos = self._varint(pos, end)
                if key < 8 or key > _MAX_KEY:
                    raise _Bad("%s is corrupt (field number %d at byte %d)" % (self.file, key >> 3, at))
                number, wire = key >> 3, key & 7
                if wire == 2:
                    if pos < end and data[pos] < 0x80:  # the usual one-byte length, inline
                        value = pos + 1
                        pos = value + data[pos]
                    else:
                        length, value = self._varint(pos, end)
                        pos = value + length
                    if pos > end:
                        self._past_end(number, at, end)
                elif wire == 0:
                    value, pos = self._varint(pos, end)
                elif wire == 1 or wire == 5:
                    value = pos
                    pos += 8 if wire == 1 else 4
                    if pos > end:
                        self._past_end(number, at, end)
                    if wire == 5 or number not in wanted:
                        continue
                else:
                    self._bad_wire_type(number, wire, at)
                spec = wanted.get(number)
                if spec is None or _WIRE_TYPE[spec[1]] != wire:
                    continue  # protobuf keeps it as an unknown field
                name, kind = spec
                if kind == _MESSAGE:
                    value = _Binary(self.file, data, [(value, pos)])
                elif kind == _STRING:
                    try:
                        value = data[value:pos].decode("utf-8")
                    except UnicodeDecodeError:
                        raise _Bad("%s is corrupt (string field %d at byte %d is not UTF-8)"
                                   % (self.file, number, at)) from None
                elif kind == _INT64:
                    value = value - (1 << 64) if value >> 63 else value
                elif kind == _SINT64:  # zigzag
                    value = (value >> 1) ^ -(value & 1)
                elif kind == _DOUBLE:
                    value = struct.unpack_from("<d", data, value)[0]
                elif kind == _BOOL:
                    value = value != 0
                else:  # int32 and enums keep the low 32 bits, as protobuf does
                    value &= 0xFFFFFFFF
                    value = value - (1 << 32) if value >> 31 else value
                out.setdefault(name, []).append((order, value))
                order += 1
        return out

    def node_ops(self, number: int) -> List[str]:
        """NodeDef.op of every message of repeated field `number`: what fields() and _node_op would
        give, without an object per node (a graph may have hundreds of thousands). Checks every
        field of this message and of each node as fields() does."""
        return [self._last_op(first, last) for start, end in self.ranges
                for first, last in self._each(start, end, number)]

    def node_dtypes(self, number: int) -> Set[int]:
        """AttrValue.type of every attribute of every NodeDef in repeated field `number` (as node_ops, no
        object per node): NodeDef.attr (5) entries, their value (2), its type (6)."""
        found = set()  # type: Set[int]
        for start, end in self.ranges:
            for node in self._each(start, end, number):
                for entry in self._each(node[0], node[1], 5):
                    for value in self._each(entry[0], entry[1], 2):
                        pos = value[0]
                        while pos < value[1]:
                            at = pos
                            key, pos = self._varint(pos, value[1])
                            if key == 6 << 3:
                                kind, pos = self._varint(pos, value[1])
                                found.add(kind & 0xFFFFFFFF)
                            else:
                                pos = self._skip(key, pos, value[1], at)
        return found

    def _each(self, start: int, end: int, number: int) -> List[Tuple[int, int]]:
        """The byte ranges of length-delimited field `number` in data[start:end] (every other field
        skipped, and checked, as fields() does)."""
        data = self.data
        out = []
        wanted = number << 3 | 2
        pos = start
        while pos < end:
            at = pos
            key = data[pos]
            if key < 0x80:  # the usual one-byte key and length, inline: a graph may have hundreds of thousands
                pos += 1
            else:
                key, pos = self._varint(pos, end)
            if key == wanted:
                if pos < end and data[pos] < 0x80:
                    first = pos + 1
                    pos = first + data[pos]
                else:
                    length, first = self._varint(pos, end)
                    pos = first + length
                if pos > end:
                    self._past_end(number, at, end)
                out.append((first, pos))
            else:
                pos = self._skip(key, pos, end, at)
        return out

    def _last_op(self, start: int, end: int) -> str:
        """The last NodeDef.op (field 2) in data[start:end], "" if none."""
        data = self.data
        found = None  # type: Optional[Tuple[int, int, int]]
        pos = start
        while pos < end:
            at = pos
            key = data[pos]
            if key < 0x80:
                pos += 1
            else:
                key, pos = self._varint(pos, end)
            if key & 7 == 2 and 8 <= key <= _MAX_KEY:
                if pos < end and data[pos] < 0x80:
                    first = pos + 1
                    pos = first + data[pos]
                else:
                    length, first = self._varint(pos, end)
                    pos = first + length
                if pos > end:
                    self._past_end(key >> 3, at, end)
                if key == 18:  # field 2, length-delimited
                    found = (first, pos, at)
            else:
                pos = self._skip(key, pos, end, at)
        if found is None:
            return ""
        try:
            return data[found[0]:found[1]].decode("utf-8")
        except UnicodeDecodeError:
            raise _Bad("%s is corrupt (string field 2 at byte %d is not UTF-8)" % (self.file, found[2])) from None

    def _skip(self, key: int, pos: int, end: int, at: int) -> int:
        """Where the field whose key was read at `at` (its value starts at pos) ends."""
        if key < 8 or key > _MAX_KEY:
            raise _Bad("%s is corrupt (field number %d at byte %d)" % (self.file, key >> 3, at))
        wire = key & 7
        if wire == 2:
            if pos < end and self.data[pos] < 0x80:
                pos += 1 + self.data[pos]
            else:
                length, pos = self._varint(pos, end)
                pos += length
        elif wire == 0:
            return self._varint(pos, end)[1]
        elif wire == 1 or wire == 5:
            pos += 8 if wire == 1 else 4
        else:
            self._bad_wire_type(key >> 3, wire, at)
        if pos > end:
            self._past_end(key >> 3, at, end)
        return pos

    def _bad_wire_type(self, number: int, wire: int, at: int) -> None:
        if wire == 3 or wire == 4:
            raise _Bad("%s is corrupt (field %d at byte %d is a group, which no SavedModel message has)"
                       % (self.file, number, at))
        raise _Bad("%s is corrupt (field %d at byte %d has wire type %d)" % (self.file, number, at, wire))

    def _varint(self, pos: int, end: int) -> Tuple[int, int]:
        data = self.data
        value = shift = 0
        at = pos
        while True:
            if pos >= end:
                self._past_end(None, at, end)
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value & _MASK64, pos
            shift += 7
            if shift >= 70:
                raise _Bad("%s is corrupt (varint at byte %d is longer than 10 bytes)" % (self.file, at))

    def _past_end(self, number: Optional[int], at: int, end: int) -> None:
        what = "varint" if number is None else "field %d" % number
        if end >= len(self.data):
            raise _Bad("%s is truncated (%s at byte %d runs past the end)" % (self.file, what, at))
        raise _Bad("%s is corrupt (%s at byte %d runs past the end of its message at byte %d)"
                   % (self.file, what, at, end))


# -- text format ------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<space>[ \t\r\n\f\v]+|\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\[^\n])*"|'(?:[^'\\\n]|\\[^\n])*')
  | (?P<number>-?(?:0[xX][0-9a-fA-F]+|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fF]?)(?![A-Za-z0-9_]))
  | (?P<ident>-?[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[{}<>:\[\],;/.])
  | (?P<bad>[\s\S])
""", re.VERBOSE)
_SIMPLE_ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, "'": 39, '"': 34, "?": 63}
_MAX_DEPTH = 100
_CLOSE = {"{": "}", "<": ">"}


class _Token(object):
    __slots__ = ("kind", "text", "pos")

    def __init__(self, kind: str, text: str, pos: int) -> None:
        self.kind = kind
        self.text = text
        self.pos = pos


class _Scalar(object):
    """A text-format value: kind "string" (value: bytes), "number" or "ident" (value: its text)."""
    __slots__ = ("kind", "value", "pos")

    def __init__(self, kind: str, value: Any, pos: int) -> None:
        self.kind = kind
        self.value = value
        self.pos = pos


class _Text(object):
    """One message of a text file: its (field name, value, position) items, in order."""
    __slots__ = ("file", "text", "items")

    def __init__(self, file: str, text: str, items: List[Tuple[str, Any, int]]) -> None:
        self.file = file
        self.text = text
        self.items = items

    def fields(self, schema: _Schema) -> _Fields:
        out = {}  # type: _Fields
        wanted = schema.by_name
        for order, (name, value, pos) in enumerate(self.items):
            kind = wanted.get(name)
            if kind is not None:
                out.setdefault(name, []).append((order, self._convert(name, kind, value, pos)))
        return out

    def _convert(self, name: str, kind: str, value: Any, pos: int) -> Any:
        if kind == _MESSAGE:
            if isinstance(value, _Text):
                return value
            return self._fail(pos, "%s should be a message" % name)
        if isinstance(value, _Text):
            return self._fail(pos, "%s should be a %s, not a message" % (name, kind))
        if kind == _STRING:
            if value.kind != "string":
                return self._fail(pos, "%s should be a quoted string" % name)
            try:
                return value.value.decode("utf-8")
            except UnicodeDecodeError:
                return self._fail(pos, "string %s is not UTF-8" % name)
        if kind == _BOOL:
            if value.kind != "string" and value.value in ("true", "True", "t", "1"):
                return True
            if value.kind != "string" and value.value in ("false", "False", "f", "0"):
                return False
            return self._fail(pos, "%s should be true or false" % name)
        if kind == _DOUBLE and value.kind != "string":
            try:
                return float(value.value.rstrip("fF") if value.value.lower() not in ("inf", "-inf", "nan", "infinity",
                                                                                     "-infinity") else value.value)
            except ValueError:
                return self._fail(pos, "%s should be a number" % name)
        if kind == _ENUM and value.kind == "ident":
            number = _ENUM_NUMBERS.get(value.value)
            if number is None:
                return self._fail(pos, "unknown DataType %s" % value.value)
            return number
        number = _integer(value.value) if value.kind == "number" else None
        bits = 64 if kind in (_INT64, _SINT64) else 32
        if number is None or not -(1 << (bits - 1)) <= number < (1 << (bits - 1)):
            return self._fail(pos, "%s should be an int%d" % (name, bits))
        return number

    def _fail(self, pos: int, why: str) -> Any:
        raise _Bad("%s is corrupt (line %d: %s)" % (self.file, self.text.count("\n", 0, pos) + 1, why))


def _integer(text: str) -> Optional[int]:
    sign, digits = (-1, text[1:]) if text.startswith("-") else (1, text)
    try:
        if digits[:2] in ("0x", "0X"):
            return sign * int(digits[2:], 16)
        if len(digits) > 1 and digits.startswith("0"):
            return sign * int(digits[1:], 8)
        return sign * int(digits, 10)
    except ValueError:
        return None


def _parse_text(file: str, text: str) -> _Text:
    tokens = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "space":
            continue
        if kind == "bad":
            raise _Bad("%s is corrupt (line %d: unexpected %r)" % (file, text.count("\n", 0, m.start()) + 1, m.group()))
        tokens.append(_Token(kind, m.group(), m.start()))
    parser = _TextParser(file, text, tokens)
    items = parser.body(None, 0)
    return _Text(file, text, items)


class _TextParser(object):
    def __init__(self, file: str, text: str, tokens: List[_Token]) -> None:
        self.file = file
        self.text = text
        self.tokens = tokens
        self.i = 0

    def fail(self, why: str, token: Optional[_Token] = None) -> Any:
        if token is None:
            token = self.tokens[self.i] if self.i < len(self.tokens) else None
        if token is None:
            raise _Bad("%s is truncated (%s at the end of the file)" % (self.file, why))
        raise _Bad("%s is corrupt (line %d: %s, got %s)"
                   % (self.file, self.text.count("\n", 0, token.pos) + 1, why, token.text[:40]))

    def peek(self) -> Optional[_Token]:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, text: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "punct" and token.text == text:
            self.i += 1
            return True
        return False

    def body(self, close: Optional[str], depth: int) -> List[Tuple[str, Any, int]]:
        if depth > _MAX_DEPTH:
            self.fail("messages nested more than %d deep" % _MAX_DEPTH)
        items = []  # type: List[Tuple[str, Any, int]]
        while True:
            token = self.peek()
            if token is None:
                if close is not None:
                    self.fail("expected %r" % close)
                return items
            if close is not None and self.take(close):
                return items
            name = self.field_name()
            if self.take(":"):
                if self.take("["):
                    self.list_values(name, items, depth)
                else:
                    items.append((name, self.value(depth), token.pos))
            else:
                start = self.peek()
                if start is not None and start.kind == "punct" and start.text == "[":
                    self.i += 1
                    self.list_values(name, items, depth, messages_only=True)
                else:
                    items.append((name, self.message(depth), token.pos))
            if not self.take(","):
                self.take(";")

    def field_name(self) -> str:
        token = self.peek()
        if token is not None and token.kind == "ident" and not token.text.startswith("-"):
            self.i += 1
            return token.text
        if token is not None and token.kind == "punct" and token.text == "[":  # [extension] or [type.url/Any]
            self.i += 1
            parts = []
            while not self.take("]"):
                part = self.peek()
                if part is None or part.kind not in ("ident", "punct") or part.text in "{}<>:[],;":
                    self.fail("expected an extension or type URL")
                parts.append(part.text)
                self.i += 1
            return "[%s]" % "".join(parts)
        return self.fail("expected a field name")

    def list_values(self, name: str, items: List[Tuple[str, Any, int]], depth: int, messages_only: bool = False) -> None:
        if self.take("]"):
            return
        while True:
            token = self.peek()
            value = self.message(depth) if messages_only else self.value(depth)
            items.append((name, value, token.pos if token is not None else 0))
            if self.take("]"):
                return
            if not self.take(","):
                self.fail("expected ',' or ']'")

    def value(self, depth: int) -> Any:
        token = self.peek()
        if token is None:
            return self.fail("expected a value")
        if token.kind == "punct" and token.text in _CLOSE:
            return self.message(depth)
        if token.kind == "string":
            first, chunks = token, []
            while token is not None and token.kind == "string":  # adjacent literals concatenate
                chunks.append(self.unescape(token))
                self.i += 1
                token = self.peek()
            return _Scalar("string", b"".join(chunks), first.pos)
        if token.kind in ("number", "ident"):
            self.i += 1
            return _Scalar(token.kind, token.text, token.pos)
        return self.fail("expected a value")

    def message(self, depth: int) -> _Text:
        token = self.peek()
        if token is None or token.kind != "punct" or token.text not in _CLOSE:
            return self.fail("expected '{'")
        self.i += 1
        return _Text(self.file, self.text, self.body(_CLOSE[token.text], depth + 1))

    def unescape(self, token: _Token) -> bytes:
        body = token.text[1:-1]
        if "\\" not in body:
            return body.encode("utf-8")
        out = bytearray()
        i, n = 0, len(body)
        while i < n:
            c = body[i]
            if c != "\\":
                j = body.find("\\", i)
                j = n if j < 0 else j
                out += body[i:j].encode("utf-8")
                i = j
                continue
            c = body[i + 1]  # the lexer guarantees a character after every backslash
            i += 2
            if c in _SIMPLE_ESCAPES:
                out.append(_SIMPLE_ESCAPES[c])
            elif c in "01234567":
                j = i
                while j < n and j < i + 2 and body[j] in "01234567":
                    j += 1
                code = int(body[i - 1:j], 8)
                if code > 255:
                    self.fail("octal escape above \\377", token)
                out.append(code)
                i = j
            elif c in "xX":
                j = i
                while j < n and j < i + 2 and body[j] in "0123456789abcdefABCDEF":
                    j += 1
                if j == i:
                    self.fail("\\x without hex digits", token)
                out.append(int(body[i:j], 16))
                i = j
            elif c in "uU":
                width = 4 if c == "u" else 8
                digits = body[i:i + width]
                if len(digits) != width or any(d not in "0123456789abcdefABCDEF" for d in digits):
                    self.fail("\\%s needs %d hex digits" % (c, width), token)
                code = int(digits, 16)
                if code > 0x10FFFF:
                    self.fail("\\%s beyond Unicode" % c, token)
                out += chr(code).encode("utf-8", "surrogatepass")
                i += width
            else:
                self.fail("unknown escape \\%s" % c, token)
        return bytes(out)


# -- facts from messages (either format) ----------------------------------------

_Message = Union[_Binary, _Text]


def _last(fields: _Fields, name: str, default: Any) -> Any:
    values = fields.get(name)
    return values[-1][1] if values else default


def _every(fields: _Fields, name: str) -> List[Any]:
    return [value for _, value in fields.get(name, ())]


def _merged(messages: List[Any]) -> Optional[_Message]:
    """A message field given several times is their merge: read their contents in order."""
    if not messages:
        return None
    if len(messages) == 1:
        return messages[0]
    first = messages[0]
    if isinstance(first, _Binary):
        return _Binary(first.file, first.data, [r for m in messages for r in m.ranges])
    return _Text(first.file, first.text, [item for m in messages for item in m.items])


def _meta_graph_facts(message: _Message) -> MetaGraphFacts:
    fields = message.fields(_META_GRAPH)
    info = _merged(_every(fields, "meta_info_def"))
    info_fields = info.fields(_META_INFO) if info is not None else {}
    producer = None  # type: Optional[int]
    op_types = set()
    dtypes = set()  # type: Set[int]
    function_count = 0
    graph = _merged(_every(fields, "graph_def"))
    if graph is not None:
        graph_fields = graph.fields(_GRAPH)
        op_types.update(_node_ops(graph, _GRAPH_NODES))
        dtypes.update(_node_dtypes(graph, _GRAPH_NODES))
        library = _merged(_every(graph_fields, "library"))
        if library is not None:
            functions = _every(library.fields(_LIBRARY), "function")
            function_count = len(functions)
            for function in functions:
                op_types.update(_node_ops(function, _FUNCTION_NODES))
                dtypes.update(_node_dtypes(function, _FUNCTION_NODES))
        versions = _merged(_every(graph_fields, "versions"))
        if versions is not None:
            producer = _last(versions.fields(_VERSIONS), "producer", 0)
    signatures = {}
    for key, value in _map_entries(_every(fields, "signature_def")):
        signatures[key] = _signature_facts(key, value)
    callable_, call_functions = _root_call(_merged(_every(fields, "object_graph_def")))
    return MetaGraphFacts(
        tags=tuple(_every(info_fields, "tags")),
        tensorflow_version=_last(info_fields, "tensorflow_version", ""),
        tensorflow_git_version=_last(info_fields, "tensorflow_git_version", ""),
        graph_producer=producer,
        signatures=dict(sorted(signatures.items())),
        has_object_graph="object_graph_def" in fields,
        op_types=frozenset(op_types),
        function_count=function_count,
        callable=callable_,
        call_functions=call_functions,
        node_dtypes=frozenset(_dtype_name(d) for d in dtypes),
    )


def _root_call(graph: Optional[_Message]) -> Tuple[bool, Tuple[CallFunction, ...]]:
    """(the root object has a __call__ function, its concrete functions' structures)."""
    if graph is None:
        return False, ()
    fields = graph.fields(_OBJECT_GRAPH)
    nodes = _every(fields, "nodes")
    if not nodes:
        return False, ()
    children = dict((_last(c, "local_name", ""), _last(c, "node_id", -1))
                    for c in (ref.fields(_OBJECT_REFERENCE) for ref in _every(nodes[0].fields(_OBJECT), "children")))
    node = children.get("__call__", -1)
    if not 0 <= node < len(nodes):
        return False, ()
    function = _merged(_every(nodes[node].fields(_OBJECT), "function"))
    if function is None:
        return False, ()
    function_fields = function.fields(_SAVED_FUNCTION)
    arg_names, defaults = (), ()  # type: Tuple[str, ...], Tuple[Any, ...]
    spec = _merged(_every(function_fields, "function_spec"))
    spec_fields = spec.fields(_FUNCTION_SPEC) if spec is not None else {}
    argspec = _merged(_every(spec_fields, "fullargspec"))
    if argspec is not None:
        named = _structure(argspec, 0)
        if isinstance(named, Named):
            names, given = named.fields.get("args"), named.fields.get("defaults")
            if isinstance(names, (list, tuple)) and all(isinstance(n, str) for n in names):
                arg_names = tuple(names)
            defaults = tuple(given) if isinstance(given, (list, tuple)) else ()
    method = _last(spec_fields, "is_method", False)
    concrete = dict(_map_entries(_every(fields, "concrete_functions")))
    found = []
    for name in sorted(set(_every(function_fields, "concrete_functions"))):
        message = concrete.get(name)
        parts = message.fields(_CONCRETE_FUNCTION) if message is not None else {}
        inputs = _structure(_merged(_every(parts, "canonicalized_input_signature")), 0)
        if not (isinstance(inputs, tuple) and len(inputs) == 2 and isinstance(inputs[0], tuple)
                and isinstance(inputs[1], dict)):
            continue  # not the (args, kwargs) pair TF writes: nothing known about how it is called
        # a method's FullArgSpec names `self` (TF before 2.5 writes it so), its traced arguments do not
        names = arg_names[1:] if method and len(arg_names) > len(inputs[0]) else arg_names
        found.append(CallFunction(name=name, args=inputs[0], kwargs=inputs[1],
                                  output=_structure(_merged(_every(parts, "output_signature")), 0),
                                  arg_names=names, defaults=defaults))
    return True, tuple(found)


def _structure(message: Optional[_Message], depth: int) -> Structure:
    """A StructuredValue as Python: see Structure. The oneof member set last wins."""
    if message is None:
        return None  # an empty StructuredValue: protobuf reads it as no member set
    if depth > _MAX_DEPTH:
        return Opaque("nested deeper than %d" % _MAX_DEPTH)
    fields = message.fields(_STRUCTURED)
    if not fields:
        return Opaque("unknown")
    member = max(fields, key=lambda m: fields[m][-1][0])
    value = fields[member][-1][1]
    if member == "none_value":
        return None
    if member in ("string_value", "bool_value", "int64_value", "float64_value"):
        return value
    if member in ("list_value", "tuple_value"):
        items = _every(_merged(_every(fields, member)).fields(_VALUES), "values")
        values = [_structure(item, depth + 1) for item in items]
        return values if member == "list_value" else tuple(values)
    if member == "dict_value":
        entries = _every(_merged(_every(fields, member)).fields(_DICT_VALUE), "fields")
        return dict((key, _structure(item, depth + 1)) for key, item in _map_entries(entries))
    if member == "named_tuple_value":
        named = _merged(_every(fields, member)).fields(_NAMED_TUPLE)
        pairs = [pair.fields(_PAIR) for pair in _every(named, "values")]
        return Named(_last(named, "name", ""),
                     dict((_last(p, "key", ""), _structure(_merged(_every(p, "value")), depth + 1)) for p in pairs))
    if member == "tensor_spec_value":
        spec = _merged(_every(fields, member)).fields(_TENSOR_SPEC)
        return TensorFacts(name=_last(spec, "name", ""), dtype=_dtype_name(_last(spec, "dtype", 0)),
                           shape=_shape(_merged(_every(spec, "shape"))), encoding="dense")
    return Opaque(member)


def _node_ops(message: _Message, nodes: _Schema) -> List[str]:
    """NodeDef.op of each node of `message` (a GraphDef or FunctionDef); `nodes` names the field."""
    (number, (name, _)), = nodes.by_number.items()
    if isinstance(message, _Binary):
        return message.node_ops(number)
    return [_last(node.fields(_NODE), "op", "") for node in _every(message.fields(nodes), name)]


def _node_dtypes(message: _Message, nodes: _Schema) -> Set[int]:
    """The DataType numbers the type attributes of `message`'s nodes name (a GraphDef or FunctionDef)."""
    (number, (name, _)), = nodes.by_number.items()
    if isinstance(message, _Binary):
        return message.node_dtypes(number)
    found = set()
    for node in _every(message.fields(nodes), name):
        for _, value in _map_entries(_every(node.fields(_NODE_ATTRS), "attr")):
            if value is not None:
                found.update(_every(value.fields(_ATTR_VALUE), "type"))
    return found


def _map_entries(entries: List[_Message]) -> List[Tuple[str, Optional[_Message]]]:
    """(key, value) of map<string, Message> entries; a repeated key keeps its last entry."""
    out = {}  # type: Dict[str, Optional[_Message]]
    for entry in entries:
        fields = entry.fields(_MESSAGE_MAP_ENTRY)
        out[_last(fields, "key", "")] = _merged(_every(fields, "value"))
    return sorted(out.items())


def _signature_facts(key: str, message: Optional[_Message]) -> SignatureFacts:
    fields = message.fields(_SIGNATURE) if message is not None else {}
    defaults = set(_last(entry.fields(_KEY_ONLY_MAP_ENTRY), "key", "") for entry in _every(fields, "defaults"))
    return SignatureFacts(
        key=key,
        method_name=_last(fields, "method_name", ""),
        inputs=dict((name, _tensor_facts(info)) for name, info in _map_entries(_every(fields, "inputs"))),
        outputs=dict((name, _tensor_facts(info)) for name, info in _map_entries(_every(fields, "outputs"))),
        defaults=tuple(sorted(defaults)),
    )


def _tensor_facts(message: Optional[_Message]) -> TensorFacts:
    fields = message.fields(_TENSOR_INFO) if message is not None else {}
    # oneof encoding {name, coo_sparse, composite_tensor}: the member set last wins, and
    # setting another member clears it, so only its occurrences after the others count.
    last_seen = dict((member, fields[member][-1][0]) for member in ("name", "coo_sparse", "composite_tensor")
                     if member in fields)
    name, encoding = "", "dense"
    if last_seen:
        member = max(last_seen, key=lambda m: last_seen[m])
        since = max([order for m, order in last_seen.items() if m != member] or [-1])
        values = [value for order, value in fields[member] if order > since]
        if member == "name":
            name = values[-1]
        elif member == "coo_sparse":
            encoding = "coo_sparse"
            name = _last(_merged(values).fields(_COO_SPARSE), "values_tensor_name", "")
        else:
            encoding = "composite"
    shape = _merged(_every(fields, "tensor_shape"))
    return TensorFacts(name=name, dtype=_dtype_name(_last(fields, "dtype", 0)), shape=_shape(shape),
                       encoding=encoding, shape_recorded=shape is not None)


def _shape(message: Optional[_Message]) -> Shape:
    if message is None:
        return None
    fields = message.fields(_SHAPE)
    if _last(fields, "unknown_rank", False):
        return None
    sizes = (_last(dim.fields(_DIM), "size", 0) for dim in _every(fields, "dim"))
    return tuple(None if size < 0 else size for size in sizes)


# -- the directory ------------------------------------------------------------------

def _read(path: str) -> SavedModelFacts:
    if not os.path.exists(path):
        raise _Bad("does not exist")
    if not os.path.isdir(path):
        raise _Bad("is not a directory (a SavedModel is a directory holding saved_model.pb)")
    binary = os.path.join(path, "saved_model.pb")
    text = os.path.join(path, "saved_model.pbtxt")
    if os.path.isfile(binary):  # TF's loader prefers the binary file too
        file_format, name = "binary", "saved_model.pb"
        data = _read_file(binary, name)
        root = _Binary(name, data, [(0, len(data))])  # type: _Message
    elif os.path.isfile(text):
        file_format, name = "text", "saved_model.pbtxt"
        raw = _read_file(text, name)
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Bad("%s is not UTF-8 text (byte %d)" % (name, exc.start)) from None
        root = _parse_text(name, decoded)
    else:
        raise _Bad("no saved_model.pb or saved_model.pbtxt")
    fields = root.fields(_SAVED_MODEL)
    meta_graphs = tuple(_meta_graph_facts(m) for m in _every(fields, "meta_graphs"))
    if not meta_graphs:
        empty = isinstance(root, _Binary) and not root.data or isinstance(root, _Text) and not root.items
        raise _Bad("%s holds no MetaGraph%s" % (name, " (the file is empty)" if empty else ""))
    return SavedModelFacts(
        path=path,
        file_format=file_format,
        schema_version=_last(fields, "saved_model_schema_version", 0),
        meta_graphs=meta_graphs,
        has_variables=os.path.isfile(os.path.join(path, "variables", "variables.index")),
        assets=tuple(_files_under(os.path.join(path, "assets"))),
        keras_metadata=os.path.isfile(os.path.join(path, "keras_metadata.pb")),
        fingerprint=_fingerprint(path),
    )


def _read_file(full: str, name: str) -> bytes:
    try:
        with open(full, "rb") as f:
            return f.read()
    except OSError as exc:
        raise _Bad("cannot read %s (%s)" % (name, exc.strerror or exc)) from None


def _files_under(folder: str) -> List[str]:
    """Every file below folder, relative to it, "/"-separated, sorted."""
    def unreadable(exc: OSError) -> None:
        if os.path.isdir(folder):  # no assets/ folder at all is fine
            where = os.path.relpath(exc.filename, folder) if exc.filename else folder
            raise _Bad("cannot list %s (%s)" % (where, exc.strerror or exc))

    found = []
    for top, dirs, files in os.walk(folder, onerror=unreadable):
        dirs.sort()
        relative = os.path.relpath(top, folder)
        for name in files:
            found.append(name if relative == os.curdir else os.path.join(relative, name).replace(os.sep, "/"))
    return sorted(found)


def _fingerprint(path: str) -> str:
    """sha256 over every file of the directory, sorted by relative path: for each,
    the "/"-separated path (UTF-8), NUL, the size in decimal, NUL, then the bytes."""
    digest = hashlib.sha256()
    for relative in _files_under(path):
        full = os.path.join(path, *relative.split("/"))
        try:
            with open(full, "rb") as f:
                digest.update(relative.encode("utf-8", "surrogateescape") + b"\0")
                digest.update(str(os.fstat(f.fileno()).st_size).encode("ascii") + b"\0")
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError as exc:
            raise _Bad("cannot read %s (%s)" % (relative, exc.strerror or exc)) from None
    return digest.hexdigest()


def _tag_set(tags: Iterable[str]) -> str:
    return "{%s}" % ", ".join(sorted(set(tags)))


def _one_line(message: str) -> str:
    """Control characters and line separators (in a path, say) escaped: the message stays one line."""
    return "".join(c if c == " " or c.isprintable() else repr(c)[1:-1] for c in message)
