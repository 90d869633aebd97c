"""What producer and consumer plugins use: the contract in one page.

A producer module (producers/NAME.py) defines
    API = "the save API it exercises"
    CASES = ("add_two", ...)                 # model cases from matrix.cases
    LOADS_WITH = ("tf1_session", ...)        # the load APIs its documentation shows (the report's diagonal check)
    def available(tf) -> Optional[str]       # None, or why the API does not exist here
    def produce(tf, case, export_dir) -> Export

A consumer module (consumers/NAME.py) defines
    API = "the load API it exercises"
    def available(tf) -> Optional[str]
    def consume(tf, artifact) -> Dict[str, array]   # outputs by name; the grid judges them
and optionally
    def applies(manifest) -> Optional[str]   # None, or why this check has nothing to check here
    def expected(manifest) -> Dict[str, tensor JSON]   # the golden values it is judged on
                                             # (default: manifest.outputs, the signature's goldens)
    FEEDS = False                            # it reads the model without feeding it inputs
    RUNS_MODEL_CODE = True                   # it may run Python code stored in a model (Keras Lambda layers):
                                             # your imported models reach it only with --allow-model-code

`manifest` is a matrix.manifest.Manifest: decide on its facts (format, call,
variable_kind, reusable, signature shapes...), never on the producer's name.
`artifact` (matrix.manifest.Artifact) has .path, .tags, .signature, .call,
.inputs and .golden as numpy, and .manifest. `tf` is the TensorFlow module the harness imported once for the whole
worker. Modules must not import TensorFlow at their top level: the grid
reads API and CASES without it. Raise Refused when the API under test
refuses in a way the plugin detects itself (an exit status, a missing
signature); any exception raised inside TensorFlow/Keras counts as the API
refusing too, while one raised in the plugin's own code is a plugin bug (error).
"""
from typing import Any, Dict, Optional, Sequence


class Refused(Exception):
    """The API under test refused the artifact (a compatibility verdict, not a bug)."""


class Export(object):
    """What a producer saved, and the golden outputs it computed in its own process (numpy values).

    Becomes the artifact's Manifest (matrix/manifest.py says what each field means)."""

    def __init__(self, inputs: Dict[str, Any], outputs: Dict[str, Any], tags: Sequence[str] = ("serve",),
                 signature: Optional[str] = "serving_default", call: Optional["Call"] = None,
                 variables: Optional[Dict[str, Any]] = None, variable_kind: str = "none",
                 trained_by_signature: Optional[Sequence[str]] = None, format: str = "saved_model",
                 reusable: bool = False, regularization_losses: Sequence[float] = (),
                 method_names: Optional[Dict[str, str]] = None, tensor_names: Optional[Dict[str, Dict[str, str]]] = None,
                 metagraph: Optional[Dict[str, str]] = None, notes: str = "") -> None:
        self.inputs = inputs
        self.outputs = outputs
        self.tags = list(tags)
        self.signature = signature
        self.call = call
        self.variables = variables or {}
        self.variable_kind = variable_kind
        # By default the signature reads every variable (fine-tuning through it trains them all).
        self.trained_by_signature = sorted(self.variables) if trained_by_signature is None else list(trained_by_signature)
        self.format = format
        self.reusable = reusable
        self.regularization_losses = [float(v) for v in regularization_losses]
        self.method_names = dict(method_names or {})
        self.tensor_names = tensor_names
        self.metagraph = metagraph
        self.notes = notes

    def to_json(self) -> Dict[str, Any]:
        from matrix import tensors
        call = None
        if self.call is not None:
            call = dict(vars(self.call), outputs=tensors.encode_all(self.call.outputs))
        return dict(vars(self), inputs=tensors.encode_all(self.inputs), outputs=tensors.encode_all(self.outputs),
                    variables=tensors.encode_all(self.variables), call=call)


class Call(object):
    """How the saved object's __call__ is called by its author, and what that call returned (numpy values).

    convention: "tensor" | "args" | "dict" | "list"; returns: "tensor" | "list" | "dict" (manifest.Call)."""

    def __init__(self, convention: str, inputs: Sequence[str], returns: str, outputs: Dict[str, Any],
                 training_arg: bool = False) -> None:
        self.convention = convention
        self.inputs = list(inputs)
        self.returns = returns
        self.outputs = outputs
        self.output_names = list(outputs)  # the order the call returns them in
        self.training_arg = training_arg


def needs_saved_model(manifest: Any) -> Optional[str]:
    """applies() for consumers of SavedModels (not MetaGraph + checkpoint artifacts)."""
    if not manifest.is_saved_model:
        return "not a SavedModel (%s)" % manifest.format
    return None


def needs_signature(manifest: Any) -> Optional[str]:
    """applies() for consumers that call a SavedModel signature: None, or why there is none to call."""
    reason = needs_saved_model(manifest)
    if reason:
        return reason
    if manifest.signature is None:
        return "the artifact has no signature to call"
    return None


def needs_call_or_signature(manifest: Any) -> Optional[str]:
    """applies() for consumers that call the author's call when there is one, else the signature."""
    return needs_saved_model(manifest) if manifest.call is not None else needs_signature(manifest)


def needs_keras2(tf: Any) -> Optional[str]:
    """available() for plugins of Keras 2 APIs."""
    if keras2(tf) is None:
        return "no Keras 2 here: tf.keras is Keras 3 and tf_keras is not installed"
    return None


def needs_keras3(tf: Any) -> Optional[str]:
    """available() for plugins of Keras 3 APIs."""
    if keras3() is None:
        return "Keras 3 is not installed with this TF"
    return None


def tf2_saved_model(tf: Any) -> Any:
    """The TF2 tf.saved_model module; in TF 1.x tf.saved_model is the TF1 Session API, TF2's is tf.compat.v2's."""
    return tf.compat.v2.saved_model if hasattr(tf.compat, "v2") else tf.saved_model


def needs_tf2_load(tf: Any) -> Optional[str]:
    """available() for consumers that load with tf.saved_model.load (the TF2 object API)."""
    if not hasattr(tf2_saved_model(tf), "load") or not executing_eagerly(tf):
        return "tf.saved_model.load (TF2 object API) needs TF 2 behaviour"
    return None


def needs_estimator(tf: Any) -> Optional[str]:
    """available() for producers that export with tf.estimator."""
    estimator = getattr(tf, "estimator", None)
    if estimator is None or not hasattr(estimator, "Estimator"):
        return "tf.estimator does not exist in this TF (removed in 2.16)"
    return None


def needs_tf2_save(tf: Any) -> Optional[str]:
    """available() for producers that write with tf.saved_model.save."""
    if not hasattr(tf.saved_model, "save"):
        return "tf.saved_model.save does not exist in this TF"
    if not executing_eagerly(tf):
        return "tf.saved_model.save needs eager execution"
    return None


def version(module: Any) -> tuple:
    """(major, minor) of a module's __version__; (0, 0) when it has none."""
    parts = getattr(module, "__version__", "0.0").split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (ValueError, IndexError):
        return 0, 0


def keras2(tf: Any) -> Any:
    """Keras 2 as this TF's users reach it: tf.keras up to 2.15, the tf_keras package from 2.16; else None."""
    if version(tf) < (2, 16):
        return getattr(tf, "keras", None)
    try:
        import tf_keras  # the Keras 2 that TF 2.16+ users install beside Keras 3
        return tf_keras
    except ImportError:
        return None


def keras3() -> Any:
    """Keras 3 (the `keras` package, version 3 or newer), or None."""
    try:
        import keras
    except ImportError:
        return None
    return keras if version(keras) >= (3, 0) else None


def executing_eagerly(tf: Any) -> bool:
    return bool(getattr(tf, "executing_eagerly", lambda: False)())
