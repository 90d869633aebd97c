"""A deliberately broken consumer: loads the model and returns no outputs at all."""
API = "returns {} (broken on purpose)"


def available(tf):
    return None


def consume(tf, artifact):
    tf.saved_model.load(artifact.path)
    return {}
