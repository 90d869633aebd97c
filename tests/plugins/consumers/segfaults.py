"""A deliberately broken consumer: kills its own process with SIGSEGV, as a crashing TF kernel would."""
import os
import signal

API = "crashes its worker (broken on purpose)"


def available(tf):
    return None


def consume(tf, artifact):
    os.kill(os.getpid(), signal.SIGSEGV)
