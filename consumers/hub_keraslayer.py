"""tensorflow_hub's hub.KerasLayer in a Keras 2 model, called on the inputs as the model's author calls it."""
import numpy as np

from consumers import _call
from matrix.plugin import Refused, executing_eagerly, keras2, needs_call_or_signature

API = "hub.KerasLayer in a Keras 2 model (Sequential for one tensor, functional for several outputs)"


def available(tf):
    try:
        import tensorflow_hub  # noqa: F401 -- needs pkg_resources (setuptools<81) on newer Pythons
    except Exception as exc:
        return "import tensorflow_hub failed: %s: %s" % (type(exc).__name__, exc)
    if keras2(tf) is None:
        return "no Keras 2 here: tf.keras is Keras 3 and tf_keras is not installed"
    if not executing_eagerly(tf):
        return "hub.KerasLayer needs TF 2 behaviour"


def applies(manifest):
    """hub.KerasLayer passes its input as one argument: the author's call must take one; a signature gets
    a dict of several as keyword arguments (KerasLayer.call), but a layer is never called on nothing."""
    reason = needs_call_or_signature(manifest)
    if reason:
        return reason
    if manifest.call is not None:
        if manifest.call.convention == "args" and len(manifest.call.inputs) != 1:
            return "its author calls it with %d positional arguments; a Keras layer passes one" % len(manifest.call.inputs)
    elif not manifest.inputs and not manifest.no_inputs:  # (no_inputs: nothing to feed, said by the grid)
        return "its signature takes no inputs; a Keras layer is called on one"


def expected(manifest):
    return manifest.call.outputs if manifest.call else manifest.outputs


def layer(tf, artifact, trainable=False):
    """The SavedModel as a hub.KerasLayer: its __call__ when its author calls it, else its signature;
    a lone dict output picked with output_key, as the hub docs do for Sequential models.

    The options come from the manifest and the model's own files, so the model is loaded once, by
    hub.KerasLayer itself (a load beforehand, only to choose them, doubled the cell's time); hub
    refuses a model without __call__ or without the signature in its own words."""
    import tensorflow_hub as hub
    options = {"tags": artifact.tags, "trainable": trainable, "dtype": _call.layer_dtype(artifact)}
    if artifact.call is not None:
        outputs = artifact.call.output_names if artifact.call.returns == "dict" else None
    else:
        options["signature"] = artifact.signature
        options["signature_outputs_as_dict"] = True
        outputs = sorted(_signature_outputs(tf, artifact))
    if outputs is not None and len(outputs) == 1:
        options.pop("signature_outputs_as_dict", None)
        options["output_key"] = outputs[0]
    return hub.KerasLayer(artifact.path, **options)


def _signature_outputs(tf, artifact):
    """The signature's output keys: from the model's files, else (files TF alone can read) from a load."""
    facts = artifact.manifest.model.signatures.get(artifact.signature)
    if facts is not None:
        return facts["outputs"]
    loaded = tf.compat.v2.saved_model.load(artifact.path, tags=artifact.tags)
    if artifact.signature not in loaded.signatures:
        raise Refused("no __call__ and no signature %r to wrap" % artifact.signature)
    return loaded.signatures[artifact.signature].structured_outputs


def model_and_input(tf, keras, artifact, hub_layer):
    """(Keras model, its input): a Sequential model for one tensor in and out; a functional model for
    several outputs (a Sequential model refuses a layer with more than one, as the hub docs say); else
    the layer itself, on a signature's inputs by name or the author's dict or list argument."""
    if artifact.call is None:
        if len(artifact.inputs) > 1:  # the signature's inputs by name, as hub.KerasLayer passes a dict
            return hub_layer, {k: tf.constant(v) for k, v in artifact.inputs.items()}
        value = tf.constant(next(iter(artifact.inputs.values())))
        several = len(_signature_outputs(tf, artifact)) > 1
    else:
        [value] = _call.arguments(artifact, tf.constant)
        if isinstance(value, (dict, list)):
            return hub_layer, value
        several = artifact.call.returns != "tensor" and len(artifact.call.output_names) > 1
    if several and value.shape.rank:
        given = keras.Input(shape=value.shape[1:], dtype=value.dtype)
        return keras.Model(given, hub_layer(given)), value
    return keras.Sequential([hub_layer]), value


def outputs_of(artifact, result):
    if artifact.call is None:
        if isinstance(result, dict):
            return {k: _call.to_numpy(v) for k, v in result.items()}
        return artifact.single_output(_call.to_numpy(result))
    if not isinstance(result, dict) and len(artifact.call.output_names) == 1:
        return {artifact.call.output_names[0]: np.asarray(result)}  # output_key picked the lone output
    return _call.named(result, artifact, np.asarray)


def consume(tf, artifact):
    keras = keras2(tf)
    try:
        model, argument = model_and_input(tf, keras, artifact, layer(tf, artifact))
        return outputs_of(artifact, model(argument))
    finally:
        keras.backend.clear_session()
