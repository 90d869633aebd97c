"""Whose promise a failing cell falls under: TensorFlow's compatibility guide, read once, as data.

The guide (tensorflow/docs site/en/guide/versions.md, https://www.tensorflow.org/guide/versions):
  - "SavedModels written with one version of TensorFlow can be loaded and evaluated with a later
    version of TensorFlow with the same major release." (Compatibility of SavedModels, graphs and
    checkpoints). A failure there, through a covered API, is a TF bug to report upstream.
  - A SavedModel "created using only non-deprecated, non-experimental, non-compatibility APIs in
    TensorFlow major version N" can be loaded and executed with major version N+1: 1.x -> 2.x holds
    only under that condition.
  - "forward compatibility is enforced within Patch releases (1.x.1 to 1.x.2 for example)"
    (Backward and partial forward compatibility): a newer writer read by an older TF beyond a
    patch release is not promised.
  - Covered: the documented Python API, tf.compat, and the C API; not covered: tools/ (so
    saved_model_cli), TF Lite (its own version number), and of course other projects (Keras,
    TF Hub, tf2onnx) with their own policies. Floating point values are not promised exactly.
  - "release 1.0.0 introduced backwards incompatible changes from release 0.12.1": a pre-1.0 writer.
The versions come from the cell: the TF version the model's files name as their writer
(`writer_tf`, read from meta_info_def), else the producing environment's TF; the reader is the
consuming environment's TF. Never from error text.
"""
from dataclasses import dataclass
from typing import Any, Dict, Optional

from reports import versions

GUIDE = "https://www.tensorflow.org/guide/versions"
SAVEDMODELS = GUIDE + "#compatibility_of_graphs_and_checkpoints"
FORWARD = GUIDE + "#backward_forward"
NOT_COVERED = GUIDE + "#not_covered"
COVERED = GUIDE + "#what_is_covered"
LITE = GUIDE + "#lite"
SEMVER = GUIDE + "#semantic_versioning_20"


@dataclass(frozen=True)
class Label:
    name: str
    link: str
    meaning: str


VIOLATES = Label("violates TF guarantee", SAVEDMODELS,
                 "an older TF of the same major version wrote it, a newer one cannot read it through a covered "
                 "API (or a patch release cannot read its neighbour): a TF bug to report upstream")
NOT_PROMISED = Label("not promised", FORWARD,
                     "a newer TF wrote it and an older one reads it: forward compatibility is promised only "
                     "within patch releases")
CONDITIONAL = Label("1.x→2.x conditional", SAVEDMODELS,
                    "written by the previous major version: promised only for SavedModels made with "
                    "non-deprecated, non-experimental, non-compatibility APIs")
PRE_1 = Label("pre-1.0 writer", SEMVER, "written by TF 0.x: 1.0.0 broke compatibility with 0.12")
SAME = Label("same TF version", SAVEDMODELS,
             "the TF that wrote it reads it: not a version question (a bug, or a documented limitation)")
NUMERICS = Label("numerics not promised exactly", NOT_COVERED,
                 "only the floating point values differ: the guide promises approximate accuracy, not bits")
UNKNOWN = Label("writer version unknown", SAVEDMODELS, "the model does not say which TF wrote it")
NONE = Label("", "", "")


def outside(whose: str, link: str) -> Label:
    return Label("outside TF policy (%s)" % whose, link, "this API is not covered by TF's guide: %s's policy applies" % whose)


# Consumer API -> whose promise covers it (None: TF's own guide covers it).
OUTSIDE = {
    "keras_load": outside("Keras", "https://keras.io/getting_started/faq/"),
    "keras3_load": outside("Keras", "https://keras.io/getting_started/faq/"),
    "keras3_tfsmlayer": outside("Keras", "https://keras.io/api/layers/backend_specific_layers/tfsm_layer/"),
    "hub_load": outside("TF Hub", "https://www.tensorflow.org/hub/model_compatibility"),
    "hub_keraslayer": outside("TF Hub", "https://www.tensorflow.org/hub/model_compatibility"),
    "hub_keraslayer_finetune": outside("TF Hub", "https://www.tensorflow.org/hub/model_compatibility"),
    "tflite": outside("TF Lite", LITE),
    "onnx": outside("tf2onnx", "https://github.com/onnx/tensorflow-onnx#supported-versions"),
    "saved_model_cli": outside("TF tools/, not covered", COVERED),
    "saved_model_cli_show": outside("TF tools/, not covered", COVERED),
}


def not_versioned(link: str) -> Label:
    """A known cause the registry marks `every_version`: documented API behaviour, or this machine."""
    return Label("not a version question", link or SAVEDMODELS,
                 "a known cause that holds whatever TF versions wrote and read the model (see the known issue)")


OWN_TF_TOO = Label("fails in the writer's TF too", SAVEDMODELS,
                   "the TF that wrote the model cannot read it this way either: not a version question")


def label(cell: Dict[str, Any], own_status: Optional[str] = None, every_version_link: Optional[str] = None) -> Label:
    """The policy a non-pass cell falls under (derived from the cell's versions and its load API);
    own_status: the same path's verdict when the writing TF reads the model (None: not recorded);
    every_version_link: the link of the known issue that explains it whatever the versions (None: none does)."""
    whose = OUTSIDE.get(str(cell.get("consumer", "")))
    if whose is not None:
        return whose
    if every_version_link is not None:
        return not_versioned(every_version_link)
    writer = str(cell.get("writer_tf") or cell.get("producer_tf") or "")
    reader = str(cell.get("consumer_tf") or "")
    if not versions.known(writer) or not versions.known(reader):
        return UNKNOWN
    w, r = versions.parse(writer).release, versions.parse(reader).release
    if w[0] == 0:
        return PRE_1
    if cell.get("mismatch") == "float values":
        return NUMERICS
    if w[:3] == r[:3]:
        return SAME
    if w[0] + 1 == r[0]:
        return CONDITIONAL
    if w[0] == r[0] and (w < r or w[:2] == r[:2]):
        # backward within a major, or forward within a patch series: promised, if the writer's own TF reads it
        return OWN_TF_TOO if own_status not in (None, "pass") else VIOLATES
    return NOT_PROMISED
