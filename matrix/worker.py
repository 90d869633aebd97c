"""The TF worker: imports TensorFlow once, then runs artifacts' cells in forked children.

    python -m matrix.worker [--plugins DIR]     (started by matrix/tfprocess.py, never by hand)

stdin carries requests and the original stdout replies (matrix/protocol.py),
one JSON line each; everything TF or a plugin prints goes to stderr (the
worker's log). The worker itself never runs TensorFlow: it imports it, and
every plugin's libraries while checking which plugins exist here, then forks
children that run the cells. No cell sees what another artifact's cells left
behind, so a verdict never depends on what ran before it:
  - TF 2.x: a child reads up to ARTIFACTS_PER_CHILD artifacts, and before
    each new one it resets TF to a new process's state (fresh_state: Keras
    sessions cleared, a new default graph, a new eager context, which holds
    the loaded functions, variables and kernels). A reset that fails ends
    the child, and the artifact gets a new one.
  - TF 1.x keeps resource variables of loaded TF1 graphs in its eager context
    under their graph names and has no way to reset it: one child per artifact.
  - Producing: one child per artifact in every TF (producers set global state).
A crash or hang kills only the child: the cell is `crash` or `timeout`, and
the next cell gets a new child without another TF import.
Before forking, the worker freezes its heap out of the garbage collector
(gc.freeze): TF and Keras call gc.collect() often, and in a child each full
collection walked (and copied on write) the whole imported TF, 0.2 s a time;
frozen, a child's collections see only what the child made. Each artifact
gets its own temporary folder, removed after it, so what TF and the plugins
leave in `tempfile`'s folder (autograph's generated modules, converter and
CLI outputs) goes with it.
Console programs a cell runs (saved_model_cli, tf2onnx, TF 1.x's TOCO) are
served by program servers this process starts on a child's request
(matrix/programs.py), so each costs one import per worker, not one per run.
"""
import argparse
import faulthandler
import gc
import os
import platform
import select
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback
from typing import Any, Dict, Optional, Sequence, Tuple

from matrix import programs, protocol, reasons, tensors, tfstate
from matrix.cell import ROOT
from matrix.discovery import KINDS, Plugins
from matrix.plugin import Refused


def import_tf() -> Any:
    import tensorflow as tf
    if not tf.__version__.startswith("1."):
        return tf
    # TF 1.x users reached the TF2 APIs (tf.saved_model.save, tf.Module) by
    # enabling eager execution at start-up; graph-mode code still runs inside
    # explicit tf.Graph() contexts, where variables stay TF1 reference variables.
    tf.compat.v1.enable_eager_execution()
    return tf


ARTIFACTS_PER_CHILD = 64  # bounds what a long-lived child's memory can grow by (TF frees little)


def fresh_state(tf: Any) -> None:
    """TF and Keras as a new process has them (matrix/tfstate.py): what one artifact's cells leave is gone
    before the next's."""
    from matrix.plugin import keras2, keras3
    tfstate.fresh_state(tf, [keras for keras in (keras2(tf), keras3()) if keras is not None])


def keras2_version(k2: Any) -> str:
    """tf.keras before TF 2.16 carries no __version__: the `keras` 2.x package it is made of does."""
    if getattr(k2, "__version__", None):
        return k2.__version__
    try:
        import keras
        return keras.__version__
    except ImportError:
        return "?"


def keras_versions(tf: Any) -> str:
    from matrix.plugin import keras2, keras3
    k2, k3 = keras2(tf), keras3()
    keras = ", ".join(v for v in [
        "keras %s" % k3.__version__ if k3 else "",
        "keras2 %s" % keras2_version(k2) if k2 else "",
    ] if v)
    return keras or "none"


def failure(exc: BaseException, our_code: Tuple[str, ...],
            places: Sequence[Tuple[str, str]] = ()) -> protocol.Failed:
    """A refusal by the API under test (fail), or a bug in our own code (error).

    Decided by where the exception was raised: the innermost frame in
    TensorFlow, Keras or any library means the API refused; in producers/,
    consumers/ or matrix/ it is a plugin or harness bug. Refused is always a refusal.
    The reason names the folders in `places` by what they are (reasons.placeless).
    """
    tb = exc.__traceback__
    innermost = None
    while tb is not None:
        innermost = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    ours = innermost is not None and os.path.abspath(innermost).startswith(our_code)
    status = "fail" if isinstance(exc, Refused) or not ours else "error"
    return protocol.Failed(status, reasons.of_exception(exc, places),
                           "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-8000:])


def check_plugins(tf: Any, plugins: Plugins) -> Tuple[Dict[str, Dict[str, str]], Dict[str, Dict[str, str]]]:
    """(unavailable, broken): kind -> plugin -> why. Importing the plugins' libraries here, once,
    also means every child starts with them imported."""
    unavailable, broken = {k: {} for k in KINDS}, {k: {} for k in KINDS}  # type: Tuple[Dict, Dict]
    for kind in KINDS:
        for name in plugins.names(kind):
            try:
                reason = plugins.load(kind, name).available(tf)
            except Exception as exc:
                broken[kind][name] = "%s/%s failed to load or check availability: %s" % (kind, name, reasons.of_exception(exc))
                continue
            if reason:
                unavailable[kind][name] = str(reason)
    return unavailable, broken


# -- the child: one artifact's cells ------------------------------------------------------------------

def run_request(tf: Any, plugins: Plugins, request: Any) -> Any:
    try:
        if isinstance(request, protocol.ProduceRequest):
            from matrix.cases import CASES
            module = plugins.load("producers", request.producer)
            os.makedirs(request.folder, exist_ok=True)
            export = module.produce(tf, CASES[request.case], os.path.join(request.folder, "model"))
            return protocol.Exported(export.to_json())
        from matrix.manifest import Artifact
        module = plugins.load("consumers", request.consumer)
        if request.load_only:
            module.load(tf, Artifact(request.artifact))
            return protocol.Outputs({})
        outputs = module.consume(tf, Artifact(request.artifact))
        return protocol.Outputs(tensors.encode_all(outputs))
    except Exception as exc:  # every failure becomes a reply; only a crash ends the child
        folder = request.folder if isinstance(request, protocol.ProduceRequest) else request.artifact
        return failure(exc, plugins.our_code(), places(folder))


def places(artifact: str) -> Sequence[Tuple[str, str]]:
    """The folders a reason names by what they are, most specific first: the virtualenv too, whose
    folder differs from one machine and one tox setup to the next (TF names its own source files)."""
    return [(artifact, "<artifact>"), (tempfile.gettempdir(), "<tmp>"), (sys.prefix, "<env>"), (ROOT, "<repo>")]


def child_main(sock: socket.socket, tf: Any, plugins: Plugins) -> None:
    stream = sock.makefile("rw")

    def send(message: Any) -> None:
        stream.write(protocol.encode(message) + "\n")
        stream.flush()

    def ask_for_program(name: str, module: str, function: str) -> str:
        send(protocol.ProgramWanted(name, module, function))
        answer = protocol.decode(stream.readline())
        if not isinstance(answer, protocol.ProgramSocket) or answer.error:
            raise RuntimeError(getattr(answer, "error", None) or "the worker answered %r" % answer)
        return answer.socket

    programs.SOCKET_FOR = ask_for_program
    for line in stream:
        message = protocol.decode(line)
        if isinstance(message, protocol.Reset):  # the next artifact: a new process's state, a new temporary folder
            try:
                fresh_state(tf)
                tempfile.tempdir = os.environ["TMPDIR"] = message.tmp
                done = protocol.ResetDone()
            except Exception as exc:
                done = protocol.ResetDone("%s: %s" % (type(exc).__name__, exc))
            print("=== reset: %s" % (done.error or "done"), file=sys.stderr)
            send(done)
            continue
        print("=== %s" % line.strip(), file=sys.stderr)
        send(run_request(tf, plugins, message))


class Child(object):
    """A forked process that runs one artifact's cells, then (if resettable) the next artifact's after a reset."""

    def __init__(self, folder: str, tf: Any, plugins: Plugins, servers: programs.Servers,
                 resettable: bool = False) -> None:
        self.folder = folder
        self.resettable = resettable
        self.servers = servers
        self.artifacts = 1
        self.tmp = tempfile.mkdtemp(prefix="artifact-")
        ours, theirs = socket.socketpair()
        sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:  # the child
            code = 0
            try:
                ours.close()
                tempfile.tempdir = os.environ["TMPDIR"] = self.tmp
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)
                child_main(theirs, tf, plugins)
            except BaseException:
                traceback.print_exc()
                code = 70
            finally:
                sys.stderr.flush()
                os._exit(code)
        theirs.close()
        self.sock = ours
        self.buffer = b""

    def _send(self, message: Any) -> None:
        self.sock.sendall((protocol.encode(message) + "\n").encode("utf-8"))

    def _readline(self, deadline: float) -> Optional[str]:
        """One line from the child, None at EOF; raises TimeoutError at the deadline."""
        while b"\n" not in self.buffer:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError()
            ready, _, _ = select.select([self.sock], [], [], min(left, 1.0))
            if ready:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    return None
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode("utf-8")

    def run(self, request: Any, timeout: float) -> Any:
        deadline = time.time() + timeout
        self._send(request)
        while True:
            try:
                line = self._readline(deadline)
            except TimeoutError:
                self.kill()
                self.servers.stop()  # a program may be stuck on the killed cell's behalf
                return protocol.Failed("timeout", "cell timed out after %g s; its process was killed" % timeout)
            if line is None:
                how = self.wait()
                self._release()
                return protocol.Failed("crash", "the cell's process %s" % how)
            message = protocol.decode(line)
            if isinstance(message, protocol.ProgramWanted):
                try:
                    answer = protocol.ProgramSocket(self.servers.socket(message.name, message.module, message.function))
                except Exception as exc:
                    answer = protocol.ProgramSocket(error="%s program server failed to start: %s" % (
                        message.name, reasons.of_exception(exc)))
                self._send(answer)
                continue
            return message

    def reset(self, folder: str) -> bool:
        """Move the child on to another artifact (fresh_state); False if it could not (then close it)."""
        tmp = tempfile.mkdtemp(prefix="artifact-")
        try:
            self._send(protocol.Reset(tmp))
            line = self._readline(time.time() + 120)
            done = protocol.decode(line) if line is not None else protocol.ResetDone("no answer")
        except (OSError, TimeoutError, protocol.ProtocolError) as exc:
            done = protocol.ResetDone("no answer (%s)" % type(exc).__name__)
        ok = isinstance(done, protocol.ResetDone) and not done.error
        shutil.rmtree(self.tmp if ok else tmp, ignore_errors=True)
        if ok:
            self.folder, self.tmp, self.artifacts = folder, tmp, self.artifacts + 1
        else:
            print("=== reset failed (%s): a new child" % getattr(done, "error", done), file=sys.stderr)
        return ok

    def wait(self) -> str:
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        if os.WIFSIGNALED(status):
            return "was killed by %s" % signal_name(os.WTERMSIG(status))
        return "exited with status %d without answering" % os.WEXITSTATUS(status)

    def kill(self) -> None:
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
            self.wait()
        self._release()

    def _release(self) -> None:
        """What a reaped child leaves: its socket and its artifact's temporary folder."""
        self.sock.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def close(self) -> None:
        """Let the child finish (EOF on its socket), then reap it."""
        if self.pid:
            self.sock.shutdown(socket.SHUT_WR)
            deadline = time.time() + 30
            while time.time() < deadline:
                pid, _ = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self.pid = 0
                    break
                time.sleep(0.005)
        self.kill()


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return "signal %d" % number


# -- the parent ---------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m matrix.worker")
    parser.add_argument("--plugins", help="an extra folder with producers/ and consumers/ plugins")
    args = parser.parse_args()
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    faulthandler.enable()

    def reply(message: Any) -> None:
        channel.write(protocol.encode(message) + "\n")
        channel.flush()

    started = time.time()
    tf = import_tf()
    plugins = Plugins(args.plugins)
    unavailable, broken = check_plugins(tf, plugins)
    gc.freeze()  # see the module's docstring: every child's gc.collect() skips the imported heap
    resettable = tfstate.can_reset(tf)
    reply(protocol.Hello(tf=tf.__version__, keras=keras_versions(tf), python=platform.python_version(),
                         platform=platform.platform(), import_seconds=round(time.time() - started, 2),
                         unavailable=unavailable, broken=broken))
    servers = programs.Servers()
    child = None  # type: Optional[Child]
    try:
        for line in sys.stdin:
            request = protocol.decode(line)
            folder = request.folder if isinstance(request, protocol.ProduceRequest) else request.artifact
            if child is not None and (child.folder != folder or isinstance(request, protocol.ProduceRequest)):
                keep = child.resettable and isinstance(request, protocol.ConsumeRequest) \
                    and child.artifacts < ARTIFACTS_PER_CHILD and child.reset(folder)
                if not keep:
                    child.close()
                    child = None
            if child is None:  # a producer's child is never reused: producers may set any global state
                child = Child(folder, tf, plugins, servers,
                              resettable=resettable and isinstance(request, protocol.ConsumeRequest))
            message = child.run(request, request.timeout)
            if isinstance(message, protocol.Failed) and message.status in ("crash", "timeout"):
                child = None
            reply(message)
    finally:
        if child is not None:
            child.close()
        servers.stop()


if __name__ == "__main__":
    main()
