"""Models nobody planned for, read as a team's own models (--models): each gets the verdict a user of
each API would get, never one the harness's own inputs, calls or records caused.

The models are written here, in a subprocess with this environment's TF: a signature with two outputs,
one whose outputs are random, one with a sparse (COO) output, one that uses its int input as ids into a
table of two rows, a conv net on images of any size, one with a complex output, one in float16, one
that the synthesized inputs fail wherever it loads; and beside them a model whose spec is not JSON."""
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.tf
CONSUMERS = "tf1_session,tf2_load,c_api,hub_keraslayer,saved_model_cli"

WRITE = textwrap.dedent('''
    import os, sys
    import tensorflow as tf
    out = sys.argv[1]

    def save(name, fn, spec):
        module = tf.Module()
        module.f = tf.function(fn, input_signature=[spec])
        tf.saved_model.save(module, os.path.join(out, name), signatures=module.f)

    save("two_outputs", lambda x: {"double": x * 2.0, "plus_one": x + 1.0}, tf.TensorSpec([None, 3], tf.float32))
    save("random", lambda x: {"noisy": x + tf.random.uniform(tf.shape(x))}, tf.TensorSpec([None, 3], tf.float32))
    save("ids_into_two_rows", lambda ids: {"rows": tf.gather(tf.constant([[1.0, 2.0], [3.0, 4.0]]), ids)},
         tf.TensorSpec([None], tf.int64))
    kernel = tf.ones([3, 3, 3, 3]) * 0.1

    def convnet(images):  # three valid 3x3 convolutions of stride 2: a 2x2 image is too small
        for _ in range(3):
            images = tf.nn.conv2d(images, kernel, strides=2, padding="VALID")
        return {"pooled": tf.reduce_mean(images, axis=[1, 2])}

    save("convnet_any_size", convnet, tf.TensorSpec([None, None, None, 3], tf.float32))
    save("complex_output", lambda x: {"z": tf.complex(x, x * 2.0)}, tf.TensorSpec([None], tf.float32))
    save("half_precision", lambda x: {"y": x * tf.constant(1.5, tf.float16)}, tf.TensorSpec([None, 3], tf.float16))
    # rows of three: inputs synthesized at [2, 2] fail it wherever it loads (the harness's inputs, not the APIs)
    save("rows_of_three", lambda x: {"rows": tf.reshape(x, [-1, 3])}, tf.TensorSpec([None, None], tf.float32))
    save("bad_spec", lambda x: {"y": x * 3.0}, tf.TensorSpec([None], tf.float32))
    with open(os.path.join(out, "bad_spec", "savedmodel-matrix.json"), "w") as f:
        f.write('{"calls": [')

    v1 = tf.compat.v1
    with tf.Graph().as_default() as graph, v1.Session(graph=graph) as sess:
        x = v1.placeholder(tf.float32, [None, 3], name="x")
        sparse = tf.sparse.from_dense(tf.nn.relu(x))  # only the positive entries
        info = v1.saved_model.utils.build_tensor_info
        builder = v1.saved_model.builder.SavedModelBuilder(os.path.join(out, "sparse_output"))
        builder.add_meta_graph_and_variables(sess, ["serve"], signature_def_map={
            "serving_default": v1.saved_model.signature_def_utils.build_signature_def(
                {"x": info(x)}, {"positive": info(sparse)}, "tensorflow/serving/predict")})
        builder.save()
''')


@pytest.fixture(scope="module")
def unseen(tmp_path_factory):
    models = str(tmp_path_factory.mktemp("unseen") / "models")
    done = subprocess.run([sys.executable, "-c", WRITE, models], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    assert done.returncode == 0, done.stdout[-3000:]
    return models


def test_unseen_models_get_the_verdicts_their_users_would(grid, unseen):
    began = grid.begin("--models", unseen)
    assert began.returncode == 0, began.stdout
    grid.run("produce", consumers=CONSUMERS, workers=1, extra_plugins=False)  # the reference cells
    grid.run("consume", consumers=CONSUMERS, workers=2, extra_plugins=False)
    cells = {(c["case"].split(":")[0], c["consumer"]): c for c in grid.cells()}
    assert [c for c in cells.values() if c["status"] in ("error", "crash", "timeout")] == [], grid.last_output[-3000:]

    def status(model, consumer):
        return cells[(model, consumer)]["status"]

    # a bad spec is that model's one red line, naming the file; the models beside it are read
    produced = {r["case"]: r for r in grid.records(kind="produce") if r.get("producer_env") == "models"}
    assert produced["bad_spec"]["status"] == "fail" and "savedmodel-matrix.json" in produced["bad_spec"]["reason"]
    assert not [key for key in cells if key[0] == "bad_spec"]

    # several outputs: hub.KerasLayer in a functional model (a Sequential one takes one output)
    assert status("two_outputs", "hub_keraslayer") == "pass", cells[("two_outputs", "hub_keraslayer")]
    # int inputs are synthesized as 0 and 1: valid ids into a table of two rows
    assert all(status("ids_into_two_rows", k) == "pass" for k in CONSUMERS.split(",") if k != "hub_keraslayer")
    # an image of unknown size is fed at 32x32, enough for a conv net's strides
    assert status("convnet_any_size", "tf2_load") == "pass", cells[("convnet_any_size", "tf2_load")]
    # a complex output is recorded and compared like any other
    assert status("complex_output", "tf2_load") == "pass" and status("complex_output", "tf1_session") == "pass"
    # a float16 signature: a Keras layer wrapping it computes in float16, as its user sets it (float32 casts fail it);
    # its outputs are compared within float16's precision, and the manifest says so
    half = grid.manifest("models", cells[("half_precision", "tf2_load")]["producer"], "half_precision")
    assert (half["golden"]["atol"], half["golden"]["rtol"]) == (1e-3, 1e-2) and "computes in float16" in half["notes"]
    for consumer in ("hub_keraslayer", "tf2_load", "tf1_session"):
        assert status("half_precision", consumer) == "pass", cells[("half_precision", consumer)]
    # a sparse output is compared as the dense tensor it stands for, through every API that can fetch it
    for consumer in ("tf1_session", "tf2_load", "c_api"):
        assert status("sparse_output", consumer) == "pass", cells[("sparse_output", consumer)]
    # outputs two loads disagree on have no golden value: nothing to compare is never a pass, nor a fail
    reference = [r for r in grid.records(kind="reference") if r["case"].startswith("random")]
    assert reference and all(r["varies"] == {} or "noisy" in r["varies"] for r in reference)
    random = {k: (cells[("random", k)]["status"], cells[("random", k)]["reason"]) for k in CONSUMERS.split(",")}
    assert {status for status, _ in random.values()} == {"not_applicable"}, random
    assert "varies from one load to the next" in cells[("random", "tf2_load")]["reason"]
    # inputs that fail the model in every TF that loads it are the harness's: no API is failed for them
    rows = {k: (cells[("rows_of_three", k)]["status"], cells[("rows_of_three", k)]["reason"]) for k in CONSUMERS.split(",")}
    assert {status for status, _ in rows.values()} == {"not_applicable"}, rows
    assert "synthesized from its signature fail the model in every TF here that loads it" in rows["tf2_load"][1]
    assert "Input to reshape" in rows["tf2_load"][1] and "give them in a spec" in rows["tf2_load"][1]
    assert [r["loads"] for r in grid.records(kind="reference") if r["case"] == "rows_of_three"] == [True]


OWN_CALL = textwrap.dedent('''
    import os, sys
    import tensorflow as tf
    try:
        import tf_keras as keras  # Keras 2, whose models tf.saved_model.save writes with a __call__
    except ImportError:
        keras = tf.keras
    out = sys.argv[1]

    class Hub(tf.Module):  # a TF Hub style model: obj(x), training=False by default, no signature at all
        def __init__(self):
            super().__init__()
            self.w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])

        @tf.function
        def __call__(self, x, training=False):
            return tf.matmul(x, self.w) * (0.5 if training else 1.0)

    hub = Hub()
    for training in (False, True):
        hub.__call__.get_concrete_function(tf.TensorSpec([None, 2], tf.float32), training=training)
    tf.saved_model.save(hub, os.path.join(out, "hub_style"), signatures={})
    only_training = Hub()
    only_training.__call__.get_concrete_function(tf.TensorSpec([None, 2], tf.float32), training=True)
    tf.saved_model.save(only_training, os.path.join(out, "only_training"), signatures={})
    a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
    model = keras.Model({"a": a, "b": b}, {"sum": keras.layers.Add()([a, b]), "scaled": keras.layers.Dense(1)(a)})
    tf.saved_model.save(model, os.path.join(out, "keras_dict"))  # serving_default, and the model's own __call__
''')
OWN_CALL_CONSUMERS = "tf2_restored,hub_load,hub_keraslayer,tf2_load"


def test_a_models_own_call_is_called_as_its_users_call_it(grid, tmp_path):
    """A model's __call__ (TF Hub's obj(x), a Keras model saved by tf.saved_model.save) is a case of its own,
    called with the tensors it was traced on, as its users call it; its golden values are recorded that way."""
    models = str(tmp_path / "own_call")
    done = subprocess.run([sys.executable, "-c", OWN_CALL, models], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    assert done.returncode == 0, done.stdout[-3000:]
    assert grid.begin("--models", models).returncode == 0
    grid.run("produce", consumers=OWN_CALL_CONSUMERS, workers=1, extra_plugins=False)
    grid.run("consume", consumers=OWN_CALL_CONSUMERS, workers=2, extra_plugins=False)
    cells = {(c["case"], c["consumer"]): c for c in grid.cells()}

    def status(case, consumer):
        return cells[(case, consumer)]["status"], cells[(case, consumer)]["reason"]

    # no signature: obj(x) through every API that calls it, its goldens recorded by obj(x) in a reference TF
    for consumer in ("tf2_restored", "hub_load", "hub_keraslayer"):
        assert status("hub_style", consumer) == ("pass", ""), cells[("hub_style", consumer)]
    assert "no signature to call" in status("hub_style", "tf2_load")[1]
    reference = [r for r in grid.records(kind="reference") if r["case"] == "hub_style" and r["status"] == "pass"]
    assert reference and all("loaded(x)" in r["api"] and set(r["outputs"]) >= {"output_0"} for r in reference)
    # a Keras model: its signature and its own __call__ (a dict by input name) are two cases
    for consumer in ("tf2_restored", "hub_load"):
        assert status("keras_dict:__call__", consumer)[0] == "pass", cells[("keras_dict:__call__", consumer)]
    assert status("keras_dict", "tf2_load")[0] == "pass"
    assert status("keras_dict", "tf2_restored") == ("not_applicable", "this case calls the signature "
                                                    "'serving_default'; the model's own __call__ is checked in its "
                                                    "__call__ case")
    # traced with training=True only: obj(x) would find no function, so it is not called, and the cell says why
    assert status("only_training", "tf2_restored") == (
        "not_applicable", "the model's __call__ is not called here: traced with training=True only")
