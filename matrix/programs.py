"""TF's command-line programs, run as separate processes without paying TF's import each time.

`saved_model_cli` is a console script whose whole cost is importing TF (4-5 s)
before a 50 ms run. A program server imports the program's module once and,
for each run, forks a fresh child that sets sys.argv and calls the same entry
point the console script calls; the child's stdout/stderr and exit status are
the program's. The server itself never runs TF, so each child starts as
clean as a new process would (past the import).

    python -m matrix.programs MODULE FUNCTION     (started by ProgramServer)
MATRIX_PROGRAM_FORK=0 runs the real console script in a plain subprocess instead.
"""
import json
import os
import subprocess
import sys
import traceback
from typing import List, Optional, Tuple

from matrix import paths

_SERVERS = {}


class ProgramServer(object):
    def __init__(self, module: str, function: str) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([paths.ROOT] + [
            p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
        self.proc = subprocess.Popen([sys.executable, "-m", "matrix.programs", module, function],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=paths.ROOT, env=env,
                                     universal_newlines=True)

    def run(self, argv: List[str], output: str) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"argv": argv, "output": output}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("program server for %s exited with %s" % (argv[0], self.proc.wait()))
        return json.loads(line)["code"]


def program_missing(script: str) -> Optional[str]:
    """available() for consumers of a console script installed beside this Python."""
    if not os.path.exists(os.path.join(os.path.dirname(sys.executable), script)):
        return "no %s program beside this Python" % script
    return None


def run_program(script: str, module: str, function: str, argv: List[str], output: str) -> Tuple[int, str]:
    """Run program `script` (console script or `python -m`, entry point module:function) with argv.

    Returns (exit code, combined stdout and stderr)."""
    if os.environ.get("MATRIX_PROGRAM_FORK", "1") == "0" or not hasattr(os, "fork"):
        path = os.path.join(os.path.dirname(sys.executable), script)
        command = [path] if os.path.exists(path) else [sys.executable, "-m", module]  # `python -m tf2onnx.convert`
        done = subprocess.run(command + argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True)
        return done.returncode, done.stdout
    server = _SERVERS.get((module, function))
    if server is None or server.proc.poll() is not None:
        server = _SERVERS[(module, function)] = ProgramServer(module, function)
    code = server.run([script] + argv, output)
    with open(output, errors="replace") as f:
        return code, f.read()


def _child(entry, argv: List[str], output: str) -> None:
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
    os._exit(code)


def serve(module: str, function: str) -> None:
    import importlib
    entry = getattr(importlib.import_module(module), function)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(entry, request["argv"], request["output"])
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        sys.stdout.write(json.dumps({"code": code}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2])
