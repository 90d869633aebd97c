"""`reports gate --baseline 2.15 --candidate 2.21`: may we upgrade TensorFlow?

Every cell read under the baseline TF is compared with the same cell
(producer, case, producer env, consumer) read under the candidate TF, for
models written by every TF version:

  regression   pass under the baseline, fail/crash/timeout/error under the candidate
  API gone     pass under the baseline, `unavailable` under the candidate
  fixed        not passing under the baseline, pass under the candidate
  still failing / still pass / newly available: for the record

A regression or API gone that an entry of reports/known_issues.toml explains is
*known*: listed apart, never gating. Writing is compared too: a producer case
that wrote a model under the baseline but cannot under the candidate is a
regression of its own ("cannot write").

Rollback risk: models written by the candidate that the baseline cannot
read, where the same producer/case written by the baseline reads fine there:
what breaks if the upgrade is rolled back after new models were written.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import pandas as pd

from reports import known as known_mod
from reports import markdown, repro, table
from reports.results import Results, preview_envs, version_key

KEY = ["producer", "case", "producer_env", "consumer"]
BAD = ("fail", "crash", "timeout", "error")


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
    compared: pd.DataFrame          # one row per compared cell, with a `category`
    rollback: pd.DataFrame          # rollback-risk cells
    writes: pd.DataFrame            # producer cases that stopped writing
    only_baseline: pd.DataFrame     # cells read under the baseline but not under the candidate
    fail_on_rollback: bool = False

    def rows(self, category: str, known: Optional[bool] = None) -> pd.DataFrame:
        f = self.compared[self.compared["category"] == category]
        if known is not None:
            f = f[(f["known"] != "") == known]
        return f

    @property
    def new_regressions(self) -> pd.DataFrame:
        return self.rows("regression", known=False)

    @property
    def new_api_gone(self) -> pd.DataFrame:
        return self.rows("api gone", known=False)

    @property
    def new_writes(self) -> pd.DataFrame:
        return self.writes[self.writes["known"] == ""] if not self.writes.empty else self.writes

    @property
    def known(self) -> pd.DataFrame:
        f = self.compared
        return f[f["category"].isin(["regression", "api gone"]) & (f["known"] != "")]

    @property
    def new_rollback(self) -> pd.DataFrame:
        return self.rollback[self.rollback["known"] == ""] if not self.rollback.empty else self.rollback

    @property
    def exit_code(self) -> int:
        red = len(self.new_regressions) + len(self.new_api_gone) + len(self.new_writes)
        if self.fail_on_rollback:
            red += len(self.new_rollback)
        return 1 if red else 0

    def counts(self) -> Dict[str, int]:
        c = self.compared["category"].value_counts().to_dict() if not self.compared.empty else {}
        return {
            "compared": int(len(self.compared)),
            "still pass": int(c.get("still pass", 0)),
            "new regressions": int(len(self.new_regressions)),
            "new API gone": int(len(self.new_api_gone)),
            "known regressions": int(len(self.rows("regression", known=True))),
            "known API gone": int(len(self.rows("api gone", known=True))),
            "fixed": int(c.get("fixed", 0)),
            "newly available": int(c.get("newly available", 0)),
            "newly available, failing": int(c.get("newly available, failing", 0)),
            "still failing": int(c.get("still failing", 0)),
            "still unavailable": int(c.get("still unavailable", 0)),
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
    return sorted(pairs, key=lambda p: (version_key(p[1]), p[0]))


def _matches_version(version: str, prefix: str) -> bool:
    want = prefix.strip().lstrip("v").split(".")
    have = str(version).split(".")
    return have[:len(want)] == want


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
        hits = [(e, tf) for e, tf in available if _matches_version(tf, wanted)]
    if len(hits) > 1:
        preview = set(preview_envs())
        stable = [h for h in hits if h[0] not in preview]
        hits = stable if len(stable) == 1 else hits
    if not hits:
        raise GateError("no cells read under the %s %r. TF versions that read models in these results: %s"
                        % (role, spec, names))
    if len(hits) > 1:
        raise GateError("the %s %r is ambiguous: %s; name the environment instead"
                        % (role, spec, ", ".join("%s (%s)" % (tf, e) for e, tf in hits)))
    return Side(*hits[0])


# -- the comparison --------------------------------------------------------------------------------

def category(base: Optional[str], cand: Optional[str]) -> str:
    if base == "pass":
        return "still pass" if cand == "pass" else ("api gone" if cand == "unavailable" else "regression")
    if base == "unavailable":
        return "newly available" if cand == "pass" else (
            "still unavailable" if cand == "unavailable" else "newly available, failing")
    return "fixed" if cand == "pass" else "still failing"


def _cells_of(frame: pd.DataFrame, suffix: str) -> List[Dict]:
    """Candidate-side cell dicts (for the registry and repro) from a merged frame."""
    out = []
    for r in frame.to_dict(orient="records"):
        out.append({k: r.get(k + suffix, r.get(k)) for k in
                    ["producer", "case", "producer_env", "producer_tf", "consumer", "consumer_env", "consumer_tf",
                     "status", "reason"]})
    return out


def compare(results: Results, baseline: str, candidate: str, issues: List[known_mod.Issue],
            fail_on_rollback: bool = False) -> Gate:
    base_side = resolve(results, baseline, "baseline")
    cand_side = resolve(results, candidate, "candidate")
    if base_side.env == cand_side.env:
        raise GateError("baseline and candidate are the same environment (%s)" % base_side.env)
    cells = results.cells
    cols = KEY + ["producer_tf", "consumer_env", "consumer_tf", "status", "reason"]
    base = cells[cells["consumer_env"] == base_side.env][cols]
    cand = cells[cells["consumer_env"] == cand_side.env][cols]
    merged = base.merge(cand, on=KEY, how="outer", suffixes=("_base", "_cand"), indicator=True)
    merged["producer_tf"] = merged["producer_tf_cand"].fillna(merged["producer_tf_base"])
    both = merged[merged["_merge"] == "both"].copy()
    both["category"] = [category(b, c) for b, c in zip(both["status_base"], both["status_cand"])]
    cand_cells = _cells_of(both, "_cand")
    hits = [known_mod.match(c, issues) for c in cand_cells]
    both["known"] = [h.label if h else "" for h in hits]
    both["known_id"] = [h.id if h else "" for h in hits]
    both["known_link"] = [h.link if h else "" for h in hits]
    both["cell"] = [repro.cell_id(c) for c in cand_cells]
    both["repro"] = [repro.command(c) if c["status"] != "pass" else "" for c in cand_cells]
    both = both.assign(_p=both["producer_tf"].map(version_key)).sort_values(
        ["consumer", "producer", "case", "_p"]).drop(columns="_p").reset_index(drop=True)
    only_base = merged[merged["_merge"] == "left_only"].copy()

    # rollback: written by the candidate, read by the baseline
    rb = cells[(cells["consumer_env"] == base_side.env) & (cells["producer_env"] == cand_side.env)
               & (cells["status"] != "pass")]
    same = cells[(cells["consumer_env"] == base_side.env) & (cells["producer_env"] == base_side.env)]
    same = same[["producer", "case", "consumer", "status"]].rename(columns={"status": "status_same"})
    rb = rb.merge(same, on=["producer", "case", "consumer"], how="inner")
    rb = rb[rb["status_same"] == "pass"].copy().reset_index(drop=True)
    rb_cells = rb.to_dict(orient="records")
    rb_hits = [known_mod.match(c, issues) for c in rb_cells]
    rb["known"] = [h.label if h else "" for h in rb_hits]
    rb["known_link"] = [h.link if h else "" for h in rb_hits]
    rb["cell"] = [repro.cell_id(c) for c in rb_cells]
    rb["repro"] = [repro.command(c) for c in rb_cells]

    # writing: produced under the baseline, not under the candidate
    p = results.produced
    pb = p[p["producer_env"] == base_side.env][["producer", "case", "status"]]
    pc = p[p["producer_env"] == cand_side.env]
    w = pc.merge(pb.rename(columns={"status": "status_base"}), on=["producer", "case"], how="inner")
    w = w[(w["status_base"] == "pass") & (w["status"] != "pass")].copy().reset_index(drop=True)
    w_hits = [known_mod.match({k: v for k, v in r.items()}, issues) for r in w.to_dict(orient="records")]
    w["known"] = [h.label if h else "" for h in w_hits]
    w["known_link"] = [h.link if h else "" for h in w_hits]
    return Gate(base_side, cand_side, both, rb, w, only_base, fail_on_rollback)


# -- output ----------------------------------------------------------------------------------------

def _short(text: object, limit: int = 200) -> str:
    text = " ".join(table.normalize_reason("" if pd.isna(text) else text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _link(row: Dict) -> str:
    label = row["known"].split(":", 1)[0] if row.get("known") else ""
    return "[%s](%s)" % (label, row["known_link"]) if row.get("known_link") else label


def _cell_rows(frame: pd.DataFrame, with_known: bool = False) -> pd.DataFrame:
    f = frame.copy()
    f["written by"] = f["producer_tf"].astype(str) + " (" + f["producer_env"].astype(str) + ")"
    f["baseline"] = f["status_base"]
    f["candidate"] = f["status_cand"]
    f["reason"] = f["reason_cand"].map(_short)
    if with_known:
        f["known issue"] = [_link(r) for r in f.to_dict(orient="records")]
    return f


def _details(summary: str, body: str, open_: bool) -> List[str]:
    if open_:
        return [body]
    return ["<details><summary>%s</summary>" % summary, "", body, "</details>", ""]


def render_markdown(g: Gate) -> str:
    n = g.counts()
    red = n["new regressions"] + n["new API gone"] + n["cannot write (new)"]
    red += n["rollback risk (new)"] if g.fail_on_rollback else 0
    verdict = ("❌ **%d new regression%s** — the upgrade is blocked (known ones listed apart)" % (
        red, "" if red == 1 else "s") if g.exit_code else
        "✅ **no new regressions** (%d known incompatibilities listed below)" % len(g.known))
    out = ["## TF upgrade gate: %s → %s" % (g.baseline.label, g.candidate.label), "", verdict, "",
           "| | cells |", "|---|---|"]
    out += ["| %s | %d |" % (k, v) for k, v in n.items()]
    out.append("")
    cols = ["producer", "case", "written by", "consumer", "baseline", "candidate", "reason"]
    many = lambda f: len(f) <= 25

    reg = g.new_regressions
    out += ["### New regressions (%d)" % len(reg), "",
            "Passed under %s, do not pass under %s." % (g.baseline.label, g.candidate.label), ""]
    out += _details("%d cells" % len(reg), markdown.md_table(_cell_rows(reg), cols), many(reg)) if not reg.empty \
        else ["_none_", ""]
    gone = g.new_api_gone
    out += ["### API gone (%d)" % len(gone), "",
            "Passed under the baseline; the consumer API does not exist under the candidate.", ""]
    out += _details("%d cells" % len(gone), markdown.md_table(_cell_rows(gone), cols), many(gone)) \
        if not gone.empty else ["_none_", ""]
    if not g.writes.empty:
        w = g.writes.copy()
        w["known issue"] = [_link(r) for r in w.to_dict(orient="records")]
        w["reason"] = w["reason"].map(_short)
        out += ["### Cannot write any more (%d, %d new)" % (len(w), len(g.new_writes)), "",
                "Producer cases that wrote a model under the baseline and fail under the candidate.", "",
                markdown.md_table(w, ["producer", "case", "status", "reason", "known issue"])]
    nf = g.rows("newly available, failing")
    if not nf.empty:
        grouped = nf.assign(known_id=nf["known_id"].replace("", "—")).groupby(
            ["consumer", "status_cand", "known_id", "known_link"]).size().reset_index(name="cells")
        grouped["known issue"] = ["[%s](%s)" % (i, l) if l else i for i, l in
                                  zip(grouped["known_id"], grouped["known_link"])]
        out += ["### Newly available, failing (%d, not gating)" % len(nf), "",
                "Consumer APIs that do not exist under the baseline and do not pass under the candidate.", "",
                markdown.md_table(grouped.rename(columns={"status_cand": "candidate"}),
                                  ["consumer", "candidate", "cells", "known issue"])]
    kn = g.known
    out += ["### Known incompatibilities (%d, not gating)" % len(kn), ""]
    if kn.empty:
        out += ["_none_", ""]
    else:
        grouped = kn.groupby(["known_id", "known_link", "consumer", "category"]).size().reset_index(name="cells")
        grouped["known issue"] = ["[%s](%s)" % (i, l) if l else i for i, l in
                                  zip(grouped["known_id"], grouped["known_link"])]
        out += [markdown.md_table(grouped, ["known issue", "consumer", "category", "cells"])]
        out += _details("every known cell", markdown.md_table(_cell_rows(kn, True), cols + ["known issue"]), False)
    rb = g.rollback
    out += ["### Rollback risk (%d, %d not known)" % (len(rb), len(g.new_rollback)), "",
            "Models written by %s that %s cannot read, while the same producer/case written by %s reads fine "
            "there%s." % (g.candidate.label, g.baseline.label, g.baseline.label,
                          "" if g.fail_on_rollback else " (reported, not gating; --fail-on-rollback gates it)"), ""]
    if rb.empty:
        out += ["_none_", ""]
    else:
        r = rb.copy()
        r["reason"] = r["reason"].map(_short)
        r["known issue"] = [_link(x) for x in r.to_dict(orient="records")]
        out += _details("%d cells" % len(r), markdown.md_table(r, ["producer", "case", "consumer", "status", "reason",
                                                                   "known issue"]), many(r))
    if not g.only_baseline.empty:
        ob = g.only_baseline
        out += ["### Not read under the candidate (%d)" % len(ob), "",
                "Cells recorded under the baseline with no counterpart under the candidate (not compared): " +
                ", ".join("%d by %s" % (k, c) for c, k in ob.groupby("consumer").size().items()), ""]
    red = pd.concat([reg, gone])
    if not red.empty or not g.new_rollback.empty:
        lines = ["# %s\n%s" % (c, cmd) for c, cmd in zip(red["cell"], red["repro"])]
        if g.fail_on_rollback:
            lines += ["# %s (rollback)\n%s" % (c, cmd) for c, cmd in zip(g.new_rollback["cell"], g.new_rollback["repro"])]
        body = "```sh\n" + "\n".join(lines) + "\n```\n" if lines else "_none_\n"
        out += ["### Reproduce", "", "One command per red cell (writes the model again into a temporary store, then "
                "reads it; `python -m reports repro CELL` writes it as a script).", ""]
        out += _details("%d commands" % len(lines), body, len(lines) <= 10)
    return "\n".join(out)


def as_dict(g: Gate) -> Dict:
    def rec(frame: pd.DataFrame, cols: List[str]) -> List[Dict]:
        return [{k: (None if pd.isna(v) else v) for k, v in r.items()}
                for r in frame[[c for c in cols if c in frame.columns]].to_dict(orient="records")]
    cell_cols = ["cell", "producer", "case", "producer_env", "producer_tf", "consumer", "category", "status_base",
                 "status_cand", "reason_base", "reason_cand", "known_id", "known_link", "repro"]
    return {
        "baseline": {"env": g.baseline.env, "tf": g.baseline.tf},
        "candidate": {"env": g.candidate.env, "tf": g.candidate.tf},
        "exit_code": g.exit_code, "counts": g.counts(),
        "regressions": rec(g.new_regressions, cell_cols),
        "api_gone": rec(g.new_api_gone, cell_cols),
        "known": rec(g.known, cell_cols + ["known"]),
        "fixed": rec(g.rows("fixed"), cell_cols),
        "cannot_write": rec(g.writes, ["producer", "case", "producer_env", "producer_tf", "status", "reason",
                                       "known", "known_link"]),
        "rollback_risk": rec(g.rollback, ["cell", "producer", "case", "producer_env", "producer_tf", "consumer",
                                          "consumer_env", "consumer_tf", "status", "reason", "known", "known_link",
                                          "repro"]),
        "not_read_under_candidate": rec(g.only_baseline, KEY + ["status_base"]),
    }
