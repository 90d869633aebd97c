"""Calling a restored function on an artifact's inputs, as the TF2 guides do (not a plugin)."""
from matrix.plugin import Refused


def call(tf, function, inputs):
    """function(x) for one input; keyword arguments for several (a tf.Module), else the one structure
    a restored Keras model was traced with ([a, b] or {"a", "b"}), filled in by its TensorSpec names."""
    tensors = {k: tf.constant(v) for k, v in inputs.items()}
    if len(tensors) == 1:
        return function(next(iter(tensors.values())))
    try:
        return function(**tensors)
    except (TypeError, ValueError):  # TF 1.15 and 2.x word a wrong call differently
        traced = getattr(getattr(function, "__call__", None), "concrete_functions", None)
        if not traced:
            raise
        args, _ = traced[0].structured_input_signature
        names = [spec.name for spec in tf.nest.flatten(args[0])]
        if set(names) != set(tensors):
            raise Refused("the restored function's inputs are named %s, not %s" % (names, sorted(tensors)))
        return function(tf.nest.map_structure(lambda spec: tensors[spec.name], args[0]))


def numpy(artifact, result):
    """Outputs by name: a dict as it is, a lone tensor under the only golden name."""
    if isinstance(result, dict):
        return {k: v.numpy() for k, v in result.items()}
    if isinstance(result, (list, tuple)):
        raise Refused("the function returned %d unnamed outputs (a list); only a signature names them" % len(result))
    return artifact.single_output(result.numpy())
