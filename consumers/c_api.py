"""The C API inside the TF wheel (the route of Java, Go and C++ callers), driven by ctypes in a child program."""
import ctypes
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from consumers._signature import signature_def
from matrix import paths
from matrix.plugin import Refused, needs_signature

API = "C API TF_LoadSessionFromSavedModel + TF_SessionRun (libtensorflow in the wheel, ctypes)"

applies = needs_signature

# numpy dtype name -> TF_DataType (tensorflow/c/tf_datatype.h); strings are not fed.
DTYPES = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6, "int64": 9, "bool": 10,
          "uint16": 17, "float16": 19, "uint32": 22, "uint64": 23}


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
    signature = signature_def(artifact)
    with tempfile.TemporaryDirectory(prefix="c_api-") as work:
        request = {"library": _library(tf), "export_dir": artifact.path, "tags": artifact.tags, "outdir": work,
                   "feeds": {}, "fetches": {n: info.name for n, info in signature.outputs.items()}}
        for name, value in artifact.inputs.items():
            if name not in signature.inputs:
                raise Refused("input %r not in signature %r" % (name, artifact.signature))
            np.save(os.path.join(work, "in-%s.npy" % name), value)
            request["feeds"][name] = signature.inputs[name].name
        with open(os.path.join(work, "request.json"), "w") as f:
            json.dump(request, f)
        path = [paths.ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        done = subprocess.run([sys.executable, "-m", "consumers.c_api", os.path.join(work, "request.json")],
                              env=dict(os.environ, PYTHONPATH=os.pathsep.join(path)), timeout=600,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        if done.returncode != 0:
            lines = [l for l in done.stdout.splitlines() if l.strip()]
            how = "exited %d" % done.returncode if done.returncode > 0 else "died of signal %d" % -done.returncode
            raise Refused("C API program %s: %s\n%s" % (how, lines[-1] if lines else "no output", done.stdout[-4000:]))
        return {name: np.load(os.path.join(work, "out-%s.npy" % name)) for name in request["fetches"]}


def _run(request):
    """The child: only ctypes and the library, as a C caller would use it. Exits 2 with the TF_Status message."""
    lib = ctypes.CDLL(request["library"], mode=ctypes.RTLD_GLOBAL)
    P, c_int64 = ctypes.c_void_p, ctypes.c_int64

    class Output(ctypes.Structure):
        _fields_ = [("oper", P), ("index", ctypes.c_int)]

    for name, res, args in [
            ("TF_NewStatus", P, []), ("TF_GetCode", ctypes.c_int, [P]), ("TF_Message", ctypes.c_char_p, [P]),
            ("TF_NewGraph", P, []), ("TF_NewSessionOptions", P, []),
            ("TF_LoadSessionFromSavedModel", P, [P, P, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p),
                                                 ctypes.c_int, P, P, P]),
            ("TF_GraphOperationByName", P, [P, ctypes.c_char_p]),
            ("TF_AllocateTensor", P, [ctypes.c_int, ctypes.POINTER(c_int64), ctypes.c_int, ctypes.c_size_t]),
            ("TF_TensorData", P, [P]), ("TF_TensorByteSize", ctypes.c_size_t, [P]), ("TF_TensorType", ctypes.c_int, [P]),
            ("TF_NumDims", ctypes.c_int, [P]), ("TF_Dim", c_int64, [P, ctypes.c_int]),
            ("TF_SessionRun", None, [P, P, P, P, ctypes.c_int, P, P, ctypes.c_int, P, ctypes.c_int, P, P]),
            ("TF_CloseSession", None, [P, P]), ("TF_DeleteSession", None, [P, P]), ("TF_DeleteTensor", None, [P])]:
        getattr(lib, name).restype, getattr(lib, name).argtypes = res, args
    status = lib.TF_NewStatus()

    def check(what):
        if lib.TF_GetCode(status) != 0:
            message = " ".join(lib.TF_Message(status).decode(errors="replace").split())
            sys.exit("%s: TF_Status %d: %s" % (what, lib.TF_GetCode(status), message))

    graph = lib.TF_NewGraph()
    tags = (ctypes.c_char_p * len(request["tags"]))(*[t.encode() for t in request["tags"]])
    session = lib.TF_LoadSessionFromSavedModel(lib.TF_NewSessionOptions(), None, request["export_dir"].encode(),
                                               tags, len(request["tags"]), graph, None, status)
    check("TF_LoadSessionFromSavedModel")

    def output(tensor_name):
        op, _, index = tensor_name.partition(":")
        oper = lib.TF_GraphOperationByName(graph, op.encode())
        if not oper:
            sys.exit("TF_GraphOperationByName: no operation %r in the loaded graph" % op)
        return Output(oper, int(index or 0))

    feeds, fetches = list(request["feeds"].items()), list(request["fetches"].items())
    values, keep = [], []
    for name, _ in feeds:
        value = np.require(np.load(os.path.join(request["outdir"], "in-%s.npy" % name), allow_pickle=True),
                           requirements="C")
        dims = (c_int64 * max(value.ndim, 1))(*value.shape)
        if value.dtype.kind not in "OSU":
            tensor = lib.TF_AllocateTensor(DTYPES[value.dtype.name], dims, value.ndim, value.nbytes)
            ctypes.memmove(lib.TF_TensorData(tensor), value.ctypes.data, value.nbytes)
        else:
            tensor = _string_tensor(lib, [bytes(v) for v in value.reshape(-1)], dims, value.ndim, status, keep)
            check("TF_StringEncode")
        values.append(tensor)
    inputs = (Output * len(feeds))(*[output(t) for _, t in feeds])
    outputs = (Output * len(fetches))(*[output(t) for _, t in fetches])
    results = (P * len(fetches))()
    lib.TF_SessionRun(session, None, inputs, (P * len(feeds))(*values), len(feeds),
                      outputs, results, len(fetches), None, 0, None, status)
    check("TF_SessionRun")
    numpy_of = {v: np.dtype(k) for k, v in DTYPES.items()}
    for (name, _), tensor in zip(fetches, results):
        if lib.TF_TensorType(tensor) not in numpy_of:
            sys.exit("output %r has TF_DataType %d, which this program does not read" % (name, lib.TF_TensorType(tensor)))
        shape = [lib.TF_Dim(tensor, i) for i in range(lib.TF_NumDims(tensor))]
        raw = ctypes.string_at(lib.TF_TensorData(tensor), lib.TF_TensorByteSize(tensor))
        np.save(os.path.join(request["outdir"], "out-%s.npy" % name),
                np.frombuffer(raw, dtype=numpy_of[lib.TF_TensorType(tensor)]).reshape(shape))
    lib.TF_CloseSession(session, status)
    check("TF_CloseSession")


def _string_tensor(lib, items, dims, ndim, status, keep):
    """A TF_STRING tensor: TF 1.x's offsets + TF_StringEncode layout, or (TF 2.4+) one 24-byte TF_TString
    each, written as a view (ctstring.h's TF_TSTR_VIEW: size << 2 | 3, then a pointer to bytes we keep)."""
    if hasattr(lib, "TF_StringEncode"):
        lib.TF_StringEncodedSize.restype, lib.TF_StringEncodedSize.argtypes = ctypes.c_size_t, [ctypes.c_size_t]
        lib.TF_StringEncode.restype = ctypes.c_size_t
        lib.TF_StringEncode.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
        sizes = [lib.TF_StringEncodedSize(len(b)) for b in items]
        tensor = lib.TF_AllocateTensor(7, dims, ndim, 8 * len(items) + sum(sizes))
        data, offset = lib.TF_TensorData(tensor), 0
        for i, (b, size) in enumerate(zip(items, sizes)):
            ctypes.c_uint64.from_address(data + 8 * i).value = offset
            lib.TF_StringEncode(b, len(b), data + 8 * len(items) + offset, size, status)
            offset += size
        return tensor
    tensor = lib.TF_AllocateTensor(7, dims, ndim, 24 * len(items))
    data = lib.TF_TensorData(tensor)
    for i, b in enumerate(items):
        buffer = ctypes.create_string_buffer(b, len(b) or 1)
        keep.append(buffer)
        ctypes.c_uint64.from_address(data + 24 * i).value = (len(b) << 2) | 3
        ctypes.c_void_p.from_address(data + 24 * i + 8).value = ctypes.addressof(buffer)
    return tensor


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        _run(json.load(f))
