"""A TF console program for tests/test_programs.py, written the way saved_model_cli (TF 2.10+) is:
absl flags defined at import, app.run, and a subcommand that marks the flags it requires.

    program_probe_tf leave --name x    leaves state behind: a required flag, its value, TF's graph and eager context
    program_probe_tf look              says whether it finds any of that (a required --name fails it first)
"""
import os

from absl import app, flags

import tensorflow as tf
from tensorflow.python.eager import context

_NAME = flags.DEFINE_string("name", None, "a flag only `leave` requires")
_SEEN = {}  # what `leave` saw, for `look` to compare (a module's globals: a new process has none)


def main():
    def command(argv):
        if argv[1] == "leave":
            flags.mark_flag_as_required("name")  # a validator on FLAGS, as saved_model_cli's `run` adds
            _SEEN.update(graph=tf.compat.v1.get_default_graph(), context=context.context())
        print("pid %d, name %s, same graph %s, same eager context %s" % (
            os.getpid(), _NAME.value, tf.compat.v1.get_default_graph() is _SEEN.get("graph"),
            context.context() is _SEEN.get("context")))
        return 0

    app.run(command)
