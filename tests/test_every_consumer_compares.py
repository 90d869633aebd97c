"""No consumer can pass a cell without its outputs being compared with the golden values.

Real artifacts are produced, then copied with every golden value in the
manifest shifted by one (the signature's outputs, the author's call's outputs,
the variables). Every consumer available in this TF loads both. Wherever a
consumer passes the original it must fail the copy: the model is the same, so
only the comparison can tell them apart. (Consumers judged on other facts
than golden values are proven the same way in test_consumer_expectations.py.)
"""
import pytest

from matrix.discovery import Plugins

pytestmark = pytest.mark.tf

PRODUCERS = "tf1_builder,tf2_module,tf2_hub_reusable,tf1_saver_metagraph,keras,keras_subclassed,keras3_export"
FACT_CONSUMERS = {"saved_model_cli_show", "signature_method_names", "tf2_resave_method_names", "tf2_finetune",
                  "hub_keraslayer_finetune"}
VALUE_CONSUMERS = sorted(set(Plugins().names("consumers")) - FACT_CONSUMERS)


def shift(tensor):
    if tensor["dtype"] == "string":
        tensor["values"] = [v + "!" for v in tensor.get("values", [])]
    elif tensor["dtype"] == "bool":
        tensor["values"] = [not v for v in tensor["values"]]
    else:
        tensor["values"] = [v + 1 for v in tensor["values"]]


def shift_goldens(manifest):
    for tensor in list(manifest["outputs"].values()) + list(manifest["variables"].values()) + (
            list(manifest["call"]["outputs"].values()) if manifest["call"] else []):
        shift(tensor)
    manifest["regularization_losses"] = [v + 1 for v in manifest["regularization_losses"]]


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    from tests.conftest import Grid
    grid = Grid(str(tmp_path_factory.mktemp("artifacts")))
    produced = grid.run("produce", producers=PRODUCERS, cases="variable", extra_plugins=False)
    for record in produced:
        if record["kind"] == "produce" and record["status"] == "pass":
            grid.copy_artifact("test", record["producer"], "variable", "shifted", edit=shift_goldens)
    grid.run("consume", consumers=",".join(VALUE_CONSUMERS), extra_plugins=False)
    return {(c["consumer"], c["producer"], c["producer_env"]): c for c in grid.cells()}


@pytest.mark.parametrize("consumer", VALUE_CONSUMERS)
def test_shifted_golden_values_turn_every_pass_into_a_fail(verdicts, consumer):
    passed = [producer for (name, producer, env), c in verdicts.items()
              if name == consumer and env == "test" and c["status"] == "pass"]
    statuses = {c["status"] for (name, _, env), c in verdicts.items() if name == consumer and env == "test"}
    if not passed:
        pytest.skip("%s passes no artifact in this TF (%s)" % (consumer, ", ".join(sorted(statuses))))
    for producer in passed:
        shifted = verdicts[(consumer, producer, "shifted")]
        assert shifted["status"] == "fail", shifted
        assert "differ from the golden values" in shifted["reason"]
