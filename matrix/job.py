"""One phase of one TF environment as pytest runs it: what `python -m matrix run` hands to the grid.

The controller (matrix/cli.py) plans the phase, writes this job to a file and
starts pytest with `--matrix-job FILE`; the grid's pytest plugin (and every
xdist worker) reads the same job back. One typed object instead of a dozen
environment variables.
"""
import json
from dataclasses import asdict, dataclass, field
from typing import Dict, List

from matrix.cell import Run, Store
from matrix.plan import Planned, Plan


@dataclass
class Job:
    phase: str
    env: str
    store: str                 # the store's root folder
    run_id: str
    run_started: str
    env_key: str               # matrix.keys.environment() of this env
    cell_timeout: float
    plugins: str = ""          # an extra plugin folder ("" for none)
    shard: str = ""
    allow_model_code: bool = False
    cells: List[Dict[str, str]] = field(default_factory=list)  # {"cell": id, "key": content key}

    @property
    def run(self) -> Run:
        return Run(self.run_id, self.run_started)

    @property
    def the_store(self) -> Store:
        return Store(self.store)

    def planned(self) -> List[Planned]:
        from matrix.cell import Cell
        return [Planned(Cell.parse(c["cell"]), c["key"]) for c in self.cells]

    @classmethod
    def of(cls, plan: Plan, store: Store, run: Run, env_key: str, cell_timeout: float, plugins: str,
           shard: str, allow_model_code: bool = False) -> "Job":
        return cls(plan.phase, plan.env, store.root, run.run_id, run.started, env_key, cell_timeout,
                   plugins, shard, allow_model_code, [{"cell": p.cell.id, "key": p.key} for p in plan.to_run])

    def write(self, path: str) -> None:
        with open(path, "w") as f:
            json.dump(asdict(self), f)

    @classmethod
    def read(cls, path: str) -> "Job":
        with open(path) as f:
            data = json.load(f)  # type: Dict[str, Any]
        return cls(**data)
