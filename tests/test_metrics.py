"""Metrics: per-sample functions vs NumPy, stateful accumulation, sample weights, reset,
accuracy resolution by shapes, names and errors."""
import math

import numpy as np
import pytest
import torch

from glassnet import losses, metrics
from glassnet.autodiff import Tensor, Variable

RNG_SEED = 0
N, K = 23, 6


def _data(kind, seed=RNG_SEED, n=N):
    """(y_true, y_pred) of the kind the metric expects."""
    rng = np.random.default_rng(seed)
    if kind == "sparse":
        return rng.integers(0, K, n), rng.uniform(size=(n, K))
    if kind == "sparse_n1":
        return rng.integers(0, K, (n, 1)), rng.uniform(size=(n, K))
    if kind == "onehot":
        return np.eye(K)[rng.integers(0, K, n)], rng.uniform(size=(n, K))
    if kind == "binary":
        return rng.integers(0, 2, (n, 1)).astype(np.float32), rng.uniform(size=(n, 1))
    if kind == "exact":
        return rng.integers(0, 3, (n, 1)), rng.integers(0, 3, (n, 1))
    return rng.normal(size=(n, 3)), rng.normal(size=(n, 3))  # "real"


# NumPy references of the per-sample values, written independently of glassnet
def _top_k_ref(labels, scores, k):
    out = []
    for label, row in zip(labels, scores):
        out.append(np.sum(row > row[label]) < k)  # ties with the k-th score count as hits
    return np.array(out, dtype=np.float32)


# name -> (function, class, kwargs, data kind, numpy reference of per-sample values)
METRICS = {
    "accuracy": (
        metrics.accuracy,
        metrics.Accuracy,
        {},
        "exact",
        lambda y, p: (y == p).astype(np.float32),
    ),
    "binary_accuracy": (
        metrics.binary_accuracy,
        metrics.BinaryAccuracy,
        {},
        "binary",
        lambda y, p: ((p > 0.5) == y).astype(np.float32),
    ),
    "binary_accuracy_threshold_0.7": (
        metrics.binary_accuracy,
        metrics.BinaryAccuracy,
        {"threshold": 0.7},
        "binary",
        lambda y, p: ((p > 0.7) == y).astype(np.float32),
    ),
    "categorical_accuracy": (
        metrics.categorical_accuracy,
        metrics.CategoricalAccuracy,
        {},
        "onehot",
        lambda y, p: (y.argmax(-1) == p.argmax(-1)).astype(np.float32),
    ),
    "sparse_categorical_accuracy": (
        metrics.sparse_categorical_accuracy,
        metrics.SparseCategoricalAccuracy,
        {},
        "sparse",
        lambda y, p: (y == p.argmax(-1)).astype(np.float32),
    ),
    "sparse_categorical_accuracy_n1": (
        metrics.sparse_categorical_accuracy,
        metrics.SparseCategoricalAccuracy,
        {},
        "sparse_n1",
        lambda y, p: (y[:, 0] == p.argmax(-1)).astype(np.float32),
    ),
    "top_k_categorical_accuracy": (
        metrics.top_k_categorical_accuracy,
        metrics.TopKCategoricalAccuracy,
        {"k": 2},
        "onehot",
        lambda y, p: _top_k_ref(y.argmax(-1), p, 2),
    ),
    "sparse_top_k_categorical_accuracy": (
        metrics.sparse_top_k_categorical_accuracy,
        metrics.SparseTopKCategoricalAccuracy,
        {"k": 3},
        "sparse",
        lambda y, p: _top_k_ref(y, p, 3),
    ),
    "mean_squared_error": (
        metrics.mean_squared_error,
        metrics.MeanSquaredError,
        {},
        "real",
        lambda y, p: np.mean((y - p) ** 2, axis=-1),
    ),
    "mean_absolute_error": (
        metrics.mean_absolute_error,
        metrics.MeanAbsoluteError,
        {},
        "real",
        lambda y, p: np.mean(np.abs(y - p), axis=-1),
    ),
}


def _per_sample(values):
    values = np.asarray(values)
    return values.reshape(len(values), -1).mean(axis=1)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_metric_function_matches_numpy(name):
    fn, _, kwargs, kind, reference = METRICS[name]
    y, p = _data(kind)
    out = fn(y, p, **kwargs)
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(_per_sample(out), _per_sample(reference(y, p)), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_state_over_uneven_batches_equals_the_value_over_all_samples(name):
    _, cls, kwargs, kind, reference = METRICS[name]
    y, p = _data(kind)
    metric = cls(**kwargs)
    for start, stop in [(0, 7), (7, 8), (8, 20), (20, N)]:
        metric.update_state(y[start:stop], p[start:stop])
    expected = np.mean(_per_sample(reference(y, p)))
    assert float(metric.result()) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_sample_weights_weigh_each_sample(name):
    _, cls, kwargs, kind, reference = METRICS[name]
    y, p = _data(kind, seed=1)
    w = np.random.default_rng(2).uniform(0, 2, N)
    metric = cls(**kwargs)
    metric.update_state(y[:10], p[:10], sample_weight=w[:10])
    metric.update_state(y[10:], p[10:], sample_weight=w[10:, None])  # (n, 1) weights too
    per_sample = _per_sample(reference(y, p))
    assert float(metric.result()) == pytest.approx(np.sum(w * per_sample) / np.sum(w), rel=1e-5)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_reset_state_forgets_everything(name):
    _, cls, kwargs, kind, reference = METRICS[name]
    y, p = _data(kind, seed=3)
    metric = cls(**kwargs)
    metric.update_state(y, p)
    metric.reset_state()
    assert float(metric.result()) == 0.0
    assert all(np.all(v.numpy() == 0) for v in metric.variables)
    metric.update_state(y[:5], p[:5])
    assert float(metric.result()) == pytest.approx(np.mean(_per_sample(reference(y[:5], p[:5]))))


DEFAULT_NAMES = {
    metrics.Accuracy: "accuracy",
    metrics.BinaryAccuracy: "binary_accuracy",
    metrics.CategoricalAccuracy: "categorical_accuracy",
    metrics.SparseCategoricalAccuracy: "sparse_categorical_accuracy",
    metrics.TopKCategoricalAccuracy: "top_k_categorical_accuracy",
    metrics.SparseTopKCategoricalAccuracy: "sparse_top_k_categorical_accuracy",
    metrics.MeanSquaredError: "mean_squared_error",
    metrics.MeanAbsoluteError: "mean_absolute_error",
    metrics.RootMeanSquaredError: "root_mean_squared_error",
    metrics.BinaryCrossentropy: "binary_crossentropy",
    metrics.CategoricalCrossentropy: "categorical_crossentropy",
    metrics.SparseCategoricalCrossentropy: "sparse_categorical_crossentropy",
    metrics.Mean: "mean",
    metrics.Sum: "sum",
}


@pytest.mark.parametrize("cls", list(DEFAULT_NAMES), ids=lambda c: c.__name__)
def test_default_names_variables_and_config_round_trip(cls):
    metric = cls()
    assert metric.name == DEFAULT_NAMES[cls]
    assert metric.dtype == "float32"
    assert all(isinstance(v, Variable) and not v.trainable for v in metric.variables)
    assert [v.name for v in metric.variables][:1] == ["total"]
    clone = cls.from_config(metric.get_config())
    assert type(clone) is cls and clone.get_config() == metric.get_config()
    assert type(metrics.deserialize(metrics.serialize(metric))) is cls


def test_result_is_a_0d_tensor_usable_as_a_number():
    metric = metrics.BinaryAccuracy()
    metric.update_state([[1], [0], [1], [1]], [[0.9], [0.2], [0.3], [0.8]])
    result = metric.result()
    assert isinstance(result, Tensor) and result.shape == ()
    assert float(result) == 0.75 and result.numpy() == np.float32(0.75)
    assert f"{result:.3f}" == "0.750"
    assert [v.name for v in metric.variables] == ["total", "count"]
    assert metric.count.numpy() == 4.0


def test_call_updates_and_returns_the_running_result():
    metric = metrics.SparseCategoricalAccuracy()
    assert float(metric([0, 1], [[0.9, 0.1], [0.8, 0.2]])) == 0.5
    assert float(metric([1, 1], [[0.1, 0.9], [0.3, 0.7]])) == 0.75


def test_root_mean_squared_error_is_the_root_of_the_mean_over_all_elements():
    rng = np.random.default_rng(4)
    y, p = rng.normal(size=(10, 3)), rng.normal(size=(10, 3))
    metric = metrics.RootMeanSquaredError()
    metric.update_state(y[:4], p[:4])
    metric.update_state(y[4:], p[4:])
    assert float(metric.result()) == pytest.approx(math.sqrt(np.mean((y - p) ** 2)), rel=1e-6)
    reference = torch.sqrt(torch.nn.functional.mse_loss(torch.tensor(p), torch.tensor(y)))
    assert float(metric.result()) == pytest.approx(float(reference), rel=1e-6)


def test_weighted_root_mean_squared_error():
    rng = np.random.default_rng(5)
    y, p, w = rng.normal(size=8), rng.normal(size=8), rng.uniform(size=8)
    metric = metrics.RootMeanSquaredError()
    metric.update_state(y, p[:, None], sample_weight=w)  # (N,) vs (N, 1) reconciled
    expected = math.sqrt(np.sum(w * (y - p) ** 2) / np.sum(w))
    assert float(metric.result()) == pytest.approx(expected, rel=1e-6)


def test_top_k_counts_ties_at_the_boundary_and_respects_k():
    scores = np.array([[0.1, 0.5, 0.5, 0.2], [0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4]])
    labels = np.array([2, 3, 0])
    np.testing.assert_array_equal(
        metrics.sparse_top_k_categorical_accuracy(labels, scores, k=1).numpy(), [1, 0, 0]
    )
    np.testing.assert_array_equal(
        metrics.sparse_top_k_categorical_accuracy(labels, scores, k=3).numpy(), [1, 0, 0]
    )
    np.testing.assert_array_equal(
        metrics.top_k_categorical_accuracy(np.eye(4)[labels], scores, k=4).numpy(), [1, 1, 1]
    )


def test_top_k_over_sequences():
    rng = np.random.default_rng(6)
    y, p = rng.integers(0, K, (4, 3)), rng.uniform(size=(4, 3, K))
    out = metrics.sparse_top_k_categorical_accuracy(y, p, k=2).numpy()
    assert out.shape == (4, 3)
    np.testing.assert_array_equal(out.reshape(-1), _top_k_ref(y.reshape(-1), p.reshape(-1, K), 2))


def test_argmax_ties_take_the_first_class():
    assert float(metrics.sparse_categorical_accuracy([0], [[0.5, 0.5]])[0]) == 1.0
    assert float(metrics.categorical_accuracy([[0, 1]], [[0.5, 0.5]])[0]) == 0.0


def test_mean_and_sum_with_sample_weights_and_the_loss_tracker_pattern():
    mean = metrics.Mean()
    mean.update_state(2.0, sample_weight=32)  # a batch loss weighted by the batch size
    mean.update_state(5.0, sample_weight=8)
    assert float(mean.result()) == pytest.approx((2 * 32 + 5 * 8) / 40)
    mean.reset_state()
    mean.update_state([[1.0, 3.0], [5.0, 7.0]])  # averaged per sample first
    assert float(mean.result()) == 4.0
    total = metrics.Sum()
    total.update_state([1.0, 2.0, 3.0], sample_weight=[1.0, 0.0, 2.0])
    total.update_state(4.0)
    assert float(total.result()) == 11.0


def test_crossentropy_metrics_average_the_loss_over_all_samples():
    rng = np.random.default_rng(7)
    y, z = rng.integers(0, K, 12), rng.normal(size=(12, K))
    metric = metrics.SparseCategoricalCrossentropy(from_logits=True)
    metric.update_state(y[:5], z[:5])
    metric.update_state(y[5:], z[5:])
    expected = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(y))
    assert float(metric.result()) == pytest.approx(float(expected), rel=1e-6)


def test_metrics_record_no_graph_and_keep_the_logits_tag():
    from glassnet import activations

    logits = Tensor(np.array([[30.0, 0.0, -30.0]]), requires_grad=True)
    probs = activations.softmax(logits)
    metric = metrics.SparseCategoricalCrossentropy()
    metric.update_state([2], probs)
    assert float(metric.result()) == pytest.approx(60.0, rel=1e-5)  # exact, not clipped at 16.1
    user = metrics.MeanMetricWrapper(lambda y, p: (p - y) ** 2.0, name="sq")
    user.update_state(np.zeros((2, 1)), Tensor(np.ones((2, 1)), requires_grad=True))
    result = user.result()
    assert result._fn is None and not result.requires_grad
    assert float(result) == 1.0


# --------------------------------------------------------------------------
# "accuracy" / "crossentropy" resolution by shapes (keras-spec section 6)
# --------------------------------------------------------------------------


SPARSE_CE = metrics.SparseCategoricalCrossentropy


@pytest.mark.parametrize(
    "true_shape, pred_shape, accuracy_cls, ce_cls",
    [
        ((8, 1), (8, 1), metrics.BinaryAccuracy, metrics.BinaryCrossentropy),
        ((8,), (8, 1), metrics.BinaryAccuracy, metrics.BinaryCrossentropy),
        ((8,), (8, 10), metrics.SparseCategoricalAccuracy, SPARSE_CE),
        ((8, 1), (8, 10), metrics.SparseCategoricalAccuracy, SPARSE_CE),
        ((8, 5), (8, 5, 10), metrics.SparseCategoricalAccuracy, SPARSE_CE),
        ((8, 10), (8, 10), metrics.CategoricalAccuracy, metrics.CategoricalCrossentropy),
        ((8, 5, 10), (8, 5, 10), metrics.CategoricalAccuracy, metrics.CategoricalCrossentropy),
    ],
)
@pytest.mark.parametrize("alias", ["accuracy", "acc"])
def test_accuracy_resolution_by_shapes(true_shape, pred_shape, accuracy_cls, ce_cls, alias):
    y_true, y_pred = np.zeros(true_shape), np.zeros(pred_shape)
    metric = metrics.resolve_accuracy(alias, y_true, y_pred)
    assert type(metric) is accuracy_cls and metric.name == alias
    assert type(metrics.resolve(alias, y_true, y_pred)) is accuracy_cls
    ce = metrics.resolve("ce", y_true, y_pred)
    assert type(ce) is ce_cls and ce.name == "ce"


def test_resolve_names_metrics_after_the_string_given():
    y, p = np.zeros((4, 3)), np.zeros((4, 3))
    mse = metrics.resolve("mse", y, p)
    assert isinstance(mse, metrics.MeanMetricWrapper) and mse.name == "mse"
    assert mse.fn is losses.mean_squared_error
    rmse = metrics.resolve("root_mean_squared_error", y, p)
    assert type(rmse) is metrics.RootMeanSquaredError
    instance = metrics.MeanAbsoluteError(name="my_mae")
    assert metrics.resolve(instance, y, p) is instance
    wrapped = metrics.resolve(metrics.categorical_accuracy, y, p)
    assert wrapped.name == "categorical_accuracy"


def test_get_gives_functions_for_names_and_instances_for_class_names():
    assert metrics.get("mse") is losses.mean_squared_error
    assert metrics.get("sparse_categorical_accuracy") is metrics.sparse_categorical_accuracy
    assert type(metrics.get("SparseCategoricalAccuracy")) is metrics.SparseCategoricalAccuracy
    assert type(metrics.get(metrics.BinaryAccuracy)) is metrics.BinaryAccuracy
    instance = metrics.Mean()
    assert metrics.get(instance) is instance
    assert metrics.get(None) is None


def test_config_keeps_arguments():
    top = metrics.SparseTopKCategoricalAccuracy(k=3, name="top3")
    clone = metrics.SparseTopKCategoricalAccuracy.from_config(top.get_config())
    assert (clone.k, clone.name) == (3, "top3")
    binary = metrics.deserialize(metrics.serialize(metrics.BinaryAccuracy(threshold=0.3)))
    assert binary.threshold == 0.3
    wrapper = metrics.MeanMetricWrapper(metrics.categorical_accuracy)
    clone = metrics.MeanMetricWrapper.from_config(wrapper.get_config())
    assert clone.fn is metrics.categorical_accuracy


def test_unknown_metric_name_lists_the_valid_ones():
    message = "Valid names: .*sparse_categorical_accuracy.*Received: metric='acuracy'"
    with pytest.raises(ValueError, match=message):
        metrics.resolve("acuracy", np.zeros(2), np.zeros((2, 3)))


def test_sample_weight_that_cannot_broadcast():
    metric = metrics.SparseCategoricalAccuracy()
    with pytest.raises(ValueError, match=r"sparse_categorical_accuracy: sample_weight.*\(3,\)"):
        metric.update_state([0, 1], [[1, 0], [0, 1]], sample_weight=[1, 1, 1])
