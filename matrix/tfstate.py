"""A new process's TensorFlow state, without a new process (TF 2.x only).

Importing TF costs seconds, so the worker (matrix/worker.py) imports it once
and forks; but a fork costs too: a child touches the imported heap page by
page (copy on write) and starts TF's runtime again, some 20-50 ms, more than
many a cell. So a forked child reads many artifacts (or serves many program
runs, matrix/programs.py), and before each it gets back the state a new
process has: a new default graph and a new eager context, which holds the
loaded functions, variables, resources and kernels. Keras keeps state of its
own (layer-name counters, its session); the worker clears that too.
TF 1.x keeps resource variables of loaded TF1 graphs in its eager context
under their graph names and cannot reset it: there, one fork per artifact.
"""
import gc
from typing import Any, Iterable


def can_reset(tf: Any) -> bool:
    """Whether fresh_state() can give a process a new process's TF state (TF 2.x; not TF 1.x)."""
    from matrix.plugin import version
    if version(tf) < (2, 0):
        return False
    from tensorflow.python.eager import context
    return hasattr(context, "_reset_context")


def fresh_state(tf: Any, kerases: Iterable[Any] = ()) -> None:
    """TF (and the given Keras modules) as a new process has them: what ran before is gone."""
    from tensorflow.python.eager import context
    for keras in kerases:  # layer-name counters, Keras graphs and sessions, global Keras state
        clear = getattr(keras.backend, "clear_session", None) or keras.utils.clear_session
        clear()
    tf.compat.v1.reset_default_graph()
    # What ran before may sit in reference cycles whose finalizers remove their functions from the eager
    # context: collected now, they do it in the old context. Collected later, the first one would start
    # the new context from inside a finalizer, and in TF 2.4 a collection that lands inside the context's
    # start deadlocks on the context's own lock (a cell hung 300 s, now and then, after a reset).
    gc.collect()
    context._reset_context()  # a new eager context: nothing of what ran before
    context.context().ensure_initialized()  # started now, as a new process's first op starts it
