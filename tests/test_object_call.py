"""A model's own __call__ is called as its users call it, obj(x), or not at all (matrix/models.py's
object_call): the rules, on the facts savedmodel_pb reads from a model's object graph. No TF here."""
from matrix.models import object_call
from matrix.savedmodel_pb import CallFunction, MetaGraphFacts, Opaque, TensorFacts


def spec(name="x", shape=(None, 2), dtype="float32"):
    return TensorFacts(name, dtype, shape, "dense")


def meta(*functions, callable_=True):
    return MetaGraphFacts(tags=("serve",), tensorflow_version="2.15.0", tensorflow_git_version="",
                          graph_producer=1, signatures={}, has_object_graph=True, op_types=frozenset(),
                          function_count=0, callable=callable_, call_functions=tuple(functions))


def traced(args, output=None, names=("x", "training"), defaults=(False,), name="__inference___call___1", kwargs=None):
    return CallFunction(name, tuple(args), kwargs or {}, spec("unknown") if output is None else output,
                        tuple(names), tuple(defaults))


def test_a_hub_style_call_takes_its_tensor_and_leaves_training_at_its_default():
    call, why = object_call(meta(traced([spec(), True], name="b"), traced([spec(), False], name="a")))
    assert why == ""
    assert (call["convention"], list(call["inputs"]), call["returns"], list(call["outputs"])) == (
        "tensor", ["x"], "tensor", ["output_0"])
    assert call["traced"] == "a (tensor)"  # the function traced with training=False


def test_a_keras_model_is_called_with_a_dict_by_input_name_and_returns_its_dict():
    inputs = {"a": spec("a"), "b": spec("b", (None, 3))}
    outputs = {"sum": spec("sum"), "scaled": spec("scaled", (None, 1))}
    call, _ = object_call(meta(traced([inputs, False, None], outputs, names=("inputs", "training", "mask"),
                                      defaults=(False, None))))
    assert (call["convention"], list(call["inputs"]), call["returns"], sorted(call["outputs"])) == (
        "dict", ["a", "b"], "dict", ["scaled", "sum"])
    assert call["inputs"]["b"] == {"dtype": "float32", "shape": [None, 3], "encoding": "dense", "recorded": True}


def test_tensors_given_positionally_are_named_after_their_parameters_when_their_specs_are_not():
    call, _ = object_call(meta(traced([spec(""), spec("")], names=("x", "y"), defaults=())))
    assert (call["convention"], list(call["inputs"])) == ("args", ["x", "y"])


def test_the_most_general_trace_wins_then_a_dict():
    narrow = traced([spec(shape=(1, 2)), False], name="a")
    general = traced([spec(shape=(None, 2)), False], name="z")
    assert object_call(meta(narrow, general))[0]["inputs"]["x"]["shape"] == [None, 2]
    as_list = traced([[spec("a"), spec("b")], False], name="a")
    as_dict = traced([{"a": spec("a"), "b": spec("b")}, False], name="b")
    assert object_call(meta(as_list, as_dict))[0]["convention"] == "dict"


def test_a_call_that_cannot_be_made_as_obj_x_is_not_made_and_says_why():
    assert object_call(meta(traced([spec(), True]))) == (None, "is not called here: traced with training=True only")
    assert object_call(meta(traced([spec(), 3], names=("x", "steps"), defaults=()))) == (
        None, "is not called here: argument 'steps' is not a tensor and has no default")
    ragged = traced([Opaque("type_spec_value")], names=("x",), defaults=())
    assert object_call(meta(ragged))[0] is None
    nested = traced([spec(), False], output={"a": [spec("p"), spec("q")]})
    assert object_call(meta(nested)) == (
        None, "is not called here: it returns a nested structure, not a tensor, a dict or a list of tensors")
    assert object_call(meta()) == (None, "has no traced function to call")
    assert object_call(meta(traced([spec(), False]), callable_=False)) == (None, "")
