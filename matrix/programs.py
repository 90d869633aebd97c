"""TF's command-line programs, run as separate processes without paying TF's import each time.

`saved_model_cli` is a console script whose whole cost is importing TF (4-5 s)
before a 50 ms run; so are `tf2onnx.convert` and TF 1.x's `toco_from_protos`
(which TF 1.x's TFLite converter runs for every conversion). A program server
imports the program's module once and listens on a unix socket; each run sets
sys.argv and calls the same entry point the console script calls, in a child
the server forked. The run's stdout/stderr and exit status are the program's.
The server itself never runs TF, so a child starts as clean as a new process
would (past the import):
  - TF 2.x: one child serves up to RUNS_PER_CHILD runs, and before each it is
    given a new process's state again: TF's (matrix/tfstate.py: a new graph, a
    new eager context) and the program's absl flags (_Flags). A fork and TF's
    start cost 25-45 ms, more than half of a `saved_model_cli show` run.
  - TF 1.x cannot be reset (nor can a program without TF be known clean): a
    fork per run.

    python -m matrix.programs serve SOCKET MODULE FUNCTION    a server (the TF worker starts them)
    python -S matrix/programs.py SOCKET PROGRAM ARG...        a client: one run, as a drop-in command

The TF worker owns the servers (Servers) and starts one on a cell's request;
a cell calls run_program(), and TF 1.x's converter runs the client command.
Stdlib only; the client part runs without site-packages (python -S).
"""
import gc
import importlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import traceback

# How a cell finds a program's server: set by the TF worker's child (it asks the worker);
# None outside a worker (a bare loop, a test), where run_program starts a server of its own.
SOCKET_FOR = None
_LOCAL = None


class Servers(object):
    """The program servers of one TF worker, started on demand, one per program."""

    def __init__(self, folder=None):
        self.folder = folder or tempfile.mkdtemp(prefix="matrix-programs-")
        self.procs = {}

    def socket(self, name, module, function):
        path = os.path.join(self.folder, name + ".sock")
        proc = self.procs.get(name)
        if proc is not None and proc.poll() is None and os.path.exists(path):
            return path
        if os.path.exists(path):
            os.remove(path)
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
        proc = subprocess.Popen([sys.executable, "-m", "matrix.programs", "serve", path, module, function],
                                stdin=subprocess.DEVNULL, cwd=root, env=env)
        self.procs[name] = proc
        deadline = time.time() + 300  # the import alone: 4-12 s, far more on a cold disk cache
        while not os.path.exists(path):
            if proc.poll() is not None:
                raise RuntimeError("exited with status %s while importing %s" % (proc.returncode, module))
            if time.time() > deadline:
                proc.kill()
                raise RuntimeError("did not start within 300 s")
            time.sleep(0.02)
        return path

    def stop(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        self.procs = {}


def request(path, argv, output):
    """Run argv through the server at `path`; the program's output goes to the file `output`."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(path)
        conn.sendall((json.dumps({"argv": argv, "output": output}) + "\n").encode("utf-8"))
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = conn.recv(4096)
            if not chunk:
                raise RuntimeError("program server %s closed the connection (it died)" % path)
            answer += chunk
    return json.loads(answer.decode("utf-8"))["code"]


def socket_for(name, module, function):
    global _LOCAL
    if SOCKET_FOR is not None:
        return SOCKET_FOR(name, module, function)
    if _LOCAL is None:
        _LOCAL = Servers()
    return _LOCAL.socket(name, module, function)


def run_program(name, module, function, argv, output):
    """Run program `name` (entry point module:function) with argv. Returns (exit code, its output).

    A negative code is the signal that killed the program."""
    code = request(socket_for(name, module, function), [name] + list(argv), output)
    with open(output, errors="replace") as f:
        return code, f.read()


def client_command(name, module, function):
    """A shell command that runs the program once through its server (for code that spawns it itself)."""
    path = socket_for(name, module, function)
    return "%s -S %s %s %s" % (sys.executable, os.path.abspath(__file__), path, name)


# -- the server ----------------------------------------------------------------------------------------

def _call(entry, argv, output):
    """Run the program once in this process, its stdout and stderr into `output`; its exit code.
    Writes beside `output` what the run imported (for the server's _preload)."""
    before = set(sys.modules)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.argv = argv
    code = 0
    try:
        result = entry()
        code = result if isinstance(result, int) else 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    for fd, saved_fd in zip((1, 2), saved):
        os.dup2(saved_fd, fd)
        os.close(saved_fd)
    try:
        with open(output + ".modules", "w") as f:
            f.write("\n".join(sorted(set(sys.modules) - before)))
    except OSError:
        pass
    return code


def _child(entry, argv, output):
    """A fork for one run (TF 1.x, or a program without TF): exits with the run's code."""
    os._exit(_call(entry, argv, output))


RUNS_PER_CHILD = 64  # bounds what a long-lived program child's memory can grow by (TF frees little)


class _Runner(object):
    """A forked child that serves run after run (TF 2.x): before each, TF's state is a new process's
    (matrix/tfstate.py) and so are the program's command-line flags. The fork and the new process's
    TF start are then paid once per RUNS_PER_CHILD runs, not once a run: 25-45 ms of a 40-90 ms run
    of `saved_model_cli show` or `tf2onnx.convert` (bench/program_runs.py)."""

    def __init__(self, entry, tf, close):
        self.runs = 0
        self.done = False
        asks_r, asks_w = os.pipe()
        codes_r, codes_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            try:
                from matrix import tfstate  # (not at the top: the client runs as a script, without matrix/)
                for thing in close:
                    thing.close()
                os.close(asks_w)
                os.close(codes_r)
                flags = _Flags()  # as the program's import left them: a new process's
                for line in os.fdopen(asks_r):  # EOF: the server is done with this child, or gone
                    ask = json.loads(line)
                    try:
                        flags.restore()
                        tfstate.fresh_state(tf)  # programs do not go through Keras's Python state
                    except BaseException:
                        traceback.print_exc()
                        os.write(codes_w, b"reset failed\n")
                        break
                    code = _call(entry, ask["argv"], ask["output"])
                    os.write(codes_w, ("%d\n" % code).encode("ascii"))
            finally:
                os._exit(0)
        os.close(asks_r)
        os.close(codes_w)
        self.asks = os.fdopen(asks_w, "w")
        self.codes = os.fdopen(codes_r)

    def run(self, ask):
        """The run's exit code (negative: the signal that killed the child, now gone), or None when the
        child could not give the run a new process's TF state (then it is gone, and the run needs a fork)."""
        try:
            self.asks.write(json.dumps(ask) + "\n")
            self.asks.flush()
            line = self.codes.readline()
        except OSError:
            line = ""
        self.runs += 1
        if not line.strip().lstrip("-").isdigit():
            status = self._reap()
            return status if line == "" else None
        if self.runs >= RUNS_PER_CHILD:
            self._reap()
        return int(line)

    def _reap(self):
        """End the child (EOF on its asks), reap it, and return its exit status as a run's code."""
        self.done = True
        for stream in (self.asks, self.codes):
            try:
                stream.close()
            except OSError:
                pass
        return _wait(self.pid)


def _fork_run(entry, ask, close):
    """One run in a fork of its own; its exit code (negative: the signal that killed it)."""
    pid = os.fork()
    if pid == 0:
        for thing in close:
            thing.close()
        _child(entry, ask["argv"], ask["output"])
    return _wait(pid)


def _wait(pid):
    """Reap a child; its exit status as a run's code (negative: the signal that killed it)."""
    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


class _Flags(object):
    """absl's command-line flags (saved_model_cli keeps its arguments in them, TF 2.10+), put back before
    each run as a new process has them: every value its default, and no validator a run added (its `run`
    marks the flags it requires, and a later `show` would then fail without them). A flag a run defined
    (absl's app.run defines --helpfull once a process) keeps the validators it had when it appeared."""

    def __init__(self):
        self.validators = {}
        self.restore(unparse=False)

    def restore(self, unparse=True):
        flags = sys.modules.get("absl.flags")
        if flags is None:
            return
        for name, flag in flags.FLAGS._flags().items():
            if name in self.validators:
                flag.validators[:] = self.validators[name]
            else:
                self.validators[name] = list(flag.validators)
        if unparse:
            flags.FLAGS.unparse_flags()


def _resettable_tf():
    """The TF the program imported, if a process can be given a new process's TF state (TF 2.x); else None."""
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return None
    from matrix import tfstate
    try:
        return tf if tfstate.can_reset(tf) else None
    except Exception:
        return None


def _imported(output):
    """The modules the last child imported (its list read and removed before the client hears back:
    the client removes its folder as soon as it does)."""
    try:
        with open(output + ".modules") as f:
            names = f.read().split()
        os.remove(output + ".modules")
        return names
    except OSError:
        return []


def _preload(names, tried):
    """Import, in the server, the modules its last child imported (once per name; failures ignored).

    A program may import much of its library only when it runs (tf2onnx imports tf.contrib on
    every TF 1.x conversion: 0.4 s a run); imported once here, every later child starts with them,
    as every child starts with the program's own module. Importing runs no TF op: forking stays safe."""
    names = [n for n in names if n not in tried and n not in sys.modules]
    for name in names:
        tried.add(name)
        try:
            importlib.import_module(name)
        except BaseException:  # a module made by the run itself (autograph's), or one that needs its state
            pass
    if names:
        gc.freeze()


def _warm():
    """Build TF's process-wide registries here, once, instead of in every child.

    TF indexes its kernel registry, and exports every op definition once an unknown op name is
    looked up (a function's, in every run), lazily: in each forked child again (12-24 ms of a
    `saved_model_cli show` of a TF2 model in TF 2.4 and 2.21).
    Both are plain C++ tables: building them runs no op and starts no thread, so forking stays safe."""
    if "tensorflow" not in sys.modules:
        return
    try:
        from tensorflow.python.framework import kernels
        kernels.get_all_registered_kernels()
    except Exception:
        pass
    try:
        from tensorflow.python.framework import op_def_registry
        getattr(op_def_registry, "get", lambda name: None)("MatrixNoSuchOp")  # TF 1.x has no get()
    except Exception:
        pass


def serve(path, module, function):
    parent = os.getppid()
    entry = getattr(importlib.import_module(module), function)
    _warm()
    gc.freeze()  # a child's gc.collect() then skips the imported program (as in matrix/worker.py)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".tmp")
    listener.listen(8)
    listener.settimeout(1.0)
    os.rename(path + ".tmp", path)  # the socket appears only once the import is done
    tried = set()
    tf = _resettable_tf()
    runner = None
    while True:
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            if os.getppid() != parent:  # the worker that started it is gone (killed, or it never stopped us)
                os._exit(0)
            continue
        conn.settimeout(None)
        with conn:
            data = b""
            while not data.endswith(b"\n"):
                chunk = conn.recv(1 << 16)
                if not chunk:
                    break
                data += chunk
            if not data.endswith(b"\n"):
                continue  # the client went away
            ask = json.loads(data.decode("utf-8"))
            code = None
            if tf is not None:
                runner = runner or _Runner(entry, tf, close=(listener, conn))
                code = runner.run(ask)
                if runner.done:
                    runner = None
            if code is None:  # a TF that cannot be reset (1.x), no TF, or a child whose reset failed
                code = _fork_run(entry, ask, close=(listener, conn))
            imported = _imported(ask["output"])
            try:
                conn.sendall((json.dumps({"code": code}) + "\n").encode("utf-8"))
            except OSError:
                pass  # the client was killed meanwhile
        _preload(imported, tried)


# -- the client (python -S matrix/programs.py SOCKET PROGRAM ARG...) ------------------------------------

def client(path, argv):
    fd, output = tempfile.mkstemp(prefix="program-", suffix=".out")
    os.close(fd)
    try:
        code = request(path, argv, output)
        with open(output, "rb") as f:
            sys.stdout.buffer.write(f.read())
        sys.stdout.flush()
    finally:
        os.remove(output)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(*sys.argv[2:5])
    else:
        sys.exit(client(sys.argv[1], sys.argv[2:]))
