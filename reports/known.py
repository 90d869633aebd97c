"""Known incompatibilities: reports/known_issues.toml, matched against cells.

Each [[issue]] in the registry names the cells it explains:

    [[issue]]
    id = "keras3-load-model-savedmodel-dir"      # short, stable name
    producer = "*"                               # glob on the producer plugin
    case = "*"                                   # glob on the case
    consumer = "keras3_load"                     # glob on the consumer plugin
    producer_tf = "*"                            # version range of the TF that wrote the model
    consumer_tf = ">=2.16"                       # version range of the TF that reads it
    status = ["fail"]                            # optional: only these verdicts
    match = "File format not supported"          # optional: regex the recorded reason must contain
    phase = "consume"                            # optional: "produce" matches producer records instead
    reason = "Keras 3 load_model reads .keras/.h5 only"
    link = "https://github.com/keras-team/keras/issues/18709"

producer, case and consumer take a glob or a list of globs. A version range is
comma-separated comparisons, all of which must hold: ">=2.16", "<2.0",
">=2.4,<2.16", "==2.15" or "*". A version is compared at the precision the
range names: "<=2.15" holds for 2.15.1, ">2.15" does not, "==2.15" is 2.15.*.
Only cells that did not pass are ever marked known.
"""
import fnmatch
import os
import re
import tomllib
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import pandas as pd

from reports.results import version_key

REGISTRY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "known_issues.toml")
_OPS = ("<=", ">=", "==", "!=", "<", ">", "=")


class RegistryError(ValueError):
    """The registry file cannot be read or an entry is malformed."""


def _numeric(version: str) -> tuple:
    return version_key(version)


def version_in(version: str, spec: str) -> bool:
    """Whether `version` (e.g. '2.16.2') satisfies `spec` (e.g. '>=2.16,<2.20')."""
    spec = (spec or "*").strip()
    if spec in ("", "*"):
        return True
    have = _numeric(version)
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        op = next((o for o in _OPS if part.startswith(o)), None)
        if op is None:
            if not fnmatch.fnmatch(str(version), part):  # a bare '2.1*' or '2.15.1'
                if not fnmatch.fnmatch(str(version), part + ".*"):
                    return False
            continue
        want = _numeric(part[len(op):].strip())
        if want[0][0] == 2:
            raise RegistryError("bad version in range %r" % spec)
        if have[0][0] == 2:
            return False  # an unknown version is in no range
        got = have[:len(want)]  # compare at the precision the range names
        ok = {"<": got < want, "<=": got <= want, ">": got > want, ">=": got >= want,
              "==": got == want, "=": got == want, "!=": got != want}[op]
        if not ok:
            return False
    return True


def _globs(value) -> List[str]:
    if value is None:
        return ["*"]
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


@dataclass
class Issue:
    id: str
    reason: str
    link: str
    producer: List[str] = field(default_factory=lambda: ["*"])
    case: List[str] = field(default_factory=lambda: ["*"])
    consumer: List[str] = field(default_factory=lambda: ["*"])
    producer_tf: str = "*"
    consumer_tf: str = "*"
    status: Optional[List[str]] = None
    match: Optional[str] = None
    phase: str = "consume"

    def matches(self, cell: Dict) -> bool:
        """Whether this entry explains `cell` (a consume cell, or a produce record when phase = "produce")."""
        if cell.get("status") == "pass":
            return False
        phase = "consume" if "consumer" in cell else "produce"
        if phase != self.phase:
            return False
        if phase == "produce":
            cell = dict(cell, consumer="", consumer_tf="")
        if self.status and cell.get("status") not in self.status:
            return False
        for name in ("producer", "case", "consumer"):
            if phase == "produce" and name == "consumer":
                continue
            if not any(fnmatch.fnmatchcase(str(cell.get(name, "")), g) for g in getattr(self, name)):
                return False
        if not version_in(str(cell.get("producer_tf", "")), self.producer_tf):
            return False
        if phase == "consume" and not version_in(str(cell.get("consumer_tf", "")), self.consumer_tf):
            return False
        if self.match and not re.search(self.match, str(cell.get("reason", ""))):
            return False
        return True

    @property
    def label(self) -> str:
        return "%s: %s (%s)" % (self.id, self.reason, self.link) if self.link else "%s: %s" % (self.id, self.reason)


def load_registry(path: Optional[str] = None) -> List[Issue]:
    """The registry's entries; an empty list when the file does not exist."""
    path = path or REGISTRY
    if not os.path.exists(path):
        return []
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RegistryError("%s: %s" % (path, exc))
    issues = []
    for n, entry in enumerate(data.get("issue", []), 1):
        unknown = set(entry) - {"id", "reason", "link", "producer", "case", "consumer", "producer_tf",
                                "consumer_tf", "status", "match", "phase"}
        if unknown:
            raise RegistryError("%s: issue #%d has unknown keys %s" % (path, n, ", ".join(sorted(unknown))))
        if not entry.get("reason"):
            raise RegistryError("%s: issue #%d needs a reason" % (path, n))
        status = entry.get("status")
        issue = Issue(id=str(entry.get("id") or "issue-%d" % n), reason=str(entry["reason"]),
                      link=str(entry.get("link", "")),
                      producer=_globs(entry.get("producer")), case=_globs(entry.get("case")),
                      consumer=_globs(entry.get("consumer")),
                      producer_tf=str(entry.get("producer_tf", "*")), consumer_tf=str(entry.get("consumer_tf", "*")),
                      status=[status] if isinstance(status, str) else status, match=entry.get("match"),
                      phase=str(entry.get("phase", "consume")))
        if issue.phase not in ("consume", "produce"):
            raise RegistryError("%s: issue %s: phase must be consume or produce" % (path, issue.id))
        version_in("0", issue.producer_tf), version_in("0", issue.consumer_tf)  # fail early on a bad range
        if issue.match:
            re.compile(issue.match)
        issues.append(issue)
    return issues


def match(cell: Dict, issues: List[Issue]) -> Optional[Issue]:
    """The first registry entry that explains this (non-pass) cell."""
    return next((i for i in issues if i.matches(cell)), None)


def annotate(cells: pd.DataFrame, issues: List[Issue]) -> pd.DataFrame:
    """cells with known (label), known_id and known_link columns; empty strings where nothing matches."""
    cells = cells.copy()
    hits = [match(row, issues) for row in cells.to_dict(orient="records")] if not cells.empty else []
    cells["known"] = [h.label if h else "" for h in hits]
    cells["known_id"] = [h.id if h else "" for h in hits]
    cells["known_link"] = [h.link if h else "" for h in hits]
    return cells
