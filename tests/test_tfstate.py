"""A new process's TF state without a new process (matrix/tfstate.py), as the worker's children and the
program servers' children get it before each artifact or run."""
import gc
import sys

import pytest

tf = pytest.importorskip("tensorflow")
pytestmark = pytest.mark.skipif(tf.__version__.startswith("1."), reason="TF 1.x cannot be reset")


def test_a_reset_leaves_nothing_of_before_for_the_collector_to_finalize_in_the_new_context():
    """What ran before may be in reference cycles whose finalizers remove functions from the eager
    context. Collected after the reset, the first one started the new context from inside a finalizer,
    and in TF 2.4 a collection inside that start deadlocked: a cell hung until its timeout."""
    from matrix import tfstate
    from tensorflow.python.eager import context

    class Cycle(object):
        pass

    def leave_behind():
        cycle = Cycle()
        cycle.self = cycle
        cycle.function = tf.function(lambda x: x * 2.0).get_concrete_function(tf.TensorSpec([None], tf.float32))
        cycle.function(tf.constant([1.0]))

    leave_behind()
    tfstate.fresh_state(tf)
    assert context.context()._context_handle is not None  # started, as a new process's first op starts it
    ignored = []
    hook, sys.unraisablehook = sys.unraisablehook, ignored.append
    try:
        found = gc.collect()
    finally:
        sys.unraisablehook = hook
    assert ignored == [] and found == 0
