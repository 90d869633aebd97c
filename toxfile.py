"""tox plugin (loaded by tox from the project root): the matrix's tox environments, made from matrix.toml.

For every TF environment in matrix.toml it declares `produce-<env>` and
`consume-<env>` (and fills in `tests-<env>`): the Python, what to install, the
command (`python -m matrix run --phase P --env E`), and `depends`, so that the
steps of a run always go begin, produce, consume, report, whatever `-e` or `-m`
selects. Plain `tox` runs them all but the preview channels; `-m grid` the
produce and consume steps; `-m nightly` the preview channels and a report.

produce-<env> and consume-<env> share one virtualenv, .tox/<env>, as `gate`
shares `report`'s (the runner `matrix-shared-venv`): they install the same
packages, and a second install of TF costs 9 s and 16 CPU seconds (uv
compiles every module's bytecode), twice per TF version on a cold run. tox
records in an environment's folder which environment made it and remakes the
folder for any other name (so `gate` and `report` remade theirs in turn);
this runner records the folder's name instead (`tf221`), so whichever step
comes first sets the folder up and the other finds it ready, while a change
of Python or of what to install still remakes it.

It also finds pyenv's interpreters: pyenv installs each Python under
$(pyenv root)/versions/X/bin, but its shims answer only for the versions
named in PYENV_VERSION, so tox and uv would not find python3.7 where 3.11 is
active. Those folders go on PATH; an environment whose Python is still
missing is skipped (skip_missing_interpreters) and named by the report.
"""
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from matrix import envs as matrix_envs  # noqa: E402
from matrix.cell import PHASES, STEPS  # noqa: E402
from matrix.interpreters import extend_path  # noqa: E402

os.environ["PATH"] = extend_path(os.environ.get("PATH", ""))

try:
    from tox.config.loader.memory import MemoryLoader
    from tox.config.types import EnvList
    from tox.plugin import impl
    from tox.tox_env.info import Info
    from tox_uv._run import UvVenvRunner
except ImportError:  # imported outside tox (the tests read ENVS), or by a tox still to provision tox-uv: no hooks
    impl = None

STEP_PHASES = [p for p in PHASES if p in STEPS]  # reference cells run in the produce step


def _names():
    return ["%s-%s" % (phase, env.name) for env in matrix_envs.envs() for phase in STEP_PHASES]


if impl is not None:
    class _FolderInfo(Info):
        """The setup record of a shared folder: it names the folder, not the step that set it up."""

        def __init__(self, path):
            super().__init__(path)
            self._folder = path.name

        def compare(self, value, section, sub_section=None):
            if section == "ToxEnv" and isinstance(value, dict):
                value = dict(value, name=self._folder)
            return super().compare(value, section, sub_section)

    class SharedVenv(UvVenvRunner):
        """tox-uv's virtualenv, shared by the environments whose env_dir is the same."""

        @staticmethod
        def id():
            return "matrix-shared-venv"

        @property
        def cache(self):
            return _FolderInfo(self.env_dir)

    @impl
    def tox_register_tox_env(register):
        register.add_run_env(SharedVenv)

    @impl
    def tox_extend_envs():
        return _names()

    @impl
    def tox_add_core_config(core_conf, state):
        loaded = matrix_envs.load()
        stable = [e for e in loaded["envs"] if not e.preview]
        order = ["begin"] + ["%s-%s" % (phase, e.name) for phase in STEP_PHASES for e in stable] + ["report"]
        core_conf.loaders.insert(0, MemoryLoader(env_list=EnvList(order)))
        posargs = " ".join(shlex.quote(a) for a in (state.conf.pos_args(None) or ()))
        for env in loaded["envs"]:
            requirements = "\n".join(env.requirements(loaded["grid"]))
            folder = core_conf["work_dir"] / env.name
            for phase in STEP_PHASES:
                state.conf.memory_seed_loaders["%s-%s" % (phase, env.name)].append(MemoryLoader(
                    description="%s: %s with TF %s (Python %s)" % (
                        phase, "write every producer's SavedModels" if phase == "produce"
                        else "read every artifact of the run with every consumer", env.tensorflow, env.python),
                    base_python=[env.interpreter],
                    deps=requirements,
                    pip_pre=env.pre,
                    depends=EnvList(["begin"] + (["produce-*"] if phase == "consume" else [])),
                    labels=["nightly" if env.preview else "grid"],
                    commands=["python -m matrix run --phase %s --env %s %s" % (phase, env.name, posargs)],
                    runner=SharedVenv.id(),
                    env_dir=folder,
                ))
            tests = "tests-" + env.name
            state.conf.memory_seed_loaders[tests].append(MemoryLoader(
                base_python=[env.interpreter], deps=requirements + "\n-r reports/requirements.txt\n-r tests/requirements.txt"))
