"""Load with tf.saved_model.load and save again with tf.saved_model.save: which method names survive a TF2 re-export."""
import os
import tempfile

import numpy as np

from matrix.plugin import executing_eagerly, tf2_saved_model

API = "tf.saved_model.load + tf.saved_model.save(signatures=loaded.signatures) -> method_name"

# tf.saved_model.save writes every signature as a predict signature; that is why
# MethodNameUpdater exists. A classify/regress name is therefore expected to be lost.
PREDICT = "tensorflow/serving/predict"


def available(tf):
    if not executing_eagerly(tf) or not hasattr(tf.saved_model, "save"):
        return "tf.saved_model.load/save (TF2 object API) needs TF 2 behaviour"


def applies(manifest):
    if not manifest.get("extra", {}).get("method_names"):
        return "the producer set no method names to check"


def expected(manifest):
    return {"method_name:" + key: {"dtype": "string", "shape": [], "values": [PREDICT]}
            for key in manifest["extra"]["method_names"]}


def consume(tf, artifact):
    from tensorflow.core.protobuf import saved_model_pb2
    saved_model = tf2_saved_model(tf)
    loaded = saved_model.load(artifact.path, tags=artifact.tags)
    again = os.path.join(tempfile.mkdtemp(prefix="resave-"), "model")
    saved_model.save(loaded, again, signatures=dict(loaded.signatures))
    proto = saved_model_pb2.SavedModel()
    with open(os.path.join(again, "saved_model.pb"), "rb") as f:
        proto.ParseFromString(f.read())
    return {"method_name:" + key: np.array(sig.method_name.encode("utf-8"), dtype=object)
            for key, sig in proto.meta_graphs[0].signature_def.items()}
