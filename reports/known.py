"""Known incompatibilities: reports/known_issues.toml, matched against cells.

Each [[issue]] in the registry names the cells it explains:

    [[issue]]
    id = "keras3-load-model-savedmodel-dir"      # short, stable name
    producer = "*"                               # glob or list of globs on the producer plugin
    case = "*"                                   # ... on the case
    consumer = "keras3_load"                     # ... on the consumer plugin
    producer_tf = "*"                            # version range of the TF that wrote the model
    consumer_tf = ">=2.16"                       # version range of the TF that reads it
    status = ["fail"]                            # optional: only these verdicts
    match = "File format not supported"          # optional: regex the reason must contain: what the
                                                 # docs predict, so a different failure still gates
    phase = "consume"                            # optional: "produce" matches producer records instead
    reason = "Keras 3 load_model reads .keras/.h5 only"
    link = "https://github.com/keras-team/keras/issues/18709"
    until = 2027-06-30                           # optional: a waiver that expires (then it matches nothing,
    owner = "ml-platform"                        #   and the gate names it); optional owner
    every_version = true                         # optional: the cause holds whatever TF versions wrote and
                                                 # read the model (documented API behaviour, this machine):
                                                 # the cell's policy label is "not a version question"

A version range is comma-separated comparisons that must all hold (">=2.16",
"<2.0", ">=2.4,<2.16", "==2.15", "*"), each compared at the precision it is
written ("<=2.15" holds for 2.15.1). Only cells that did not pass are ever
marked known. An entry that matches no cell of a full run is stale.
"""
import datetime
import fnmatch
import os
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from reports import versions

REGISTRY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "known_issues.toml")
KEYS = {"id", "reason", "link", "producer", "case", "consumer", "producer_tf", "consumer_tf", "status", "match",
        "phase", "until", "owner", "every_version"}


class RegistryError(ValueError):
    """The registry file cannot be read or an entry is malformed."""


def version_in(version: str, spec: str) -> bool:
    try:
        return versions.in_range(str(version), spec)
    except versions.RangeError as exc:
        raise RegistryError(str(exc))


def _globs(value: Any) -> List[str]:
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
    until: Optional[datetime.date] = None
    owner: str = ""
    every_version: bool = False

    def expired(self, today: datetime.date) -> bool:
        return self.until is not None and today > self.until

    def fits(self, cell: Dict[str, Any]) -> bool:
        """Whether this entry describes `cell` (a consume cell, or a produce record when phase = "produce"),
        regardless of its expiry date."""
        if cell.get("status") == "pass":
            return False
        phase = "consume" if cell.get("consumer") else "produce"
        if phase != self.phase:
            return False
        if self.status and cell.get("status") not in self.status:
            return False
        names = ("producer", "case", "consumer") if phase == "consume" else ("producer", "case")
        for name in names:
            if not any(fnmatch.fnmatchcase(str(cell.get(name, "")), g) for g in getattr(self, name)):
                return False
        if not version_in(str(cell.get("producer_tf", "")), self.producer_tf):
            return False
        if phase == "consume" and not version_in(str(cell.get("consumer_tf", "")), self.consumer_tf):
            return False
        if self.match and not re.search(self.match, str(cell.get("reason", ""))):
            return False
        return True


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
        unknown = set(entry) - KEYS
        if unknown:
            raise RegistryError("%s: issue #%d has unknown keys %s" % (path, n, ", ".join(sorted(unknown))))
        if not entry.get("reason"):
            raise RegistryError("%s: issue #%d needs a reason" % (path, n))
        until = entry.get("until")
        if until is not None and not isinstance(until, datetime.date):
            raise RegistryError("%s: issue #%d: until must be a date (until = 2027-06-30)" % (path, n))
        status = entry.get("status")
        issue = Issue(id=str(entry.get("id") or "issue-%d" % n), reason=str(entry["reason"]),
                      link=str(entry.get("link", "")), producer=_globs(entry.get("producer")),
                      case=_globs(entry.get("case")), consumer=_globs(entry.get("consumer")),
                      producer_tf=str(entry.get("producer_tf", "*")), consumer_tf=str(entry.get("consumer_tf", "*")),
                      status=[status] if isinstance(status, str) else status, match=entry.get("match"),
                      phase=str(entry.get("phase", "consume")), until=until, owner=str(entry.get("owner", "")),
                      every_version=bool(entry.get("every_version", False)))
        if issue.phase not in ("consume", "produce"):
            raise RegistryError("%s: issue %s: phase must be consume or produce" % (path, issue.id))
        version_in("0", issue.producer_tf), version_in("0", issue.consumer_tf)  # fail early on a bad range
        if issue.match:
            try:
                re.compile(issue.match)
            except re.error as exc:
                raise RegistryError("%s: issue %s: bad match regex: %s" % (path, issue.id, exc))
        issues.append(issue)
    return issues


@dataclass
class Match:
    """What the registry says of one cell: the entry that explains it, or the waiver that expired."""
    issue: Optional[Issue] = None
    expired: Optional[Issue] = None


def match(cell: Dict[str, Any], issues: List[Issue], today: Optional[datetime.date] = None) -> Match:
    today = today or datetime.date.today()
    fitting = [i for i in issues if i.fits(cell)]
    live = next((i for i in fitting if not i.expired(today)), None)
    return Match(live, None if live else next((i for i in fitting if i.expired(today)), None))


def stale(issues: List[Issue], matched_ids: set) -> List[Issue]:
    """Entries that matched nothing (in a full run: a registry entry to remove or fix)."""
    return [i for i in issues if i.id not in matched_ids]
