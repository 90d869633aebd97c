"""hub.KerasLayer(trainable=True) in a Keras 2 model: one SGD step on sum(output) changes its weights."""
import numpy as np

from consumers import hub_keraslayer
from matrix.plugin import Refused, keras2

API = "hub.KerasLayer(trainable=True) + one SGD step"
available = hub_keraslayer.available


def applies(manifest):
    if not manifest.variables:
        return "the manifest names no variables: no fine-tuning to check"
    return hub_keraslayer.applies(manifest)


def expected(manifest):
    # Fine-tuning works when every variable of the model is a trainable weight of the layer and the step
    # changes them. The hub docs: only a Reusable SavedModel exposes trainable_variables (TF1 exports,
    # plain tf.Module and Keras 3 exports do not): those are known failures, not passes.
    return {"trainable_weight_count": {"dtype": "int64", "shape": [], "values": [len(manifest.variables)]},
            "weights_changed": {"dtype": "bool", "shape": [], "values": [True]}}


def consume(tf, artifact):
    keras = keras2(tf)
    try:
        model, argument = hub_keraslayer.model_and_input(tf, keras, artifact,
                                                         hub_keraslayer.layer(tf, artifact, trainable=True))
        with tf.GradientTape() as tape:
            try:
                result = model(argument, training=True)
            except ValueError as exc:  # hub states it in the Keras-wrapped error's text
                refusal = [l for l in str(exc).splitlines() if "is unsupported" in l]
                if refusal:
                    raise Refused(refusal[0].strip())
                raise
            parts = result.values() if isinstance(result, dict) else result if isinstance(result, (list, tuple)) else [result]
            loss = tf.add_n([tf.reduce_sum(tf.cast(p, tf.float32)) for p in parts])
        weights = model.trainable_weights
        before = [np.array(w.numpy()) for w in weights]
        gradients = [(g, w) for g, w in zip(tape.gradient(loss, weights), weights) if g is not None]
        if gradients:
            keras.optimizers.SGD(0.01).apply_gradients(gradients)
        changed = any(np.any(b != w.numpy()) for b, w in zip(before, weights))
        return {"trainable_weight_count": np.int64(len(weights)), "weights_changed": np.bool_(changed)}
    finally:
        keras.backend.clear_session()
