"""`reports bisect --cell ID`: the first TF version where one cell breaks.

The cell is fixed by producer, case and consumer. Along the consumer axis
(default) the model written under the cell's producer env is read by every TF
environment in turn; along the producer axis the models written by every TF
environment are read under the cell's reading env. Environments come from
matrix.toml, ordered by TF version; preview channels only with --include-preview.

Live (default): each probe runs the one cell through tox, as the grid does
(`tox -e consume-ENV -- --only CELL --run-id bisect-... --rerun all`), reading
the real artifact and recording into a run of its own, so the run's results stay
as they are. It bisects: the oldest and newest environments first, then halves.
--all runs every environment. --recorded reads the run's records instead.
"""
import datetime
import os
import shlex
import subprocess
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, List, Optional

from matrix import envs as matrix_envs
from matrix import records
from matrix.cell import ROOT, ArtifactId, Cell, Run, Store
from matrix.interpreters import find_python
from reports import versions
from reports.results import Results

SKIPPED = "not needed by the bisection"


@dataclass
class Probe:
    env: str
    tf: str
    status: Optional[str] = None      # None: not tried
    reason: str = ""
    why_untried: str = ""
    source: str = ""                  # recorded | live
    command: str = ""


@dataclass
class Outcome:
    axis: str
    cell: str
    probes: List[Probe]
    first_break: Optional[Probe] = None
    last_good: Optional[Probe] = None
    verdict: str = ""
    transitions: List[str] = field(default_factory=list)

    def as_dict(self) -> Dict:
        return {"axis": self.axis, "cell": self.cell, "verdict": self.verdict,
                "first_break": asdict(self.first_break) if self.first_break else None,
                "last_good": asdict(self.last_good) if self.last_good else None,
                "transitions": self.transitions, "probes": [asdict(p) for p in self.probes]}


def pinned_version(requirement: str) -> str:
    return requirement.split("==", 1)[1] if "==" in requirement else "?"


def environments(results: Results, include_preview: bool = False) -> List[Probe]:
    """Every TF environment of matrix.toml, ordered by TF version (the recorded version where there is one)."""
    recorded = {}
    if not results.envs.empty:
        recorded = {e: tf for e, tf in zip(results.envs["env"], results.envs["tf"]) if tf and tf != "unknown"}
    probes = [Probe(e.name, recorded.get(e.name) or pinned_version(e.tensorflow))
              for e in matrix_envs.envs() if include_preview or not e.preview]
    return sorted(probes, key=lambda p: (versions.key(p.tf), p.env))


def cell_in(cell: Cell, axis: str, env: str) -> Cell:
    if axis == "consumer":
        return Cell.consume(env, cell.artifact, cell.consumer)
    return Cell.consume(cell.env, ArtifactId(env, cell.artifact.producer, cell.artifact.case), cell.consumer)


def untried_reason(cell: Cell, store: Store) -> str:
    """Why this cell cannot run live here, or '' when it can."""
    python = next((e.python for e in matrix_envs.envs() if e.name == cell.env), None)
    if python is None:
        return "no environment %s in matrix.toml" % cell.env
    if not find_python(python):
        return "interpreter python%s not found on this machine" % python
    if not os.path.isfile(os.path.join(store.artifact_dir(cell.artifact), "manifest.json")):
        return "artifact missing (%s: run `tox -e produce-%s`)" % (cell.artifact, cell.artifact.env)
    return ""


def run_live(cell: Cell, store: Store, timeout: float = 900) -> Probe:
    probe = Probe(cell.env, "?", source="live")
    run = Run("bisect-" + datetime.datetime.utcnow().strftime("%Y%m%dT%H%M%S%f"), "")
    cmd = ["tox", "-q", "-e", "consume-" + cell.env, "--", "--only", cell.id, "--run-id", run.run_id,
           "--rerun", "all", "--store", store.root]
    probe.command = " ".join(shlex.quote(c) for c in cmd)
    try:
        done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        probe.why_untried = "tox did not finish within %ds" % timeout
        return probe
    found = records.read_folder(store.results_dir(run))[0]
    probe.tf = next((r["tf"] for r in found if r["kind"] == "env"), "?")
    mine = [r for r in found if r.get("cell") == cell.id]
    if not mine:
        tail = " ".join(done.stdout.strip().splitlines()[-3:])
        probe.why_untried = "the run recorded no cell (exit %d): %s" % (done.returncode, tail[-300:])
        return probe
    probe.status, probe.reason = mine[-1]["status"], mine[-1]["reason"]
    return probe


def recorded_probe(results: Results, cell: Cell) -> Probe:
    probe = Probe(cell.env, "?", source="recorded")
    hit = results.cells[results.cells["cell"] == cell.id]
    if hit.empty:
        made = results.produced[results.produced["cell"] == str(cell.artifact)]
        if not made.empty and made.iloc[-1]["status"] != "pass":
            probe.why_untried = "artifact missing: %s could not write it (%s)" % (cell.artifact.env, made.iloc[-1]["status"])
        else:
            probe.why_untried = "no recorded cell (did consume-%s run?)" % cell.env
        return probe
    row = hit.iloc[-1]
    probe.status, probe.reason = row["status"], row["reason"]
    return probe


def _decide(outcome: Outcome) -> Outcome:
    tried = [p for p in outcome.probes if p.status]
    prev = None
    for p in tried:
        if prev is not None and (prev.status == "pass") != (p.status == "pass"):
            outcome.transitions.append("%s → %s between TF %s (%s) and TF %s (%s)" % (
                prev.status, p.status, prev.tf, prev.env, p.tf, p.env))
            if p.status != "pass" and outcome.first_break is None:
                outcome.first_break, outcome.last_good = p, prev
        prev = p
    if not tried:
        outcome.verdict = "nothing could be tried"
    elif outcome.first_break:
        gap = [p for p in outcome.probes if not p.status
               and versions.key(outcome.last_good.tf) < versions.key(p.tf) < versions.key(outcome.first_break.tf)]
        outcome.verdict = "first breaks at TF %s (%s): %s; last pass at TF %s (%s)%s" % (
            outcome.first_break.tf, outcome.first_break.env, outcome.first_break.status, outcome.last_good.tf,
            outcome.last_good.env, "; untried in between: " + ", ".join(p.env for p in gap) if gap else "")
    elif all(p.status == "pass" for p in tried):
        outcome.verdict = "passes in every version tried (%s … %s)" % (tried[0].tf, tried[-1].tf)
    else:
        outcome.verdict = "already %s at the oldest version tried, TF %s (%s): no passing version to bisect from" % (
            tried[0].status, tried[0].tf, tried[0].env)
    return outcome


def bisect(results: Results, cell_id: str, axis: str = "consumer", recorded: bool = False, every: bool = False,
           include_preview: bool = False, timeout: float = 900, store: Optional[str] = None,
           log: Optional[Callable[[str], None]] = None) -> Outcome:
    cell = Cell.parse(cell_id)
    if cell.phase != "consume":
        raise ValueError("bisect takes a consume cell (CONSUMER-ENV/PRODUCER/CASE@ENV), not %r" % cell_id)
    probes = environments(results, include_preview)
    outcome = Outcome(axis, cell.id, probes)
    the_store = Store(store)

    def fill(p: Probe, got: Probe) -> None:
        p.status, p.reason, p.why_untried, p.source, p.command = (got.status, got.reason, got.why_untried,
                                                                  got.source, got.command)
        if got.tf and got.tf != "?" and axis == "consumer":
            p.tf = got.tf

    if recorded:
        for p in probes:
            fill(p, recorded_probe(results, cell_in(cell, axis, p.env)))
        return _decide(outcome)
    usable = []
    for p in probes:
        why = untried_reason(cell_in(cell, axis, p.env), the_store)
        if why:
            p.why_untried = why
        else:
            usable.append(p)

    def probe(p: Probe) -> bool:
        if p.status is None and not p.why_untried:
            if log:
                log("running %s under %s ..." % (cell_in(cell, axis, p.env).id, cell_in(cell, axis, p.env).env))
            fill(p, run_live(cell_in(cell, axis, p.env), the_store, timeout))
            if log:
                log("  %s %s" % (p.status or "untried:", p.reason[:160] if p.status else p.why_untried))
        return p.status == "pass"

    if every:
        for p in usable:
            probe(p)
    elif usable:
        lo, hi = 0, len(usable) - 1
        if probe(usable[lo]) and hi > lo and not probe(usable[hi]):
            while hi - lo > 1:  # invariant: usable[lo] passes, usable[hi] does not
                mid = (lo + hi) // 2
                if probe(usable[mid]):
                    lo = mid
                elif usable[mid].status is None:  # it could not run after all: try the rest one by one
                    for q in usable[lo + 1:hi]:
                        probe(q)
                    break
                else:
                    hi = mid
    for p in usable:
        if p.status is None and not p.why_untried:
            p.why_untried = SKIPPED
    return _decide(outcome)


def render(o: Outcome) -> str:
    lines = ["bisect %s along the %s TF axis" % (o.cell, o.axis), ""]
    width = max([len(p.env) for p in o.probes] + [3])
    for p in o.probes:
        what = ("%-11s %s" % (p.status, " ".join(p.reason.split())[:150])) if p.status else "untried:    " + p.why_untried
        lines.append("  %-*s  TF %-22s %s%s" % (width, p.env, p.tf, what, "" if not p.source or not p.status
                                                 else "  [%s]" % p.source))
    lines += ["", "result: " + o.verdict]
    main = ("→ %s between TF %s (%s) and TF %s (%s)" % (o.first_break.status, o.last_good.tf, o.last_good.env,
                                                         o.first_break.tf, o.first_break.env)) if o.first_break else None
    for t in o.transitions:
        if not main or not t.endswith(main):
            lines.append("also: " + t)
    skipped = [p for p in o.probes if not p.status and p.why_untried == SKIPPED]
    untried = [p for p in o.probes if not p.status and p.why_untried != SKIPPED]
    if skipped:
        lines.append("skipped (the bisection did not need them; --all runs every one): " + ", ".join(p.env for p in skipped))
    if untried:
        lines.append("could not try: " + "; ".join("%s (%s)" % (p.env, p.why_untried) for p in untried))
    return "\n".join(lines)
