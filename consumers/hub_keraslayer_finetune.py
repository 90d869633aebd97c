"""hub.KerasLayer(trainable=True) in a Keras 2 model: one SGD step on sum(output) changes its weights."""
import numpy as np

from consumers import hub_keraslayer
from matrix.plugin import Refused, keras2

API = "hub.KerasLayer(trainable=True) + one SGD step"
available = hub_keraslayer.available


def applies(manifest):
    if not manifest.get("variables"):
        return "the model holds no variables: nothing to fine-tune"
    return hub_keraslayer.applies(manifest)


def expected(manifest):
    # The hub docs: hub.KerasLayer trains the trainable_variables of a Reusable SavedModel (resource
    # variables); Keras 2 Model.save writes that interface, a plain tf.Module or a TF1 export does not.
    reusable = manifest.get("extra", {}).get("reusable") or manifest.get("api", "").startswith("Keras 2")
    trainable = bool(reusable) and manifest["variable_kind"] == "resource"
    return {"trainable_weight_count": {"dtype": "int64", "shape": [],
                                       "values": [len(manifest["variables"]) if trainable else 0]},
            "weights_changed": {"dtype": "bool", "shape": [], "values": [trainable]}}


def consume(tf, artifact):
    keras = keras2(tf)
    try:
        model = keras.Sequential([hub_keraslayer.layer(tf, artifact, trainable=True)])
        x = tf.constant(next(iter(artifact.inputs.values())))
        with tf.GradientTape() as tape:
            try:
                result = model(x, training=True)
            except ValueError as exc:  # hub states it in the Keras-wrapped error's text
                refusal = [l for l in str(exc).splitlines() if "is unsupported" in l]
                if refusal:
                    raise Refused(refusal[0].strip())
                raise
            parts = result.values() if isinstance(result, dict) else [result]
            loss = tf.add_n([tf.reduce_sum(p) for p in parts])
        weights = model.trainable_weights
        before = [np.array(w.numpy()) for w in weights]
        if weights:
            keras.optimizers.SGD(0.01).apply_gradients(zip(tape.gradient(loss, weights), weights))
        changed = any(np.any(b != w.numpy()) for b, w in zip(before, weights))
        return {"trainable_weight_count": np.int64(len(weights)), "weights_changed": np.bool_(changed)}
    finally:
        keras.backend.clear_session()
