"""TF's command-line programs, run as separate processes without paying TF's import each time.

`saved_model_cli` is a console script whose whole cost is importing TF (4-5 s)
before a 50 ms run; so are `tf2onnx.convert` and TF 1.x's `toco_from_protos`
(which TF 1.x's TFLite converter runs for every conversion). A program server
imports the program's module once and listens on a unix socket; for each run
it forks a fresh child that sets sys.argv and calls the same entry point the
console script calls. The child's stdout/stderr and exit status are the
program's. The server itself never runs TF, so each child starts as clean as a
new process would (past the import).

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

def _child(entry, argv, output):
    before = set(sys.modules)
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
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
    try:  # what the run imported, for the server to import before the next fork (_preload)
        with open(output + ".modules", "w") as f:
            f.write("\n".join(sorted(set(sys.modules) - before)))
    except OSError:
        pass
    os._exit(code)


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
            pid = os.fork()
            if pid == 0:
                listener.close()
                conn.close()
                _child(entry, ask["argv"], ask["output"])
            _, status = os.waitpid(pid, 0)
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
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
