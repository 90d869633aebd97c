"""Fine-tuning a tf.saved_model.load'ed model: gradients of sum(output) and one SGD step that lowers it."""
import numpy as np

from consumers import _restored
from matrix.plugin import Refused, needs_saved_model, needs_tf2_load

API = "tf.saved_model.load + GradientTape + one SGD step"
LEARNING_RATE = 0.01


available = needs_tf2_load


def applies(manifest):
    reason = needs_saved_model(manifest)
    if reason:
        return reason
    if not manifest.get("variables"):
        return "the model holds no variables: nothing to fine-tune"


def expected(manifest):
    # The guides: only resource variables train; TF1 reference variables load as constants of the graph.
    trainable = manifest["variable_kind"] == "resource"
    return {"trainable_variable_count": {"dtype": "int64", "shape": [],
                                         "values": [len(manifest["variables"]) if trainable else 0]},
            "gradients_nonzero": {"dtype": "bool", "shape": [], "values": [trainable]},
            "output_decreased": {"dtype": "bool", "shape": [], "values": [trainable]}}


def consume(tf, artifact):
    loaded = tf.compat.v2.saved_model.load(artifact.path, tags=artifact.tags)
    if callable(loaded):
        call = lambda: _restored.call(tf, loaded, artifact.inputs)
    elif artifact.signature in loaded.signatures:  # a TF1 export: its signature is the only function there is
        function = loaded.signatures[artifact.signature]
        call = lambda: function(**{k: tf.constant(v) for k, v in artifact.inputs.items()})
    else:
        raise Refused("no __call__ and no signature %r to fine-tune through" % artifact.signature)

    def loss():
        result = call()
        return tf.add_n([tf.reduce_sum(v) for v in (result.values() if isinstance(result, dict) else [result])])

    with tf.GradientTape() as tape:  # watches every trainable variable the function reads
        before = loss()
    variables = tape.watched_variables()
    gradients = tape.gradient(before, variables) if variables else []
    nonzero = bool(variables) and all(g is not None and np.any(tf.convert_to_tensor(g).numpy() != 0)
                                      for g in gradients)
    decreased = False
    if variables and all(g is not None for g in gradients):
        for variable, gradient in zip(variables, gradients):
            variable.assign_sub(LEARNING_RATE * tf.convert_to_tensor(gradient))
        decreased = bool(loss().numpy() < before.numpy())
    return {"trainable_variable_count": np.int64(len(variables)), "gradients_nonzero": np.bool_(nonzero),
            "output_decreased": np.bool_(decreased)}
