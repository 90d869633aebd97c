"""`reports gate --baseline 2.15 --candidate 2.21`: may we upgrade TensorFlow?

Every cell read under the baseline TF is compared with the same cell
(producer, case, producer env, consumer) read under the candidate TF, for
models written by every TF version:

  regression   pass under the baseline, fail/crash/timeout/error under the candidate
  API gone     pass under the baseline, `unavailable` under the candidate
  fixed        not passing under the baseline, pass under the candidate
  still failing / still pass / newly available: for the record

A regression or API gone that an entry of reports/known_issues.toml explains is
*known*: listed apart, never gating. An entry whose `until` date has passed
explains nothing any more: its cells gate again and the gate names the expired
waiver. Writing is compared too ("cannot write"). Rollback risk: models written
by the candidate that the baseline cannot read, where the same producer/case
written by the baseline reads fine there.

The score of the upgrade: of the paths that pass under the baseline, the share
that still pass under the candidate, with the counts behind it, overall and per
load API and per save API. Every red candidate cell carries its policy label
(reports/policy.py); those that violate TF's own guarantee come first, each with
a summary ready to file upstream.
"""
import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple
from xml.sax.saxutils import escape, quoteattr

import pandas as pd

from reports import markdown, policy, versions
from reports.results import Results, as_rows, planned

KEY = ["producer", "case", "producer_env", "consumer"]
SIDE = ["producer_tf", "writer_tf", "consumer_env", "consumer_tf", "status", "reason", "cell", "known_id",
        "known_link", "known_reason", "waiver_expired", "policy", "policy_link", "repro", "consumer_api"]


class GateError(Exception):
    """Usage or missing data: exit code 2."""


@dataclass
class Side:
    env: str
    tf: str

    @property
    def label(self) -> str:
        return "TF %s (%s)" % (self.tf, self.env)


@dataclass
class Gate:
    baseline: Side
    candidate: Side
    compared: pd.DataFrame          # one row per compared cell: <column>_base, <column>_cand, category
    rollback: pd.DataFrame          # rollback-risk cells
    writes: pd.DataFrame            # producer cases that stopped writing
    only_baseline: pd.DataFrame     # cells read under the baseline but not under the candidate
    fail_on_rollback: bool = False
    models_only: bool = False

    def rows(self, category: str, known: Optional[bool] = None) -> pd.DataFrame:
        f = self.compared[self.compared["category"] == category]
        if known is not None:
            f = f[(f["known_id_cand"] != "") == known]
        return f

    @property
    def new_regressions(self) -> pd.DataFrame:
        return self.rows("regression", known=False)

    @property
    def new_api_gone(self) -> pd.DataFrame:
        return self.rows("api gone", known=False)

    @property
    def new_writes(self) -> pd.DataFrame:
        return self.writes[self.writes["known_id"] == ""] if not self.writes.empty else self.writes

    @property
    def known(self) -> pd.DataFrame:
        f = self.compared
        return f[f["category"].isin(["regression", "api gone"]) & (f["known_id_cand"] != "")]

    @property
    def new_rollback(self) -> pd.DataFrame:
        return self.rollback[self.rollback["known_id"] == ""] if not self.rollback.empty else self.rollback

    @property
    def expired_waivers(self) -> List[str]:
        ids = set(self.compared.get("waiver_expired_cand", [])) | set(self.writes.get("waiver_expired", []))
        if self.fail_on_rollback:
            ids |= set(self.rollback.get("waiver_expired", []))
        return sorted(i for i in ids if i)

    @property
    def violations(self) -> pd.DataFrame:
        """Red candidate cells that TF's own guide promises would work (regressions or not)."""
        f = self.compared
        return f[(f["policy_cand"] == policy.VIOLATES.name) & (f["status_cand"] != "pass")]

    @property
    def exit_code(self) -> int:
        red = len(self.new_regressions) + len(self.new_api_gone) + len(self.new_writes)
        if self.fail_on_rollback:
            red += len(self.new_rollback)
        return 1 if red else 0

    def score(self, by: Optional[str] = None) -> pd.DataFrame:
        """Of the paths passing under the baseline, how many still pass under the candidate (per `by`)."""
        base = self.compared[self.compared["status_base"] == "pass"]
        if base.empty:
            return pd.DataFrame(columns=([by] if by else []) + ["still_pass", "paths", "score"])
        keep = base.assign(kept=(base["status_cand"] == "pass").astype(int))
        if by is None:
            out = pd.DataFrame({"still_pass": [int(keep["kept"].sum())], "paths": [len(keep)]})
        else:
            out = keep.groupby(by).agg(still_pass=("kept", "sum"), paths=("kept", "size")).reset_index()
        out["score"] = out["still_pass"] / out["paths"]
        return out.sort_values("score", kind="stable").reset_index(drop=True) if by else out

    def counts(self) -> Dict[str, int]:
        c = self.compared["category"].value_counts().to_dict() if not self.compared.empty else {}
        return {
            "compared": int(len(self.compared)),
            "still pass": int(c.get("still pass", 0)),
            "new regressions": int(len(self.new_regressions)),
            "new API gone": int(len(self.new_api_gone)),
            "known regressions": int(len(self.rows("regression", known=True))),
            "known API gone": int(len(self.rows("api gone", known=True))),
            "violates TF guarantee": int(len(self.violations)),
            "fixed": int(c.get("fixed", 0)),
            "newly available": int(c.get("newly available", 0)),
            "newly available, failing": int(c.get("newly available, failing", 0)),
            "still failing": int(c.get("still failing", 0)),
            "still not run": int(c.get("still not run", 0)),
            "cannot write (new)": int(len(self.new_writes)),
            "cannot write (known)": int(len(self.writes) - len(self.new_writes)),
            "rollback risk (new)": int(len(self.new_rollback)),
            "rollback risk (known)": int(len(self.rollback) - len(self.new_rollback)),
            "not read under the candidate": int(len(self.only_baseline)),
        }


# -- which environment is the baseline / candidate ------------------------------------------------

def consumer_envs(results: Results) -> List[Tuple[str, str]]:
    """(env, TF version) of every environment that read models, oldest TF first."""
    pairs = set()
    if not results.cells.empty:
        pairs |= set(zip(results.cells["consumer_env"], results.cells["consumer_tf"]))
    return sorted(pairs, key=lambda p: (versions.key(p[1]), p[0]))


def resolve(results: Results, spec: str, role: str) -> Side:
    """An env name (tf215, consume-tf215) or a TF version prefix (2.15, 2.15.1) -> the env that read models."""
    available = consumer_envs(results)
    names = "; ".join("%s (%s)" % (tf, env) for env, tf in available) or "none"
    wanted = spec.strip()
    for prefix in ("consume-", "produce-"):
        if wanted.startswith(prefix):
            wanted = wanted[len(prefix):]
    hits = [(e, tf) for e, tf in available if e == wanted]
    if not hits:
        want = wanted.lstrip("v").split(".")
        hits = [(e, tf) for e, tf in available if str(tf).split(".")[:len(want)] == want]
    if len(hits) > 1:
        preview = set(planned()[1])
        stable = [h for h in hits if h[0] not in preview]
        hits = stable if len(stable) == 1 else hits
    if not hits:
        raise GateError("no cells read under the %s %r. TF versions that read models in these results: %s"
                        % (role, spec, names))
    if len(hits) > 1:
        raise GateError("the %s %r is ambiguous: %s; name the environment instead"
                        % (role, spec, ", ".join("%s (%s)" % (tf, e) for e, tf in hits)))
    return Side(*hits[0])


def default_sides(results: Results) -> Tuple[Side, Side]:
    """The upgrade to the newest stable TF: (the stable env before it, the newest)."""
    preview = set(planned()[1])
    stable = [Side(e, tf) for e, tf in consumer_envs(results) if e not in preview]
    if len(stable) < 2:
        raise GateError("a gate needs two TF environments that read models; these results have %d" % len(stable))
    return stable[-2], stable[-1]


# -- the comparison --------------------------------------------------------------------------------

def category(base: Optional[str], cand: Optional[str]) -> str:
    idle = ("unavailable", "not_applicable")
    if base == "pass":
        return "still pass" if cand == "pass" else ("api gone" if cand in idle else "regression")
    if base in idle:
        return "newly available" if cand == "pass" else ("still not run" if cand in idle else "newly available, failing")
    return "fixed" if cand == "pass" else "still failing"


def compare(results: Results, baseline: str, candidate: str, fail_on_rollback: bool = False,
            models_only: bool = False) -> Gate:
    """`results` annotated by reports/derive.py; baseline/candidate as for resolve()."""
    base_side = resolve(results, baseline, "baseline")
    cand_side = resolve(results, candidate, "candidate")
    if base_side.env == cand_side.env:
        raise GateError("baseline and candidate are the same environment (%s)" % base_side.env)
    cells = results.cells
    if models_only:
        cells = cells[cells["producer_env"] == "models"]
    base = cells[cells["consumer_env"] == base_side.env][KEY + SIDE]
    cand = cells[cells["consumer_env"] == cand_side.env][KEY + SIDE]
    merged = base.merge(cand, on=KEY, how="outer", suffixes=("_base", "_cand"), indicator=True)
    both = merged[merged["_merge"] == "both"].copy()
    both["category"] = [category(b, c) for b, c in zip(both["status_base"], both["status_cand"])]
    both["producer_tf"] = both["producer_tf_cand"]
    both = both.assign(_p=both["producer_tf"].map(versions.key)).sort_values(
        ["consumer", "producer", "case", "_p"]).drop(columns="_p").reset_index(drop=True)
    only_base = merged[merged["_merge"] == "left_only"].copy()

    # rollback: written by the candidate, read by the baseline, where the baseline reads its own model fine
    rb = cells[(cells["consumer_env"] == base_side.env) & (cells["producer_env"] == cand_side.env)
               & ~cells["status"].isin(["pass", "unavailable", "not_applicable"])]
    same = cells[(cells["consumer_env"] == base_side.env) & (cells["producer_env"] == base_side.env)]
    same = same[["producer", "case", "consumer", "status"]].rename(columns={"status": "status_same"})
    rb = rb.merge(same, on=["producer", "case", "consumer"], how="inner")
    rb = rb[rb["status_same"] == "pass"].copy().reset_index(drop=True)

    # writing: produced under the baseline, not under the candidate
    p = results.produced
    pb = p[p["producer_env"] == base_side.env][["producer", "case", "status"]]
    pc = p[p["producer_env"] == cand_side.env]
    w = pc.merge(pb.rename(columns={"status": "status_base"}), on=["producer", "case"], how="inner")
    w = w[(w["status_base"] == "pass") & (w["status"] != "pass")].copy().reset_index(drop=True)
    if models_only:
        w = w.iloc[0:0]
    return Gate(base_side, cand_side, both, rb, w, only_base, fail_on_rollback, models_only)


# -- output ----------------------------------------------------------------------------------------

def _link(known_id: str, link: str) -> str:
    return "[%s](%s)" % (known_id, link) if link else known_id


def _cell_rows(frame: pd.DataFrame) -> pd.DataFrame:
    f = frame.copy()
    f["written by"] = f["producer_tf"].astype(str) + " (" + f["producer_env"].astype(str) + ")"
    f["baseline"], f["candidate"] = f["status_base"], f["status_cand"]
    f["reason"] = f["reason_cand"].map(lambda r: markdown.short(r, 200))
    f["known issue"] = [_link(i, l) for i, l in zip(f["known_id_cand"], f["known_link_cand"])]
    f["policy"] = f["policy_cand"]
    return f


def _details(summary: str, body: str, open_: bool) -> List[str]:
    if open_:
        return [body]
    return ["<details><summary>%s</summary>" % summary, "", body, "</details>", ""]


def percent(value: float) -> str:
    return "%.1f%%" % (100 * value)


def upstream_summary(row: Dict) -> str:
    """A ready-to-file summary of one cell that violates TF's guarantee."""
    return ("SavedModel written by TF %s (%s, %s/%s) fails to load/run in TF %s through %s: %s. "
            "Per %s this should work. Reproduce: %s" % (
                row.get("writer_tf_cand") or row["producer_tf"], row["producer"], row["producer_env"], row["case"],
                row["consumer_tf_cand"], row["consumer_api_cand"], markdown.short(row["reason_cand"], 300),
                policy.SAVEDMODELS, row["repro_cand"]))


def render_markdown(g: Gate) -> str:
    n = g.counts()
    overall = g.score()
    score = (percent(overall["score"][0]) + " (%d of %d paths still pass)" % (overall["still_pass"][0], overall["paths"][0])
             if not overall.empty else "n/a (no path passes under the baseline)")
    red = n["new regressions"] + n["new API gone"] + n["cannot write (new)"]
    red += n["rollback risk (new)"] if g.fail_on_rollback else 0
    verdict = ("❌ **%d new regression%s**: the upgrade is blocked (known ones listed apart)" % (
        red, "" if red == 1 else "s") if g.exit_code else
        "✅ **no new regressions** (%d known incompatibilities listed below)" % len(g.known))
    scope = " (your models only)" if g.models_only else ""
    out = ["## TF upgrade gate: %s → %s%s" % (g.baseline.label, g.candidate.label, scope), "", verdict, "",
           "**Compatibility score: %s**" % score, ""]
    for waiver in g.expired_waivers:
        out += ["⚠️ waiver `%s` expired: its cells gate again" % waiver, ""]
    out += ["| | cells |", "|---|---|"] + ["| %s | %d |" % (k, v) for k, v in n.items()] + [""]
    cols = ["producer", "case", "written by", "consumer", "baseline", "candidate", "reason", "policy", "known issue"]
    many = lambda f: len(f) <= 25

    vio = g.violations
    out += ["### Violates TF's own guarantee (%d)" % len(vio), "",
            "Red under the candidate although [TF's compatibility guide](%s) promises they work: "
            "TF bugs to report upstream." % policy.SAVEDMODELS, ""]
    if vio.empty:
        out += ["_none_", ""]
    else:
        out += _details("%d cells" % len(vio), markdown.md_table(_cell_rows(vio), cols), many(vio))
        out += _details("ready-to-file summaries", "\n".join("- " + upstream_summary(r)
                                                             for r in as_rows(vio.head(50))) + "\n",
                        False)
    for title, frame, what in (("New regressions", g.new_regressions,
                                "Passed under %s, do not pass under %s." % (g.baseline.label, g.candidate.label)),
                               ("API gone", g.new_api_gone,
                                "Passed under the baseline; the consumer API does not exist under the candidate.")):
        out += ["### %s (%d)" % (title, len(frame)), "", what, ""]
        out += _details("%d cells" % len(frame), markdown.md_table(_cell_rows(frame), cols), many(frame)) \
            if not frame.empty else ["_none_", ""]
    for by, title in (("consumer", "load API"), ("producer", "save API")):
        s = g.score(by)
        if not s.empty:
            s["score"] = s["score"].map(percent)
            out += ["### Score per %s" % title, "", markdown.md_table(s, [by, "score", "still_pass", "paths"],
                                                                     limit=markdown.SUMMARY_ROWS)]
    if not g.writes.empty:
        w = g.writes.copy()
        w["known issue"] = [_link(i, l) for i, l in zip(w["known_id"], w["known_link"])]
        w["reason"] = w["reason"].map(lambda r: markdown.short(r, 200))
        out += ["### Cannot write any more (%d, %d new)" % (len(w), len(g.new_writes)), "",
                "Producer cases that wrote a model under the baseline and fail under the candidate.", "",
                markdown.md_table(w, ["producer", "case", "status", "reason", "known issue"])]
    kn = g.known
    out += ["### Known incompatibilities (%d, not gating)" % len(kn), ""]
    if kn.empty:
        out += ["_none_", ""]
    else:
        grouped = kn.groupby(["known_id_cand", "known_link_cand", "consumer", "category"]).size().reset_index(name="cells")
        grouped["known issue"] = [_link(i, l) for i, l in zip(grouped["known_id_cand"], grouped["known_link_cand"])]
        out += [markdown.md_table(grouped, ["known issue", "consumer", "category", "cells"])]
    rb = g.rollback
    out += ["### Rollback risk (%d, %d not known)" % (len(rb), len(g.new_rollback)), "",
            "Models written by %s that %s cannot read, while the same producer/case written by %s reads fine "
            "there%s." % (g.candidate.label, g.baseline.label, g.baseline.label,
                          "" if g.fail_on_rollback else " (reported, not gating; --fail-on-rollback gates it)"), ""]
    if rb.empty:
        out += ["_none_", ""]
    else:
        r = rb.copy()
        r["reason"] = r["reason"].map(lambda x: markdown.short(x, 200))
        r["known issue"] = [_link(i, l) for i, l in zip(r["known_id"], r["known_link"])]
        out += _details("%d cells" % len(r), markdown.md_table(r, ["producer", "case", "consumer", "status", "reason",
                                                                   "policy", "known issue"]), many(r))
    red_cells = pd.concat([g.new_regressions, g.new_api_gone])
    if not red_cells.empty:
        lines = ["# %s\n%s" % (c, cmd) for c, cmd in zip(red_cells["cell_cand"], red_cells["repro_cand"]) if cmd]
        body = "```sh\n" + "\n".join(lines) + "\n```\n" if lines else "_none_\n"
        out += ["### Reproduce", "", "One command per red cell (`python -m reports repro CELL` writes it as a script).", ""]
        out += _details("%d commands" % len(lines), body, len(lines) <= 10)
    return "\n".join(out)


def as_dict(g: Gate) -> Dict:
    def rec(frame: pd.DataFrame, cols: List[str]) -> List[Dict]:
        return [{k: (None if pd.isna(v) else v) for k, v in r.items()}
                for r in as_rows(frame[[c for c in cols if c in frame.columns]])]
    cell_cols = ["cell_cand", "producer", "case", "producer_env", "producer_tf", "consumer", "category", "status_base",
                 "status_cand", "reason_base", "reason_cand", "policy_cand", "known_id_cand", "known_link_cand",
                 "repro_cand"]
    score = lambda by: rec(g.score(by), ([by] if by else []) + ["still_pass", "paths", "score"])
    return {
        "baseline": {"env": g.baseline.env, "tf": g.baseline.tf},
        "candidate": {"env": g.candidate.env, "tf": g.candidate.tf},
        "models_only": g.models_only, "exit_code": g.exit_code, "counts": g.counts(),
        "score": (score(None) or [{}])[0], "score_per_consumer": score("consumer"), "score_per_producer": score("producer"),
        "expired_waivers": g.expired_waivers,
        "violates_tf_guarantee": rec(g.violations, cell_cols),
        "regressions": rec(g.new_regressions, cell_cols),
        "api_gone": rec(g.new_api_gone, cell_cols),
        "known": rec(g.known, cell_cols),
        "fixed": rec(g.rows("fixed"), cell_cols),
        "cannot_write": rec(g.writes, ["producer", "case", "producer_env", "producer_tf", "status", "reason",
                                       "known_id", "known_link"]),
        "rollback_risk": rec(g.rollback, ["cell", "producer", "case", "producer_env", "producer_tf", "consumer",
                                          "consumer_env", "consumer_tf", "status", "reason", "policy", "known_id",
                                          "known_link", "repro"]),
        "not_read_under_candidate": rec(g.only_baseline, KEY + ["status_base"]),
    }


def junit(g: Gate) -> str:
    """The regressions as a JUnit XML test report (one failing test case per gating cell)."""
    gating = pd.concat([g.new_regressions.assign(kind="regression"), g.new_api_gone.assign(kind="API gone")])
    cases = []
    for row in as_rows(g.compared):
        name = quoteattr(row["cell_cand"])
        classname = quoteattr("gate.%s" % row["consumer"])
        cases.append((row["cell_cand"], '<testcase classname=%s name=%s/>' % (classname, name)))
    failures = {r["cell_cand"]: r for r in as_rows(gating)}
    body = []
    for cell, plain in cases:
        if cell in failures:
            r = failures[cell]
            body.append('<testcase classname=%s name=%s><failure message=%s>%s</failure></testcase>' % (
                quoteattr("gate.%s" % r["consumer"]), quoteattr(cell),
                quoteattr("%s: %s → %s" % (r["kind"], r["status_base"], r["status_cand"])),
                escape("%s\npolicy: %s\nreproduce: %s" % (r["reason_cand"], r["policy_cand"], r["repro_cand"]))))
        else:
            body.append(plain)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<testsuites><testsuite name=%s tests="%d" failures="%d">\n%s\n'
            '</testsuite></testsuites>\n' % (quoteattr("TF upgrade gate %s -> %s" % (g.baseline.label, g.candidate.label)),
                                             len(body), len(failures), "\n".join(body)))


def badge(g: Gate) -> str:
    """An SVG badge of the score, for a README."""
    overall = g.score()
    value = percent(overall["score"][0]) if not overall.empty else "n/a"
    share = overall["score"][0] if not overall.empty else 0.0
    color = "#4c1" if share >= 0.99 else "#dfb317" if share >= 0.9 else "#e05d44"
    label = "TF %s→%s" % (versions.minor(g.baseline.tf), versions.minor(g.candidate.tf))
    lw, vw = 7 * len(label) + 10, 7 * len(value) + 10
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="20" role="img" aria-label="%s: %s">'
            '<rect width="%d" height="20" fill="#555"/><rect x="%d" width="%d" height="20" fill="%s"/>'
            '<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
            '<text x="5" y="14">%s</text><text x="%d" y="14">%s</text></g></svg>\n' % (
                lw + vw, escape(label), value, lw, lw, vw, color, escape(label), lw + 5, value))


def step_summary(text: str) -> Optional[str]:
    """Append the Markdown to $GITHUB_STEP_SUMMARY when it is set; returns the path written."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a") as f:
            f.write(text + "\n")
    return path
