"""The artifact's SignatureDef as TensorFlow itself parses it (not a plugin), for consumers that map
signature keys to graph tensors (the TF1 converter, tf2onnx's names). TF's own parser reads binary
and text format, and its refusal of a broken model is the API's refusal, not a harness bug."""
from matrix.plugin import Refused


def signature_def(tf, artifact):
    from tensorflow.python.saved_model import loader_impl
    saved_model = loader_impl.parse_saved_model(artifact.path)
    for meta_graph in saved_model.meta_graphs:
        if set(meta_graph.meta_info_def.tags) == set(artifact.tags):
            if artifact.signature not in meta_graph.signature_def:
                raise Refused("signature %r not in the MetaGraph (has %s)" % (
                    artifact.signature, ", ".join(sorted(meta_graph.signature_def)) or "none"))
            return meta_graph.signature_def[artifact.signature]
    raise Refused("no MetaGraph tagged %s (the model has %s)" % (",".join(artifact.tags), "; ".join(
        ",".join(m.meta_info_def.tags) for m in saved_model.meta_graphs) or "none"))
