"""Which TF's outputs become an imported model's golden values, and when there are none because the
harness's own synthesized inputs are what failed (matrix/reference.py). No TF here."""
from matrix import reference
from matrix.manifest import MANIFEST_SCHEMA, Manifest


def manifest(synthesized=True, writer="2.15.1", signature="serving_default"):
    return Manifest(producer="models", api="", case="m", env="models", tags=["serve"], signature=signature,
                    inputs={"x": {"dtype": "float32", "shape": [2, 2], "values": [0.0, 1.7, 1.4, 1.1]}},
                    outputs={}, tf=writer, inputs_synthesized=synthesized, schema=MANIFEST_SCHEMA)


def record(tf, status="fail", reason="InvalidArgumentError: Input to reshape is a tensor with 4 values", loads=False):
    return {"tf": tf, "status": status, "reason": reason, "loads": loads}


def test_the_writers_tf_records_the_golden_values_else_the_oldest_newer_else_the_newest():
    passed = [record("1.15.5", "pass"), record("2.12.1", "pass"), record("2.21.0", "pass")]
    assert reference.choose("2.12.0", passed)[0]["tf"] == "2.12.1"
    assert reference.choose("2.14.0", passed)[0]["tf"] == "2.21.0"
    assert reference.choose("2.30.0", passed) == (passed[-1], "the newest TF here that loads it")
    assert reference.choose("2.12.0", [record("2.12.1")]) == (None, reference.NO_REFERENCE)


def test_synthesized_inputs_that_fail_wherever_the_model_loads_leave_nothing_honest_to_feed():
    tried = [record("1.15.5", reason="NotFoundError: Op type not registered"), record("2.15.1", loads=True),
             record("2.21.0", reason="InvalidArgumentError: other words", loads=True)]
    why = reference.inputs_fail(manifest(), tried)
    assert why.startswith("no inputs: the inputs synthesized from its signature fail the model in every TF here "
                          "that loads it (TF 2.15.1: InvalidArgumentError: Input to reshape")  # the writer's TF
    assert why.endswith("give them in a spec (savedmodel-matrix.json beside the model, see README)")
    assert "traced __call__" in reference.inputs_fail(manifest(signature=None), tried)


def test_a_model_that_loads_nowhere_or_was_given_its_inputs_keeps_its_failures():
    assert reference.inputs_fail(manifest(), [record("2.15.1"), record("2.21.0")]) == ""
    assert reference.inputs_fail(manifest(synthesized=False), [record("2.15.1", loads=True)]) == ""


def test_a_model_pinned_to_a_device_this_machine_lacks_fails_on_any_inputs_and_keeps_its_failures():
    gpu = record("2.15.1", reason="InvalidArgumentError: Unable to find any devices for spec /device:GPU:0",
                 loads=True)
    assert reference.inputs_fail(manifest(), [gpu]) == ""
