"""glassnet.saving.serialization_lib: Keras 3's config layout, both ways.

Objects are serialized to Keras' ``{"module", "class_name", "config", "registered_name"}``
dicts with Keras' public module names, go through JSON (as a ``.keras`` file stores
them), and come back as equal objects; configs written by Keras load too.  Every public
layer (with the constructor arguments of ``LAYER_CASES``), initializer, regularizer,
constraint, optimizer, learning-rate schedule, loss and metric is round-tripped.
"""
import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_properties_layers import (
    ALL_LAYERS,
    CLIPPING,
    CONSTRAINT_ARGS,
    INITIALIZER_ARGS,
    LAYER_CASES,
    LOSS_ARGS,
    METRIC_ARGS,
    OPTIMIZER_ARGS,
    OPTIMIZER_OVERRIDES,
    REGULARIZER_ARGS,
    SCHEDULES,
    _input_layer_cases,
    _inputs,
    _quietly,
    arguments_for,
    by_name,
    classes_in,
    schedule_arguments,
)

import glassnet as keras
from glassnet import (
    activations,
    constraints,
    initializers,
    layers,
    losses,
    metrics,
    ops,
    optimizers,
    regularizers,
)
from glassnet.optimizers import schedules
from glassnet.saving import serialization_lib as sl


def json_round_trip(config):
    """What a config is after a trip through a JSON file (tuples become lists)."""
    return json.loads(json.dumps(config))


def keras_round_trip(obj, **kwargs):
    """serialize -> JSON -> deserialize; checks the restored object serializes the same.
    Returns (the JSON config, the restored object)."""
    config = json_round_trip(sl.serialize_keras_object(obj))
    restored = _quietly(sl.deserialize_keras_object, config, **kwargs)
    assert type(restored) is type(obj)
    assert json_round_trip(sl.serialize_keras_object(restored)) == config
    return config, restored


@pytest.fixture
def registry():
    """Leaves the global custom-object registry as it found it."""
    objects, names = dict(sl.GLOBAL_CUSTOM_OBJECTS), dict(sl.GLOBAL_CUSTOM_NAMES)
    yield
    sl.GLOBAL_CUSTOM_OBJECTS.clear()
    sl.GLOBAL_CUSTOM_OBJECTS.update(objects)
    sl.GLOBAL_CUSTOM_NAMES.clear()
    sl.GLOBAL_CUSTOM_NAMES.update(names)


# --------------------------------------------------------------------------
# the layout
# --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, True, 3, 2.5, "relu", [1, "a", None], {"a": [1, 2]}])
def test_plain_values_pass_through(value):
    assert sl.serialize_keras_object(value) == value
    assert sl.deserialize_keras_object(value) == value


def test_tuples_stay_tuples_and_numpy_values_are_converted():
    assert sl.serialize_keras_object((1, (2, 3))) == (1, (2, 3))
    assert sl.serialize_keras_object(np.float32(0.5)) == 0.5
    assert isinstance(sl.serialize_keras_object(np.int64(3)), int)
    config = sl.serialize_keras_object(np.arange(3, dtype="float32"))
    assert config == {"class_name": "__numpy__",
                      "config": {"value": [0.0, 1.0, 2.0], "dtype": "float32"}}
    restored = sl.deserialize_keras_object(json_round_trip(config))
    np.testing.assert_array_equal(restored, np.arange(3, dtype="float32"))
    assert restored.dtype == np.float32


def test_an_initializer_in_keras_layout():
    config = sl.serialize_keras_object(initializers.GlorotUniform(seed=3))
    assert config == {
        "module": "keras.initializers",
        "class_name": "GlorotUniform",
        "config": {"seed": 3, "input_axes": None, "output_axes": None},
        "registered_name": None,
    }
    restored = sl.deserialize_keras_object(config)
    assert isinstance(restored, initializers.GlorotUniform) and restored.seed == 3


@pytest.mark.parametrize("obj, module", [
    (layers.Dense(2), "keras.layers"),
    (regularizers.L2(0.1), "keras.regularizers"),
    (constraints.MaxNorm(2.0), "keras.constraints"),
    (optimizers.Adam(), "keras.optimizers"),
    (schedules.ExponentialDecay(0.1, 10, 0.9), "keras.optimizers.schedules"),
    (losses.MeanSquaredError(), "keras.losses"),
    (metrics.Accuracy(), "keras.metrics"),
    (keras.Sequential(), "keras"),
    (sl.DTypePolicy("float32"), "keras"),
], ids=lambda value: type(value).__name__ if not isinstance(value, str) else value)
def test_objects_are_written_under_keras_public_modules(obj, module):
    config = sl.serialize_keras_object(obj)
    assert config["module"] == module
    assert config["class_name"] == type(obj).__name__
    assert config["registered_name"] is None


def test_a_functional_model_is_keras_private_class():
    x = layers.Input((3,))
    config = sl.serialize_keras_object(keras.Model(x, layers.Dense(2)(x)))
    assert (config["module"], config["class_name"], config["registered_name"]) == (
        "keras.src.models.functional", "Functional", "Functional")
    assert config["build_config"] == {"input_shape": None}


def test_a_layer_config_has_the_dtype_policy_and_build_config():
    layer = layers.Dense(4, activation="relu", name="d")
    layer(np.zeros((2, 3), "float32"))
    config = sl.serialize_keras_object(layer)
    assert config["config"]["dtype"] == {
        "module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
        "registered_name": None,
    }
    assert config["config"]["activation"] == "relu"  # a built-in activation: its name
    assert config["config"]["quantization_config"] is None
    assert "activity_regularizer" not in config["config"]  # Keras' Dense omits None
    assert config["build_config"] == {"input_shape": (None, 3)}


def test_layers_keras_builds_in_their_constructor_have_no_build_config():
    layer = layers.Dropout(0.5)
    layer(np.zeros((2, 3), "float32"))
    assert "build_config" not in sl.serialize_keras_object(layer)
    assert "build_config" not in sl.serialize_keras_object(layers.Dense(2))  # not built


def test_dtype_read_as_policy_dict_or_plain_string():
    policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float64"},
              "registered_name": None, "shared_object_id": 140}
    for dtype in (policy, "float64"):
        config = {"module": "keras.layers", "class_name": "Dense",
                  "config": {"units": 2, "name": "d", "dtype": dtype}, "registered_name": None}
        assert sl.deserialize_keras_object(config).dtype == "float64"
    mixed = {**policy, "config": {"name": "mixed_float16"}}
    config = {"module": "keras.layers", "class_name": "Dense",
              "config": {"units": 2, "name": "d", "dtype": mixed}}
    with pytest.raises(ValueError, match="mixed_float16"):
        sl.deserialize_keras_object(config)


@pytest.mark.parametrize("module", ["keras.layers", "keras.src.layers.core.dense",
                                    "glassnet.layers.dense", "glassnet.layers"])
def test_keras_internal_and_glassnet_module_names_resolve(module):
    config = {"module": module, "class_name": "Dense", "config": {"units": 3},
              "registered_name": None}
    assert isinstance(sl.deserialize_keras_object(config), layers.Dense)


def test_a_keras_2_config_without_module_resolves_by_class_name():
    layer = sl.deserialize_keras_object({"class_name": "Dense", "config": {"units": 3}})
    assert isinstance(layer, layers.Dense) and layer.units == 3


def test_an_unknown_class_is_a_value_error_naming_it_and_where_it_was_looked_for():
    config = {"module": "keras.layers", "class_name": "Transmogrifier", "config": {},
              "registered_name": None}
    with pytest.raises(ValueError, match=r"Could not locate class 'Transmogrifier' "
                                         r"\(looked in glassnet.layers .*keras.layers"):
        sl.deserialize_keras_object(config)
    with pytest.raises(TypeError):  # Keras raises TypeError for it: both catch it
        sl.deserialize_keras_object(config)
    custom = {"module": "my_package.layers", "class_name": "Mine", "config": {},
              "registered_name": "Mine"}
    with pytest.raises(ValueError, match=r"Could not locate class 'Mine'.*register_keras"):
        sl.deserialize_keras_object(custom)


# --------------------------------------------------------------------------
# functions, lambdas
# --------------------------------------------------------------------------


def test_functions_serialize_as_keras_does():
    assert sl.serialize_keras_object(activations.relu) == {
        "module": "builtins", "class_name": "function", "config": "relu",
        "registered_name": "function",
    }
    assert sl.deserialize_keras_object(sl.serialize_keras_object(activations.relu)) is (
        activations.relu)
    mse = sl.serialize_keras_object(losses.mean_squared_error)
    assert mse["config"] == "mean_squared_error"
    assert sl.deserialize_keras_object(mse) is losses.mean_squared_error


def test_a_glassnet_op_is_written_under_keras_ops():
    config = sl.serialize_keras_object(ops.square)
    assert config["module"] == "keras.ops" and config["config"] == "square"
    assert sl.deserialize_keras_object(json_round_trip(config)) is ops.square


def test_a_python_lambda_needs_safe_mode_off():
    double = lambda x: x * 2  # noqa: E731
    with pytest.warns(UserWarning, match="includes a `lambda`"):
        config = json_round_trip(sl.serialize_keras_object(double))
    assert config["class_name"] == "__lambda__"
    with pytest.raises(ValueError, match="Requested the deserialization of a Python lambda"):
        sl.deserialize_keras_object(config)
    assert sl.deserialize_keras_object(config, safe_mode=False)(21) == 42


def test_a_lambda_layer_stores_the_bytecode_and_loads_only_outside_safe_mode():
    layer = layers.Lambda(lambda x: x * 2.0 + 1.0, name="affine")
    config = json_round_trip(sl.serialize_keras_object(layer))
    function = config["config"]["function"]
    assert function["class_name"] == "__lambda__"
    assert set(function["config"]) == {"code", "defaults", "closure"}
    message = ("Requested the deserialization of a `Lambda` layer whose `function` is a "
               "Python lambda")
    with pytest.raises(ValueError, match=message):
        sl.deserialize_keras_object(config)
    with pytest.raises(ValueError, match=message):
        layers.Lambda.from_config(config["config"])  # no scope: safe
    restored = sl.deserialize_keras_object(config, safe_mode=False)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_array_equal(restored(x), x * 2.0 + 1.0)


def test_a_lambda_may_use_keras_ops_when_loaded():
    layer = layers.Lambda(lambda x: keras.ops.square(x) + offset, name="square")
    offset = 1.0  # a closure cell, stored with the bytecode
    config = json_round_trip(sl.serialize_keras_object(layer))
    restored = sl.deserialize_keras_object(config, safe_mode=False)
    np.testing.assert_array_equal(restored(np.array([[2.0]], "float32")), [[5.0]])


def test_enable_unsafe_deserialization_scope(monkeypatch):
    monkeypatch.setitem(sl._state, "safe_mode", None)
    layer = layers.Lambda(lambda x: -x)
    config = json_round_trip(sl.serialize_keras_object(layer))
    sl.enable_unsafe_deserialization()
    assert isinstance(sl.deserialize_keras_object(config), layers.Lambda)


def test_a_lambda_layer_of_a_named_function_round_trips():
    config, restored = keras_round_trip(layers.Lambda(ops.tanh, arguments={}))
    assert config["config"]["function"]["config"] == "tanh"
    assert restored.function is ops.tanh


# --------------------------------------------------------------------------
# registration and custom objects
# --------------------------------------------------------------------------


def test_register_keras_serializable(registry):
    @sl.register_keras_serializable()
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    assert sl.get_registered_name(Scale) == "Custom>Scale"
    assert sl.get_registered_object("Custom>Scale") is Scale
    config, restored = keras_round_trip(Scale(3.0, name="scale"))
    assert config["registered_name"] == "Custom>Scale"
    assert config["module"] == Scale.__module__
    assert restored.factor == 3.0 and restored.name == "scale"


def test_register_under_a_package_and_name(registry):
    @sl.register_keras_serializable(package="my_pkg", name="triple")
    def triple(x):
        return x * 3

    assert sl.get_registered_name(triple) == "my_pkg>triple"
    config = sl.serialize_keras_object(triple)
    assert config["config"] == "my_pkg>triple"
    assert sl.deserialize_keras_object(config) is triple
    assert sl.get_registered_name(len) == "len"  # not registered: its own name


def test_registering_a_class_without_get_config_is_refused(registry):
    class Bare:
        pass

    with pytest.raises(ValueError, match="Cannot register a class that does not have a "
                                         r"get_config\(\) method"):
        sl.register_keras_serializable()(Bare)


def test_custom_objects_and_scope_find_unregistered_classes():
    class Halve(layers.Layer):
        def call(self, x):
            return x / 2

    config = json_round_trip(sl.serialize_keras_object(Halve(name="h")))
    assert config["registered_name"] == "Halve"  # Keras: the class name when unregistered
    with pytest.raises(ValueError, match="Could not locate class 'Halve'"):
        sl.deserialize_keras_object(config)
    assert isinstance(sl.deserialize_keras_object(config, custom_objects={"Halve": Halve}),
                      Halve)
    with sl.custom_object_scope({"Halve": Halve}):
        assert isinstance(sl.deserialize_keras_object(config), Halve)


def test_a_custom_activation_by_name_through_custom_objects():
    def shifted_relu(x):
        return activations.relu(x - 1.0)

    config = {"module": "keras.layers", "class_name": "Dense",
              "config": {"units": 2, "activation": "shifted_relu"}}
    layer = sl.deserialize_keras_object(config, custom_objects={"shifted_relu": shifted_relu})
    assert layer.activation is shifted_relu


# --------------------------------------------------------------------------
# Keras-only options
# --------------------------------------------------------------------------


def test_keras_only_options_at_their_neutral_value_are_accepted():
    config = {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
              "config": {"units": 2, "name": "d", "quantization_config": None,
                         "kernel_initializer": {
                             "module": "keras.initializers", "class_name": "HeNormal",
                             "config": {"seed": 1, "input_axes": None, "output_axes": None},
                             "registered_name": None}}}
    layer = sl.deserialize_keras_object(config)
    assert isinstance(layer.kernel_initializer, initializers.HeNormal)
    assert layer.kernel_initializer.seed == 1


@pytest.mark.parametrize("class_name, config, key", [
    ("Dense", {"units": 2, "name": "d", "quantization_config": {"mode": "int8"}},
     "quantization_config"),
    ("BatchNormalization", {"name": "bn", "renorm": True}, "renorm"),
    ("InputLayer", {"batch_shape": [None, 3], "name": "x", "sparse": True}, "sparse"),
])
def test_a_keras_only_option_glassnet_cannot_honour_is_refused(class_name, config, key):
    entry = {"module": "keras.layers", "class_name": class_name, "config": config,
             "registered_name": None}
    with pytest.raises(ValueError, match=rf"{class_name} '{config['name']}'.*`{key}`"):
        sl.deserialize_keras_object(entry)


def test_an_initializer_with_axes_is_refused():
    entry = {"module": "keras.initializers", "class_name": "GlorotUniform",
             "config": {"seed": None, "input_axes": [0], "output_axes": None}}
    with pytest.raises(ValueError, match=r"GlorotUniform.*input_axes"):
        sl.deserialize_keras_object(entry)


def test_optimizer_keras_options():
    config = json_round_trip(sl.serialize_keras_object(optimizers.SGD(0.1, momentum=0.9)))
    assert config["config"]["use_ema"] is False
    assert list(config["config"])[:11] == [
        "name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue",
        "use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
        "gradient_accumulation_steps"]
    restored = sl.deserialize_keras_object(config)
    assert restored.momentum == pytest.approx(0.9)
    config["config"]["use_ema"] = True
    with pytest.raises(ValueError, match=r"SGD 'sgd\w*': .*`use_ema`.*Received: use_ema=True"):
        sl.deserialize_keras_object(config)


# --------------------------------------------------------------------------
# every public class: serialize -> JSON -> deserialize
# --------------------------------------------------------------------------


@by_name(ALL_LAYERS)
@settings(max_examples=4)
@given(data=st.data())
def test_every_layer_round_trips_through_json(cls, data):
    cases = _input_layer_cases() if cls is layers.InputLayer else LAYER_CASES[cls]
    case = data.draw(cases, label="case")
    layer = _quietly(cls, **case.kwargs)
    if cls is not layers.InputLayer:
        layer(_inputs(case, layer.dtype, 0))  # built: its config gets a build_config
    config, restored = keras_round_trip(layer)
    assert config["module"] == ("keras" if cls is layers.Layer else "keras.layers")
    assert config["class_name"] == cls.__name__
    assert [w.shape for w in restored.weights] == [w.shape for w in layer.weights]
    if "build_config" in config:  # not for the layers Keras builds in their constructor
        assert restored.built


def _json_config(obj):
    return json_round_trip(obj.get_config())


@by_name(classes_in(initializers, initializers.Initializer))
@settings(max_examples=5)
@given(data=st.data())
def test_every_initializer_round_trips(cls, data):
    kwargs = data.draw(st.fixed_dictionaries(INITIALIZER_ARGS.get(cls, {})), label="kwargs")
    config, restored = keras_round_trip(cls(**kwargs))
    assert config["module"] == "keras.initializers" or cls is initializers.Initializer
    assert _json_config(restored) == _json_config(cls(**kwargs))


@by_name(classes_in(regularizers, regularizers.Regularizer))
@settings(max_examples=5)
@given(data=st.data())
def test_every_regularizer_round_trips(cls, data):
    kwargs = data.draw(st.fixed_dictionaries(REGULARIZER_ARGS.get(cls, {})), label="kwargs")
    _, restored = keras_round_trip(cls(**kwargs))
    assert _json_config(restored) == _json_config(cls(**kwargs))


@by_name(classes_in(constraints, constraints.Constraint))
@settings(max_examples=5)
@given(data=st.data())
def test_every_constraint_round_trips(cls, data):
    kwargs = data.draw(st.fixed_dictionaries(CONSTRAINT_ARGS.get(cls, {})), label="kwargs")
    _, restored = keras_round_trip(cls(**kwargs))
    assert _json_config(restored) == _json_config(cls(**kwargs))


@by_name(SCHEDULES)
@settings(max_examples=5)
@given(data=st.data())
def test_every_schedule_round_trips(cls, data):
    schedule = cls(**data.draw(schedule_arguments(cls), label="kwargs"))
    config, restored = keras_round_trip(schedule)
    assert config["module"] == "keras.optimizers.schedules"
    assert restored(7) == schedule(7)


@by_name(classes_in(optimizers, optimizers.Optimizer))
@settings(max_examples=5)
@given(data=st.data())
def test_every_optimizer_round_trips(cls, data):
    kwargs = data.draw(arguments_for(cls, {**OPTIMIZER_ARGS, **OPTIMIZER_OVERRIDES.get(cls, {})}),
                       label="kwargs")
    clipping = data.draw(CLIPPING, label="clipping")
    if clipping is not None:
        kwargs[clipping] = 1.0
    if cls is optimizers.Optimizer:
        kwargs.setdefault("learning_rate", 0.01)
    optimizer = _quietly(cls, **kwargs)
    _, restored = keras_round_trip(optimizer)
    assert _json_config(restored) == _json_config(optimizer)


@by_name(classes_in(losses, losses.Loss))
@settings(max_examples=5)
@given(data=st.data())
def test_every_loss_round_trips(cls, data):
    loss = _quietly(cls, **data.draw(arguments_for(cls, LOSS_ARGS), label="kwargs"))
    _, restored = keras_round_trip(loss)
    assert _json_config(restored) == _json_config(loss)


@by_name(classes_in(metrics, metrics.Metric))
@settings(max_examples=5)
@given(data=st.data())
def test_every_metric_round_trips(cls, data):
    metric = cls(**data.draw(arguments_for(cls, METRIC_ARGS), label="kwargs"))
    _, restored = keras_round_trip(metric)
    assert _json_config(restored) == _json_config(metric)


def test_nested_objects_in_a_layer_config_round_trip():
    layer = layers.Dense(
        3, kernel_initializer=initializers.RandomNormal(0.0, 0.5, seed=2),
        kernel_regularizer=regularizers.L1L2(0.01, 0.02), bias_constraint=constraints.NonNeg(),
        activity_regularizer="l2", name="nested",
    )
    config, restored = keras_round_trip(layer)
    assert config["config"]["kernel_regularizer"]["module"] == "keras.regularizers"
    assert config["config"]["activity_regularizer"]["class_name"] == "L2"
    assert isinstance(restored.bias_constraint, constraints.NonNeg)
    assert restored.kernel_initializer.stddev == 0.5


def test_shared_object_ids_are_ignored():
    config = {"module": "keras.initializers", "class_name": "Zeros", "config": {},
              "registered_name": None, "shared_object_id": 1234}
    assert isinstance(sl.deserialize_keras_object(config), initializers.Zeros)


def test_keras_tensor_placeholders():
    config = sl.keras_tensor_config(layers.Input((3,), name="x"), ["x", 0, 0])
    assert config == {"class_name": "__keras_tensor__",
                      "config": {"shape": (None, 3), "dtype": "float32",
                                 "keras_history": ["x", 0, 0]}}
    tensor = sl.deserialize_keras_object(json_round_trip(config))
    assert tensor.shape == (None, 3)
    assert tensor._pre_serialization_keras_history == ["x", 0, 0]


def test_unserializable_objects_are_a_type_error():
    with pytest.raises(TypeError, match="must implement the `get_config\\(\\)` method"):
        sl.serialize_keras_object(object())


def test_no_warning_for_named_functions():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sl.serialize_keras_object(activations.tanh)
