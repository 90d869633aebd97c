"""An artifact's manifest: what was saved, how its author calls it, and the golden values it must give.

Every fact a consumer decides on is a named, typed field here, never the
producer's name or API string, and every golden value recorded here is one
that some consumer checks. The manifest is written last,
after the golden values were checked, so an artifact exists for the grid once
its manifest does. Stdlib only: the begin step writes manifests without numpy;
`Artifact` (numpy) is the consumers' view of one.

Tensors are JSON: {"dtype", "shape", "values"} (matrix/tensors.py).
"""
import json
import os
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Dict, Iterable, List, Optional, Tuple

MANIFEST_SCHEMA = 2
Tensor = Dict[str, Any]

CONVENTIONS = ("tensor", "args", "dict", "list")
RETURNS = ("tensor", "list", "dict")
FORMATS = ("saved_model", "metagraph")
VARIABLE_KINDS = ("ref", "resource", "mixed", "none", "unknown")
GOLDEN_SOURCES = ("producer", "spec", "recorded")


class ManifestError(ValueError):
    """A manifest that cannot be read or breaks the schema; the message names the file."""


@dataclass
class Call:
    """How the model's own __call__ is called by its author, and what it returns.

    convention: "tensor" (one positional tensor), "args" (tensors positionally in
    `inputs` order, also accepted as keywords), "dict" (one dict by input name)
    or "list" (one list in `inputs` order). returns: "dict", "list" (named by
    `output_names`, in order) or "tensor" (the one name in `output_names`).
    """
    convention: str
    inputs: List[str]
    returns: str
    outputs: Dict[str, Tensor]
    output_names: List[str] = field(default_factory=list)  # outputs' keys in the order the call returns them
    training_arg: bool = False


@dataclass
class Golden:
    """Where the golden values come from, and how closely outputs must match them."""
    source: str = "producer"      # producer | spec (given by the user) | recorded (by a reference TF env)
    by: str = ""                  # one line for the report: "computed by the producer in TF 2.15.1"
    atol: float = 1e-6
    rtol: float = 1e-5
    # outputs not compared: two loads of the model gave different values (random ops), name -> how
    varies: Dict[str, str] = field(default_factory=dict)


# A graph that computes in a half-precision type keeps about 3 (float16) or 2 (bfloat16) significant
# digits, whatever its signature's dtypes (Keras mixed precision: float32 in and out): two correct
# runtimes differ by that much (onnxruntime against TF: 4e-4 relative on a mixed_float16 Dense model),
# so such a model's outputs are compared within it: (atol, rtol).
HALF_PRECISION = {"float16": (1e-3, 1e-2), "bfloat16": (1e-2, 5e-2)}


def tolerance(node_dtypes: Iterable[str]) -> Optional[Tuple[float, float, str]]:
    """(atol, rtol, why) for a graph whose nodes compute in `node_dtypes`; None: the default tolerance."""
    half = [t for t in HALF_PRECISION if t in node_dtypes]
    if not half:
        return None
    atol, rtol = max(HALF_PRECISION[t] for t in half)
    return atol, rtol, "computes in %s: outputs compared within |actual - golden| <= %g + %g * |golden|" % (
        " and ".join(half), atol, rtol)


@dataclass
class ModelFacts:
    """What the saved files themselves say (matrix/savedmodel_pb.py reads them without TF)."""
    tag_sets: List[List[str]] = field(default_factory=list)
    signatures: Dict[str, Dict[str, Dict[str, Dict[str, Any]]]] = field(default_factory=dict)
    # ^ for the manifest's tag set: signature key -> {"inputs"/"outputs": name -> {"dtype", "shape",
    #   "encoding", "recorded" (False: the file records no shape at all)}}
    method_names: Dict[str, str] = field(default_factory=dict)
    tensorflow_version: str = ""
    graph_producer: Optional[int] = None
    object_graph: bool = False    # written by the TF2 object API (tf.saved_model.save, Keras)
    keras_metadata: bool = False
    has_variables: bool = False
    assets: List[str] = field(default_factory=list)
    fingerprint: str = ""
    # an imported model's own __call__, as a user calls it (matrix/models.py's object_call): "convention",
    # "inputs" and "outputs" (name -> spec as above), "returns", "traced"; {} when it has none to call
    call: Dict[str, Any] = field(default_factory=dict)
    call_why_not: str = ""        # an imported model's __call__ that is not called here, and why


@dataclass
class Manifest:
    producer: str
    api: str
    case: str
    env: str
    tags: List[str]
    signature: Optional[str]
    inputs: Dict[str, Tensor]
    outputs: Dict[str, Tensor]               # golden outputs of the signature call, by its output keys
    tf: str = "unknown"
    keras: str = "none"
    python: str = "unknown"
    platform: str = "unknown"
    created: str = ""
    path: str = "model"                      # the model folder, relative to the artifact folder
    format: str = "saved_model"
    golden: Golden = field(default_factory=Golden)
    call: Optional[Call] = None              # None: the saved object has no __call__ its author uses
    variables: Dict[str, Tensor] = field(default_factory=dict)
    variable_kind: str = "none"
    trained_by_signature: List[str] = field(default_factory=list)  # variables the signature's outputs read
    reusable: bool = False                   # TF Hub's Reusable SavedModel interface
    regularization_losses: List[float] = field(default_factory=list)
    method_names: Dict[str, str] = field(default_factory=dict)    # as the producer set them
    tensor_names: Optional[Dict[str, Dict[str, str]]] = None      # raw graph names {"inputs", "outputs"}
    metagraph: Optional[Dict[str, str]] = None                    # {"meta_graph", "checkpoint"} files
    model: ModelFacts = field(default_factory=ModelFacts)
    no_inputs: str = ""                      # why there are no inputs to feed (an imported model, nothing given)
    inputs_synthesized: bool = False         # an imported model's inputs, made up from its signature or trace
    recipe: str = ""                         # content key of what made it (matrix/keys.py)
    notes: str = ""
    schema: int = MANIFEST_SCHEMA

    def __post_init__(self) -> None:
        problems = []
        if self.format not in FORMATS:
            problems.append("format %r is not one of %s" % (self.format, ", ".join(FORMATS)))
        if self.variable_kind not in VARIABLE_KINDS:
            problems.append("variable_kind %r is not one of %s" % (self.variable_kind, ", ".join(VARIABLE_KINDS)))
        if self.golden.source not in GOLDEN_SOURCES:
            problems.append("golden source %r is not one of %s" % (self.golden.source, ", ".join(GOLDEN_SOURCES)))
        if self.call is not None:
            if self.call.convention not in CONVENTIONS:
                problems.append("call convention %r is not one of %s" % (self.call.convention, ", ".join(CONVENTIONS)))
            if self.call.returns not in RETURNS:
                problems.append("call returns %r is not one of %s" % (self.call.returns, ", ".join(RETURNS)))
        if problems:
            raise ManifestError("; ".join(problems))

    # -- facts consumers decide on
    @property
    def is_saved_model(self) -> bool:
        return self.format == "saved_model"

    def signature_spec(self) -> Optional[Dict[str, Dict[str, Dict[str, Any]]]]:
        """The called signature's declared inputs and outputs (dtype, shape), when the model says."""
        return self.model.signatures.get(self.signature or "")

    # -- (de)serialization: the one place a manifest's JSON is built and parsed
    def to_json(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Manifest":
        if not isinstance(data, dict):
            raise ManifestError("a manifest is a JSON object")
        if data.get("schema") != MANIFEST_SCHEMA:
            raise ManifestError("manifest schema %r, this harness reads %d (re-run the produce step)" % (
                data.get("schema"), MANIFEST_SCHEMA))
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ManifestError("unknown manifest fields: %s" % ", ".join(unknown))
        values = dict(data)
        try:
            values["golden"] = Golden(**values.get("golden", {}))
            values["model"] = ModelFacts(**values.get("model", {}))
            if values.get("call") is not None:
                values["call"] = Call(**values["call"])
            return cls(**values)
        except TypeError as exc:
            raise ManifestError(str(exc))

    def write(self, folder: str) -> None:
        """manifest.json, written atomically: its presence is what makes the artifact exist."""
        tmp = os.path.join(folder, "manifest.json.tmp")
        with open(tmp, "w") as f:
            json.dump(self.to_json(), f, indent=1, sort_keys=True)
        os.replace(tmp, os.path.join(folder, "manifest.json"))

    @classmethod
    def read(cls, folder: str) -> "Manifest":
        path = os.path.join(folder, "manifest.json")
        try:
            with open(path) as f:
                return cls.from_json(json.load(f))
        except (OSError, ValueError) as exc:
            raise ManifestError("%s: %s" % (path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__))


class Artifact(object):
    """One artifact as a consumer sees it: where the model is, how to call it, and its values as numpy."""

    def __init__(self, folder: str, manifest: Optional[Manifest] = None) -> None:
        from matrix import tensors  # numpy: present in TF environments, absent from the begin step
        self.folder = folder
        self.manifest = manifest or Manifest.read(folder)
        self.path = os.path.join(folder, self.manifest.path)
        self.tags = list(self.manifest.tags)
        self.signature = self.manifest.signature
        self.call = self.manifest.call
        self.inputs = tensors.decode_all(self.manifest.inputs)
        self.golden = tensors.decode_all(self.manifest.outputs)

    def single_output(self, value: Any) -> Dict[str, Any]:
        """Name a signature API's lone unnamed output after the signature's only output (one that varies
        between loads has no golden value, but is still the signature's output)."""
        names = sorted(self.golden) or sorted(self.manifest.golden.varies)
        if len(names) != 1:
            from matrix.plugin import Refused
            raise Refused("the API returned one unnamed output but the signature has %d: %s" % (
                len(names), ", ".join(names)))
        return {names[0]: value}


def read_model_facts(model_dir: str, tags: List[str]) -> ModelFacts:
    """What the saved files say, for the MetaGraph tagged `tags` (raises SavedModelError)."""
    from matrix import savedmodel_pb
    saved = savedmodel_pb.read(model_dir)
    return model_facts(saved, saved.meta_graph(tags))


def model_facts(saved: Any, meta: Any) -> ModelFacts:
    """The facts of files already read (savedmodel_pb.SavedModelFacts), for one of their MetaGraphs."""
    def spec(tensor: Any) -> Dict[str, Any]:
        shape = None if tensor.shape is None else list(tensor.shape)
        return {"dtype": tensor.dtype, "shape": shape, "encoding": tensor.encoding, "recorded": tensor.shape_recorded}

    return ModelFacts(
        tag_sets=sorted(sorted(m.tags) for m in saved.meta_graphs),
        signatures={key: {"inputs": {n: spec(t) for n, t in sig.inputs.items()},
                          "outputs": {n: spec(t) for n, t in sig.outputs.items()}}
                    for key, sig in meta.signatures.items()},
        method_names={key: sig.method_name for key, sig in meta.signatures.items()},
        tensorflow_version=meta.tensorflow_version, graph_producer=meta.graph_producer,
        object_graph=meta.has_object_graph, keras_metadata=saved.keras_metadata,
        has_variables=saved.has_variables, assets=list(saved.assets), fingerprint=saved.fingerprint)
