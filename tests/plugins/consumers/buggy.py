"""A deliberately broken consumer: a bug in its own code (not a TensorFlow refusal)."""
API = "plugin bug (broken on purpose)"


def available(tf):
    return None


def consume(tf, artifact):
    return {"output": artifact.no_such_attribute}
