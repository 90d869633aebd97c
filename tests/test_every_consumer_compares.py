"""No consumer can pass a cell without its outputs being compared with the golden values.

Real artifacts are produced, then copied with every golden output shifted by
one; every consumer available in this TF loads both. Wherever a consumer
passes the original it must fail the copy: the model is the same, so only
the comparison can tell them apart. (Consumers whose expected() checks other
facts than outputs are proven the same way in test_consumer_expectations.py.)
"""
import json
import os
import shutil

import pytest

from matrix import plugins

pytestmark = pytest.mark.tf

PRODUCERS = "tf1_builder,tf2_module,tf2_hub_reusable,tf1_saver_metagraph,keras,keras3_export"
OWN_EXPECTATIONS = {name for name in plugins.names("consumers")
                    if hasattr(plugins.load("consumers", name), "expected")}
VALUE_CONSUMERS = sorted(set(plugins.names("consumers")) - OWN_EXPECTATIONS)


def shift(tensor):
    if tensor["dtype"] == "string":
        tensor["values"] = [v + "!" for v in tensor.get("values", [])]
    elif tensor["dtype"] == "bool":
        tensor["values"] = [not v for v in tensor["values"]]
    else:
        tensor["values"] = [v + 1 for v in tensor["values"]]


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    from tests.conftest import Grid
    grid = Grid(str(tmp_path_factory.mktemp("artifacts")))
    grid.run("produce", producers=PRODUCERS, cases="variable")
    store = os.path.join(grid.store, "store")
    shutil.copytree(os.path.join(store, "test"), os.path.join(store, "shifted"))
    for producer in os.listdir(os.path.join(store, "shifted")):
        path = os.path.join(store, "shifted", producer, "variable", "manifest.json")
        with open(path) as f:
            manifest = json.load(f)
        manifest["env"] = "shifted"
        for tensor in manifest["outputs"].values():
            shift(tensor)
        with open(path, "w") as f:
            json.dump(manifest, f)
    grid.run("consume", consumers=",".join(VALUE_CONSUMERS), extra_plugins=False)
    cells = {}
    for cell in grid.cells():
        cells[(cell["consumer"], cell["producer"], cell["producer_env"])] = cell
    return cells


@pytest.mark.parametrize("consumer", VALUE_CONSUMERS)
def test_shifted_golden_values_turn_every_pass_into_a_fail(verdicts, consumer):
    passed = [(c["producer"]) for (name, _, env), c in verdicts.items()
              if name == consumer and env == "test" and c["status"] == "pass"]
    statuses = {c["status"] for (name, _, env), c in verdicts.items() if name == consumer and env == "test"}
    if not passed:
        pytest.skip("%s passes no artifact in this TF (%s)" % (consumer, ", ".join(sorted(statuses))))
    for producer in passed:
        shifted = verdicts[(consumer, producer, "shifted")]
        assert shifted["status"] == "fail", shifted
        assert "differ from the golden values" in shifted["reason"]
