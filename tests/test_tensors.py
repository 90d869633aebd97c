"""Every output a model can return is recorded and compared, or refused in one clear line: never a
record JSON cannot hold (which killed the cell's process), never a comparison that crashes."""
import json

import numpy as np
import pytest

from matrix import compare, models, tensors
from matrix.manifest import MANIFEST_SCHEMA, Golden, Manifest


def round_trip(value):
    return tensors.decode(json.loads(json.dumps(tensors.encode(value))))


def test_complex_outputs_are_recorded_as_pairs_and_compared_within_the_tolerance():
    z = np.array([1 + 2j, 3 - 1j], dtype=np.complex64)
    assert round_trip(z).dtype == np.complex64 and np.array_equal(round_trip(z), z)
    assert compare.compare({"z": z}, {"z": z + np.complex64(1e-7)}) is None
    assert compare.compare({"z": z}, {"z": z + np.complex64(1j)}).kind == "float values"


def test_bfloat16_keeps_its_dtype_name_so_a_float32_answer_differs():
    golden = tensors.decode({"dtype": "bfloat16", "shape": [2], "values": [1.0, 2.5]})
    assert tensors.encode(golden) == {"dtype": "bfloat16", "shape": [2], "values": [1.0, 2.5]}
    assert compare.compare({"y": golden}, {"y": round_trip(golden)}) is None
    assert compare.compare({"y": golden}, {"y": np.array([1.0, 2.5], np.float32)}).kind == "dtype"


def test_an_output_numpy_cannot_read_is_a_clear_error_not_a_dead_process():
    with pytest.raises(TypeError, match="cannot record"):
        tensors.encode(np.zeros(2, dtype="V2"))


def test_differing_strings_are_reported_not_crashed_on():
    golden = tensors.decode({"dtype": "string", "shape": [2], "values": ["a", "b"]})
    actual = tensors.decode({"dtype": "string", "shape": [2], "values": ["a", "c"]})
    assert compare.compare({"s": golden}, {"s": actual}).text == "s: 1 of 2 values differ; at [1] got b'c', golden b'b'"


def test_a_sparse_output_is_the_dense_tensor_it_stands_for():
    dense = tensors.densify([[0, 1], [1, 2]], np.array([5.0, 6.0], np.float32), [2, 3])
    assert dense.tolist() == [[0, 5, 0], [0, 0, 6]] and dense.dtype == np.float32
    assert tensors.densify(np.zeros((0, 2)), np.zeros(0, np.float32), [2, 1]).tolist() == [[0], [0]]


def test_synthesized_ints_are_valid_ids_into_any_table_of_two_rows():
    value, why = models.synthesize("ids", {"dtype": "int64", "shape": [None, 3]}, "tensorflow/serving/predict")
    assert not why and set(value["values"]) == {0, 1} and value["shape"] == [2, 3]


def test_an_image_of_unknown_size_is_synthesized_big_enough_for_a_conv_net():
    value, _ = models.synthesize("images", {"dtype": "float32", "shape": [None, None, None, 3]}, "")
    assert value["shape"] == [2, 32, 32, 3]
    value, _ = models.synthesize("ids", {"dtype": "int32", "shape": [None, None]}, "")
    assert value["shape"] == [2, 2]


def test_bfloat16_inputs_are_not_fed_as_float32():
    value, why = models.synthesize("x", {"dtype": "bfloat16", "shape": [2]}, "tensorflow/serving/predict")
    assert value is None and "bfloat16" in why


def test_a_consumer_that_ran_has_nothing_to_compare_when_every_recorded_output_varies_between_loads():
    from matrix.session import judge

    class Consumer(object):
        pass

    manifest = Manifest.from_json(dict(
        producer="models", api="", case="random", env="models", tags=["serve"], signature="serving_default",
        inputs={"x": tensors.encode(np.zeros(2, np.float32))}, outputs={}, tf="2.15", keras="n/a", python="n/a",
        platform="n/a", created="", path="model", schema=MANIFEST_SCHEMA,
        golden=vars(Golden("recorded", "", varies={"y": "differ"}))))
    ran = {"y": tensors.encode(np.ones(2, np.float32))}
    verdict = judge(Consumer(), manifest, ran)
    assert verdict.status == "not_applicable" and "varies from one load to the next" in verdict.reason
    manifest.outputs = {"z": tensors.encode(np.ones(2, np.float32))}  # another output does not vary: compared
    assert judge(Consumer(), manifest, dict(ran, z=tensors.encode(np.ones(2, np.float32)))).status == "pass"
    assert judge(Consumer(), manifest, dict(ran, z=tensors.encode(np.zeros(2, np.float32)))).status == "fail"
