"""A deliberately broken consumer: loads the model for real, then returns outputs that are off by one."""
API = "tf.saved_model.load + signature, outputs + 1 (broken on purpose)"


def available(tf):
    return None


def consume(tf, artifact):
    loaded = tf.saved_model.load(artifact.path)
    outputs = loaded.signatures[artifact.signature](**{k: tf.constant(v) for k, v in artifact.inputs.items()})
    return {name: value.numpy() + 1 for name, value in outputs.items()}
