"""The C API inside the TF wheel (the route of Java, Go and C++ callers), driven by ctypes.

TF_LoadSessionFromSavedModel loads the model and hands back its MetaGraphDef,
whose signature names the tensors fed and fetched through TF_SessionRun, as a
C caller does. It runs in the cell's own forked process (the TF worker's child),
where the library is already loaded: no program start per cell, and a crash of
the C API kills only that process (the cell is then a `crash`).
"""
import ctypes
import glob
import os

import numpy as np

from matrix import tensors
from matrix.plugin import Refused, needs_signature

API = "C API TF_LoadSessionFromSavedModel + TF_SessionRun (libtensorflow in the wheel, ctypes)"

applies = needs_signature

# numpy dtype name <-> TF_DataType (tensorflow/c/tf_datatype.h); TF_STRING is 7.
DTYPES = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6, "int64": 9, "bool": 10,
          "uint16": 17, "float16": 19, "uint32": 22, "uint64": 23}
TF_STRING = 7
_FOUND = {}


def _library(tf):
    """The shared library that exports the C API: libtensorflow_cc.so.2 (TF 2.5+), else the Python extension (1.15, 2.4)."""
    if "path" not in _FOUND:
        _FOUND["path"] = None
        site = os.path.dirname(os.path.dirname(os.path.abspath(tf.__file__)))
        for package in ("tensorflow", "tensorflow_core"):
            for pattern in ("libtensorflow_cc.so.*", os.path.join("python", "_pywrap_tensorflow_internal.so")):
                for path in sorted(glob.glob(os.path.join(site, package, pattern))):
                    if _FOUND["path"] is None and hasattr(ctypes.CDLL(path), "TF_LoadSessionFromSavedModel"):
                        _FOUND["path"] = path  # already loaded by `import tensorflow`: dlopen is cheap here
    return _FOUND["path"]


def available(tf):
    if _library(tf) is None:
        return "no library in the TF wheel exports TF_LoadSessionFromSavedModel"


def consume(tf, artifact):
    from tensorflow.core.protobuf import meta_graph_pb2
    c = CAPI(_library(tf))
    session, graph, meta_graph = c.load(artifact.path, artifact.tags)
    signatures = meta_graph_pb2.MetaGraphDef.FromString(meta_graph).signature_def
    if artifact.signature not in signatures:
        raise Refused("signature %r not in the MetaGraph the C API loaded (has %s)" % (
            artifact.signature, ", ".join(sorted(signatures)) or "none"))
    signature = signatures[artifact.signature]
    for name in artifact.inputs:
        if name not in signature.inputs:
            raise Refused("input %r not in signature %r" % (name, artifact.signature))
    feeds = [(signature.inputs[k].name, v) for k, v in artifact.inputs.items()]
    fetches = []  # (output key, tensor names): a sparse output is fetched as its three tensors
    for key, info in signature.outputs.items():
        sparse = info.coo_sparse
        fetches.append((key, [sparse.indices_tensor_name, sparse.values_tensor_name, sparse.dense_shape_tensor_name]
                        if info.WhichOneof("encoding") == "coo_sparse" else [info.name]))
    values = iter(c.run(session, graph, feeds, [t for _, names in fetches for t in names]))
    c.close(session)
    out = {}
    for key, names in fetches:
        got = [next(values) for _ in names]
        out[key] = tensors.densify(*got) if len(got) == 3 else got[0]
    return out


class CAPI(object):
    """The handful of C API calls a SavedModel caller makes, typed for ctypes."""

    def __init__(self, path):
        lib = self.lib = ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
        P, c_int64 = ctypes.c_void_p, ctypes.c_int64

        class Buffer(ctypes.Structure):
            _fields_ = [("data", P), ("length", ctypes.c_size_t), ("deallocator", P)]

        class Output(ctypes.Structure):
            _fields_ = [("oper", P), ("index", ctypes.c_int)]

        self.Buffer, self.Output = Buffer, Output
        for name, res, args in [
                ("TF_NewStatus", P, []), ("TF_GetCode", ctypes.c_int, [P]), ("TF_Message", ctypes.c_char_p, [P]),
                ("TF_NewGraph", P, []), ("TF_NewSessionOptions", P, []), ("TF_NewBuffer", ctypes.POINTER(Buffer), []),
                ("TF_LoadSessionFromSavedModel", P, [P, P, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p),
                                                     ctypes.c_int, P, ctypes.POINTER(Buffer), P]),
                ("TF_GraphOperationByName", P, [P, ctypes.c_char_p]),
                ("TF_AllocateTensor", P, [ctypes.c_int, ctypes.POINTER(c_int64), ctypes.c_int, ctypes.c_size_t]),
                ("TF_TensorData", P, [P]), ("TF_TensorByteSize", ctypes.c_size_t, [P]),
                ("TF_TensorType", ctypes.c_int, [P]), ("TF_NumDims", ctypes.c_int, [P]),
                ("TF_Dim", c_int64, [P, ctypes.c_int]),
                ("TF_SessionRun", None, [P, P, P, P, ctypes.c_int, P, P, ctypes.c_int, P, ctypes.c_int, P, P]),
                ("TF_CloseSession", None, [P, P]), ("TF_DeleteTensor", None, [P])]:
            getattr(lib, name).restype, getattr(lib, name).argtypes = res, args
        self.status = lib.TF_NewStatus()
        self.keep = []

    def check(self, what):
        if self.lib.TF_GetCode(self.status) != 0:
            message = " ".join(self.lib.TF_Message(self.status).decode(errors="replace").split())
            raise Refused("%s: TF_Status %d: %s" % (what, self.lib.TF_GetCode(self.status), message))

    def load(self, export_dir, tags):
        """(session, graph, the loaded MetaGraphDef's bytes)."""
        graph = self.lib.TF_NewGraph()
        buffer = self.lib.TF_NewBuffer()
        ctags = (ctypes.c_char_p * len(tags))(*[t.encode() for t in tags])
        session = self.lib.TF_LoadSessionFromSavedModel(self.lib.TF_NewSessionOptions(), None, export_dir.encode(),
                                                        ctags, len(tags), graph, buffer, self.status)
        self.check("TF_LoadSessionFromSavedModel")
        return session, graph, ctypes.string_at(buffer.contents.data, buffer.contents.length)

    def output(self, graph, tensor_name):
        op, _, index = tensor_name.partition(":")
        oper = self.lib.TF_GraphOperationByName(graph, op.encode())
        if not oper:
            raise Refused("TF_GraphOperationByName: no operation %r in the loaded graph" % op)
        return self.Output(oper, int(index or 0))

    def run(self, session, graph, feeds, fetches):
        values = [self.tensor(np.require(v, requirements="C")) for _, v in feeds]
        inputs = (self.Output * len(feeds))(*[self.output(graph, t) for t, _ in feeds])
        outputs = (self.Output * len(fetches))(*[self.output(graph, t) for t in fetches])
        results = (ctypes.c_void_p * len(fetches))()
        self.lib.TF_SessionRun(session, None, inputs, (ctypes.c_void_p * len(feeds))(*values), len(feeds),
                               outputs, results, len(fetches), None, 0, None, self.status)
        self.check("TF_SessionRun")
        return [self.array(name, t) for name, t in zip(fetches, results)]

    def close(self, session):
        self.lib.TF_CloseSession(session, self.status)
        self.check("TF_CloseSession")

    def tensor(self, value):
        dims = (ctypes.c_int64 * max(value.ndim, 1))(*value.shape)
        if value.dtype.kind in "OSU":
            return self.string_tensor([bytes(v) for v in value.reshape(-1)], dims, value.ndim)
        tensor = self.lib.TF_AllocateTensor(DTYPES[value.dtype.name], dims, value.ndim, value.nbytes)
        ctypes.memmove(self.lib.TF_TensorData(tensor), value.ctypes.data, value.nbytes)
        return tensor

    def array(self, name, tensor):
        lib = self.lib
        shape = [lib.TF_Dim(tensor, i) for i in range(lib.TF_NumDims(tensor))]
        kind = lib.TF_TensorType(tensor)
        if kind == TF_STRING:
            return np.array(self.strings(tensor, int(np.prod(shape))), dtype=object).reshape(shape)
        numpy_of = {v: np.dtype(k) for k, v in DTYPES.items()}
        if kind not in numpy_of:
            raise Refused("output %r has TF_DataType %d, which has no numpy type" % (name, kind))
        raw = ctypes.string_at(lib.TF_TensorData(tensor), lib.TF_TensorByteSize(tensor))
        return np.frombuffer(raw, dtype=numpy_of[kind]).reshape(shape).copy()

    def string_tensor(self, items, dims, ndim):
        """A TF_STRING tensor: TF 1.x's offsets + TF_StringEncode layout, or (TF 2.4+) one 24-byte TF_TString
        each, written as a view (ctstring.h's TF_TSTR_VIEW: size << 2 | 3, then a pointer to bytes we keep)."""
        lib = self.lib
        if hasattr(lib, "TF_StringEncode"):
            lib.TF_StringEncodedSize.restype, lib.TF_StringEncodedSize.argtypes = ctypes.c_size_t, [ctypes.c_size_t]
            lib.TF_StringEncode.restype = ctypes.c_size_t
            lib.TF_StringEncode.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t,
                                            ctypes.c_void_p]
            sizes = [lib.TF_StringEncodedSize(len(b)) for b in items]
            tensor = lib.TF_AllocateTensor(TF_STRING, dims, ndim, 8 * len(items) + sum(sizes))
            data, offset = lib.TF_TensorData(tensor), 0
            for i, (b, size) in enumerate(zip(items, sizes)):
                ctypes.c_uint64.from_address(data + 8 * i).value = offset
                lib.TF_StringEncode(b, len(b), data + 8 * len(items) + offset, size, self.status)
                self.check("TF_StringEncode")
                offset += size
            return tensor
        tensor = lib.TF_AllocateTensor(TF_STRING, dims, ndim, 24 * len(items))
        data = lib.TF_TensorData(tensor)
        for i, b in enumerate(items):
            buffer = ctypes.create_string_buffer(b, len(b) or 1)
            self.keep.append(buffer)
            ctypes.c_uint64.from_address(data + 24 * i).value = (len(b) << 2) | 3
            ctypes.c_void_p.from_address(data + 24 * i + 8).value = ctypes.addressof(buffer)
        return tensor

    def strings(self, tensor, count):
        """The bytes of a TF_STRING tensor: TF_StringDecode over TF 1.x's offsets, or TF_StringGetDataPointer/Size
        over TF 2.4+'s TF_TString array."""
        lib = self.lib
        data = lib.TF_TensorData(tensor)
        if hasattr(lib, "TF_StringDecode"):
            lib.TF_StringDecode.restype = ctypes.c_size_t
            lib.TF_StringDecode.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_char_p),
                                            ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p]
            size = lib.TF_TensorByteSize(tensor)
            out = []
            for i in range(count):
                offset = ctypes.c_uint64.from_address(data + 8 * i).value
                start = data + 8 * count + offset
                dst, dst_len = ctypes.c_char_p(), ctypes.c_size_t()
                lib.TF_StringDecode(start, size - 8 * count - offset, ctypes.byref(dst), ctypes.byref(dst_len), self.status)
                self.check("TF_StringDecode")
                out.append(ctypes.string_at(dst, dst_len.value))
            return out
        lib.TF_StringGetDataPointer.restype, lib.TF_StringGetDataPointer.argtypes = ctypes.c_void_p, [ctypes.c_void_p]
        lib.TF_StringGetSize.restype, lib.TF_StringGetSize.argtypes = ctypes.c_size_t, [ctypes.c_void_p]
        return [ctypes.string_at(lib.TF_StringGetDataPointer(data + 24 * i), lib.TF_StringGetSize(data + 24 * i))
                for i in range(count)]
