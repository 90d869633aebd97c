"""TF versions in the reports: parsed and compared with `packaging`, the one way here.

TF's own version strings are mostly PEP 440 ("2.15.1", "2.23.0.dev20261026",
"1.15.0rc1"); the few that are not ("0.12.head", "unknown") sort by their
release numbers, unknown last. A range in the known-issue registry is compared
at the precision it is written: "<=2.15" holds for 2.15.1 and ">2.15" does not.
"""
import re
from functools import lru_cache
from typing import Tuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

_LAST = Version("9999")


@lru_cache(maxsize=None)
def parse(version: str) -> Version:
    """The Version of a TF version string; unparsable ones by their release numbers, unknown ones last."""
    text = str(version).strip()
    try:
        return Version(text)
    except InvalidVersion:
        m = re.match(r"^v?(\d+(?:\.\d+)*)", text)
        return Version(m.group(1)) if m else _LAST


def key(version: str) -> Tuple:
    """A sort key: releases in order, pre-releases (dev, rc) before their release, unknown last."""
    return (parse(version),)


def known(version: str) -> bool:
    return parse(version) != _LAST


def minor(version: str) -> str:
    v = parse(version)
    return "%d.%d" % (v.major, v.minor) if known(version) else str(version)


def major(version: str) -> int:
    return parse(version).major if known(version) else -1


class RangeError(ValueError):
    pass


@lru_cache(maxsize=None)
def _specifier(spec: str) -> SpecifierSet:
    try:
        return SpecifierSet(spec.replace(" ", ""))
    except InvalidSpecifier:
        raise RangeError("bad version range %r" % spec)


def in_range(version: str, spec: str) -> bool:
    """Whether `version` (e.g. '2.16.2') satisfies `spec` (e.g. '>=2.16,<2.20'), each bound at its own precision."""
    spec = (spec or "*").strip()
    if spec in ("", "*"):
        return True
    _specifier(spec)  # a malformed range is an error even for an unknown version
    if not known(version):
        return False
    release = parse(version).release
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        bound = re.sub(r"^[<>=!~]+", "", part)
        width = len(bound.split("."))
        truncated = ".".join(str(n) for n in (release + (0,) * width)[:width])
        if not _specifier(part).contains(truncated, prereleases=True):
            return False
    return True
