"""Your own SavedModels in the matrix: every model found in the given folders, every signature a case.

    [tool.savedmodel-matrix] models = ["PATH", ...] in pyproject.toml   the folders every run reads
                                                                        (the shared corpus is listed there)
    python -m matrix begin --models PATH [--models PATH ...]            these instead, for one run
                                                                        (tox -- --models PATH)

A PATH may be one SavedModel folder, a TF Serving base path (<name>/<version>/
saved_model.pb: the newest version), or any tree, scanned for saved_model.pb
and saved_model.pbtxt. Each model becomes artifacts of the pseudo-producer
named after the folder it was found in (env "models"), one per tag set and
signature, with the case named after its path; and one for the model's own
__call__ (case "<path>:__call__", or "<path>" when it has no signature), when
a function it was traced on can be called as obj(x) (object_call).

Facts come from the model's own files (matrix/savedmodel_pb.py, no TF). The
inputs come from a spec when there is one, else they are synthesized from the
signature (deterministic values per dtype at the declared shapes, unknown
dimensions 2); where that is not honest (strings, tf.Example, sparse or
resource inputs, unknown rank) the artifact says why and how to give a spec.
The golden values are the spec's expected outputs when it gives them, else
they are recorded by a reference TF environment (matrix/reference.py).

A spec (JSON) is `savedmodel-matrix.json` inside the model folder, or
`<model folder>.savedmodel-matrix.json` beside it:
    {"calls": [{"signature": "serving_default", "tags": ["serve"],
                "inputs": {"x": {"dtype": "float32", "shape": [2, 1], "values": [1.0, 2.0]}},
                "expected_outputs": {"y": {...}},            (optional)
                "tolerance": {"atol": 1e-6, "rtol": 1e-5}}]}  (optional)
A folder may also hold an `expected.json` list in the shared corpus's format
(entries with a "dir"). Nothing in a model or a spec is ever run as code here:
no pickle, no eval. Stdlib only: the begin step has no numpy and no TF.
"""
import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from matrix import keys, records, savedmodel_pb
from matrix.cache import Cache
from matrix.cell import FAIL, PASS, ROOT, ArtifactId, Run, Store, now, safe_name
from matrix.manifest import MANIFEST_SCHEMA, Golden, Manifest, model_facts, tolerance
from matrix.manifest import Call as ManifestCall

ENV = "models"
LOADS_WITH = ("tf1_session", "tf2_load", "saved_model_cli")  # TF Serving's loader, TF2's and the CLI: what any SavedModel documents
SPEC = "savedmodel-matrix.json"
SYNTH_BATCH = 2     # an unknown batch dimension, and any unknown dimension of a tensor of rank 1 or 2
# an unknown inner dimension of a tensor of rank 3 or more (an image's height and width, a sequence's
# length): a conv net's strides and pools make 2x2 images fail with "negative output size", a
# failure of the harness's inputs, not of the load API; 32 passes a stride of 32 and stays small
SYNTH_SPATIAL = 32
INTERNAL = ("__saved_model_init_op", "__saved_model_train_op")  # TF's own entries, not signatures to call
# the case (and a spec's "signature") of a model's own __call__: a TF Hub style model is called as obj(x),
# often with no signature at all, and a Keras model saved by tf.saved_model.save is callable too
CALL = "__call__"
# the dtypes synthesize() feeds (not bfloat16: numpy cannot hold it)
NUMERIC = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16",
           "uint32", "uint64")


class ModelsError(ValueError):
    """A folder or spec that cannot be used; the message is one line naming the path."""


@dataclass
class Call:
    """One call of a model's signature: the inputs to feed and, optionally, what must come back."""
    tags: List[str]
    signature: str
    inputs: Dict[str, Dict[str, Any]]
    expected: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    atol: Optional[float] = None
    rtol: Optional[float] = None
    source: str = ""


# -- finding models -------------------------------------------------------------------------------------

def is_model(folder: str) -> bool:
    return any(os.path.isfile(os.path.join(folder, f)) for f in ("saved_model.pb", "saved_model.pbtxt"))


def find(path: str) -> List[str]:
    """The SavedModel folders under `path`: itself, the newest version of a TF Serving base path, or a tree's."""
    if is_model(path):
        return [path]
    found = []
    for folder, dirs, _ in os.walk(path):
        dirs.sort()
        if is_model(folder):
            dirs[:] = []  # variables/, assets/ belong to the model
            found.append(folder)
    # TF Serving base paths: <name>/<version>/ with numeric versions; the newest is the one served.
    newest = {}  # type: Dict[str, str]
    kept = []
    for folder in found:
        parent, version = os.path.split(folder)
        if version.isdigit():
            if parent not in newest or int(version) > int(os.path.basename(newest[parent])):
                newest[parent] = folder
        else:
            kept.append(folder)
    return sorted(kept + list(newest.values()))


# What a SavedModel folder holds beside its graph: a folder with one of these and no saved_model.pb is
# a model that lost its graph (a partial copy or upload), not an unrelated folder.
PARTS = ("variables", "fingerprint.pb", "keras_metadata.pb")


def find_incomplete(path: str) -> List[str]:
    """Folders under `path` that hold SavedModel parts (PARTS) but no saved_model.pb(txt)."""
    found = []
    for folder, dirs, files in os.walk(path):
        dirs.sort()
        if is_model(folder):
            dirs[:] = []
            continue
        if any(p in files or p in dirs for p in PARTS):
            dirs[:] = []
            found.append(folder)
    return found


def configured_folders() -> List[str]:
    """[tool.savedmodel-matrix] models in pyproject.toml, relative to the checkout."""
    try:
        import tomllib  # type: ignore
    except ImportError:
        return []
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        config = tomllib.load(f).get("tool", {}).get("savedmodel-matrix", {})
    return [os.path.normpath(os.path.join(ROOT, p)) for p in config.get("models", [])]


# -- specs ---------------------------------------------------------------------------------------------

def _tensor(value: Any, where: str) -> Dict[str, Any]:
    if not isinstance(value, dict) or "dtype" not in value or not ("values" in value or "values_b64" in value):
        raise ModelsError("%s: a tensor is {\"dtype\", \"shape\", \"values\"}, got %r" % (where, value))
    return {k: value[k] for k in ("dtype", "shape", "values", "values_b64") if k in value}


def _calls_of(entries: Any, where: str) -> List[Call]:
    if not isinstance(entries, list):
        raise ModelsError("%s: expected a list of calls" % where)
    calls = []
    for n, entry in enumerate(entries, 1):
        at = "%s: call %d" % (where, n)
        if not isinstance(entry, dict):
            raise ModelsError("%s: not an object" % at)
        if entry.get("mode") or entry.get("sequence") or not entry.get("signature") or entry.get("inputs") is None:
            continue  # raw tensor names or a call sequence: not one signature call
        tolerance = entry.get("tolerance") or {}
        calls.append(Call(list(entry.get("tags") or ["serve"]), str(entry["signature"]),
                          {k: _tensor(v, at) for k, v in entry["inputs"].items()},
                          {k: v for k, v in (entry.get("expected_outputs") or {}).items()},
                          tolerance.get("atol"), tolerance.get("rtol"), "%s (%s)" % (where, entry.get("source_test") or "call %d" % n)))
    return calls


def stated(call: Call) -> bool:
    """The call states every expected output fully (values, shape and dtype)."""
    return bool(call.expected) and all(t.get("shape") is not None and t.get("dtype") for t in call.expected.values())


def read_spec(model: str, folder_specs: Dict[str, List[Call]]) -> List[Call]:
    """The calls a user gave for this model: its spec file, or its entries in the folder's expected.json."""
    for path in (os.path.join(model, SPEC), model.rstrip(os.sep) + "." + SPEC):
        if os.path.isfile(path):
            try:
                with open(path) as f:
                    data = json.load(f)
            except (OSError, ValueError) as exc:
                raise ModelsError("%s: unreadable spec: %s" % (path, str(exc).splitlines()[0]))
            return _calls_of(data.get("calls") if isinstance(data, dict) else data, path)
    return folder_specs.get(os.path.abspath(model), [])


def folder_specs(root: str) -> Dict[str, List[Call]]:
    """A folder-level expected.json (the shared corpus's format): model folder -> its calls."""
    path = os.path.join(root, "expected.json")
    if not os.path.isfile(path):
        return {}
    try:
        with open(path) as f:
            entries = json.load(f)
    except (OSError, ValueError) as exc:
        raise ModelsError("%s: unreadable spec: %s" % (path, str(exc).splitlines()[0]))
    out = {}  # type: Dict[str, List[Call]]
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("dir"):
            model = os.path.abspath(os.path.join(root, entry["dir"]))
            out.setdefault(model, []).extend(_calls_of([entry], path))
    return out


# -- inputs at the signature's shapes -------------------------------------------------------------------

def conform(tensor: Dict[str, Any], declared: Optional[List[Optional[int]]]) -> Tuple[Dict[str, Any], str]:
    """The tensor at the declared shape when its values fit it one way only; (tensor, note of the change)."""
    shape = tensor.get("shape")
    count = len(tensor.get("values", tensor.get("values_b64", [])))
    if declared is None or shape is None and not count:
        return tensor, ""
    if shape is not None and _fits(shape, declared):
        return tensor, ""
    known = 1
    for d in declared:
        known *= d if d is not None else 1
    unknown = [i for i, d in enumerate(declared) if d is None]
    if len(unknown) > 1 or known == 0 or count % known:
        return tensor, ""
    new = [count // known if d is None else d for d in declared]
    if not unknown and known != count:
        return tensor, ""
    return dict(tensor, shape=new), "fed at the signature's shape %s (given %s)" % (new, shape)


def _fits(shape: List[int], declared: List[Optional[int]]) -> bool:
    return len(shape) == len(declared) and all(d is None or d == s for s, d in zip(shape, declared))


def synthesize(name: str, spec: Dict[str, Any], method: str) -> Tuple[Optional[Dict[str, Any]], str]:
    """Deterministic values for one input, or (None, why that would be a guess)."""
    dtype, shape, encoding = spec["dtype"], spec["shape"], spec.get("encoding", "dense")
    if encoding != "dense":
        return None, "input %r is a %s tensor" % (name, encoding.replace("coo_sparse", "SparseTensor (COO)"))
    if method.endswith(("/classify", "/regress")) or dtype == "string":
        return None, "input %r takes %s" % (name, "serialized tf.Example strings" if dtype == "string" and method.endswith(
            ("/classify", "/regress")) else "strings, whose meaning the signature does not say")
    if shape is None:
        return None, "input %r has an unknown rank" % name
    if dtype == "bfloat16":
        return None, "input %r is bfloat16, which numpy (and so every feed here) cannot hold" % name
    if dtype not in NUMERIC + ("bool",):
        return None, "input %r is %s" % (name, dtype)
    dims = [d if d is not None else SYNTH_BATCH if i == 0 or len(shape) < 3 else SYNTH_SPATIAL
            for i, d in enumerate(shape)]
    count = 1
    for d in dims:
        count *= d
    seed = sum(ord(c) for c in name)
    if dtype == "bool":
        values = [bool((i + seed) % 2) for i in range(count)]  # type: List[Any]
    elif dtype.startswith(("int", "uint")):
        # 0 and 1 only: valid as ids into any table of 2 or more rows (a vocabulary, BERT's segment ids),
        # as masks and as sizes; larger values made the harness's own inputs fail on small tables
        values = [(i + seed) % 2 for i in range(count)]
    else:
        # in [0, 1.9]: non-negative, as pixel values and logs want, and valid ids (0, 1) once cast to int,
        # as a Keras Embedding does with the float32 input a Sequential model declares by default
        values = [round(((i * 37 + seed) % 20) / 10.0, 1) for i in range(count)]
    return {"dtype": dtype, "shape": dims, "values": values}, ""


# -- the import ----------------------------------------------------------------------------------------------

def import_all(store: Store, run: Run, paths: List[str]) -> int:
    """Import every model of the given folders (else of the configured ones) into the store; 2 if a given
    path is unusable. Folders given on the command line replace pyproject.toml's list for the run."""
    results = store.results_file(run, "produce", ENV, "begin")
    code = 0
    folders = [(os.path.abspath(p), True) for p in paths] or [(p, False) for p in configured_folders()]
    for folder, given in folders:
        if not os.path.isdir(folder):
            if given:
                print("error: --models %s: no such folder" % folder)
                code = 2
            else:
                print("models: %s (pyproject.toml) is not here: skipped" % folder)
            continue
        try:
            written = import_folder(store, run, folder, results)
        except ModelsError as exc:
            print("error: %s" % exc)
            code = 2
            continue
        good = sum(1 for r in written if r.status == PASS)
        print("models: %s: %d models, %d cases%s" % (folder, len({r.case.split(":")[0] for r in written}), good,
                                                       "; %d could not be read" % (len(written) - good)
                                                       if len(written) > good else ""))
    return code


def _label(folder: str) -> str:
    return safe_name(os.path.basename(os.path.normpath(folder))).replace("-", "_") or "models"


def import_folder(store: Store, run: Run, folder: str, results: str) -> List[records.ProduceRecord]:
    producer = _label(folder)
    specs = folder_specs(folder)
    written = []
    for model in find_incomplete(folder):
        written.append(_record(run, producer, model, safe_name(os.path.relpath(model, folder).replace(os.sep, ".")),
                               FAIL, "no saved_model.pb or saved_model.pbtxt in %s, though it has %s: a SavedModel "
                               "without its graph" % (model, ", ".join(p for p in PARTS if os.path.exists(
                                   os.path.join(model, p))))))
    for model in find(folder):
        rel = os.path.relpath(model, folder)
        base = producer if rel == "." else safe_name(rel.replace(os.sep, "."))
        try:
            calls = read_spec(model, specs)
        except ModelsError as exc:  # one model's bad spec is that model's red line, not the folder's end
            written.append(_record(run, producer, model, base, FAIL, str(exc)))
            continue
        written.extend(import_model(store, run, producer, base, model, calls))
    cache = Cache(store, "produce", ENV, "import")
    for record in written:
        _keep(cache, run, results, record)
    return written


def _keep(cache: Cache, run: Run, results: str, record: records.ProduceRecord) -> None:
    """Record an import; one whose outcome an earlier run recorded under the same key is recorded as
    reused from that run (the import reads files, no TF: only the record says whether anything changed)."""
    if not record.key:  # a model that could not be read: keyed by what was found and said about it
        record.key = keys.digest(["import", record.cell, record.producer_api, record.status, record.reason,
                                  keys.files_digest([__file__])])
    data = records.to_json(record)
    before = cache.get(record.key)
    same = before is not None and all(before.get(k) == v for k, v in data.items() if k not in records.RUN_FIELDS)
    if same:
        data = records.reused(before, run)
    else:
        cache.put(data)
    records.append(results, data)


def _record(run: Run, producer: str, model: str, case: str, status: str, reason: str = "", artifact: str = "",
            key: str = "", tf: str = "?") -> records.ProduceRecord:
    return records.ProduceRecord(
        run_id=run.run_id, cell=str(ArtifactId(ENV, producer, case)), producer=producer,
        producer_api="imported from %s" % model, case=case, producer_env=ENV, producer_tf=tf, producer_python="n/a",
        status=status, reason=reason, seconds=0.0, finished=now(), artifact=artifact, key=key)


def import_model(store: Store, run: Run, producer: str, base: str, model: str,
                 calls: List[Call]) -> List[records.ProduceRecord]:
    """One artifact per (tag set, signature) of the model; a model its files cannot describe is one failed record."""
    def record(case: str, status: str, reason: str = "", artifact: str = "", key: str = "", tf: str = "?") -> Any:
        return _record(run, producer, model, case, status, reason, artifact, key, tf)

    try:
        saved = savedmodel_pb.read(model)
    except savedmodel_pb.SavedModelError as exc:
        return [record(base, FAIL, str(exc))]
    found = [(m, object_call(m)) for m in saved.meta_graphs]
    entries = [(m, key, own) for m, own in found for key in sorted(m.signatures) if key not in INTERNAL]
    signed = len(entries)
    # the model's own __call__, where one traced function can be called as its users call it: a case of its own
    entries += [(m, None, own) for m, own in found if own[0]]
    many_tags = len({m.tags for m, _, _ in entries}) > 1
    out = []
    for meta, signature, own in entries or [(found[0][0], None, found[0][1])]:
        parts = [base] + ([",".join(sorted(meta.tags))] if many_tags else []) + ([signature] if signature and signed > 1 else [])
        case = safe_name(":".join(parts)) + (":" + CALL if signature is None and signed else "")
        artifact = ArtifactId(ENV, producer, case)
        mine = [c for c in calls if c.signature == (signature or CALL) and set(c.tags) == set(meta.tags)]
        call = next((c for c in mine if stated(c)), mine[0] if mine else None)
        manifest = _manifest(producer, case, saved, meta, signature, call, own)
        # the recipe: the model's bytes, what the import made of them, the import code (never the clock)
        made = {k: v for k, v in manifest.to_json().items() if k != "created"}
        manifest.recipe = keys.digest(["import", saved.fingerprint, made, keys.files_digest([__file__]),
                                       MANIFEST_SCHEMA])
        folder = store.artifact_dir(artifact)
        _link_model(folder, model)
        manifest.write(folder)
        out.append(record(case, PASS, artifact=str(artifact), key=manifest.recipe, tf=meta.tensorflow_version or "?"))
    return out


def _manifest(producer: str, case: str, saved: Any, meta: Any, signature: Optional[str], call: Optional[Call],
              own_call: Tuple[Optional[Dict[str, Any]], str]) -> Manifest:
    """The manifest of one case: `meta`'s signature (None: its own __call__, when own_call found one to call)."""
    tags = list(meta.tags)
    facts = model_facts(saved, meta)  # the files were read once, by import_model
    own, why_not = own_call
    facts.call, facts.call_why_not = own or {}, why_not
    spec = facts.signatures.get(signature or "", {"inputs": {}, "outputs": {}})
    if signature is None and own:
        spec = {"inputs": own["inputs"], "outputs": own["outputs"]}
    notes = []
    no_inputs = ""
    synthesized = False
    inputs = {}  # type: Dict[str, Any]
    outputs = {}  # type: Dict[str, Any]
    golden = Golden("recorded", "")  # filled in by a reference TF environment (matrix/reference.py)
    precision = tolerance(meta.node_dtypes)
    if precision:  # before a spec's own tolerance, which wins
        golden.atol, golden.rtol = precision[:2]
        notes.append(precision[2])
    if signature is None and not own:
        notes.append("the model has no signature" + ("; its __call__ %s" % why_not if why_not else ""))
    elif call is not None:
        for name, tensor in call.inputs.items():
            declared = spec["inputs"].get(name, {}).get("shape")
            inputs[name], note = conform(tensor, declared)
            notes += [note] if note else []
        for name, tensor in call.expected.items():
            declared = spec["outputs"].get(name, {})
            if tensor.get("shape") is None or not (tensor.get("dtype") or declared.get("dtype")):
                continue  # the spec states values, not their shape or dtype: recorded golden values are compared
            tensor = dict(tensor, dtype=tensor.get("dtype") or declared["dtype"])
            outputs[name], note = conform(tensor, declared.get("shape"))
        if outputs and len(outputs) == len(call.expected):
            golden = Golden("spec", "expected values given by %s" % call.source, golden.atol, golden.rtol)
        if call.atol is not None or call.rtol is not None:
            golden.atol = call.atol if call.atol is not None else golden.atol
            golden.rtol = call.rtol if call.rtol is not None else golden.rtol
    else:
        method = meta.signatures[signature].method_name if signature else ""
        for name, tensor in spec["inputs"].items():
            if signature and name in meta.signatures[signature].defaults:
                continue
            value, why = synthesize(name, tensor, method)
            if value is None:
                inputs = {}
                no_inputs = "no inputs: %s; give them in a spec (%s beside the model, see README)" % (why, SPEC)
                break
            inputs[name] = value
        else:
            synthesized = bool(inputs)
            notes.append("inputs synthesized from the %s (unknown batch dimensions %d, unknown inner "
                         "dimensions of rank-3+ tensors %d)" % ("signature" if signature else "traced __call__",
                                                                SYNTH_BATCH, SYNTH_SPATIAL))
    called = None
    if signature is None and own:
        notes.append("called as its author's __call__: %s" % own["traced"])
        called = ManifestCall(own["convention"], list(own["inputs"]), own["returns"],
                              outputs if golden.source == "spec" else {}, list(own["outputs"]))
        outputs = {}
    return Manifest(
        producer=producer, api="written by TF %s" % (facts.tensorflow_version or "unknown"), case=case, env=ENV,
        tags=tags, signature=signature, call=called, inputs=inputs, outputs=outputs if golden.source == "spec" else {},
        tf=facts.tensorflow_version or "unknown", keras="n/a", python="n/a", platform="n/a", created=now(),
        path="model", golden=golden, variable_kind="unknown", model=facts, no_inputs=no_inputs,
        inputs_synthesized=synthesized, notes="; ".join(notes), schema=MANIFEST_SCHEMA)


# -- the model's own __call__ ------------------------------------------------------------------------------

def object_call(meta: Any) -> Tuple[Optional[Dict[str, Any]], str]:
    """How a user calls the model's __call__, from what its concrete functions were traced on; (None, why not).

    A function is called as obj(x): its tensor arguments are fed, every other argument keeps its default
    (training=False, mask=None), so only a function traced on those defaults is called. The one traced on
    the most general shapes wins (then a dict of named tensors, then the first by name). The call is: one
    tensor; the tensors positionally; one dict of tensors; or one list of tensors (manifest.CONVENTIONS),
    returning a tensor, a dict or a list of tensors."""
    if not meta.callable:
        return None, ""
    problems = []
    found = []
    for function in meta.call_functions:
        call, problem = _convention(function)
        if call is None:
            problems.append(problem)
        else:
            unknown = sum(1 for t in call["inputs"].values()
                          for d in (t["shape"] if t["shape"] is not None else [None]) if d is None)
            found.append((-unknown, call["convention"] != "dict", function.name, call))
    if not found:
        return None, ("is not called here: %s" % "; ".join(sorted(set(problems))) if problems
                      else "has no traced function to call")
    return sorted(found, key=lambda f: f[:3])[0][3], ""  # ties: a dict by name, as a Keras user calls it


def _tensor_spec(tensor: Any) -> Dict[str, Any]:
    return {"dtype": tensor.dtype, "shape": None if tensor.shape is None else list(tensor.shape),
            "encoding": "dense", "recorded": True}


def _convention(function: Any) -> Tuple[Optional[Dict[str, Any]], str]:
    args, names = list(function.args), list(function.arg_names)
    fed = 0
    while fed < len(args) and _tensors(args[fed]):
        fed += 1
    defaults = dict(zip(names[len(names) - len(function.defaults):], function.defaults))
    others = [(names[i] if i < len(names) else None, args[i]) for i in range(fed, len(args))]
    for name, value in others + sorted(function.kwargs.items()):
        if name is None:  # no FullArgSpec to say what it is: only a None or False can be a default left out
            if value is not None and value is not False:
                return None, "traced with %r for an argument of unknown name" % (value,)
        elif name not in defaults:
            return None, "argument %r is not a tensor and has no default" % name
        elif value != defaults[name] or type(value) is not type(defaults[name]):
            return None, "traced with %s=%r only" % (name, value)
    first = args[0] if args else None
    if fed == 1 and isinstance(first, savedmodel_pb.TensorFacts):
        convention, inputs = "tensor", [first]
    elif fed == 1 and isinstance(first, dict):
        convention, inputs = "dict", list(first.values())
    elif fed == 1 and isinstance(first, (list, tuple)):
        convention, inputs = "list", list(first)
    elif all(isinstance(a, savedmodel_pb.TensorFacts) for a in args[:fed]):
        convention, inputs = "args", list(args[:fed])
    else:
        return None, "its arguments mix tensors and structures"
    keys = list(first) if convention == "dict" else [
        t.name or (names[i] if convention in ("tensor", "args") and i < len(names) else "input_%d" % i)
        for i, t in enumerate(inputs)]
    if len(set(keys)) != len(keys):
        keys = ["input_%d" % i for i in range(len(inputs))]
    output = function.output
    if isinstance(output, savedmodel_pb.TensorFacts):
        returns, outputs = "tensor", {"output_0": output}
    elif isinstance(output, dict) and all(isinstance(v, savedmodel_pb.TensorFacts) for v in output.values()) and output:
        returns, outputs = "dict", dict(output)
    elif isinstance(output, (list, tuple)) and output and all(isinstance(v, savedmodel_pb.TensorFacts) for v in output):
        returns, outputs = "list", dict(("output_%d" % i, v) for i, v in enumerate(output))
    else:
        return None, "it returns %s, not a tensor, a dict or a list of tensors" % _what(output)
    return {"convention": convention, "inputs": dict((k, _tensor_spec(t)) for k, t in zip(keys, inputs)),
            "returns": returns, "outputs": dict((k, _tensor_spec(t)) for k, t in outputs.items()),
            "traced": "%s (%s)" % (function.name, convention)}, ""


def _tensors(value: Any) -> bool:
    """A tensor, or a non-empty dict, list or tuple of tensors: what a call feeds."""
    if isinstance(value, savedmodel_pb.TensorFacts):
        return True
    items = list(value.values()) if isinstance(value, dict) else list(value) if isinstance(value, (list, tuple)) else []
    return bool(items) and all(isinstance(v, savedmodel_pb.TensorFacts) for v in items)


def _what(value: Any) -> str:
    if isinstance(value, savedmodel_pb.Opaque):
        return "a %s" % value.kind.replace("_value", "")
    if value is None:
        return "nothing"
    return "a nested structure" if isinstance(value, (dict, list, tuple)) else repr(value)


def _link_model(folder: str, model: str) -> None:
    """The artifact's model/ is a link to the user's folder: nothing is copied, nothing of theirs is written."""
    os.makedirs(folder, exist_ok=True)
    link = os.path.join(folder, "model")
    if os.path.islink(link) or os.path.exists(link):
        if os.path.islink(link) and os.path.realpath(link) == os.path.realpath(model):
            return
        if os.path.islink(link):
            os.remove(link)
        else:
            import shutil
            shutil.rmtree(link)
    os.symlink(os.path.abspath(model), link)
