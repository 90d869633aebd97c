"""The checks that keep the table true name what a hand audit would find: a false fail on the
diagonal, a lenient pass among equivalent loaders, and a reason that is not the API's own message."""
import sys

from reports import checks, derive
from tests.synthetic import World, registry


REGISTRY = """
[[issue]]
id = "documented"
consumer = "tf2_finetune"
reason = "documented"
link = "https://example.org"
"""


def planted(tmp_path):
    w = World(tmp_path / "results")
    for env in ("tf215", "tf221"):
        w.env(env)
        w.produce("tf2_module", "dense", env)
    # the diagonal: tf2_module documents tf2_load; its own TF cannot read it -> a false fail to find
    w.cell("tf2_module", "dense", "tf215", "tf2_load", "tf215", "fail", "ValueError: signature takes x, got a dict")
    # a lenient pass: hub_load passes where its equivalent loaders fail on the same artifact
    w.cell("tf2_module", "dense", "tf215", "hub_load", "tf221", "pass")
    w.cell("tf2_module", "dense", "tf215", "tf2_restored", "tf221", "fail", "TypeError: bad call")
    # a bad reason: a traceback line instead of the error's own message
    w.cell("tf2_module", "dense", "tf215", "onnx", "tf221", "fail",
           "tf2onnx.convert exited 1: self._traceback = tf_stack.extract_stack()")
    # a claim about the model's origin its own files contradict
    w.cell("tf2_module", "dense", "tf215", "tf2_load", "tf221", "fail",
           "the restored object has no __call__ (a TF1 SavedModel has signatures only)", writer_tf="2.15.1")
    # not flagged: a documented limitation, explained by the registry
    w.cell("tf2_module", "dense", "tf215", "tf2_finetune", "tf215", "fail", "outputs differ: trainable 0")
    return derive.annotate(w.results(), registry(tmp_path / "k.toml", REGISTRY))


def test_the_diagonal_check_names_an_unexplained_red_cell_of_a_documented_path(tmp_path):
    found = checks.diagonal(planted(tmp_path))
    assert list(found["cell"]) == ["tf2_load-tf215/tf2_module/dense@tf215"]


def test_the_disagreement_check_names_a_loader_that_passes_where_its_equivalents_fail(tmp_path):
    found = checks.disagreements(planted(tmp_path))
    pairs = set(zip(found["passes"], found["fails"]))
    assert ("hub_load", "tf2_restored") in pairs and ("hub_load", "tf2_load") in pairs


def test_the_reason_check_names_traceback_lines_and_unsupported_origin_claims(tmp_path):
    found = checks.reason_problems(planted(tmp_path)).set_index("cell")["problem"]
    assert found["onnx-tf215/tf2_module/dense@tf221"] == "a traceback line, not the error message"
    assert "its files say TF 2.15.1 wrote it" in found["tf2_load-tf215/tf2_module/dense@tf221"]
    assert "tf2_finetune-tf215/tf2_module/dense@tf215" not in found


def test_the_report_shows_the_three_counts(tmp_path):
    from reports import build
    folder = build.build(results=planted(tmp_path), out_root=str(tmp_path / "history"),
                         registry=registry(tmp_path / "k.toml", REGISTRY))
    page = open(folder + "/index.html").read()
    assert "<b>1</b> unexplained diagonal failures" in page and "<b>2</b> flagged reasons" in page


def test_a_converter_error_is_its_message_not_its_location_dump():
    from matrix import reasons
    text = ("<unknown>:0: error: loc(callsite(callsite(\"mul@__inference_run_15\" at \"PartitionedCall\") at "
            "callsite(\"PartitionedCall\"(\"/x/loader_impl.py\":300:0) at \"y\"))): 'tf.Mul' op is neither a custom "
            "op nor a flex op\n<unknown>:0: note: see current operation")
    assert reasons.of_message("ConverterError", text) == \
        "ConverterError: 'tf.Mul' op is neither a custom op nor a flex op"
    # TF 2.4 names the loader's file on this machine instead: the reason must not depend on where TF is installed
    text = ("/home/me/.tox/consume-tf24/lib/python3.8/site-packages/tensorflow/python/saved_model/loader_impl.py:300:0:"
            " error: 'tf.StringLength' op is neither a custom op nor a flex op")
    assert reasons.of_message("ConverterError", text) == \
        "ConverterError: 'tf.StringLength' op is neither a custom op nor a flex op"
    # TF 2.15 and later: after the converter's own first sentence, on the same line
    for text in ("Could not translate MLIR to FlatBuffer.<unknown>:0: error: loc(callsite(fused[\"Mul:\", \"mul@f\"] at "
                 "fused[\"PartitionedCall:\", \"PartitionedCall\"])): 'tf.Mul' op is neither a custom op nor a flex op",
                 "Could not translate MLIR to FlatBuffer. UNKNOWN: <unknown>:0: error: loc(fused[\"Mul:\", \"mul\"]): "
                 "'tf.Mul' op is neither a custom op nor a flex op"):
        assert reasons.of_message("ConverterError", text) == \
            "ConverterError: 'tf.Mul' op is neither a custom op nor a flex op"


def test_a_wrapped_error_is_the_error_it_wraps():
    from matrix import reasons
    message = ("Restoring from checkpoint failed. This is most likely due to a mismatch between the current graph "
               "and the graph from the checkpoint. Original error:\n\nGraph execution error:\n\nDetected at node 'a' "
               "defined at (most recent call last):\nNode: 'a'\nCannot assign a device for operation a: {{node a}} "
               "was explicitly assigned to /device:GPU:0\n\t [[a]]")
    assert reasons.of_message("InvalidArgumentError", message) == \
        "InvalidArgumentError: Cannot assign a device for operation a: {{node a}} was explicitly assigned to /device:GPU:0"
    # TF 2.16 and later, when it has no Python stack for the node (a model written by another program)
    message = ("Graph execution error:\n\nDetected at node XlaCallModule defined at (most recent call last):\n"
               "<stack traces unavailable>\nCannot deserialize computation\n\t [[{{node XlaCallModule}}]]")
    assert reasons.of_message("InvalidArgumentError", message) == "InvalidArgumentError: Cannot deserialize computation"


def test_a_program_s_exception_wins_over_the_errors_tf_logs_and_carries_on_from():
    from matrix import reasons
    printed = ("Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\n"
               "packaging.version.InvalidVersion: Invalid version: '0.12.head'\n"
               "E0000 00:00:1700000000.1 12 cuda_executor.cc:1] failed call to cuInit: UNKNOWN ERROR (303)\n")
    assert reasons.of_output(printed) == "InvalidVersion: Invalid version: '0.12.head'"
    toco = ("F1129 12:00:00.0 1 tooling_util.cc:1] Check failed: x == y Unsupported shape\n"
            "ConverterError: See console for info.\n")
    assert reasons.of_output(toco) == "Check failed: x == y Unsupported shape"
    assert reasons.of_output("E0000 00:00:1.1 1 a.cc:1] only a logged error\n") == "only a logged error"


def test_a_reason_names_the_model_s_folder_the_cell_s_temporary_folder_and_the_checkout_not_this_machine():
    """The same verdict reads the same on every machine and in every run (temporary names are random)."""
    from matrix import reasons
    places = [("/data/store/tf221/keras/dense", "<artifact>"), ("/tmp/matrix-worker-zmqif8tj/artifact-hda1r61i", "<tmp>"),
              ("/home/ci/savedmodel-matrix", "<repo>")]
    assert reasons.placeless("ValueError: File format not supported: filepath=/data/store/tf221/keras/dense/model. "
                             "Keras 3 only", places) == \
        "ValueError: File format not supported: filepath=<artifact>/model. Keras 3 only"
    assert reasons.placeless("NotFoundError: /tmp/matrix-worker-zmqif8tj/artifact-hda1r61i/vocab-9rmuns34/vocab.txt; "
                             "No such file", places) == "NotFoundError: <tmp>/vocab-*/vocab.txt; No such file"
    # TF names a source file without its leading "/"; a folder is replaced whole, never inside another name
    assert reasons.placeless("node a (defined at home/ci/savedmodel-matrix/consumers/tf1_session.py:17) in "
                             "tensorflow/core/framework/ci/savedmodel-matrix2", places) == \
        "node a (defined at <repo>/consumers/tf1_session.py:17) in tensorflow/core/framework/ci/savedmodel-matrix2"
    # the virtualenv's folder too: TF names its own source files ("defined at <env>/lib/python3.7/...")
    places.insert(2, ("/home/ci/savedmodel-matrix/.tox/tf115", "<env>"))
    assert reasons.placeless("node a (defined at home/ci/savedmodel-matrix/.tox/tf115/lib/python3.7/site-packages/"
                             "tensorflow_core/python/framework/ops.py:1748)", places) == \
        "node a (defined at <env>/lib/python3.7/site-packages/tensorflow_core/python/framework/ops.py:1748)"


def test_a_failing_cell_s_reason_is_placeless():
    from matrix import worker

    def refuse():
        raise ValueError("cannot read /data/store/tf221/keras/dense/model")
    try:
        refuse()
    except ValueError as exc:
        failed = worker.failure(exc, ("/nowhere/",), [("/data/store/tf221/keras/dense", "<artifact>")])
    assert (failed.status, failed.reason) == ("fail", "ValueError: cannot read <artifact>/model")
    assert worker.places("/data/store/tf221/keras/dense")[2] == (sys.prefix, "<env>")


def test_a_reason_cut_at_its_width_inside_a_folder_s_name_names_the_folder():
    from matrix import reasons
    assert reasons.placeless("use TFSMLayer(/data/store/models/corpus/half_plus_two:cl",
                             [("/data/store/models/corpus/half_plus_two:classify", "<artifact>")]) == \
        "use TFSMLayer(<artifact>…"
    assert reasons.placeless("cannot write /data/store", [("/data/store/models/corpus/x", "<artifact>")]) == \
        "cannot write /data/store"  # a short path that ends a message is not taken for a cut folder
