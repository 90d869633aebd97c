"""The pytest side of a TF worker: start it, send it a cell, and turn its death
or silence into a verdict (crash, timeout) instead of a lost run."""
import json
import os
import select
import signal
import subprocess
import sys
import time
from typing import Any, Dict, Optional

from matrix import paths

START_TIMEOUT = 300.0  # importing TF is 3-6 s warm, far more on a cold disk cache


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


class Worker(object):
    """One TF worker process, restarted on demand after it dies."""

    def __init__(self, log_path: str) -> None:
        self.log_path = log_path
        self.proc = None  # type: Optional[subprocess.Popen]
        self.hello = None  # type: Optional[Dict[str, Any]]
        self.start_failure = None  # type: Optional[WorkerDied]
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

    def start(self) -> Dict[str, Any]:
        if self.start_failure is not None:
            raise self.start_failure  # a TF that cannot import will not import on the next cell either
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        offset = self._log_size()
        log = open(self.log_path, "ab")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [paths.ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
        self.proc = subprocess.Popen([sys.executable, "-m", "matrix.worker"], cwd=paths.ROOT, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
        log.close()
        self._buffer = b""
        try:
            self.hello = self._read(START_TIMEOUT)
        except (WorkerDied, WorkerTimedOut) as exc:
            self.stop()
            tail = self.log_since(offset)
            last = [l for l in tail.splitlines() if l.strip()]
            self.start_failure = WorkerDied("TF worker failed to start (%s)%s" % (
                exc, ": " + last[-1].strip() if last else ""), tail)
            raise self.start_failure
        return self.hello

    def call(self, request: Dict[str, Any], timeout: float) -> Dict[str, Any]:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        assert self.proc is not None and self.proc.stdin is not None
        offset = self._log_size()
        try:
            self.proc.stdin.write((json.dumps(request) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
            return self._read(timeout)
        except WorkerDied as exc:
            self.stop()
            raise WorkerDied(exc.how, self.log_since(offset))
        except (BrokenPipeError, WorkerTimedOut):
            self.stop()
            raise

    def _read(self, timeout: float) -> Dict[str, Any]:
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
        return json.loads(line.decode("utf-8"))

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                if stream:
                    stream.close()
        self.proc = None
