"""A deliberately broken consumer: never returns, as a deadlocked load would."""
import time

API = "hangs (broken on purpose)"


def available(tf):
    return None


def consume(tf, artifact):
    while True:
        time.sleep(1)
