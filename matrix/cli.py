"""`python -m matrix`: the one entry point of the grid. tox, the tests, bisect, repro and the
benchmark all call it; nothing else builds pytest's command line for the grid.

    python -m matrix begin                              start a new run (and import --models)
    python -m matrix run --phase produce --env tf215    write this TF's artifacts
    python -m matrix run --phase consume --env tf221    read every artifact of the run with this TF
    python -m matrix schema                             print the record, manifest and protocol schemas
    python -m matrix envs [--markdown]                  the TF environments of matrix.toml
    python -m matrix store pull|push --step STEP        a job's share of a store at a URL (CI across machines)
    python -m matrix workflow                           the GitHub Actions workflow, from matrix.toml
    python -m matrix goldens                            every golden value in the store is judged by a consumer

Every subcommand accepts the same run options (tox passes `tox -- OPTIONS` to
every step), and each uses those that concern it. Cells whose content key has
a stored verdict are not run again (see --rerun). Exit codes: 0 every cell
reached a verdict (incompatibilities are results, not failures); 1 a harness or
plugin bug (an `error` cell), or pytest itself failed; 2 usage or input error.
"""
import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from typing import Any, Dict, List, Optional

from matrix import keys, records
from matrix.cell import ERROR, PHASES, STATUSES, Run, Store, now
from matrix.discovery import Plugins
from matrix.plan import RERUN_CHOICES, Plan, Selection, parse_shard, run_artifacts


def _names(text: str) -> List[str]:
    return [v.strip() for v in (text or "").split(",") if v.strip()]


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options every step accepts (tox passes `tox -- OPTIONS` to each)."""
    group = parser.add_argument_group("run options (every step accepts them; each uses what concerns it)")
    group.add_argument("--store", help="the folder a run writes to (default: artifacts/ in the checkout)")
    group.add_argument("--producers", default="",
                       help="comma-separated producers to run (default: all; none: no producer, only your models' "
                            "reference cells)")
    group.add_argument("--cases", default="", help="comma-separated model cases (default: all)")
    group.add_argument("--consumers", default="", help="comma-separated consumers to run (default: all)")
    group.add_argument("--models", action="append", default=[], metavar="PATH",
                       help="your own SavedModels: a model folder, a TF Serving base path or a tree (repeatable)")
    group.add_argument("--allow-model-code", action="store_true",
                       help="let consumers that may run Python code stored in a model (Keras 2 load_model: "
                            "Lambda layers) read your imported models too")
    group.add_argument("--rerun", choices=RERUN_CHOICES, default="none",
                       help="re-run cells that have a stored verdict: all of them, or those that did not pass "
                            "(default none: only cells whose content key changed run)")
    group.add_argument("--only", action="append", default=[], metavar="CELL",
                       help="run just this cell (a cell id, repeatable; its artifact need not be the run's)")
    group.add_argument("--run-id", help="record into this run instead of the current one (bisect, repro)")
    group.add_argument("--shard", default="", metavar="I/N", help="run the I-th of N parts of the phase")
    group.add_argument("--workers", default="auto", help="pytest-xdist workers (default auto: one per core, as memory allows)")
    group.add_argument("--cell-timeout", type=float, default=300.0,
                       help="seconds a cell may take before its process is killed (default 300)")
    group.add_argument("--plugins", help="an extra folder with producers/ and consumers/ plugins")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m matrix", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    b = sub.add_parser("begin", help="start a new run and import --models")
    add_run_options(b)
    r = sub.add_parser("run", help="run one phase of the grid in this TF environment",
                       description="Plans the phase (reusing stored verdicts), then runs the rest with pytest. "
                       "Arguments after `--` go to pytest (e.g. -k tflite, -x).")
    r.add_argument("--phase", choices=PHASES, required=True)
    r.add_argument("--env", required=True, help="the name of this TF environment (e.g. tf215)")
    add_run_options(r)
    s = sub.add_parser("schema", help="print the record, manifest and worker protocol schemas")
    add_run_options(s)
    st = sub.add_parser("store", help="pull from / push to a store at a URL what one job needs / wrote",
                        description=__import__("matrix.remote").remote.__doc__,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    st.add_argument("action", choices=("pull", "push"))
    st.add_argument("--url", help="fsspec URL (default: pyproject.toml's [tool.savedmodel-matrix] store)")
    st.add_argument("--step", required=True, help="begin, produce-<env>, consume-<env> or report")
    add_run_options(st)
    sub.add_parser("workflow", help="print the GitHub Actions workflow, generated from matrix.toml")
    g = sub.add_parser("goldens", help="list golden values in the store's manifests that no consumer is judged on "
                       "(exit 1 if any)")
    add_run_options(g)
    e = sub.add_parser("envs", help="the TF environments of matrix.toml (--markdown: the README's table)")
    e.add_argument("--markdown", action="store_true")
    return p


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    pytest_args = []  # type: List[str]
    if "--" in argv:
        at = argv.index("--")
        argv, pytest_args = argv[:at], argv[at + 1:]
    args = parser().parse_args(argv)
    try:
        if getattr(args, "shard", ""):
            parse_shard(args.shard)
        if args.command == "begin":
            return begin(args)
        if args.command == "schema":
            return schema()
        if args.command == "envs":
            return show_envs(args.markdown)
        if args.command == "store":
            return store_sync(args)
        if args.command == "goldens":
            return goldens(args)
        if args.command == "workflow":
            from matrix import workflow
            sys.stdout.write(workflow.render())
            return 0
        return run(args, pytest_args)
    except ValueError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 2
    except OSError as exc:  # an unwritable store, a missing folder: one line naming the path
        print("error: %s: %s" % (exc.filename or "", exc.strerror or exc), file=sys.stderr)
        return 2


def _check_options(args: argparse.Namespace, plugins: Plugins, store: Store, run_: Run) -> None:
    """A typo in a name or a number is an error naming what exists, not an empty or odd run."""
    if args.workers != "auto" and not (args.workers.isdigit() and int(args.workers) >= 1):
        raise ValueError("--workers takes auto or a whole number of at least 1; got %r" % args.workers)
    if not args.cell_timeout > 0:
        raise ValueError("--cell-timeout takes a number of seconds above 0; got %g" % args.cell_timeout)
    unknown = [c for c in _names(args.consumers) if c not in plugins.names("consumers")]
    if unknown:
        raise ValueError("no consumer %s (the consumers: %s)" % (", ".join(unknown), ", ".join(plugins.names("consumers"))))
    unknown = [p for p in _names(args.producers) if p not in plugins.names("producers") and p != "none"]
    if unknown:  # perhaps your models' label: only then are the run's records read
        known = set(plugins.names("producers")) | {a.producer for a in run_artifacts(store, run_)}
        unknown = [p for p in unknown if p not in known]
    if unknown:
        raise ValueError("no producer %s among the plugins or this run's imported models (%s)" % (
            ", ".join(unknown), ", ".join(sorted(known))))


def goldens(args: argparse.Namespace) -> int:
    from matrix import goldens as goldens_mod
    checked, unread, broken = goldens_mod.walk(Store(args.store), Plugins(args.plugins))
    for artifact, names in sorted(unread.items()):
        print("%s: read by no consumer: %s" % (artifact, ", ".join(names)))
    for line in broken:
        print("unreadable manifest: %s" % line)
    print("%d golden values checked, %d read by no consumer, %d manifests unreadable" % (
        checked, sum(len(v) for v in unread.values()), len(broken)))
    return 1 if unread else 0


def store_sync(args: argparse.Namespace) -> int:
    from matrix import remote
    url = args.url or remote.configured_url()
    if not url:
        raise ValueError("no store URL: give --url or set [tool.savedmodel-matrix] store in pyproject.toml")
    store = Store(args.store)
    run = Run(args.run_id, "") if args.run_id else store.current_run(start=False)
    if run is None:
        raise ValueError("no run: give --run-id")
    try:
        moved = getattr(remote, args.action)(remote.Remote(url), store, run.run_id, args.step, args.shard)
    except remote.RemoteError as exc:
        raise ValueError(str(exc))
    print("store %s %s (run %s%s): %d artifacts, %d bytes %s %s" % (
        args.action, args.step, run.run_id, ", shard " + args.shard if args.shard else "", moved["artifacts"],
        moved["bytes"], "from" if args.action == "pull" else "to", url))
    return 0


def begin(args: argparse.Namespace) -> int:
    from matrix import models
    store = Store(args.store)
    run = store.new_run(args.run_id)
    print("new run %s: results in %s" % (run.run_id, os.path.relpath(store.results_dir(run))))
    return models.import_all(store, run, args.models)


def show_envs(markdown: bool) -> int:
    from matrix import envs
    if markdown:
        print(envs.markdown())
        return 0
    for env in envs.envs():
        print("%-8s python%-5s %s%s" % (env.name, env.python, env.tensorflow, " (preview)" if env.preview else ""))
    return 0


def schema() -> int:
    from dataclasses import fields
    from matrix import manifest, protocol
    out = {"records (schema %d)" % records.SCHEMA_VERSION: records.schema(),
           "manifest (schema %d)" % manifest.MANIFEST_SCHEMA: {
               f.name: getattr(f.type, "__name__", str(f.type)) for f in fields(manifest.Manifest)},
           "worker protocol %d" % protocol.PROTOCOL: {
               name: [f.name for f in fields(cls)] for name, cls in protocol.MESSAGES.items()},
           "statuses": list(STATUSES)}
    print(json.dumps(out, indent=1))
    return 0


def run(args: argparse.Namespace, pytest_args: List[str]) -> int:
    started = time.time()
    store = Store(args.store)
    run_ = Run(args.run_id, now()) if args.run_id else store.current_run()
    plugins = Plugins(args.plugins)
    _check_options(args, plugins, store, run_)
    env_key = keys.environment()
    selection = Selection(_names(args.producers), _names(args.cases), _names(args.consumers), args.only,
                          args.allow_model_code)
    plan = Plan.make(store, plugins, args.phase, args.env, run_, selection, args.rerun, args.shard, env_key)
    label = "%s %s%s" % (args.phase, args.env, " shard " + args.shard if args.shard else "")
    if args.phase == "consume" and not plan.cells:
        written = run_artifacts(store, run_, args.shard)
        if not written:
            print("%s: the run %s has no artifacts to read: run the produce steps (or begin) first" % (label, run_.run_id))
        else:  # a selection that matches nothing is named, with what the run does have
            print("%s: none of the run's %d artifacts is selected (--producers, --cases, --consumers, --only); "
                  "its producers: %s" % (label, len(written), ", ".join(sorted({a.producer for a in written}))))
    records.append_all(store.results_file(run_, args.phase, args.env, "reused", args.shard), plan.reused)
    decided = _decide_up_front(store, plan, run_, env_key, args, plugins)
    print("%s: %d cells, %d reused from earlier runs, %s%d to run (run %s)" % (
        label, len(plan.cells), len(plan.reused),
        "%d decided without TF (unavailable, not applicable), " % decided if args.phase == "consume" else "",
        len(plan.to_run), run_.run_id), flush=True)
    code = 0
    if plan.to_run:
        code = _pytest(store, plan, run_, env_key, args, pytest_args)
    _env_record(store, run_, args, env_key, plugins)
    latest = _latest(store, run_, args, {p.cell.id for p in plan.cells})
    statuses = Counter(r["status"] for r in latest.values())
    lost = len(plan.cells) - sum(statuses.values())
    if lost and not pytest_args:  # (with pytest arguments, -k may have deselected cells on purpose)
        print("%d of %d cells have no record: the harness broke (see pytest's output above)" % (lost, len(plan.cells)),
              file=sys.stderr)
        code = 1
    print("%s: %s (%.0f s; results in %s)" % (label, ", ".join(
        "%d %s" % (statuses[s], s) for s in STATUSES if statuses[s]) or "no cells", time.time() - started,
        os.path.relpath(store.results_dir(run_))))
    if statuses[ERROR]:
        errors = sorted((r for r in latest.values() if r["status"] == ERROR), key=lambda r: r["cell"])
        print("%d error cells: a plugin or the harness broke:" % statuses[ERROR], file=sys.stderr)
        for record in errors[:10]:
            print("  %s: %s" % (record["cell"], record["reason"]), file=sys.stderr)
        if len(errors) > 10:
            print("  ... and %d more (the report lists them all)" % (len(errors) - 10), file=sys.stderr)
        return 1
    return code


WORKER_MEMORY = 2 << 30  # a TF worker, its child and its program servers (each imports TF) at their peak


def memory_available() -> Optional[int]:
    """Bytes of memory available to new processes (Linux's MemAvailable), None where unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def auto_workers(cells: int, artifacts: int, cpus: Optional[int], memory: Optional[int]) -> int:
    """One worker per core, as far as memory allows; one for a handful of cells (each worker imports TF,
    3-6 s). A worker reads whole artifacts, so never more workers than artifacts."""
    if artifacts < 2 or cells < 24:
        return 1
    workers = min(cpus or 1, artifacts)
    if memory is not None:
        workers = min(workers, memory // WORKER_MEMORY)
    return max(1, workers)


def _workers(args: argparse.Namespace, plan: Plan) -> int:
    if args.workers != "auto":
        return int(args.workers)
    return auto_workers(len(plan.to_run), len({p.cell.artifact for p in plan.to_run}), os.cpu_count(),
                        memory_available())


def _pytest(store: Store, plan: Plan, run_: Any, env_key: str, args: argparse.Namespace,
            pytest_args: List[str]) -> int:
    import pytest
    from matrix.job import Job
    os.makedirs(store.root, exist_ok=True)
    fd, job_file = tempfile.mkstemp(prefix="job-", suffix=".json", dir=store.root)
    os.close(fd)
    try:
        Job.of(plan, store, run_, env_key, args.cell_timeout, os.path.abspath(args.plugins) if args.plugins else "",
               args.shard, args.allow_model_code).write(job_file)
        workers = _workers(args, plan)
        # --tb=no: a failing cell is a verdict, not a traceback; its reason is in the records and the
        # report (and pytest's failure summary costs O(failures x tests): a minute for 2,600 failures).
        # `-- --tb=line` lists them.
        argv = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_grid.py"), "-p", "matrix.pytest_grid",
                "--matrix-job", job_file, "-q", "-p", "no:cacheprovider", "-rN", "--tb=no"]
        argv += ["-n", str(workers), "--dist", "loadgroup"] if workers > 1 else ["-p", "no:xdist"]
        code = pytest.main(argv + pytest_args)
    finally:
        os.remove(job_file)
    # Failing cells are results, not a failed run; pytest's own trouble is (2 interrupted, 3 internal, 4 usage).
    return 0 if code in (0, 1, 5) else 1


def _decide_up_front(store: Store, plan: Plan, run_: Any, env_key: str, args: argparse.Namespace,
                     plugins: Plugins) -> int:
    """Record (and cache) the cells that need no TF (matrix/upfront.py); plan.to_run keeps the rest."""
    if args.phase != "consume" or not plan.to_run:
        return 0
    from matrix import upfront
    from matrix.cache import Cache
    cache = Cache(store, args.phase, args.env, env_key)
    decided, plan.to_run = upfront.decide(store, run_, args.env, plan.to_run, plugins, cache, args.allow_model_code)
    records.append_all(store.results_file(run_, args.phase, args.env, "decided", args.shard), decided)
    for record in decided:
        cache.put(record)
    return len(decided)


def _env_record(store: Store, run_: Any, args: argparse.Namespace, env_key: str, plugins: Plugins) -> None:
    from matrix.cache import Cache
    cache = Cache(store, args.phase, args.env, env_key)
    hello = cache.hello()
    if hello is None:  # nothing ran and nothing was cached: ask TF once what it is
        from matrix.tfprocess import TFProcess, WorkerDied
        process = TFProcess(store.log_file(args.phase, args.env, "hello"), plugins.extra)
        try:
            cache.save_hello(process.ensure_started())
            hello = cache.hello()
        except WorkerDied as exc:
            hello = {"tf": "unknown (%s)" % exc.how, "keras": "unknown", "python": "unknown", "platform": "unknown"}
        finally:
            process.stop()
    records.append(store.results_file(run_, args.phase, args.env, "env", args.shard), records.EnvRecord(
        run_id=run_.run_id, phase=args.phase, env=args.env, started=now(), packages=env_key, shard=args.shard,
        **{k: str((hello or {}).get(k, "unknown")) for k in ("tf", "keras", "python", "platform")}))


def _latest(store: Store, run_: Any, args: argparse.Namespace, cells: set) -> Dict[str, Dict[str, Any]]:
    """The latest record of every cell of this phase in the run's records."""
    latest = {}  # type: Dict[str, Any]
    prefix = "%s-%s-" % (args.phase, args.env)
    for record in sorted(records.read_folder(store.results_dir(run_), prefix=prefix)[0], key=lambda r: r.get("finished", "")):
        if record["kind"] != "env" and record["cell"] in cells:
            latest[record["cell"]] = record
    return latest
