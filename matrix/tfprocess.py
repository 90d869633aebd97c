"""The pytest side's handle on one TF worker process (matrix/worker.py): start it, send it a cell,
and turn its death or silence into a verdict (crash, timeout) instead of a lost run.

The worker enforces each cell's timeout on the child it forked for the
artifact; this side only guards against the worker itself dying or hanging,
in which case it is killed and started again (one more TF import).
Each worker gets a temporary folder of its own (TMPDIR), removed when it
stops or is killed: nothing TF, a plugin or a program writes there outlives it.
Its name carries this process's pid ("matrix-worker-<pid>-..."): when this
side is killed too (kill -9 of a run), the next run removes the folders of
pids that no longer exist (sweep_orphans).
"""
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any, List, Optional

from matrix import protocol
from matrix.cell import ROOT

START_TIMEOUT = 300.0  # importing TF is 3-6 s warm, far more on a cold disk cache
MARGIN = 60.0          # beyond a cell's own timeout, what the worker may take to kill and reap its child


PREFIX = "matrix-worker-"
_swept = False  # this process has removed the orphans of killed runs (once is enough)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, another user's
        return True
    return True


def sweep_orphans(folder: Optional[str] = None) -> List[str]:
    """Remove the worker folders whose owner process is gone (killed with its workers); returns them."""
    folder = folder or tempfile.gettempdir()
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        pid = name[len(PREFIX):].split("-", 1)[0]
        if name.startswith(PREFIX) and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(os.path.join(folder, name), ignore_errors=True)
            removed.append(name)
    return removed


class WorkerDied(Exception):
    def __init__(self, how: str, log_tail: str) -> None:
        Exception.__init__(self, how)
        self.how = how
        self.log_tail = log_tail


class WorkerTimedOut(Exception):
    pass


def describe_exit(code: Optional[int]) -> str:
    if code is not None and code < 0:
        try:
            return "killed by %s" % signal.Signals(-code).name
        except ValueError:
            return "killed by signal %d" % -code
    return "exited with status %s" % code


class TFProcess(object):
    """One TF worker process, started on first use and again after it dies."""

    def __init__(self, log_path: str, plugins: Optional[str] = None) -> None:
        self.log_path = log_path
        self.plugins = plugins
        self.proc = None  # type: Optional[subprocess.Popen]
        self.hello = None  # type: Optional[protocol.Hello]
        self.start_failure = None  # type: Optional[WorkerDied]
        self.tmp = ""
        self._buffer = b""

    def _log_size(self) -> int:
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log_since(self, offset: int, lines: int = 25) -> str:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def command(self) -> List[str]:
        return [sys.executable, "-m", "matrix.worker"] + (["--plugins", self.plugins] if self.plugins else [])

    def start(self) -> protocol.Hello:
        if self.start_failure is not None:
            raise self.start_failure  # a TF that cannot import will not import on the next cell either
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        offset = self._log_size()
        log = open(self.log_path, "ab")
        self._remove_tmp()  # a worker that died on its own: what it left goes before the next one starts
        global _swept
        if not _swept:
            _swept = True
            sweep_orphans()
        self.tmp = tempfile.mkdtemp(prefix="%s%d-" % (PREFIX, os.getpid()))
        env = dict(os.environ, TMPDIR=self.tmp, PYTHONPATH=os.pathsep.join(
            [ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
        # Its own process group: killing the group also kills its forked children and program servers.
        self.proc = subprocess.Popen(self.command(), cwd=ROOT, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=log, start_new_session=True)
        log.close()
        self._buffer = b""
        try:
            self.hello = protocol.decode(self._read(START_TIMEOUT))
        except (WorkerDied, WorkerTimedOut, protocol.ProtocolError) as exc:
            self.stop(kill=True)
            tail = self.log_since(offset)
            last = [l for l in tail.splitlines() if l.strip()]
            self.start_failure = WorkerDied("TF worker failed to start (%s)%s" % (
                exc, ": " + last[-1].strip() if last else ""), tail)
            raise self.start_failure
        return self.hello

    def ensure_started(self) -> protocol.Hello:
        if self.proc is None or self.proc.poll() is not None:
            return self.start()
        assert self.hello is not None
        return self.hello

    def call(self, request: Any) -> Any:
        """The worker's reply to one request; crash and timeout replies carry the log's tail."""
        self.ensure_started()
        assert self.proc is not None and self.proc.stdin is not None
        offset = self._log_size()
        try:
            self.proc.stdin.write((protocol.encode(request) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
            reply = protocol.decode(self._read(request.timeout + MARGIN))
        except WorkerDied as exc:
            self.stop(kill=True)
            raise WorkerDied(exc.how, self.log_since(offset))
        except (BrokenPipeError, WorkerTimedOut):
            self.stop(kill=True)
            raise
        if isinstance(reply, protocol.Failed) and reply.status in ("crash", "timeout"):
            reply.detail = self.log_since(offset)
        return reply

    def _read(self, timeout: float) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        deadline = time.time() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.time()
            if left <= 0:
                raise WorkerTimedOut("no answer within %g s" % timeout)
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    code = self.proc.wait()
                    raise WorkerDied(describe_exit(code), "")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode("utf-8")

    def stop(self, kill: bool = False) -> None:
        """EOF on its stdin (the worker reaps its child and servers and exits), or kill its whole group."""
        if self.proc is not None:
            if not kill and self.proc.poll() is None and self.proc.stdin:
                self.proc.stdin.close()
                try:
                    self.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    kill = True
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # whatever of its group is left
            except OSError:
                pass
            self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                if stream and not stream.closed:
                    stream.close()
        self.proc = None
        self._remove_tmp()

    def _remove_tmp(self) -> None:
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = ""
