"""The worker protocol: typed messages between the pytest side and a TF worker, one JSON line each.

    pytest side  -> worker   ProduceRequest | ConsumeRequest
    worker       -> pytest   Hello (once, after importing TF), then one reply per request:
                             Exported | Outputs | Failed
Between the worker and the forked child that runs the cells (matrix/worker.py), the
same requests and replies, and:
    worker       -> child    Reset (move on to another artifact) -> the child answers ResetDone
    child        -> worker   ProgramWanted (a cell runs a program) -> the worker answers ProgramSocket
Every message carries `type` and `protocol`; `decode` refuses a message of
another protocol version or with missing or unknown fields, so both sides
fail loudly instead of guessing. Stdlib only (Python 3.7).
"""
import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Dict

PROTOCOL = 2


class ProtocolError(ValueError):
    pass


@dataclass
class Hello:
    tf: str
    keras: str
    python: str
    platform: str
    import_seconds: float
    unavailable: Dict[str, Dict[str, str]] = field(default_factory=dict)  # kind -> plugin -> why not here
    broken: Dict[str, Dict[str, str]] = field(default_factory=dict)       # kind -> plugin -> its import/check error


@dataclass
class ProduceRequest:
    producer: str
    case: str
    folder: str            # the artifact folder; the model goes to folder/model
    timeout: float


@dataclass
class ConsumeRequest:
    consumer: str
    artifact: str          # the artifact folder
    timeout: float
    load_only: bool = False  # only the consumer's load(): does the model load? (the reference's probe)


@dataclass
class Exported:
    export: Dict[str, Any]  # matrix.plugin.Export as JSON (Export.to_json)


@dataclass
class Outputs:
    outputs: Dict[str, Dict[str, Any]]  # name -> tensor JSON


@dataclass
class Failed:
    status: str            # fail (the API refused), error (a plugin bug), crash, timeout
    reason: str
    detail: str = ""


@dataclass
class Reset:
    tmp: str               # the next artifact's temporary folder (made, and later removed, by the worker)


@dataclass
class ResetDone:
    error: str = ""        # empty: TF and Keras are in a new process's state; else why not (the child is ended)


@dataclass
class ProgramWanted:
    name: str              # a console program (matrix/programs.py) and its entry point
    module: str
    function: str


@dataclass
class ProgramSocket:
    socket: str = ""       # where its server listens; empty with `error` when it failed to start
    error: str = ""


MESSAGES = {cls.__name__: cls for cls in (Hello, ProduceRequest, ConsumeRequest, Exported, Outputs, Failed,
                                          Reset, ResetDone, ProgramWanted, ProgramSocket)}


def encode(message: Any) -> str:
    data = asdict(message)
    data.update(type=type(message).__name__, protocol=PROTOCOL)
    return json.dumps(data)


def decode(line: str) -> Any:
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise ProtocolError("not a JSON message: %s (%r)" % (exc, line[:200]))
    if not isinstance(data, dict) or data.get("protocol") != PROTOCOL:
        raise ProtocolError("message of protocol %r, expected %d: %r" % (
            data.get("protocol") if isinstance(data, dict) else None, PROTOCOL, line[:200]))
    cls = MESSAGES.get(data.pop("type", None))
    if cls is None:
        raise ProtocolError("unknown message type in %r" % line[:200])
    data.pop("protocol")
    names = {f.name for f in fields(cls)}
    if set(data) - names:
        raise ProtocolError("%s has unknown fields %s" % (cls.__name__, ", ".join(sorted(set(data) - names))))
    try:
        return cls(**data)
    except TypeError as exc:
        raise ProtocolError("%s: %s" % (cls.__name__, exc))
