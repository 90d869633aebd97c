"""The artifact's SignatureDef read from saved_model.pb, for consumers that map names to graph tensors (not a plugin)."""
import os

from matrix.plugin import Refused


def signature_def(artifact):
    from tensorflow.core.protobuf import saved_model_pb2
    saved_model = saved_model_pb2.SavedModel()
    binary = os.path.join(artifact.path, "saved_model.pb")
    if os.path.exists(binary):
        with open(binary, "rb") as f:
            saved_model.ParseFromString(f.read())
    else:  # the text format SavedModel loaders also accept
        from google.protobuf import text_format
        with open(os.path.join(artifact.path, "saved_model.pbtxt")) as f:
            text_format.Merge(f.read(), saved_model)
    for meta_graph in saved_model.meta_graphs:
        if set(meta_graph.meta_info_def.tags) == set(artifact.tags):
            if artifact.signature not in meta_graph.signature_def:
                raise Refused("signature %r not in the MetaGraph (has %s)" % (
                    artifact.signature, ", ".join(sorted(meta_graph.signature_def)) or "none"))
            return meta_graph.signature_def[artifact.signature]
    raise Refused("no MetaGraph tagged %s in saved_model.pb" % ",".join(artifact.tags))
