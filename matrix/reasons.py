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
from typing import List, Optional

WIDTH = 500
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# An exception line as Python prints it, module-qualified or not: "errors_impl.NotFoundError: ...".
_EXCEPTION = re.compile(r"^(?:[A-Za-z_][\w]*\.)*([A-Za-z_]\w*(?:Error|Exception|Exit|Failure))(?::\s*(.*))?$")
_FATAL = re.compile(r"^[FE]\d{4} [\d:. ]+\S+\] (.+)$|^.*\] (Check failed: .+)$")
TRACEBACK = re.compile(r"^\s*(Traceback \(most recent call last\):|File \".*\", line \d+|During handling of the above"
                       r"|The above exception was the direct cause)")
# Lines that say an error happened, or give advice, without saying what it was.
GENERIC = [re.compile(p) for p in (
    r"^Exception encountered when calling",
    r"^Graph execution error:?$",
    r"^Detected at node .* defined at",
    r"^Node: '",
    r"^Original stack trace for",
    r"^If trying to load on a different device",
    r"^Call arguments received",
    r"^Arguments received by",
    r"^See console for info\.?$",
    r"^TOCO failed\. See console for info\.?$",
    r"^\s*(self\.)?_traceback = ",
    r"^\s*\W*$",
)]


# The MLIR converter prefixes its message with a location dump: "<unknown>:0: error: loc(...): 'tf.Mul' op is ..."
_MLIR = re.compile(r"^(?:<unknown>|\S+):\d+: error: loc\(.*\)\s*:\s*(.+)$")


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
    """'TypeName: first informative line of the message' (just the message for a Refused)."""
    lines = _informative(str(message).splitlines())
    text = lines[0] if lines else ""
    if type_name == "Refused":
        return (text or "refused")[:WIDTH]
    return ("%s: %s" % (type_name, text) if text else type_name)[:WIDTH]


def of_exception(exc: BaseException) -> str:
    return of_message(type(exc).__name__, str(exc))


def of_output(printed: str) -> str:
    """The last exception a program printed, by its own message; else its last informative line."""
    lines = printed.splitlines()
    for i in range(len(lines) - 1, -1, -1):
        line = _ANSI.sub("", lines[i]).strip()
        m = _FATAL.match(line)
        if m:
            return clean(m.group(1) or m.group(2))[:WIDTH]
        m = _EXCEPTION.match(line)
        if m and not line.startswith(" "):
            rest = _informative([m.group(2) or ""] + lines[i + 1:i + 4])
            return of_message(m.group(1), rest[0] if rest else "")
    rest = _informative(lines)
    return rest[-1][:WIDTH] if rest else "no output"


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
