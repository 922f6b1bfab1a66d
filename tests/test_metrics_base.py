"""The Metric base class as Keras 3 defines it: add_variable/add_weight with any
initializer, reset_state, tracked variables and nested metrics, __call__, dtype,
get_config/from_config, and the Keras guide's custom metric trained in model.fit."""
import numpy as np
import pytest

import glassnet as keras
from glassnet import initializers, metrics, ops
from glassnet.autodiff.tensor import Tensor
from glassnet.autodiff.variable import Variable

# --------------------------------------------------------------------------
# The Keras guide's custom metric, in both spellings
# --------------------------------------------------------------------------


class CategoricalTruePositives(keras.metrics.Metric):
    """The guide's example, verbatim apart from the class name."""

    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        if sample_weight is not None:
            sample_weight = ops.cast(sample_weight, "float32")
            values = ops.multiply(values, sample_weight)
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives.value

    def reset_state(self):
        self.true_positives.assign(0.0)


class CategoricalTruePositivesOld(CategoricalTruePositives):
    """The older spelling: add_weight with name and initializer only."""

    def __init__(self, name="categorical_true_positives", **kwargs):
        keras.metrics.Metric.__init__(self, name=name, **kwargs)
        self.true_positives = self.add_weight(name="ctp", initializer="zeros")


def _classification_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0.5)  # 3 classes
    return x, y.reshape(-1, 1)


@pytest.mark.parametrize("cls", [CategoricalTruePositives, CategoricalTruePositivesOld])
def test_guide_custom_metric_counts_true_positives(cls):
    metric = cls()
    y_true = np.array([[0], [1], [2], [1]])
    y_pred = np.eye(3)[[0, 2, 2, 1]]
    metric.update_state(y_true, y_pred)
    assert float(metric.result()) == 3.0
    metric.update_state(y_true, y_pred, sample_weight=np.array([[1.0], [1.0], [0.5], [0.0]]))
    assert float(metric.result()) == 4.5
    assert [v.name for v in metric.variables] == ["ctp"]
    assert metric.variables[0].trainable is False
    metric.reset_state()
    assert float(metric.result()) == 0.0


@pytest.mark.parametrize("cls", [CategoricalTruePositives, CategoricalTruePositivesOld])
def test_guide_custom_metric_in_model_fit(cls):
    keras.utils.set_random_seed(1)
    x, y = _classification_data()
    model = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3)]
    )
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[cls(), "accuracy"],
    )
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    # an epoch's count of right predictions is accuracy times the number of samples
    counts = history.history["categorical_true_positives"]
    accuracy = history.history["accuracy"]
    np.testing.assert_allclose(counts, np.array(accuracy) * len(x), rtol=1e-6)
    logs = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    predicted = np.argmax(model.predict(x, verbose=0), axis=1)
    assert logs["categorical_true_positives"] == np.sum(predicted == y[:, 0])


# --------------------------------------------------------------------------
# add_variable / add_weight
# --------------------------------------------------------------------------


class _State(metrics.Metric):
    """A metric whose variables start from the given initializers."""

    def __init__(self, initializer, shape=(3,), dtype=None, **kwargs):
        super().__init__(**kwargs)
        self.state = self.add_variable(shape=shape, initializer=initializer, dtype=dtype,
                                       name="state")

    def update_state(self, values):
        self.state.assign_add(values)

    def result(self):
        return Tensor(self.state.numpy())


@pytest.mark.parametrize(
    "initializer, expected",
    [
        ("zeros", np.zeros(3)),
        ("ones", np.ones(3)),
        ("Ones", np.ones(3)),
        (initializers.Constant(2.5), np.full(3, 2.5)),
        ({"class_name": "Constant", "config": {"value": -1.0}}, np.full(3, -1.0)),
        (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])),
        (lambda shape, dtype=None: np.arange(3, dtype=dtype), np.arange(3)),
    ],
)
def test_add_variable_takes_any_initializer_and_reset_restores_it(initializer, expected):
    metric = _State(initializer)
    np.testing.assert_array_equal(metric.state.numpy(), expected)
    metric.update_state(np.array([1.0, -2.0, 4.0]))
    assert not np.array_equal(metric.state.numpy(), expected)
    metric.reset_state()
    np.testing.assert_array_equal(metric.state.numpy(), expected)
    assert metric.state.dtype == np.float32


def test_random_initializer_is_restored_exactly():
    metric = _State(initializers.RandomNormal(seed=3), shape=(2, 2))
    start = metric.state.numpy()
    metric.update_state(np.ones((2, 2)))
    metric.reset_state()
    np.testing.assert_array_equal(metric.state.numpy(), start)


def test_add_variable_dtype_shape_path_and_aggregation():
    metric = _State("zeros", shape=4, dtype="int32", name="counter")
    assert metric.state.shape == (4,)
    assert metric.state.dtype == np.int32
    assert metric.state.path == "counter/state"
    assert metric.dtype == "float32"
    with pytest.raises(ValueError, match=r"must be one of.*Received: aggregation='median'"):
        metric.add_variable((), "zeros", aggregation="median", name="x")
    with pytest.raises(ValueError, match="must have shape \\(2,\\)"):
        metric.add_variable((2,), np.zeros(3), name="y")


def test_add_weight_defaults_to_a_zero_scalar():
    metric = metrics.Metric()
    weight = metric.add_weight(name="w")
    assert weight.shape == () and float(weight.numpy()) == 0.0
    assert metric.variables == [weight] or metric.variables[0] is weight


def test_metric_dtype_is_a_read_only_property_and_sets_the_state_dtype():
    metric = metrics.Mean(dtype="float64")
    assert metric.dtype == "float64"
    assert metric.total.dtype == np.float64
    with pytest.raises(AttributeError):
        metric.dtype = "float32"


def test_forgetting_super_init_is_a_clear_error():
    class Broken(metrics.Metric):
        def __init__(self):
            self.v = self.add_variable((), "zeros", name="v")

    with pytest.raises(RuntimeError, match=r"super\(\)\.__init__\(\)"):
        Broken()


# --------------------------------------------------------------------------
# Variables, nesting, __call__, config
# --------------------------------------------------------------------------


class _Pair(metrics.Metric):
    """Holds two Mean metrics and one Variable made outside add_variable."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.a = metrics.Mean(name="a")
        self.b = metrics.Mean(name="b")
        self.calls = Variable(np.zeros(()), trainable=False, name="calls")

    def update_state(self, x, y):
        self.a.update_state(x)
        self.b.update_state(y)
        self.calls.assign_add(1.0)

    def result(self):
        return self.a.result() - self.b.result()


def test_nested_metrics_and_attribute_variables_are_tracked_and_reset():
    pair = _Pair()
    assert [v.name for v in pair.variables] == ["calls", "total", "count", "total", "count"]
    assert float(pair(np.array([1.0, 3.0]), np.array([1.0]))) == 1.0  # __call__ -> result
    pair.update_state(np.array([5.0]), np.array([2.0]))
    assert float(pair.result()) == 1.5  # mean(1, 3, 5) - mean(1, 2)
    assert float(pair.calls.numpy()) == 2.0
    pair.reset_state()
    assert all(float(np.sum(v.numpy())) == 0.0 for v in pair.variables)


def test_variable_methods_accept_tensors_arrays_and_numbers():
    v = Variable(np.zeros(2, dtype="float32"), trainable=False)
    v.assign(Tensor(np.array([1.0, 2.0], dtype="float32")))
    v.assign_add(np.array([1.0, 1.0]))
    v.assign_add(0.5)
    v.assign_sub(Tensor(np.array([0.5, 0.5])))
    v.assign_sub(1)
    np.testing.assert_array_equal(v.value, [1.0, 2.0])
    copy = v.numpy()
    copy[0] = 99.0
    assert v.numpy()[0] == 1.0  # numpy() is a copy
    scalar = Variable(np.zeros((), dtype="float32"), trainable=False)
    scalar.assign(3.0)
    assert float(scalar.numpy()) == 3.0


@pytest.mark.parametrize(
    "metric",
    [
        metrics.Precision(thresholds=[0.2, 0.7], class_id=1, name="p"),
        metrics.Recall(top_k=2),
        metrics.AUC(num_thresholds=20, curve="PR", summation_method="minoring"),
        metrics.AUC(thresholds=[0.3, 0.6], multi_label=True, label_weights=[1.0, 2.0]),
        metrics.TruePositives(thresholds=0.4),
        metrics.SpecificityAtSensitivity(0.3, num_thresholds=7, class_id=0),
        metrics.F1Score(average="macro", threshold=0.3),
        metrics.FBetaScore(beta=2.0, average="weighted"),
        metrics.R2Score(class_aggregation=None, num_regressors=2),
        metrics.IoU(3, [0, 2], ignore_class=1),
        metrics.MeanIoU(4, sparse_y_pred=False),
        metrics.BinaryIoU([1], threshold=0.2),
        metrics.OneHotIoU(3, [1]),
        metrics.OneHotMeanIoU(3, ignore_class=0),
        metrics.CosineSimilarity(axis=0),
        metrics.LogCoshError(),
        metrics.Hinge(),
        metrics.KLDivergence(),
    ],
    ids=lambda m: type(m).__name__,
)
def test_config_round_trip_through_serialize(metric):
    config = metric.get_config()
    clone = type(metric).from_config(config)
    assert clone.get_config() == config
    again = metrics.deserialize(metrics.serialize(metric))
    assert type(again) is type(metric)
    assert again.get_config() == config


def test_compile_accepts_class_and_snake_case_names_and_evaluate_matches_the_metric():
    keras.utils.set_random_seed(2)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(96, 4)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("float32").reshape(-1, 1)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(
        optimizer="sgd",
        loss="binary_crossentropy",
        # F1Score's default (average=None) is a vector, which glassnet's logs cannot hold yet
        metrics=["AUC", "precision", "recall", keras.metrics.F1Score(average="micro"),
                 keras.metrics.R2Score()],
    )
    history = model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert list(history.history) == ["loss", "AUC", "precision", "recall", "f1_score",
                                      "r2_score"]
    logs = model.evaluate(x, y, batch_size=32, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    references = {
        "AUC": metrics.AUC(),
        "precision": metrics.Precision(),
        "recall": metrics.Recall(),
        "f1_score": metrics.F1Score(average="micro"),
        "r2_score": metrics.R2Score(),
    }
    for name, metric in references.items():
        metric.update_state(y, p)
        assert logs[name] == pytest.approx(float(metric.result()), rel=1e-5, abs=1e-6), name
