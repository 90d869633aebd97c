"""The one way a cell's reason is found: the API's own error message, one line.

From an exception raised in-process (`of_exception`) or from what a program
printed (`of_output`: saved_model_cli, tf2onnx, TOCO), the reason is the
exception's own message: never a traceback line, a wrapper that only says an
error happened ("Exception encountered when calling layer ..."), or a generic
hint TF appends to many errors. `problem` says what is wrong with a reason;
the report's reason-quality check (reports/checks.py) uses it on every cell.
Stdlib only.
"""
import re
from typing import List, Optional, Sequence, Tuple

WIDTH = 500
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# An exception line as Python prints it, module-qualified or not: "errors_impl.NotFoundError: ...".
_EXCEPTION = re.compile(r"^(?:[A-Za-z_][\w]*\.)*([A-Za-z_]\w*(?:Error|Exception|Exit|Failure))(?::\s*(.*))?$"
                        r"|^(?:[a-z_]\w*\.)+([A-Z]\w*): (.+)$")  # or any module-qualified class: packaging.version.InvalidVersion
_LOG = re.compile(r"^[IWEF]\d{4} [\d:. ]+\S+\] ")
_FATAL = re.compile(r"^[FE]\d{4} [\d:. ]+\S+\] (.+)$|^.*\] (Check failed: .+)$")
TRACEBACK = re.compile(r"^\s*(Traceback \(most recent call last\):|File \".*\", line \d+|During handling of the above"
                       r"|The above exception was the direct cause)")
# Lines that say an error happened, or give advice, without saying what it was.
GENERIC = [re.compile(p) for p in (
    r"^Exception encountered when calling",
    r"^Graph execution error:?$",
    r"^Detected at node .* defined at",
    r"^Node: '",
    r"^<stack traces unavailable>$",  # TF 2.16+ in place of "Detected at node"'s stack, before the message
    r"^Original stack trace for",
    r"^If trying to load on a different device",
    r"^Call arguments received",
    r"^Arguments received by",
    r"^See console for info\.?$",
    r"^TOCO failed\. See console for info\.?$",
    r"^\s*(self\.)?_traceback = ",
    r"^\s*\W*$",
)]


# A first line that only announces the error it wraps.
_WRAPPER = re.compile(r"Original error:?$|^Graph execution error:?$")
# The MLIR converter prefixes its message with a location: a dump ("<unknown>:0: error: loc(...): 'tf.Mul' op
# is ...") or, in TF 2.4, the loader's file on this machine (".../loader_impl.py:300:0: error: 'tf.Mul' op is ...").
# TF 2.15 and later put it after "Could not translate MLIR to FlatBuffer." on the same line.
_MLIR = re.compile(r"^(?:Could not translate MLIR to FlatBuffer\.\s*(?:UNKNOWN:\s*)?)?"
                   r"(?:<unknown>|\S+):\d+: error: (?:loc\(.*\)\s*:\s*)?(.+)$")


def clean(line: str) -> str:
    text = " ".join(_ANSI.sub("", line).split())
    m = _MLIR.match(text)
    return m.group(1) if m else text


def generic(line: str) -> bool:
    return any(p.search(line) for p in GENERIC) or bool(TRACEBACK.match(line))


def _informative(lines: List[str]) -> List[str]:
    """The lines that can be a reason: not empty, not generic, not indented (stack frames, [[{{node x}}]])."""
    kept = [l for l in lines if clean(l) and not generic(clean(l))]
    flush = [l for l in kept if not l[:1].isspace()]
    return [clean(l) for l in (flush or kept)]


def of_message(type_name: str, message: str) -> str:
    """'TypeName: first informative line of the message' (just the message for a Refused). A message that
    only wraps another ("Restoring from checkpoint failed. ... Original error:") gives the wrapped one."""
    lines = _informative(str(message).splitlines())
    while len(lines) > 1 and _WRAPPER.search(lines[0]):
        lines = lines[1:]
    text = lines[0] if lines else ""
    if type_name == "Refused":
        return (text or "refused")[:WIDTH]
    return ("%s: %s" % (type_name, text) if text else type_name)[:WIDTH]


def of_exception(exc: BaseException, places: Sequence[Tuple[str, str]] = ()) -> str:
    """The exception's reason; the folders in `places` named by what they are (placeless), before the
    reason is cut to its width."""
    return of_message(type(exc).__name__, placeless(str(exc), places) if places else str(exc))


def of_output(printed: str) -> str:
    """What a program printed, by the error's own message. In order: the last exception with a message;
    a fatal log line ("F... ] Check failed: ..."); the last exception without one; a logged error
    ("E... ] ...": TF logs those and carries on, e.g. "failed call to cuInit" on a machine without a
    GPU, so it is the cause only when nothing else is); else the last informative line."""
    lines = printed.splitlines()
    exceptions, fatal, logged = [], None, None
    for i in range(len(lines) - 1, -1, -1):
        line = _ANSI.sub("", lines[i]).strip()
        m = _FATAL.match(line)
        if m:
            if line.startswith("F") or m.group(2) or "Check failed" in line:
                fatal = fatal or clean(m.group(1) or m.group(2))[:WIDTH]
            else:
                logged = logged or clean(m.group(1))[:WIDTH]
            continue
        m = _EXCEPTION.match(line)
        if m and not lines[i].startswith(" "):
            rest = _informative([m.group(2) or m.group(4) or ""] + lines[i + 1:i + 4])
            exceptions.append((m.group(1) or m.group(3), rest))
    for name, rest in exceptions:
        if rest:
            return of_message(name, "\n".join(rest))
    if fatal:
        return fatal
    if exceptions:
        return of_message(exceptions[0][0], "")
    rest = [l for l in _informative(lines) if not _LOG.match(l)]
    return (rest[-1] if rest else logged or "no output")[:WIDTH]


# tempfile's random part of a name (8 of [a-z0-9_]) after a prefix's "-" or "_", inside a temporary folder.
_RANDOM = re.compile(r"(?<=[-_])[a-z0-9_]{8}(?=[./]|$)")
_CUT = re.compile(r"(?<![\w/.-])/?([\w/.:-]+)$")
_IN_TMP = re.compile(r"<tmp>[^\s'\",;)\]]*")


def placeless(reason: str, places: Sequence[Tuple[str, str]]) -> str:
    """The reason with this machine's folders named by what they are ("filepath=<artifact>/model").

    `places` pairs a folder with its name, most specific first. An error message that names the model's
    folder, the cell's temporary folder or the checkout then reads the same on every machine and in
    every run (a temporary folder, and what TF makes in it, has a random name), so the same verdict
    keeps the same reason: in the report's groups, in a diff of two runs and across machines."""
    for folder, name in places:
        folder = folder.rstrip("/")
        if len(folder) > 1:  # TF prints some source paths without their leading "/" ("defined at tmp/x/y.py:17")
            found = r"(?<![\w/.-])/?%s(?![\w.-])" % re.escape(folder.lstrip("/"))
            reason = re.sub(found, lambda m: name, reason)
            cut = _CUT.search(reason)  # a message cut at WIDTH in the middle of the folder's name
            if cut and "/" in cut.group(1) and len(cut.group(1)) >= 12 and folder.lstrip("/").startswith(cut.group(1)):
                reason = reason[:cut.start()] + name + "…"
    return _IN_TMP.sub(lambda m: _RANDOM.sub("*", m.group(0)), reason)


def problem(reason: str) -> Optional[str]:
    """Why a recorded reason is not an error message of the API (None when it reads like one).

    Each part after a "Prefix: " is checked too ("saved_model_cli exited 1: <what it printed>")."""
    text = clean(reason)
    parts = text.split(": ")
    for body in (": ".join(parts[i:]) for i in range(len(parts))):
        if TRACEBACK.match(body) or re.match(r"^\s*(self\.)?_traceback = ", body):
            return "a traceback line, not the error message"
        if any(p.search(body) for p in GENERIC[:-1]):
            return "a generic wrapper or hint, not the error message"
    return None
