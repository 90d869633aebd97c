"""`reports bisect`: the first TF version where one cell breaks.

The cell is fixed by producer, case and consumer. Along the consumer axis
(default) the model written under --producer-env is read by every TF
environment in turn; along the producer axis the models written by every TF
environment are read under --consumer-env. Environments are ordered by TF
version; preview channels (tox.ini [matrix] preview) are left out unless
--include-preview.

Live (default): the single cell runs in each environment's existing tox
virtualenv (.tox/<env>/bin/python -m pytest matrix/test_grid.py --phase consume
--consumers K -k '[id]'), reading the real artifact store and writing its
record to a temporary folder (MATRIX_RESULTS), so the run's results stay as
they are. It bisects: the oldest and newest environments first, then halves.
--all runs every environment. --recorded reads the run's records instead.
"""
import configparser
import json
import os
import re
import shlex
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional

from matrix import paths
from reports.results import Results, planned_envs, preview_envs, version_key


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
    cell: Dict[str, str]
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


def tox_pins(tox_ini: Optional[str] = None) -> Dict[str, str]:
    """env -> the TensorFlow version tox.ini pins for it ([grid] tf_deps)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(tox_ini or os.path.join(paths.ROOT, "tox.ini"))
    pins = {}
    for line in parser.get("grid", "tf_deps", fallback="").splitlines():
        m = re.match(r"\s*([\w-]+):\s*(tensorflow|tf-nightly)\s*(?:==\s*([\w.]+))?\s*$", line)
        if m:
            pins[m.group(1)] = m.group(3) or "nightly"
    return pins


def environments(results: Results, include_preview: bool = False) -> List[Probe]:
    """Every TF environment tox.ini plans (and any that left records), ordered by TF version."""
    recorded = {}
    if not results.envs.empty:
        recorded = {e: tf for e, tf in zip(results.envs["env"], results.envs["tf"]) if tf and tf != "unknown"}
    pins = tox_pins()
    preview = set(preview_envs())
    names = list(planned_envs()) + [e for e in recorded if e not in planned_envs()]
    if include_preview:
        names += [e for e in preview if e not in names]
    names = [e for e in names if include_preview or e not in preview]
    probes = [Probe(e, recorded.get(e) or pins.get(e) or "?") for e in dict.fromkeys(names)]
    return sorted(probes, key=lambda p: (version_key(p.tf), p.env))


def _cell(args_cell: Dict[str, str], axis: str, env: str) -> Dict[str, str]:
    cell = dict(args_cell)
    cell["consumer_env" if axis == "consumer" else "producer_env"] = env
    return cell


def _artifact(cell: Dict[str, str]) -> str:
    return os.path.join(paths.STORE, cell["producer_env"], cell["producer"], cell["case"])


def untried_reason(cell: Dict[str, str]) -> str:
    """Why this cell cannot run live here, or '' when it can."""
    env = cell["consumer_env"]
    venv = os.path.join(paths.ROOT, ".tox", env)
    python = os.path.join(venv, "bin", "python")
    if not os.path.isdir(venv):
        return "no venv (.tox/%s does not exist: run `tox -e consume-%s` once)" % (env, env)
    if not os.path.exists(python):
        target = os.readlink(python) if os.path.islink(python) else python
        return "interpreter missing (%s -> %s does not exist)" % (os.path.relpath(python, paths.ROOT), target)
    if not os.path.isfile(os.path.join(_artifact(cell), "manifest.json")):
        return "artifact missing (%s: run `tox -e produce-%s`)" % (
            os.path.relpath(_artifact(cell), paths.ROOT), cell["producer_env"])
    return ""


def live_command(cell: Dict[str, str]) -> List[str]:
    test_id = "%s-%s/%s/%s" % (cell["consumer"], cell["producer_env"], cell["producer"], cell["case"])
    return [os.path.join(".tox", cell["consumer_env"], "bin", "python"), "-m", "pytest", "matrix/test_grid.py",
            "--phase", "consume", "--consumers", cell["consumer"], "-k", "[%s]" % test_id, "-q",
            "-p", "no:cacheprovider"]


def run_live(cell: Dict[str, str], timeout: float = 900) -> Probe:
    probe = Probe(cell["consumer_env"], "?", source="live")
    cmd = live_command(cell)
    with tempfile.TemporaryDirectory(prefix="bisect-") as tmp:
        env = dict(os.environ, MATRIX_ENV=cell["consumer_env"], MATRIX_RESULTS=tmp, PYTHONPATH=paths.ROOT,
                   PYTHONDONTWRITEBYTECODE="1", TF_CPP_MIN_LOG_LEVEL="2")
        for k in ("PYTEST_XDIST_WORKER", "MATRIX_CONSUMERS", "MATRIX_PRODUCERS", "MATRIX_RESULTS_OVERRIDE"):
            env.pop(k, None)
        probe.command = "MATRIX_ENV=%s MATRIX_RESULTS=%s %s" % (cell["consumer_env"], tmp, " ".join(
            shlex.quote(c) for c in cmd))
        try:
            done = subprocess.run(cmd, cwd=paths.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            probe.why_untried = "pytest did not finish within %ds" % timeout
            return probe
        records = []
        for name in sorted(os.listdir(tmp)):
            if name.endswith(".jsonl"):
                with open(os.path.join(tmp, name)) as f:
                    records += [json.loads(line) for line in f if line.strip()]
    for r in records:
        if r.get("kind") == "env":
            probe.tf = r.get("tf", "?")
    cells = [r for r in records if r.get("kind") == "cell"]
    if not cells:
        tail = " ".join(done.stdout.strip().splitlines()[-3:])
        probe.why_untried = "the run recorded no cell (exit %d): %s" % (done.returncode, tail[-300:])
        return probe
    probe.status, probe.reason = cells[-1]["status"], cells[-1]["reason"]
    return probe


def recorded_probe(results: Results, cell: Dict[str, str], axis: str) -> Probe:
    env = cell["consumer_env"] if axis == "consumer" else cell["producer_env"]
    probe = Probe(env, "?", source="recorded")
    c = results.cells
    hit = c[(c["producer"] == cell["producer"]) & (c["case"] == cell["case"]) & (c["consumer"] == cell["consumer"])
            & (c["producer_env"] == cell["producer_env"]) & (c["consumer_env"] == cell["consumer_env"])]
    if hit.empty:
        p = results.produced
        made = p[(p["producer"] == cell["producer"]) & (p["case"] == cell["case"])
                 & (p["producer_env"] == cell["producer_env"])]
        if not made.empty and made.iloc[-1]["status"] != "pass":
            probe.why_untried = "artifact missing: %s could not write it (%s: %s)" % (
                cell["producer_env"], made.iloc[-1]["status"], " ".join(str(made.iloc[-1]["reason"]).split())[:160])
        elif made.empty and axis == "producer":
            probe.why_untried = "artifact missing: no produce record for %s" % cell["producer_env"]
        else:
            probe.why_untried = "no recorded cell (did consume-%s run?)" % cell["consumer_env"]
        return probe
    row = hit.iloc[-1]
    probe.status, probe.reason = row["status"], row["reason"]
    probe.tf = row["consumer_tf"] if axis == "consumer" else row["producer_tf"]
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
               and version_key(outcome.last_good.tf) < version_key(p.tf) < version_key(outcome.first_break.tf)]
        outcome.verdict = "first breaks at TF %s (%s): %s; last pass at TF %s (%s)%s" % (
            outcome.first_break.tf, outcome.first_break.env, outcome.first_break.status, outcome.last_good.tf,
            outcome.last_good.env, "; untried in between: " + ", ".join(p.env for p in gap) if gap else "")
    elif all(p.status == "pass" for p in tried):
        outcome.verdict = "passes in every version tried (%s … %s)" % (tried[0].tf, tried[-1].tf)
    elif tried[0].status != "pass":
        outcome.verdict = "already %s at the oldest version tried, TF %s (%s): no passing version to bisect from" % (
            tried[0].status, tried[0].tf, tried[0].env)
    return outcome


def bisect(results: Results, cell: Dict[str, str], axis: str = "consumer", recorded: bool = False,
           every: bool = False, include_preview: bool = False, timeout: float = 900, log=None) -> Outcome:
    """cell: producer, case, consumer and producer_env (consumer axis) or consumer_env (producer axis)."""
    probes = environments(results, include_preview)
    outcome = Outcome(axis, cell, probes)

    def fill(p: Probe, got: Probe) -> None:
        p.status, p.reason, p.why_untried, p.source, p.command = (got.status, got.reason, got.why_untried,
                                                                  got.source, got.command)
        if got.tf and got.tf != "?" and (axis == "consumer" or got.source == "recorded"):
            p.tf = got.tf

    if recorded:
        for p in probes:
            fill(p, recorded_probe(results, _cell(cell, axis, p.env), axis))
        return _decide(outcome)

    usable = []
    for p in probes:
        why = untried_reason(_cell(cell, axis, p.env))
        if why:
            p.why_untried = why
        else:
            usable.append(p)

    def probe(p: Probe) -> bool:
        if p.status is None and not p.why_untried:
            if log:
                if axis == "consumer":
                    log("running %s under %s (TF %s) on the model written by %s …" % (
                        cell["consumer"], p.env, p.tf, cell["producer_env"]))
                else:
                    log("running %s under %s on the model written by %s (TF %s) …" % (
                        cell["consumer"], cell["consumer_env"], p.env, p.tf))
            fill(p, run_live(_cell(cell, axis, p.env), timeout))
            if log:
                log("  %s %s" % (p.status or "untried:", p.reason[:160] if p.status else p.why_untried))
        return p.status == "pass"

    if every:
        for p in usable:
            probe(p)
    elif usable:
        lo, hi = 0, len(usable) - 1
        if probe(usable[lo]) and hi > lo and not probe(usable[hi]):
            # invariant: usable[lo] passes, usable[hi] does not
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if usable[mid].status is None and usable[mid].why_untried:
                    break
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
    c = o.cell
    fixed = ("model written by %s" % c["producer_env"]) if o.axis == "consumer" else ("read under %s" % c["consumer_env"])
    lines = ["bisect %s / %s read by %s, %s, along the %s TF axis" % (c["producer"], c["case"], c["consumer"], fixed,
                                                                       o.axis), ""]
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
        lines.append("skipped (the bisection did not need them; --all runs every one): " + ", ".join(
            p.env for p in skipped))
    if untried:
        lines.append("could not try: " + "; ".join("%s (%s)" % (p.env, p.why_untried) for p in untried))
    return "\n".join(lines)
