"""tf.saved_model.save, then MethodNameUpdater marks the signatures as TF Serving classify/regress methods."""
from matrix.plugin import Export, executing_eagerly
from producers.build import examples

API = "tf.saved_model.save + tf.compat.v1.saved_model.signature_def_utils.MethodNameUpdater"
CASES = ("example_regress",)
LOADS_WITH = ("tf1_session", "signature_method_names", "tf2_load", "saved_model_cli")  # the load APIs its documentation shows
METHOD_NAMES = {"serving_default": "tensorflow/serving/regress", "classify": "tensorflow/serving/classify"}


def available(tf):
    utils = getattr(tf.compat.v1.saved_model, "signature_def_utils", None)
    if utils is None or not hasattr(utils, "MethodNameUpdater"):
        return "tf.compat.v1.saved_model.signature_def_utils.MethodNameUpdater does not exist in this TF"
    if not executing_eagerly(tf):
        return "tf.saved_model.save needs eager execution"


def produce(tf, case, export_dir):
    module = tf.Module()
    module.weights = {k: tf.Variable(v, name=k) for k, v in examples.WEIGHTS.items()}
    spec = tf.TensorSpec([None], tf.string)

    @tf.function(input_signature=[spec])
    def regress(inputs):
        x = examples.parse(tf, inputs)
        return {"outputs": examples.regress(tf, x, module.weights["w"], module.weights["b"])}

    @tf.function(input_signature=[spec])
    def classify(inputs):
        scores, classes = examples.classify(tf, examples.parse(tf, inputs), module.weights["class_w"],
                                            module.weights["class_b"])
        return {"scores": scores, "classes": classes}

    inputs = case.inputs()
    serialized = tf.constant(inputs["inputs"].tolist())
    golden = {"outputs": regress(serialized)["outputs"].numpy()}
    tf.saved_model.save(module, export_dir, signatures={"serving_default": regress, "classify": classify})
    updater = tf.compat.v1.saved_model.signature_def_utils.MethodNameUpdater(export_dir)
    for key, method in METHOD_NAMES.items():
        updater.replace_method_name(signature_key=key, method_name=method, tags="serve")
    updater.save()
    variables = {k: v.numpy() for k, v in module.weights.items()}
    # serving_default (regress) reads w and b; class_w and class_b feed the classify signature only.
    return Export(inputs, golden, variables=variables, variable_kind="resource", trained_by_signature=["w", "b"],
                  method_names=METHOD_NAMES)
