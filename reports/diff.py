"""`reports diff OLD NEW`: which cells changed verdict between two runs, and why.

A cell is the same cell in both runs when producer, case, producer env,
consumer and consumer env agree. Reasons are compared with run-specific
paths removed (short_reason).
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import pandas as pd

from reports import markdown, versions
from reports.derive import short_reason
from reports.results import Results, as_rows

KEY = ["producer", "case", "producer_env", "consumer", "consumer_env"]
SHOW = KEY + ["producer_tf", "consumer_tf"]


@dataclass
class Diff:
    changed: pd.DataFrame          # status differs: old_status, new_status, old_reason, new_reason
    reason_changed: pd.DataFrame   # same non-pass status, different (normalized) reason
    added: pd.DataFrame            # cells only in NEW
    removed: pd.DataFrame          # cells only in OLD
    versions: List[str] = field(default_factory=list)  # env TF version changes
    old_label: str = ""
    new_label: str = ""

    @property
    def better(self) -> pd.DataFrame:
        return self.changed[self.changed["new_status"] == "pass"]

    @property
    def worse(self) -> pd.DataFrame:
        return self.changed[self.changed["old_status"] == "pass"]

    def as_dict(self) -> Dict:
        cols = as_rows
        return {"old": self.old_label, "new": self.new_label, "changed": cols(self.changed),
                "reason_changed": cols(self.reason_changed), "added": cols(self.added),
                "removed": cols(self.removed), "env_versions": self.versions,
                "counts": {"changed": len(self.changed), "worse": len(self.worse), "better": len(self.better),
                           "reason_changed": len(self.reason_changed), "added": len(self.added),
                           "removed": len(self.removed)}}


def _order(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame.reset_index(drop=True)
    frame = frame.assign(_p=frame["producer_tf"].map(versions.key), _c=frame["consumer_tf"].map(versions.key))
    return frame.sort_values(["consumer", "_c", "producer", "case", "_p"]).drop(columns=["_p", "_c"]).reset_index(
        drop=True)


def _env_versions(old: Results, new: Results) -> List[str]:
    def tf_of(r: Results) -> Dict[str, str]:
        if r.envs.empty:
            return {}
        return {e: tf for e, tf in zip(r.envs["env"], r.envs["tf"])}
    a, b = tf_of(old), tf_of(new)
    return ["%s: TF %s → %s" % (e, a[e], b[e]) for e in sorted(set(a) & set(b)) if a[e] != b[e]]


def diff(old: Results, new: Results, old_label: str = "old", new_label: str = "new") -> Diff:
    a = old.cells[SHOW + ["status", "reason"]] if not old.cells.empty else pd.DataFrame(columns=SHOW + ["status", "reason"])
    b = new.cells[SHOW + ["status", "reason"]] if not new.cells.empty else pd.DataFrame(columns=SHOW + ["status", "reason"])
    merged = a.merge(b, on=KEY, how="outer", suffixes=("_old", "_new"), indicator=True)
    merged["producer_tf"] = merged["producer_tf_new"].fillna(merged["producer_tf_old"])
    merged["consumer_tf"] = merged["consumer_tf_new"].fillna(merged["consumer_tf_old"])
    merged = merged.rename(columns={"status_old": "old_status", "status_new": "new_status",
                                    "reason_old": "old_reason", "reason_new": "new_reason"})
    both = merged[merged["_merge"] == "both"]
    cols = SHOW + ["old_status", "new_status", "old_reason", "new_reason"]
    changed = both[both["old_status"] != both["new_status"]][cols]
    same = both[(both["old_status"] == both["new_status"]) & (both["new_status"] != "pass")]
    reason_changed = same[same["old_reason"].map(short_reason)
                          != same["new_reason"].map(short_reason)][cols]
    added = merged[merged["_merge"] == "right_only"][SHOW + ["new_status", "new_reason"]]
    removed = merged[merged["_merge"] == "left_only"][SHOW + ["old_status", "old_reason"]]
    return Diff(_order(changed), _order(reason_changed), _order(added), _order(removed),
                _env_versions(old, new), old_label, new_label)


def _short(reason: object, limit: int = 160) -> str:
    return markdown.short(short_reason(reason), limit)


def _rows(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["written by"] = frame["producer_tf"].astype(str) + " (" + frame["producer_env"].astype(str) + ")"
    frame["read by"] = frame["consumer_tf"].astype(str) + " (" + frame["consumer_env"].astype(str) + ")"
    if "old_status" in frame and "new_status" in frame:
        frame["change"] = frame["old_status"].astype(str) + " → " + frame["new_status"].astype(str)
    for col in ("old_reason", "new_reason"):
        if col in frame:
            frame[col] = frame[col].map(_short)
    return frame


def render_markdown(d: Diff, title: str = "Changes since the previous run", level: str = "##",
                    limit: Optional[int] = None) -> str:
    out = ["%s %s" % (level, title), ""]
    if d.old_label or d.new_label:
        out += ["`%s` → `%s`" % (d.old_label, d.new_label), ""]
    out.append("%d cells changed verdict (%d now pass, %d no longer pass); %d kept a failing verdict with a new "
               "reason; %d new cells, %d gone." % (len(d.changed), len(d.better), len(d.worse),
                                                   len(d.reason_changed), len(d.added), len(d.removed)))
    out.append("")
    for line in d.versions:
        out += ["- environment %s" % line]
    if d.versions:
        out.append("")
    if not d.changed.empty:
        out += ["**Changed verdict**", "",
                markdown.md_table(_rows(d.changed), ["change", "producer", "case", "written by", "consumer",
                                                     "read by", "new_reason", "old_reason"], limit)]
    if not d.reason_changed.empty:
        out += ["**Same verdict, new reason**", "",
                markdown.md_table(_rows(d.reason_changed), ["new_status", "producer", "case", "written by",
                                                            "consumer", "read by", "new_reason", "old_reason"],
                                  limit)]
    if not d.added.empty:
        counts = d.added["new_status"].value_counts()
        out += ["**New cells:** " + ", ".join("%d %s" % (n, s) for s, n in counts.items()), ""]
    if not d.removed.empty:
        by = d.removed.groupby(["consumer_env"]).size()
        out += ["**Cells no longer present:** " + ", ".join("%d read by %s" % (n, e) for e, n in by.items()), ""]
    return "\n".join(out)


def render_html(d: Diff) -> str:
    from reports import html
    rows = html.records(_rows(d.changed).rename(columns={"new_status": "status"}), [
        "change", "status", "producer", "case", "written by", "consumer", "read by", "new_reason", "old_reason"]) \
        if not d.changed.empty else []
    return html.ENV.from_string(
        "<h2>Changes since the previous run</h2><p class=meta>{{ old }} → {{ new }}: {{ changed }} cells changed verdict "
        "({{ better }} now pass, {{ worse }} no longer pass); {{ reason }} kept a failing verdict with a new reason; "
        "{{ added }} new cells, {{ removed }} gone.</p>{% for v in versions %}<p>environment {{ v }}</p>{% endfor %}"
        "{{ table }}").render(old=d.old_label, new=d.new_label, changed=len(d.changed), better=len(d.better),
                               worse=len(d.worse), reason=len(d.reason_changed), added=len(d.added), removed=len(d.removed),
                               versions=d.versions, table=html.jinja2_markup(html.render_table(
                                   rows, ["change", "status", "producer", "case", "written by", "consumer", "read by",
                                          "new_reason", "old_reason"], status="status", wide=("new_reason", "old_reason"),
                                   limit=200)))
