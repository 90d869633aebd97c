"""Load with tf.saved_model.load and save again with tf.saved_model.save: do the method names survive a
TF2 re-export? The guides say no: tf.saved_model.save writes every signature as a predict signature, which
is why MethodNameUpdater exists. So this path fails, as a known and documented limitation."""
import os
import tempfile

import numpy as np

from consumers import signature_method_names
from matrix.plugin import executing_eagerly, tf2_saved_model

API = "tf.saved_model.load + tf.saved_model.save(signatures=loaded.signatures) -> method_name"
FEEDS = False  # reads what the model declares; feeds it nothing


def available(tf):
    if not executing_eagerly(tf) or not hasattr(tf.saved_model, "save"):
        return "tf.saved_model.load/save (TF2 object API) needs TF 2 behaviour"


applies = signature_method_names.applies
expected = signature_method_names.expected


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
