"""Fine-tuning a tf.saved_model.load'ed model: gradients of sum(output) and one SGD step that lowers it."""
import numpy as np

from consumers import _call
from matrix.plugin import Refused, needs_saved_model, needs_tf2_load

API = "tf.saved_model.load + GradientTape + one SGD step"
LEARNING_RATE = 0.01


available = needs_tf2_load


def applies(manifest):
    reason = needs_saved_model(manifest)
    if reason:
        return reason
    if not manifest.trained_by_signature:
        return "the manifest names no variable the called function reads: no fine-tuning to check"


def expected(manifest):
    # Fine-tuning works when every variable the called function reads trains and the step lowers the output.
    # (TF1 reference variables load as constants of the graph: a documented limitation, a known failure.)
    return {"trainable_variable_count": {"dtype": "int64", "shape": [], "values": [len(manifest.trained_by_signature)]},
            "gradients_nonzero": {"dtype": "bool", "shape": [], "values": [True]},
            "output_decreased": {"dtype": "bool", "shape": [], "values": [True]}}


def consume(tf, artifact):
    loaded = tf.compat.v2.saved_model.load(artifact.path, tags=artifact.tags)
    if artifact.call is not None:  # the author's own call
        run = lambda: _call.call(loaded, artifact, tf.constant)
    elif artifact.signature in loaded.signatures:  # e.g. a TF1 export: its signature is the function there is
        function = loaded.signatures[artifact.signature]
        run = lambda: function(**{k: tf.constant(v) for k, v in artifact.inputs.items()})
    else:
        raise Refused("no __call__ and no signature %r to fine-tune through" % artifact.signature)

    def loss():
        result = run()
        parts = result.values() if isinstance(result, dict) else result if isinstance(result, (list, tuple)) else [result]
        return tf.add_n([tf.reduce_sum(tf.cast(p, tf.float32)) for p in parts])

    with tf.GradientTape() as tape:  # watches every trainable variable the function reads
        before = loss()
    variables = tape.watched_variables()
    gradients = tape.gradient(before, variables) if variables else []
    nonzero = bool(variables) and all(g is not None and np.any(tf.convert_to_tensor(g).numpy() != 0)
                                      for g in gradients)
    stepped = [(v, g) for v, g in zip(variables, gradients) if g is not None]
    for variable, gradient in stepped:
        variable.assign_sub(LEARNING_RATE * tf.convert_to_tensor(gradient))
    decreased = bool(stepped) and bool(loss().numpy() < before.numpy())
    return {"trainable_variable_count": np.int64(len(variables)), "gradients_nonzero": np.bool_(nonzero),
            "output_decreased": np.bool_(decreased)}
