"""Every column the reports derive from the records, computed once: gate, diff, HTML and Markdown
only select and render them.

  known_id, known_reason, known_link   the registry entry that explains a red cell (reports/known.py)
  waiver_expired                       the entry that would explain it but whose `until` has passed
  policy, policy_link                  whose compatibility promise the cell falls under (reports/policy.py)
  repro                                the command that reproduces a red cell (reports/repro.py)
  reason_short                         the reason without what differs per artifact (paths, addresses)
  direction                            same / old→new (upgrade) / new→old (rollback), by TF version
  diagonal                             the TF that wrote the model reads it
"""
import datetime
import re
from typing import List, Optional

import pandas as pd

from reports import known as known_mod
from reports import policy, repro, versions
from reports.results import Results, as_rows

RED = ("fail", "error", "crash", "timeout")
_ARTIFACT_PATH = re.compile(r"[^\s'\"(=]*/store/[^/\s'\"]+/[^/\s'\"]+/[^/\s'\",)]+(?:/model)?")
_TMP_PATH = re.compile(r"/tmp/[^\s'\",)]+")
_ADDRESS = re.compile(r"0x[0-9a-f]{6,}")
_ARGUMENTS = re.compile(r"(Received args:|Got:).*")  # the rest is the artifact's input values
REASON_WIDTH = 220


def short_reason(reason: object) -> str:
    """A reason without what differs per artifact (paths, addresses), so equal causes group together."""
    text = _ARTIFACT_PATH.sub("<model>", "" if pd.isna(reason) else str(reason))
    text = _ARGUMENTS.sub(r"\1 …", _ADDRESS.sub("0x…", _TMP_PATH.sub("<tmp>", text)))
    text = " ".join(text.split())
    return text if len(text) <= REASON_WIDTH else text[:REASON_WIDTH - 1] + "…"


def direction(producer_tf: str, consumer_tf: str) -> str:
    a, b = versions.key(producer_tf), versions.key(consumer_tf)
    return "same" if a == b else ("old→new" if a < b else "new→old")


def _known_columns(frame: pd.DataFrame, issues: List[known_mod.Issue], today: datetime.date) -> pd.DataFrame:
    hits = [known_mod.match(row, issues, today) for row in as_rows(frame)]
    frame["known_id"] = [h.issue.id if h.issue else "" for h in hits]
    frame["known_reason"] = [h.issue.reason if h.issue else "" for h in hits]
    frame["known_link"] = [h.issue.link if h.issue else "" for h in hits]
    frame["waiver_expired"] = [h.expired.id if h.expired else "" for h in hits]
    return frame


def annotate(results: Results, registry: Optional[str] = None, today: Optional[datetime.date] = None) -> Results:
    issues = known_mod.load_registry(registry)
    today = today or datetime.date.today()
    cells = results.cells.copy()
    if not cells.empty:
        cells = _known_columns(cells, issues, today)
        cells["reason_short"] = cells["reason"].map(short_reason)
        cells["direction"] = [direction(a, b) for a, b in zip(cells["producer_tf"], cells["consumer_tf"])]
        cells["diagonal"] = cells["producer_env"] == cells["consumer_env"]
        rows = as_rows(cells)
        cells["repro"] = [repro.command(r) if r["status"] in RED else "" for r in rows]
        # a path that fails when the writing TF reads its own model is no version question
        own = {(r["producer"], r["case"], r["producer_env"], r["consumer"]): r["status"]
               for r in rows if r["producer_env"] == r["consumer_env"]}
        anywhere = {i.id: i.link for i in issues if i.every_version}
        labels = [policy.label(r, own.get((r["producer"], r["case"], r["producer_env"], r["consumer"])),
                               anywhere.get(r["known_id"]))
                  if r["status"] in RED else policy.NONE for r in rows]
        cells["policy"] = [label.name for label in labels]
        cells["policy_link"] = [label.link for label in labels]
    else:
        for column in ("known_id", "known_reason", "known_link", "waiver_expired", "reason_short", "direction",
                       "diagonal", "repro", "policy", "policy_link"):
            cells[column] = pd.Series(dtype=object)
    produced = results.produced.copy()
    if not produced.empty:
        produced = _known_columns(produced, issues, today)
        produced["reason_short"] = produced["reason"].map(short_reason)
    else:
        for column in ("known_id", "known_reason", "known_link", "waiver_expired", "reason_short"):
            produced[column] = pd.Series(dtype=object)
    return results.replace(cells=cells, produced=produced)


def registry_use(results: Results, registry: Optional[str] = None) -> dict:
    """{"stale": entries that matched no cell, "expired": entries whose waiver has run out and still fit cells}."""
    issues = known_mod.load_registry(registry)
    used = set(results.cells.get("known_id", [])) | set(results.produced.get("known_id", []))
    expired = set(results.cells.get("waiver_expired", [])) | set(results.produced.get("waiver_expired", []))
    return {"stale": [i for i in known_mod.stale(issues, used | expired)],
            "expired": [i for i in issues if i.id in expired - {""}]}
