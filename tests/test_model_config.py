"""Model configs in Keras 3's layout: Sequential and Functional get_config/from_config,
Keras' layer order of functional models, to_json/from_json and compile configs.

The four ``config.json`` files of tests/data/keras-files (written by Keras 3.15) are
read into glassnet models, and glassnet writes them back identically.
"""
import io
import json
import zipfile
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest
from helpers import wide_and_deep

import glassnet as keras
from glassnet import layers, optimizers
from glassnet.models import Functional, Sequential
from glassnet.saving import serialization_lib as sl

KERAS_FILES = Path(__file__).resolve().parent / "data" / "keras-files"
MANIFEST = json.loads((KERAS_FILES / "manifest.json").read_text())["models"]
NAMES = sorted(MANIFEST)


def keras_config(name):
    """The config.json of a .keras file saved by Keras, without Keras' shared-object ids."""
    with zipfile.ZipFile(KERAS_FILES / f"{name}.keras") as archive:
        return _without_shared_ids(json.loads(archive.read("config.json")))


def _without_shared_ids(value):
    if isinstance(value, dict):
        return {k: _without_shared_ids(v) for k, v in value.items() if k != "shared_object_id"}
    if isinstance(value, list):
        return [_without_shared_ids(v) for v in value]
    return value


def as_json(config):
    return json.loads(json.dumps(config))


def rebuilt(model, **kwargs):
    """serialize -> JSON -> deserialize, with the original weights copied in."""
    config = as_json(sl.serialize_keras_object(model))
    clone = sl.deserialize_keras_object(config, **kwargs)
    clone.set_weights(model.get_weights())
    return config, clone


# --------------------------------------------------------------------------
# models saved by Keras
# --------------------------------------------------------------------------

EXPECTED = {
    "lecture_mlp": (Sequential, ["Flatten", "Dense", "Dense", "Dense"], (None, 10)),
    "lecture_bn_dropout": (
        Sequential,
        ["Flatten", "BatchNormalization", "Dense", "BatchNormalization", "Dropout", "Dense",
         "BatchNormalization", "Dropout", "Dense"],
        (None, 10),
    ),
    "wide_and_deep": (
        Functional,
        ["InputLayer", "Dense", "InputLayer", "Dense", "Concatenate", "Dense", "Dense"],
        [(None, 1), (None, 1)],
    ),
    "small_cnn": (
        Sequential,
        ["Conv2D", "MaxPooling2D", "Conv2D", "BatchNormalization", "AveragePooling2D",
         "Conv2D", "GlobalAveragePooling2D", "Dropout", "Dense"],
        (None, 10),
    ),
}


@pytest.mark.parametrize("name", NAMES)
def test_keras_configs_load(name):
    config = keras_config(name)
    model = sl.deserialize_keras_object(config)
    cls, classes, output_shape = EXPECTED[name]
    assert type(model) is cls
    assert model.name == name
    assert [type(layer).__name__ for layer in model.layers] == classes
    keras_layers = [entry["config"]["name"] for entry in config["config"]["layers"]]
    if cls is Sequential:
        keras_layers = keras_layers[1:]  # Keras' Sequential.layers leave the InputLayer out
    assert [layer.name for layer in model.layers] == keras_layers
    assert model.output_shape == output_shape
    assert model.count_params() == MANIFEST[name]["count_params"]
    assert [w.path for w in model.weights] == MANIFEST[name]["weight_names"]
    assert [list(w.shape) for w in model.weights] == MANIFEST[name]["weight_shapes"]
    assert type(model.optimizer).__name__ == MANIFEST[name]["optimizer"]


@pytest.mark.parametrize("name", NAMES)
def test_glassnet_writes_the_keras_configs_back_unchanged(name):
    config = keras_config(name)
    model = sl.deserialize_keras_object(config)
    assert as_json(sl.serialize_keras_object(model)) == config


@pytest.mark.parametrize("name", NAMES)
def test_keras_configs_through_model_from_json(name):
    model = sl.model_from_json(json.dumps(keras_config(name)))
    x = MANIFEST[name]["x"]
    x = [np.asarray(a, "float32") for a in x] if name == "wide_and_deep" else np.asarray(
        x, "float32")
    y = model.predict(x, verbose=0)
    expected = MANIFEST[name]["y"]
    shapes = [np.shape(a) for a in y] if isinstance(y, list) else np.shape(y)
    assert shapes == ([np.shape(a) for a in expected] if isinstance(y, list)
                      else np.shape(expected))


def test_wide_and_deep_built_in_glassnet_has_keras_layer_order_and_config():
    model = wide_and_deep()
    assert [layer.name for layer in model.layers] == [
        "deep", "hidden1", "wide", "hidden2", "concat", "main_output", "aux_output"]
    expected = keras_config("wide_and_deep")
    assert as_json(sl.serialize_keras_object(model)["config"]) == expected["config"]




# --------------------------------------------------------------------------
# the layer order of functional models (Keras' map_graph)
# --------------------------------------------------------------------------


def test_layer_order_of_a_residual_block():
    x = layers.Input((4,), name="x")
    a = layers.Dense(4, name="a")(x)
    b = layers.Dense(4, name="b")(a)
    model = keras.Model(x, layers.Add(name="c")([a, b]))
    assert [layer.name for layer in model.layers] == ["x", "a", "b", "c"]


def test_layer_order_with_a_shared_layer_and_an_unused_input():
    x1, x2 = layers.Input((3,), name="x1"), layers.Input((3,), name="x2")
    unused = layers.Input((2,), name="unused")
    shared = layers.Dense(2, name="shared")
    out = layers.Concatenate(name="cat")([shared(x1), shared(x2)])
    model = keras.Model([x1, x2, unused], out)
    # depths: x1, x2 2; shared 1; cat 0, and the unused input 0, ahead of its depth
    assert [layer.name for layer in model.layers] == ["x1", "x2", "shared", "unused", "cat"]
    config = as_json(model.get_config())
    assert config["input_layers"] == [["x1", 0, 0], ["x2", 0, 0], ["unused", 0, 0]]
    clone = Functional.from_config(config)
    assert [layer.name for layer in clone.layers] == ["x1", "x2", "shared", "unused", "cat"]


def _shared_at_two_depths():
    x1, x2 = layers.Input((3,), name="x1"), layers.Input((3,), name="x2")
    unused = layers.Input((2,), name="unused")
    shared, twice = layers.Dense(3, name="shared"), layers.Dense(3, name="twice")
    out = layers.Concatenate(name="cat")([shared(x1), shared(twice(twice(shared(x2))))])
    return keras.Model([x1, x2, unused], out)


def _dict_model():
    a, b = layers.Input((4, 2), name="a"), layers.Input((3,), name="b")
    merged = layers.Concatenate(name="merged")([layers.GlobalAveragePooling1D(name="gap")(a), b])
    merged = layers.BatchNormalization(name="bn")(merged)
    probs = layers.Softmax(name="probs")(layers.Dense(3, name="logits")(merged))
    return keras.Model({"b": b, "a": a}, {"zscore": layers.Dense(1, name="zscore")(merged),
                                          "probs": probs})


def _one_dimensional():
    x = layers.Input((5, 3), name="seq_in")
    pooled = layers.AveragePooling1D(1, name="p2")(
        layers.MaxPooling1D(name="p1")(layers.Conv1D(2, 2, name="c1")(x)))
    flat = layers.Flatten(name="f")(pooled)
    top = layers.GlobalMaxPooling1D(name="g1")(pooled)
    most = layers.Maximum(name="mx")([layers.Dense(2, name="da")(flat),
                                      layers.Dense(2, name="db")(top)])
    least = layers.Minimum(name="mn")([most, most])
    return keras.Model(x, [layers.Subtract(name="sub")([most, least]),
                           layers.Average(name="avg")([most, most]),
                           layers.Multiply(name="mul")([most, most])])


# the orders Keras 3.15.1 gives the same graphs (dict outputs are walked by sorted key)
@pytest.mark.parametrize("build, keras_order", [
    (_shared_at_two_depths, ["x1", "x2", "shared", "twice", "unused", "cat"]),
    (_dict_model, ["a", "gap", "b", "merged", "bn", "logits", "probs", "zscore"]),
    (_one_dimensional, ["seq_in", "c1", "p1", "p2", "f", "g1", "da", "db", "mx", "mn", "sub",
                        "avg", "mul"]),
], ids=["shared", "dicts", "one_dimensional"])
def test_layer_orders_keras_gives(build, keras_order):
    model = build()
    assert [layer.name for layer in model.layers] == keras_order
    clone = Functional.from_config(as_json(model.get_config()))
    assert [layer.name for layer in clone.layers] == keras_order


def test_mask_argument_recorded_as_keras_does():
    """Keras records ``mask=None`` in the nodes of layers whose call() takes a mask."""
    config = as_json(_dict_model().get_config())
    kwargs = {entry["name"]: [node["kwargs"] for node in entry["inbound_nodes"]]
              for entry in config["layers"]}
    assert kwargs == {"a": [], "gap": [{"mask": None}], "b": [], "merged": [{}],
                      "bn": [{"mask": None}], "logits": [{}], "probs": [{"mask": None}],
                      "zscore": [{}]}
    assert config["input_layers"] == {"b": ["b", 0, 0], "a": ["a", 0, 0]}


def test_the_reordered_graph_still_computes_the_same():
    model = wide_and_deep()
    rng = np.random.default_rng(0)
    wide, deep = rng.standard_normal((4, 5)), rng.standard_normal((4, 6))
    main, aux = model.predict([wide, deep], verbose=0)
    w = {layer.name: layer.get_weights() for layer in model.layers if layer.weights}
    h1 = np.maximum(deep @ w["hidden1"][0] + w["hidden1"][1], 0)
    h2 = np.maximum(h1 @ w["hidden2"][0] + w["hidden2"][1], 0)
    expected_main = np.concatenate([wide, h2], axis=1) @ w["main_output"][0] + w["main_output"][1]
    np.testing.assert_allclose(main, expected_main, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(aux, h2 @ w["aux_output"][0] + w["aux_output"][1], rtol=1e-5,
                               atol=1e-6)


def test_functional_summary_lists_layers_in_keras_order_with_connections():
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        wide_and_deep().summary()
    text = buffer.getvalue()
    assert "Connected to" in text
    order = [text.index(f"{name} (") for name in ("deep", "hidden1", "wide", "hidden2",
                                                 "concat", "main_output", "aux_output")]
    assert order == sorted(order)
    assert "wide[0][0]" in text and "hidden2[0][0]" in text


# --------------------------------------------------------------------------
# functional configs: shared layers, several inputs and outputs, nesting
# --------------------------------------------------------------------------


def _assert_same_model(model, clone, inputs):
    assert type(clone) is type(model)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert as_json(clone.get_config()) == as_json(model.get_config())
    inputs = _float32(inputs)
    expected, actual = model(inputs), clone(inputs)
    for e, a in zip(_leaves(expected), _leaves(actual), strict=True):
        np.testing.assert_allclose(a, e, rtol=1e-6)


def _float32(value):
    if isinstance(value, dict):
        return {key: _float32(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_float32(v) for v in value]
    return np.asarray(value, "float32")


def _leaves(value):
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def test_a_layer_shared_by_two_inputs():
    x1, x2 = layers.Input((3,), name="x1"), layers.Input((3,), name="x2")
    shared = layers.Dense(2, name="shared")
    out = layers.Concatenate(name="cat")([shared(x1), shared(x2)])
    model = keras.Model([x1, x2], out, name="siamese")
    config, clone = rebuilt(model)
    shared_entry = next(e for e in config["config"]["layers"] if e["name"] == "shared")
    assert len(shared_entry["inbound_nodes"]) == 2
    histories = [node["args"][0]["config"]["keras_history"]
                 for node in shared_entry["inbound_nodes"]]
    assert histories == [["x1", 0, 0], ["x2", 0, 0]]
    cat_entry = next(e for e in config["config"]["layers"] if e["name"] == "cat")
    args = cat_entry["inbound_nodes"][0]["args"][0]
    assert [t["config"]["keras_history"] for t in args] == [["shared", 0, 0], ["shared", 1, 0]]
    rng = np.random.default_rng(1)
    _assert_same_model(model, clone, [rng.standard_normal((2, 3)), rng.standard_normal((2, 3))])


def test_a_layer_applied_twice_in_a_row():
    x = layers.Input((4,), name="x")
    twice = layers.Dense(4, activation="tanh", name="twice")
    model = keras.Model(x, twice(twice(x)))
    config, clone = rebuilt(model)
    entry = next(e for e in config["config"]["layers"] if e["name"] == "twice")
    assert [n["args"][0]["config"]["keras_history"] for n in entry["inbound_nodes"]] == [
        ["x", 0, 0], ["twice", 0, 0]]
    assert config["config"]["output_layers"] == ["twice", 1, 0]
    _assert_same_model(model, clone, np.random.default_rng(2).standard_normal((3, 4)))


def test_dict_inputs_and_outputs():
    a, b = layers.Input((2,), name="a"), layers.Input((3,), name="b")
    merged = layers.Concatenate(name="merged")([a, b])
    outputs = {"score": layers.Dense(1, name="score")(merged),
               "probs": layers.Dense(3, activation="softmax", name="probs")(merged)}
    model = keras.Model({"a": a, "b": b}, outputs)
    config, clone = rebuilt(model)
    assert config["config"]["input_layers"] == {"a": ["a", 0, 0], "b": ["b", 0, 0]}
    assert config["config"]["output_layers"] == {"score": ["score", 0, 0],
                                                 "probs": ["probs", 0, 0]}
    rng = np.random.default_rng(3)
    _assert_same_model(model, clone, {"a": rng.standard_normal((2, 2)),
                                      "b": rng.standard_normal((2, 3))})


def test_a_single_input_and_nested_output_lists():
    x = layers.Input((3,), name="x")
    h = layers.Dense(4, name="h")(x)
    model = keras.Model(x, [h, [layers.Dense(1, name="o1")(h), layers.Dense(2, name="o2")(h)]])
    config, clone = rebuilt(model)
    assert config["config"]["input_layers"] == ["x", 0, 0]
    assert config["config"]["output_layers"] == [["h", 0, 0], [["o1", 0, 0], ["o2", 0, 0]]]
    _assert_same_model(model, clone, np.ones((2, 3)))


def test_nested_input_lists():
    a, b, c = layers.Input((2,), name="a"), layers.Input((3,), name="b"), layers.Input((1,),
                                                                                    name="c")
    model = keras.Model([[a, b], c], layers.Concatenate(name="cat")([a, b, c]))
    config, clone = rebuilt(model)
    assert config["config"]["input_layers"] == [[["a", 0, 0], ["b", 0, 0]], ["c", 0, 0]]
    _assert_same_model(model, clone, [[np.ones((2, 2)), np.ones((2, 3))], np.ones((2, 1))])


def test_call_keyword_arguments_are_kept():
    x = layers.Input((3,), name="x")
    y = layers.Softmax(name="soft")(layers.Dense(3, name="d")(x))
    model = keras.Model(x, layers.Dropout(0.5, name="drop")(y, training=False))
    config, clone = rebuilt(model)
    entry = next(e for e in config["config"]["layers"] if e["name"] == "drop")
    assert entry["inbound_nodes"][0]["kwargs"] == {"training": False}
    _assert_same_model(model, clone, np.ones((2, 3)))


def test_models_nested_in_a_functional_model():
    inner_x = layers.Input((3,), name="inner_x")
    inner = keras.Model(inner_x, layers.Dense(2, name="inner_dense")(inner_x), name="inner")
    stack = keras.Sequential([layers.Input((2,)), layers.Dense(2, name="stack_dense")],
                             name="stack")
    x = layers.Input((3,), name="outer_x")
    model = keras.Model(x, stack(inner(x)), name="outer")
    config, clone = rebuilt(model)
    entries = {e["name"]: e for e in config["config"]["layers"]}
    assert entries["inner"]["class_name"] == "Functional"
    assert entries["stack"]["class_name"] == "Sequential"
    assert entries["stack"]["inbound_nodes"][0]["args"][0]["config"]["keras_history"] == [
        "inner", 0, 0]
    _assert_same_model(model, clone, np.ones((2, 3)))


def test_a_nested_functional_model_as_output():
    inner_x = layers.Input((3,), name="inner_x")
    inner = keras.Model(inner_x, layers.Dense(2, name="inner_dense")(inner_x), name="inner")
    x = layers.Input((3,), name="outer_x")
    model = keras.Model(x, inner(x), name="outer")
    config, clone = rebuilt(model)
    # in output_layers Keras counts a nested functional model's own graph as its node 0
    assert config["config"]["output_layers"] == ["inner", 1, 0]
    _assert_same_model(model, clone, np.ones((2, 3)))


def test_a_lambda_layer_in_a_functional_model_needs_safe_mode_off():
    x = layers.Input((3,), name="x")
    model = keras.Model(x, layers.Lambda(lambda t: t * 3.0, name="triple")(x))
    text = sl.model_to_json(model)
    with pytest.raises(ValueError, match="Lambda` layer whose `function` is a Python lambda"):
        sl.model_from_json(text)
    clone = sl.deserialize_keras_object(json.loads(text), safe_mode=False)
    np.testing.assert_allclose(clone.predict(np.ones((1, 3)), verbose=0), [[3.0, 3.0, 3.0]])


def test_functional_from_config_directly():
    model = wide_and_deep()
    clone = Functional.from_config(as_json(model.get_config()))
    assert as_json(clone.get_config()) == as_json(model.get_config())


def test_a_disconnected_config_is_refused():
    config = as_json(wide_and_deep().get_config())
    hidden2 = next(e for e in config["layers"] if e["name"] == "hidden2")
    hidden2["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["hidden2", 0, 0]
    with pytest.raises(ValueError, match="loops or disconnected nodes"):
        Functional.from_config(config)


def test_a_keras_2_functional_config_with_list_nodes():
    config = {
        "name": "legacy", "trainable": True,
        "layers": [
            {"class_name": "InputLayer", "name": "x",
             "config": {"batch_shape": [None, 3], "name": "x"}, "inbound_nodes": []},
            {"class_name": "Dense", "name": "d", "config": {"units": 2, "name": "d"},
             "inbound_nodes": [[["x", 0, 0, {}]]]},
        ],
        "input_layers": [["x", 0, 0]], "output_layers": [["d", 0, 0]],
    }
    model = Functional.from_config(config)
    assert model.output_shape == [(None, 2)]
    assert model.count_params() == 8


# --------------------------------------------------------------------------
# Sequential configs
# --------------------------------------------------------------------------


def test_sequential_config_layout():
    model = keras.Sequential([layers.Input((28, 28), name="pixels"), layers.Flatten(),
                              layers.Dense(10, name="out")], name="mlp")
    config = as_json(model.get_config())
    assert list(config) == ["name", "trainable", "dtype", "layers", "build_input_shape"]
    assert config["layers"][0] == {
        "module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
        "config": {"batch_shape": [None, 28, 28], "dtype": "float32", "sparse": False,
                   "ragged": False, "name": "pixels", "optional": False},
    }
    assert config["layers"][2]["build_config"] == {"input_shape": [None, 784]}
    assert config["build_input_shape"] == [None, 28, 28]
    full = as_json(sl.serialize_keras_object(model))
    assert (full["module"], full["class_name"], full["registered_name"]) == (
        "keras", "Sequential", None)
    assert full["build_config"] == {"input_shape": [None, 28, 28]}


def test_sequential_round_trip_builds_the_weights():
    model = keras.Sequential([layers.Input((5,)), layers.Dense(4, activation="relu"),
                              layers.BatchNormalization(), layers.Dense(2)])
    _, clone = rebuilt(model)
    assert clone.built
    assert [w.path for w in clone.weights] == [w.path for w in model.weights]
    _assert_same_model(model, clone, np.random.default_rng(4).standard_normal((3, 5)))


def test_a_sequential_model_built_on_data():
    model = keras.Sequential([layers.Dense(3), layers.Dense(1)], name="on_data")
    model.predict(np.ones((2, 4)), verbose=0)
    config = as_json(model.get_config())
    assert config["build_input_shape"] == [None, 4]  # as Keras: an InputLayer from the data
    assert [entry["class_name"] for entry in config["layers"]] == [
        "InputLayer", "Dense", "Dense"]
    assert config["layers"][0]["config"]["batch_shape"] == [None, 4]
    assert config["layers"][2]["build_config"] == {"input_shape": [None, 3]}
    clone = Sequential.from_config(config)
    assert clone.built and clone.count_params() == model.count_params()


def test_an_unbuilt_sequential_model():
    model = keras.Sequential([layers.Dense(3), layers.Dense(1)], name="unbuilt")
    config = as_json(model.get_config())
    assert "build_input_shape" not in config
    clone = Sequential.from_config(config)
    assert not clone.built and len(clone.layers) == 2


def test_a_sequential_model_with_the_keras_2_input_shape_argument():
    with pytest.warns(DeprecationWarning):
        model = keras.Sequential([layers.Dense(2, input_shape=(3,))])
    config = as_json(model.get_config())
    assert config["layers"][0]["class_name"] == "InputLayer"
    assert "batch_input_shape" not in config["layers"][1]["config"]  # Keras rejects it
    assert Sequential.from_config(config).count_params() == 8


def test_a_frozen_sequential_model_stays_frozen():
    model = keras.Sequential([layers.Input((2,)), layers.Dense(1)], trainable=False)
    _, clone = rebuilt(model)
    assert clone.trainable is False and clone.trainable_weights == []


def test_a_sequential_config_without_name_is_refused():
    with pytest.raises(ValueError, match="must be a dictionary containing the 'name'"):
        Sequential.from_config({"layers": []})


# --------------------------------------------------------------------------
# JSON and compile configs
# --------------------------------------------------------------------------


def test_to_json_and_back_keeps_the_compile_config():
    model = wide_and_deep()
    model.compile(optimizer=optimizers.SGD(0.01, momentum=0.9), loss=["mse", "mse"],
                  loss_weights=[0.9, 0.1])
    text = sl.model_to_json(model, indent=2)
    assert "\n" in text
    config = json.loads(text)
    assert config["compile_config"] == {
        "optimizer": as_json(sl.serialize_keras_object(model.optimizer)),
        "loss": ["mse", "mse"], "loss_weights": [0.9, 0.1], "metrics": None,
        "weighted_metrics": None, "run_eagerly": False, "steps_per_execution": 1,
        "jit_compile": True,
    }
    clone = sl.model_from_json(text)
    assert clone.compiled
    assert clone.optimizer.get_config() == model.optimizer.get_config()
    x, y = [np.ones((4, 5)), np.ones((4, 6))], [np.zeros((4, 1)), np.zeros((4, 1))]
    clone.train_on_batch(x, y)


def test_an_uncompiled_model_has_an_empty_compile_config():
    assert sl.compile_config(wide_and_deep()) == {}  # as Keras writes it
    config = sl.serialize_keras_object(wide_and_deep())
    assert config["compile_config"] == {}
    assert not sl.deserialize_keras_object(as_json(config)).compiled


def test_compile_from_config_with_keras_configs():
    config = keras_config("lecture_bn_dropout")["compile_config"]
    model = keras.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    sl.compile_from_config(model, config)
    assert type(model.optimizer).__name__ == "Adam"
    assert model.optimizer.learning_rate == pytest.approx(0.001)
    logs = model.train_on_batch(np.ones((2, 4)), np.array([0, 2]), return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    assert as_json(sl.compile_config(model)) == config
