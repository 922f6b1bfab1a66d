"""Losses: Keras' golden values, PyTorch forward+backward, gradient checks, reductions,
rank reconciliation, the logits shortcut, names and errors."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import golden
from helpers import torch_reference

from glassnet import activations, losses, ops
from glassnet.autodiff import Tensor, grad
from glassnet.autodiff.gradcheck import check_gradients

EPS = 1e-7
N, K = 5, 4


# --------------------------------------------------------------------------
# Keras golden values (TF backend, float32; the "probs" inputs carry no logits tag)
# --------------------------------------------------------------------------


def _golden_inputs():
    data = golden("losses")
    arrays = {
        key: np.asarray(data[key], dtype=np.float32)
        for key in ("logits", "probs", "y_onehot", "y_bin", "p_bin", "y_reg", "p_reg")
    }
    arrays["y_sparse"] = np.asarray(data["y_sparse"])
    return arrays


def _batch_mean(per_sample):
    return float(np.mean(np.asarray(per_sample)))


GOLDEN_CALLS = {
    "sparse_categorical_crossentropy(y_sparse, probs)": lambda a: _batch_mean(
        losses.sparse_categorical_crossentropy(a["y_sparse"], a["probs"])
    ),
    "sparse_categorical_crossentropy(y_sparse, logits, from_logits=True)": lambda a: _batch_mean(
        losses.sparse_categorical_crossentropy(a["y_sparse"], a["logits"], from_logits=True)
    ),
    "categorical_crossentropy(y_onehot, probs)": lambda a: _batch_mean(
        losses.categorical_crossentropy(a["y_onehot"], a["probs"])
    ),
    "categorical_crossentropy(y_onehot, probs, label_smoothing=0.1)": lambda a: _batch_mean(
        losses.categorical_crossentropy(a["y_onehot"], a["probs"], label_smoothing=0.1)
    ),
    "binary_crossentropy(y_bin, p_bin)": lambda a: _batch_mean(
        losses.binary_crossentropy(a["y_bin"], a["p_bin"])
    ),
    "binary_crossentropy(y_bin, p_bin, label_smoothing=0.2)": lambda a: _batch_mean(
        losses.binary_crossentropy(a["y_bin"], a["p_bin"], label_smoothing=0.2)
    ),
    "mean_squared_error(y_reg, p_reg)": lambda a: _batch_mean(
        losses.mean_squared_error(a["y_reg"], a["p_reg"])
    ),
    "mean_absolute_error(y_reg, p_reg)": lambda a: _batch_mean(
        losses.mean_absolute_error(a["y_reg"], a["p_reg"])
    ),
    "huber(y_reg, p_reg)": lambda a: _batch_mean(losses.huber(a["y_reg"], a["p_reg"])),
    "Huber(delta=0.5)(y_reg, p_reg)": lambda a: float(
        losses.Huber(delta=0.5)(a["y_reg"], a["p_reg"])
    ),
    "mean_squared_logarithmic_error(|y_reg|, |p_reg|)": lambda a: _batch_mean(
        losses.mean_squared_logarithmic_error(np.abs(a["y_reg"]), np.abs(a["p_reg"]))
    ),
    "kl_divergence(y_onehot, probs)": lambda a: _batch_mean(
        losses.kl_divergence(a["y_onehot"], a["probs"])
    ),
    "hinge(sign(y_reg), p_reg)": lambda a: _batch_mean(
        losses.hinge(np.sign(a["y_reg"]), a["p_reg"])
    ),
    "poisson(|y_reg|, |p_reg|)": lambda a: _batch_mean(
        losses.poisson(np.abs(a["y_reg"]), np.abs(a["p_reg"]))
    ),
    "SparseCategoricalCrossentropy()(y_sparse, probs, sample_weight=[1,2,0,1])": lambda a: float(
        losses.SparseCategoricalCrossentropy()(
            a["y_sparse"], a["probs"], sample_weight=[1, 2, 0, 1]
        )
    ),
    "MeanSquaredError()(y (4,), p (4,1))": lambda a: float(
        losses.MeanSquaredError()(a["y_reg"][:, 0], a["p_reg"][:, :1])
    ),
}


def test_golden_table_is_complete():
    assert set(GOLDEN_CALLS) == set(golden("losses")["values"])


@pytest.mark.parametrize("call", sorted(GOLDEN_CALLS))
def test_matches_keras_golden(call):
    expected = golden("losses")["values"][call]
    assert GOLDEN_CALLS[call](_golden_inputs()) == pytest.approx(expected, rel=1e-6)


def test_golden_outputs_stay_float32():
    a = _golden_inputs()
    assert losses.categorical_crossentropy(a["y_onehot"], a["probs"]).dtype == np.float32
    assert losses.CategoricalCrossentropy()(a["y_onehot"], a["probs"]).dtype == np.float32


# --------------------------------------------------------------------------
# The logits shortcut: a softmax/sigmoid-tagged y_pred gives the exact value
# --------------------------------------------------------------------------

SATURATED_LOGITS = np.array([[30.0, 0.0, -30.0], [2.0, 1.0, 0.5]], dtype=np.float32)
SATURATED_LABELS = np.array([2, 1])


def _exact_sparse_ce(logits, labels):
    z = logits.astype(np.float64)
    log_p = z - z.max(-1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(-1, keepdims=True))
    return -log_p[np.arange(len(labels)), labels]


def test_tagged_softmax_output_gives_exact_sparse_crossentropy():
    logits = Tensor(SATURATED_LOGITS)
    probs = activations.softmax(logits)
    assert probs._keras_logits is logits
    exact = _exact_sparse_ce(SATURATED_LOGITS, SATURATED_LABELS)  # 60.0 for the first row
    out = losses.sparse_categorical_crossentropy(SATURATED_LABELS, probs)
    np.testing.assert_allclose(out.numpy(), exact, rtol=1e-6)
    untagged = losses.sparse_categorical_crossentropy(SATURATED_LABELS, probs.numpy())
    assert float(untagged[0]) == pytest.approx(-math.log(EPS), rel=1e-5)  # clipped


def test_hand_tagged_output_is_used_by_categorical_crossentropy_and_classes():
    logits = Tensor(SATURATED_LOGITS)
    probs = ops.softmax(logits)
    probs._keras_logits = logits  # what the softmax activation does
    one_hot = np.eye(3, dtype=np.float32)[SATURATED_LABELS]
    exact = _exact_sparse_ce(SATURATED_LOGITS, SATURATED_LABELS)
    out = losses.categorical_crossentropy(one_hot, probs)
    np.testing.assert_allclose(out.numpy(), exact, rtol=1e-6)
    expected_mean = exact.mean()
    assert float(losses.CategoricalCrossentropy()(one_hot, probs)) == pytest.approx(expected_mean)
    scce = losses.SparseCategoricalCrossentropy()
    assert float(scce(SATURATED_LABELS[:, None], probs)) == pytest.approx(expected_mean)


def test_tagged_sigmoid_output_gives_exact_binary_crossentropy():
    z = np.array([[40.0], [-3.0], [0.5]], dtype=np.float32)
    y = np.array([[0.0], [1.0], [1.0]], dtype=np.float32)
    p = activations.sigmoid(Tensor(z))
    exact = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))  # 40 for the first row
    np.testing.assert_allclose(losses.binary_crossentropy(y, p).numpy(), exact[:, 0], rtol=1e-6)
    clipped = losses.binary_crossentropy(y, p.numpy())
    assert float(clipped[0]) == pytest.approx(-math.log(1 - np.float32(1 - EPS)), rel=1e-5)


def test_tagged_output_gradient_is_softmax_minus_one_hot():
    z = Tensor(SATURATED_LOGITS.astype(np.float64), requires_grad=True)
    loss = losses.SparseCategoricalCrossentropy()(SATURATED_LABELS, activations.softmax(z))
    (dz,) = grad(loss, [z])
    p = np.exp(SATURATED_LOGITS - SATURATED_LOGITS.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    expected = (p - np.eye(3)[SATURATED_LABELS]) / len(SATURATED_LABELS)
    np.testing.assert_allclose(dz, expected, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("labels_shape", ["n", "n1"])
@pytest.mark.parametrize("source", ["tagged_softmax", "from_logits"])
def test_sparse_crossentropy_fused_mean_matches_the_general_path(source, labels_shape):
    """The one-node mean (no weights) against the general path (weights of 1)."""
    rng = np.random.default_rng(3)
    z_data = rng.standard_normal((6, 4))
    labels = rng.integers(0, 4, 6)
    labels = labels[:, None] if labels_shape == "n1" else labels
    loss = losses.SparseCategoricalCrossentropy(from_logits=source == "from_logits")
    results = []
    for sample_weight in (None, np.ones(6)):
        z = Tensor(z_data, requires_grad=True)
        y_pred = activations.softmax(z) if source == "tagged_softmax" else z
        value = loss(labels, y_pred, sample_weight=sample_weight)
        results.append((float(value), grad(value, [z])[0]))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12, atol=1e-15)
    assert results[0][0] == pytest.approx(_exact_sparse_ce(z_data, labels.reshape(-1)).mean())


def test_sparse_crossentropy_fused_mean_checks_labels():
    probs = activations.softmax(Tensor(np.zeros((2, 3))))
    with pytest.raises(ValueError, match="out of range"):
        losses.SparseCategoricalCrossentropy()(np.array([0, 3]), probs)


def test_tag_survives_rank_reconciliation_and_loss_dtype_cast():
    z = Tensor(np.array([40.0, -3.0], dtype=np.float32))
    p = activations.sigmoid(z)  # (2,) against labels (2, 1): y_pred is expanded
    out = losses.BinaryCrossentropy(dtype="float64")(np.array([[0.0], [1.0]]), p)
    exact = np.mean([40.0 + math.log1p(math.exp(-40.0)), math.log1p(math.exp(-3.0)) + 3.0])
    assert out.dtype == np.float64
    assert float(out) == pytest.approx(exact, rel=1e-6)


def test_from_logits_true_on_tagged_output_warns_and_uses_the_logits():
    logits = Tensor(SATURATED_LOGITS)
    with pytest.warns(UserWarning, match="from_logits=True"):
        out = losses.sparse_categorical_crossentropy(
            SATURATED_LABELS, activations.softmax(logits), from_logits=True
        )
    exact = _exact_sparse_ce(SATURATED_LOGITS, SATURATED_LABELS)
    np.testing.assert_allclose(out.numpy(), exact, rtol=1e-6)


# --------------------------------------------------------------------------
# Every loss vs PyTorch (forward and backward, float64) and vs finite differences
# --------------------------------------------------------------------------


def _sparse_labels(rng):
    return rng.integers(0, K, N)


def _one_hot(rng):
    return np.eye(K)[rng.integers(0, K, N)]


def _probs(rng):
    return rng.uniform(0.05, 1.0, (N, K))  # not normalised: the loss normalises


def _logits(rng):
    return rng.normal(0.0, 2.0, (N, K))


def _binary(rng):
    return rng.integers(0, 2, (N, K)).astype(np.float64)


def _unit(rng):
    return rng.uniform(0.05, 0.95, (N, K))


def _real(rng):
    return rng.normal(0.0, 1.5, (N, K))


def _positive(rng):
    return rng.uniform(0.1, 3.0, (N, K))


def _signs(rng):
    return rng.choice([-1.0, 1.0], (N, K))


def _torch_nll_of_probs(y, p):
    q = torch.clamp(p / p.sum(-1, keepdim=True), EPS, 1 - EPS)
    return F.nll_loss(torch.log(q), y.long(), reduction="none")


def _torch_cce_of_probs(y, p):
    q = torch.clamp(p / p.sum(-1, keepdim=True), EPS, 1 - EPS)
    return F.cross_entropy(torch.log(q), y, reduction="none")  # -sum y log_softmax(log q)


def _torch_bce(y, p):
    p = torch.clamp(p, EPS, 1 - EPS)
    return F.binary_cross_entropy(p, y, reduction="none").mean(-1)


def _torch_mape(y, p):  # torch has no MAPE: written out
    return 100 * (torch.abs(y - p) / torch.clamp(torch.abs(y), min=EPS)).mean(-1)


def _torch_msle(y, p):
    first = torch.log(torch.clamp(p, min=EPS) + 1)
    second = torch.log(torch.clamp(y, min=EPS) + 1)
    return F.mse_loss(first, second, reduction="none").mean(-1)


def _torch_kld(y, p):
    y = torch.clamp(y, EPS, 1)
    return F.kl_div(torch.log(torch.clamp(p, EPS, 1)), y, reduction="none").sum(-1)


def _torch_hinge(y, p):  # torch's hinge_embedding_loss is a different loss: written out
    return torch.relu(1 - y * p).mean(-1)


# name -> (loss function, Loss class, kwargs, y_true maker, y_pred maker, torch per-sample loss)
LOSSES = {
    "sparse_ce_probs": (
        losses.sparse_categorical_crossentropy,
        losses.SparseCategoricalCrossentropy,
        {},
        _sparse_labels,
        _probs,
        _torch_nll_of_probs,
    ),
    "sparse_ce_logits": (
        losses.sparse_categorical_crossentropy,
        losses.SparseCategoricalCrossentropy,
        {"from_logits": True},
        _sparse_labels,
        _logits,
        lambda y, z: F.cross_entropy(z, y.long(), reduction="none"),
    ),
    "categorical_ce_probs": (
        losses.categorical_crossentropy,
        losses.CategoricalCrossentropy,
        {},
        _one_hot,
        _probs,
        _torch_cce_of_probs,
    ),
    "categorical_ce_logits_smoothed": (
        losses.categorical_crossentropy,
        losses.CategoricalCrossentropy,
        {"from_logits": True, "label_smoothing": 0.1},
        _one_hot,
        _logits,
        lambda y, z: F.cross_entropy(z, y, reduction="none", label_smoothing=0.1),
    ),
    "binary_ce_probs": (
        losses.binary_crossentropy,
        losses.BinaryCrossentropy,
        {},
        _binary,
        _unit,
        _torch_bce,
    ),
    "binary_ce_probs_soft_labels": (
        losses.binary_crossentropy,
        losses.BinaryCrossentropy,
        {},
        _unit,
        _unit,
        _torch_bce,
    ),
    "binary_ce_logits_smoothed": (
        losses.binary_crossentropy,
        losses.BinaryCrossentropy,
        {"from_logits": True, "label_smoothing": 0.2},
        _binary,
        _logits,
        lambda y, z: F.binary_cross_entropy_with_logits(
            z, y * 0.8 + 0.1, reduction="none"
        ).mean(-1),
    ),
    "mean_squared_error": (
        losses.mean_squared_error,
        losses.MeanSquaredError,
        {},
        _real,
        _real,
        lambda y, p: F.mse_loss(p, y, reduction="none").mean(-1),
    ),
    "mean_absolute_error": (
        losses.mean_absolute_error,
        losses.MeanAbsoluteError,
        {},
        _real,
        _real,
        lambda y, p: F.l1_loss(p, y, reduction="none").mean(-1),
    ),
    "mean_absolute_percentage_error": (
        losses.mean_absolute_percentage_error,
        losses.MeanAbsolutePercentageError,
        {},
        _real,
        _real,
        _torch_mape,
    ),
    "mean_squared_logarithmic_error": (
        losses.mean_squared_logarithmic_error,
        losses.MeanSquaredLogarithmicError,
        {},
        _positive,
        _positive,
        _torch_msle,
    ),
    "huber": (
        losses.huber,
        losses.Huber,
        {},
        _real,
        _real,
        lambda y, p: F.huber_loss(p, y, reduction="none", delta=1.0).mean(-1),
    ),
    "huber_delta_0.5": (
        losses.huber,
        losses.Huber,
        {"delta": 0.5},
        _real,
        _real,
        lambda y, p: F.huber_loss(p, y, reduction="none", delta=0.5).mean(-1),
    ),
    "kl_divergence": (
        losses.kl_divergence,
        losses.KLDivergence,
        {},
        _unit,
        _unit,
        _torch_kld,
    ),
    "hinge": (losses.hinge, losses.Hinge, {}, _signs, _real, _torch_hinge),
    "hinge_01_labels": (
        losses.hinge,
        losses.Hinge,
        {},
        _binary,
        _real,
        lambda y, p: _torch_hinge(2 * y - 1, p),
    ),
    "poisson": (
        losses.poisson,
        losses.Poisson,
        {},
        _positive,
        _positive,
        lambda y, p: F.poisson_nll_loss(
            p, y, log_input=False, full=False, eps=EPS, reduction="none"
        ).mean(-1),
    ),
}


def _case(name, seed=0):
    fn, cls, kwargs, make_true, make_pred, torch_fn = LOSSES[name]
    rng = np.random.default_rng(seed)
    return fn, cls, kwargs, make_true(rng), make_pred(rng), torch_fn


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_per_sample_loss_matches_torch_forward_and_backward(name):
    fn, _, kwargs, y_true, y_pred, torch_fn = _case(name)
    y_torch = torch.tensor(y_true)
    torch_reference(lambda p: fn(y_true, p, **kwargs), lambda p: torch_fn(y_torch, p), [y_pred])


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_weighted_loss_class_matches_torch_forward_and_backward(name):
    _, cls, kwargs, y_true, y_pred, torch_fn = _case(name, seed=1)
    w = np.random.default_rng(2).uniform(0.0, 2.0, N)
    y_torch, w_torch = torch.tensor(y_true), torch.tensor(w)
    torch_reference(
        lambda p: cls(**kwargs)(y_true, p, sample_weight=w),
        lambda p: (torch_fn(y_torch, p) * w_torch).sum() / N,
        [y_pred],
    )


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_gradients_match_finite_differences(name):
    fn, cls, kwargs, y_true, y_pred, _ = _case(name, seed=3)
    w = np.random.default_rng(4).uniform(0.0, 2.0, N)
    check_gradients(lambda p: fn(y_true, p, **kwargs), [y_pred])
    check_gradients(lambda p: cls(**kwargs)(y_true, p, sample_weight=w), [y_pred])


def test_sparse_ignore_class_matches_torch_ignore_index():
    rng = np.random.default_rng(5)
    y, z = rng.integers(0, K, 12), rng.normal(size=(12, K))
    y[:3] = 1  # make sure some are ignored
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1)
    torch_reference(
        lambda p: loss(y, p),
        lambda p: F.cross_entropy(p, torch.tensor(y), ignore_index=1),  # mean over the valid
        [z],
    )
    per_sample = losses.sparse_categorical_crossentropy(y, z, from_logits=True, ignore_class=1)
    assert np.all(per_sample.numpy()[y == 1] == 0)


def test_sparse_ignore_class_may_lie_outside_the_classes():
    y = np.array([0, -1, 2, -1])
    z = np.random.default_rng(6).normal(size=(4, 3))
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)(y, z)
    expected = F.cross_entropy(torch.tensor(z), torch.tensor(y), ignore_index=-1)
    assert float(loss) == pytest.approx(float(expected), rel=1e-6)


# --------------------------------------------------------------------------
# Reductions and sample weights
# --------------------------------------------------------------------------


def _mse_reference(y, p):
    return np.mean((y - p) ** 2, axis=-1)


@pytest.mark.parametrize(
    "reduction, expected",
    [
        ("sum_over_batch_size", lambda loss, w: np.sum(w * loss) / loss.size),
        ("mean", lambda loss, w: np.sum(w * loss) / loss.size),
        ("sum", lambda loss, w: np.sum(w * loss)),
        ("mean_with_sample_weight", lambda loss, w: np.sum(w * loss) / np.sum(w)),
        (None, lambda loss, w: w * loss),
        ("none", lambda loss, w: w * loss),
    ],
)
def test_reductions_with_sample_weights(reduction, expected):
    rng = np.random.default_rng(7)
    y, p, w = rng.normal(size=(6, 3)), rng.normal(size=(6, 3)), rng.uniform(0, 3, 6)
    loss = _mse_reference(y, p)
    out = losses.MeanSquaredError(reduction=reduction)(y, Tensor(p), sample_weight=w)
    np.testing.assert_allclose(out.numpy(), expected(loss, w), rtol=1e-12)
    unweighted = losses.MeanSquaredError(reduction=reduction)(y, Tensor(p))
    np.testing.assert_allclose(unweighted.numpy(), expected(loss, np.ones(6)), rtol=1e-12)


def test_sample_weights_do_not_change_the_divisor():
    y, p = np.zeros((4, 1)), np.ones((4, 1))
    out = losses.MeanSquaredError()(y, p, sample_weight=[1, 0, 0, 0])
    assert float(out) == pytest.approx(0.25)


@pytest.mark.parametrize("weight_shape", [(4,), (4, 1)])
def test_sample_weight_shapes_n_and_n1_agree(weight_shape):
    rng = np.random.default_rng(8)
    y, p = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    w = rng.uniform(0, 1, 4)
    out = losses.MeanSquaredError()(y, Tensor(p), sample_weight=w.reshape(weight_shape))
    assert float(out) == pytest.approx(np.sum(w * _mse_reference(y, p)) / 4, rel=1e-12)


def test_per_sample_weights_broadcast_over_timesteps():
    rng = np.random.default_rng(9)
    y, p, w = rng.normal(size=(3, 5, 2)), rng.normal(size=(3, 5, 2)), rng.uniform(0, 1, 3)
    out = losses.MeanSquaredError()(y, Tensor(p), sample_weight=w)  # losses (3, 5), weights (3,)
    assert float(out) == pytest.approx(np.sum(w[:, None] * _mse_reference(y, p)) / 15, rel=1e-12)


def test_zero_weights_with_mean_with_sample_weight_give_zero():
    out = losses.MeanSquaredError(reduction="mean_with_sample_weight")(
        np.zeros((2, 1)), np.ones((2, 1)), sample_weight=[0.0, 0.0]
    )
    assert float(out) == 0.0


def test_reduce_weighted_values_with_mask_averages_the_valid_entries():
    values = Tensor(np.array([1.0, 2.0, 3.0, 4.0]))
    out = losses.reduce_weighted_values(values, mask=np.array([True, False, True, False]))
    assert float(out) == pytest.approx(2.0, rel=1e-6)


def test_keras2_reduction_auto_is_accepted_with_a_warning():
    with pytest.warns(DeprecationWarning, match="sum_over_batch_size"):
        loss = losses.MeanSquaredError(reduction="auto")
    assert loss.reduction == "sum_over_batch_size"


# --------------------------------------------------------------------------
# Rank reconciliation (keras-spec section 5)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "true_shape, pred_shape",
    [((6,), (6, 1)), ((6, 1), (6,)), ((6, 1), (6, 1)), ((6,), (6,))],
)
def test_n_against_n1_is_elementwise_never_n_by_n(true_shape, pred_shape):
    rng = np.random.default_rng(10)
    y, p = rng.normal(size=6), rng.normal(size=6)
    out = losses.MeanSquaredError()(y.reshape(true_shape), p.reshape(pred_shape))
    assert float(out) == pytest.approx(np.mean((y - p) ** 2), rel=1e-6)
    assert float(out) != pytest.approx(np.mean((y[:, None] - p[None, :]) ** 2), rel=1e-3)


@pytest.mark.parametrize(
    "fn", [losses.binary_crossentropy, losses.mean_absolute_error, losses.hinge]
)
def test_functions_reconcile_labels_n_with_predictions_n1(fn):
    rng = np.random.default_rng(11)
    y, p = rng.integers(0, 2, 6).astype(np.float64), rng.uniform(0.1, 0.9, 6)
    np.testing.assert_allclose(fn(y, p[:, None]).numpy(), fn(y[:, None], p[:, None]).numpy())
    assert fn(y, p[:, None]).shape == (6,)


def test_sparse_labels_n1_are_squeezed():
    rng = np.random.default_rng(12)
    y, p = rng.integers(0, K, N), _probs(rng)
    a = losses.sparse_categorical_crossentropy(y, p).numpy()
    b = losses.sparse_categorical_crossentropy(y[:, None], p).numpy()
    np.testing.assert_array_equal(a, b)
    assert a.shape == (N,)


def test_sparse_crossentropy_over_sequences():
    rng = np.random.default_rng(13)
    y, z = rng.integers(0, K, (2, 3)), rng.normal(size=(2, 3, K))
    out = losses.sparse_categorical_crossentropy(y, z, from_logits=True)
    expected = F.cross_entropy(torch.tensor(z).permute(0, 2, 1), torch.tensor(y), reduction="none")
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-10)


def test_categorical_crossentropy_along_another_axis():
    rng = np.random.default_rng(14)
    y, z = _one_hot(rng), rng.normal(size=(N, K))
    a = losses.categorical_crossentropy(y.T, z.T, from_logits=True, axis=0).numpy()
    b = losses.categorical_crossentropy(y, z, from_logits=True).numpy()
    np.testing.assert_allclose(a, b, rtol=1e-12)


# --------------------------------------------------------------------------
# Label smoothing and clipping
# --------------------------------------------------------------------------


def test_categorical_label_smoothing_formula():
    rng = np.random.default_rng(15)
    y, p = _one_hot(rng), rng.dirichlet(np.ones(K), N)
    ls = 0.3
    smoothed = y * (1 - ls) + ls / K
    expected = -np.sum(smoothed * np.log(np.clip(p, EPS, 1 - EPS)), axis=-1)
    out = losses.categorical_crossentropy(y, p, label_smoothing=ls)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10)


def test_binary_label_smoothing_formula():
    rng = np.random.default_rng(16)
    y, p = _binary(rng), _unit(rng)
    ls = 0.3
    s = y * (1 - ls) + ls / 2
    expected = np.mean(-(s * np.log(p) + (1 - s) * np.log(1 - p)), axis=-1)
    out = losses.binary_crossentropy(y, p, label_smoothing=ls)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_probability_one_is_clipped(dtype):
    p = Tensor(np.array([[1.0, 0.0, 0.0]], dtype=dtype), requires_grad=True)
    y = np.array([[0.0, 1.0, 0.0]])
    low = dtype(EPS)
    out = losses.categorical_crossentropy(y, p)
    assert np.isfinite(out.numpy()).all()
    assert float(out[0]) == pytest.approx(-math.log(low), rel=1e-6)
    p_bin = Tensor(np.array([[1.0], [0.0]], dtype=dtype), requires_grad=True)
    bce = losses.binary_crossentropy(np.array([[0.0], [1.0]]), p_bin)
    high = dtype(1) - dtype(EPS)  # 1 - eps in the input's precision
    np.testing.assert_allclose(bce.numpy(), [-np.log(dtype(1) - high), -np.log(low)], rtol=1e-6)
    (g,) = grad(bce.sum(), [p_bin])
    np.testing.assert_array_equal(g, 0.0)  # clipped: no gradient, as in Keras


# --------------------------------------------------------------------------
# Bad input: one error per case
# --------------------------------------------------------------------------


def test_sparse_label_out_of_range_names_label_index_and_classes():
    y = np.array([0, 3, 9, 10, 2])
    p = np.full((5, 10), 0.1)
    message = r"label 10 at index 3 is out of range for 10 classes.*Received: y_true\[3\]=10"
    with pytest.raises(ValueError, match=message):
        losses.sparse_categorical_crossentropy(y, p)


def test_sparse_negative_label_is_out_of_range():
    message = r"label -1 at index \(0, 1\) is out of range for 3 classes.*y_true\[0, 1\]=-1"
    with pytest.raises(ValueError, match=message):
        losses.sparse_categorical_crossentropy([[0, -1], [1, 2]], np.full((2, 2, 3), 0.3))


def test_sparse_label_out_of_range_in_the_class_too():
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy: label 4"):
        losses.SparseCategoricalCrossentropy()(np.array([4]), np.full((1, 4), 0.25))


def test_one_hot_labels_given_to_sparse_crossentropy():
    with pytest.raises(ValueError, match=r"Use categorical_crossentropy.*y_true.shape=\(5, 4\)"):
        losses.sparse_categorical_crossentropy(np.eye(K)[[0, 1, 2, 3, 0]], np.full((N, K), 0.25))


def test_fractional_labels_given_to_sparse_crossentropy():
    with pytest.raises(ValueError, match=r"integer class indices; label 0.5 at index 1"):
        losses.sparse_categorical_crossentropy(np.array([1.0, 0.5]), np.full((2, 3), 0.3))


def test_sparse_label_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"y_true.shape=\(3,\), y_pred.shape=\(4, 2\)"):
        losses.sparse_categorical_crossentropy(np.array([0, 1, 1]), np.full((4, 2), 0.5))


@pytest.mark.parametrize("labels", [[0, 1, 2, 1], [[0], [1], [2], [1]]])
def test_integer_labels_given_to_categorical_crossentropy(labels):
    with pytest.raises(ValueError, match="use sparse_categorical_crossentropy"):
        losses.categorical_crossentropy(np.array(labels), np.full((4, 3), 0.3))


def test_unreconcilable_shapes_name_both_shapes():
    message = r"mean_squared_error: .*y_true.shape=\(4, 3\), y_pred.shape=\(4, 2\)"
    with pytest.raises(ValueError, match=message):
        losses.MeanSquaredError()(np.zeros((4, 3)), np.zeros((4, 2)))


def test_unknown_loss_name_lists_the_valid_ones():
    message = "Valid names: .*mean_squared_error.*Received: loss='mean_sqared_error'"
    with pytest.raises(ValueError, match=message):
        losses.get("mean_sqared_error")


def test_invalid_reduction():
    with pytest.raises(ValueError, match="Received: reduction='avg'"):
        losses.MeanSquaredError(reduction="avg")


def test_label_smoothing_outside_unit_interval():
    with pytest.raises(ValueError, match=r"Received: label_smoothing=1.5"):
        losses.CategoricalCrossentropy(label_smoothing=1.5)


def test_non_positive_huber_delta():
    message = "Huber: delta must be a finite float > 0. Received: delta=0$"
    with pytest.raises(ValueError, match=message):
        losses.Huber(delta=0)


def test_sample_weight_that_cannot_broadcast():
    with pytest.raises(ValueError, match=r"sample_weight.shape=\(3,\), losses.shape=\(4,\)"):
        losses.MeanSquaredError()(np.zeros((4, 2)), np.zeros((4, 2)), sample_weight=np.ones(3))


def test_sparse_crossentropy_only_on_the_last_axis():
    with pytest.raises(ValueError, match=r"only axis=-1 is supported. Received: axis=0"):
        losses.sparse_categorical_crossentropy(np.array([0, 1]), np.full((2, 2), 0.5), axis=0)


def test_bare_crossentropy_name_needs_shapes():
    with pytest.raises(ValueError, match="resolve_crossentropy"):
        losses.get("crossentropy")


# --------------------------------------------------------------------------
# Names, lookup, configs
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, fn",
    [
        ("mse", losses.mean_squared_error),
        ("MSE", losses.mean_squared_error),
        ("mae", losses.mean_absolute_error),
        ("mape", losses.mean_absolute_percentage_error),
        ("msle", losses.mean_squared_logarithmic_error),
        ("kld", losses.kl_divergence),
        ("kullback_leibler_divergence", losses.kl_divergence),
        ("bce", losses.binary_crossentropy),
        ("sparse_categorical_crossentropy", losses.sparse_categorical_crossentropy),
        ("categorical_crossentropy", losses.categorical_crossentropy),
        ("huber", losses.huber),
        ("hinge", losses.hinge),
        ("poisson", losses.poisson),
    ],
)
def test_names_give_functions(name, fn):
    assert losses.get(name) is fn


CLASS_NAMES = {
    losses.SparseCategoricalCrossentropy: "sparse_categorical_crossentropy",
    losses.CategoricalCrossentropy: "categorical_crossentropy",
    losses.BinaryCrossentropy: "binary_crossentropy",
    losses.MeanSquaredError: "mean_squared_error",
    losses.MeanAbsoluteError: "mean_absolute_error",
    losses.MeanAbsolutePercentageError: "mean_absolute_percentage_error",
    losses.MeanSquaredLogarithmicError: "mean_squared_logarithmic_error",
    losses.Huber: "huber_loss",
    losses.KLDivergence: "kl_divergence",
    losses.Hinge: "hinge",
    losses.Poisson: "poisson",
}


@pytest.mark.parametrize("cls", list(CLASS_NAMES), ids=lambda c: c.__name__)
def test_class_names_defaults_and_config_round_trip(cls):
    loss = losses.get(cls.__name__)
    assert type(loss) is cls and loss.name == CLASS_NAMES[cls]
    assert loss.reduction == "sum_over_batch_size"
    assert type(losses.get(cls)) is cls
    assert losses.get(loss) is loss
    config = loss.get_config()
    assert config["name"] == CLASS_NAMES[cls]
    clone = losses.deserialize(losses.serialize(loss))
    assert type(clone) is cls and clone.get_config() == config


def test_config_keeps_the_arguments():
    loss = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2, reduction="sum")
    clone = losses.CategoricalCrossentropy.from_config(loss.get_config())
    assert (clone.from_logits, clone.label_smoothing, clone.reduction) == (True, 0.2, "sum")
    huber = losses.deserialize(losses.serialize(losses.Huber(delta=0.5, name="h")))
    assert (huber.delta, huber.name) == (0.5, "h")
    scce = losses.SparseCategoricalCrossentropy.from_config(
        losses.SparseCategoricalCrossentropy(ignore_class=0).get_config()
    )
    assert scce.ignore_class == 0


def test_function_wrapper_round_trip_and_serialized_function_name():
    wrapper = losses.LossFunctionWrapper(losses.huber, delta=2.0)
    assert wrapper.name == "huber" and wrapper.delta == 2.0
    clone = losses.LossFunctionWrapper.from_config(wrapper.get_config())
    assert clone.fn is losses.huber and clone.delta == 2.0
    assert losses.serialize(losses.mean_squared_error) == "mean_squared_error"
    assert losses.deserialize("mean_squared_error") is losses.mean_squared_error


def test_user_subclass_gets_reduction_weights_and_gradients():
    class Cubic(losses.Loss):
        def call(self, y_true, y_pred):
            return ops.mean(ops.abs(y_pred - y_true) ** 3.0, axis=-1)

    rng = np.random.default_rng(17)
    y, p, w = rng.normal(size=(4, 2)), rng.normal(size=(4, 2)), rng.uniform(size=4)
    loss = Cubic()
    assert loss.name == "cubic"
    expected = np.sum(w * np.mean(np.abs(p - y) ** 3, axis=-1)) / 4
    assert float(loss(y, Tensor(p), sample_weight=w)) == pytest.approx(expected, rel=1e-12)
    check_gradients(lambda t: loss(y, t, sample_weight=w), [p])


def test_list_input_becomes_float32_and_float64_tensors_stay_float64():
    assert losses.MeanSquaredError()([[1.0]], [[0.0]]).dtype == np.float32
    assert losses.MeanSquaredError()([[1.0]], np.array([[0.0]])).dtype == np.float32
    assert losses.MeanSquaredError()([[1.0]], Tensor(np.array([[0.0]]))).dtype == np.float64


def test_categorical_crossentropy_with_one_class_warns():
    with pytest.warns(UserWarning, match="1 class"):
        losses.categorical_crossentropy(np.ones((2, 1)), np.ones((2, 1)))


@pytest.mark.parametrize(
    "true_shape, pred_shape, kind, fn",
    [
        ((8, 1), (8, 1), "binary", losses.binary_crossentropy),
        ((8,), (8, 1), "binary", losses.binary_crossentropy),
        ((8,), (8, 10), "sparse", losses.sparse_categorical_crossentropy),
        ((8, 1), (8, 10), "sparse", losses.sparse_categorical_crossentropy),
        ((8, 10), (8, 10), "categorical", losses.categorical_crossentropy),
        ((8, 5, 10), (8, 5, 10), "categorical", losses.categorical_crossentropy),
        ((8, 5), (8, 5, 10), "sparse", losses.sparse_categorical_crossentropy),
    ],
)
def test_crossentropy_resolution_by_shapes(true_shape, pred_shape, kind, fn):
    y_true, y_pred = np.zeros(true_shape), np.zeros(pred_shape)
    assert losses.label_kind(y_true, y_pred) == kind
    assert losses.resolve_crossentropy(y_true, y_pred) is fn
