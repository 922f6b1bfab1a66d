"""The hinge, log-cosh, cosine-similarity, focal, Dice and Tversky losses: real Keras'
golden values (functions, classes with every reduction and sample weights, configs, get),
PyTorch and hand-computed references with gradients, float64 finite-difference gradients,
from_logits against probabilities, stability at the extremes, and argument errors."""
import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import golden
from helpers import assert_gradients, torch_reference

import glassnet as keras
from glassnet import losses
from glassnet.autodiff import Tensor, grad

EPS = 1e-7
NEW_FUNCTIONS = (
    "squared_hinge", "categorical_hinge", "log_cosh", "cosine_similarity",
    "categorical_focal_crossentropy", "binary_focal_crossentropy", "dice", "tversky",
)
NEW_CLASSES = (
    "SquaredHinge", "CategoricalHinge", "LogCosh", "CosineSimilarity",
    "CategoricalFocalCrossentropy", "BinaryFocalCrossentropy", "Dice", "Tversky",
)


# --------------------------------------------------------------------------
# Keras golden values (JAX backend, float32)
# --------------------------------------------------------------------------


def _inputs():
    return {k: np.asarray(v, np.float32) for k, v in golden("losses_more")["inputs"].items()}


def _kwargs(call):
    """JSON kwargs back to Python: Dice/Tversky axes were tuples."""
    kwargs = dict(call["kwargs"])
    if isinstance(kwargs.get("axis"), list):
        kwargs["axis"] = tuple(kwargs["axis"])
    return kwargs


def _call_id(call):
    kwargs = ",".join(f"{k}={v}" for k, v in call["kwargs"].items())
    name = call.get("fn") or call["cls"]
    weight = f"-w={call['sample_weight']}-{call['reduction']}" if "cls" in call else ""
    return f"{name}({call['y_true']},{call['y_pred']},{kwargs}){weight}"


FUNCTION_CALLS = golden("losses_more")["functions"]
CLASS_CALLS = golden("losses_more")["classes"]


def test_golden_file_covers_every_new_loss():
    assert {call["fn"] for call in FUNCTION_CALLS} == set(NEW_FUNCTIONS)
    assert {call["cls"] for call in CLASS_CALLS} == set(NEW_CLASSES)
    reductions = {call["reduction"] for call in CLASS_CALLS}
    assert reductions == {"sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None}


@pytest.mark.parametrize("call", FUNCTION_CALLS, ids=_call_id)
def test_function_matches_keras(call):
    a = _inputs()
    out = getattr(losses, call["fn"])(a[call["y_true"]], a[call["y_pred"]], **_kwargs(call))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, call["value"], rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("call", CLASS_CALLS, ids=_call_id)
def test_class_matches_keras(call):
    a = _inputs()
    loss = getattr(losses, call["cls"])(reduction=call["reduction"], **_kwargs(call))
    weight = None if call["sample_weight"] is None else a[call["sample_weight"]]
    out = loss(a[call["y_true"]], a[call["y_pred"]], sample_weight=weight)
    np.testing.assert_allclose(out.data, call["value"], rtol=2e-6, atol=1e-6)
    config = loss.get_config()
    assert config.pop("dtype") is None  # Keras (JAX) leaves a default dtype out
    expected = json.loads(json.dumps(call["config"]))
    if call["cls"] == "CosineSimilarity":
        assert config.pop("axis") == call["kwargs"].get("axis", -1)  # Keras leaves axis out
    assert json.loads(json.dumps(config)) == expected


@pytest.mark.parametrize("name", sorted(golden("losses_more")["get"]))
def test_get_accepts_the_names_keras_accepts(name):
    expected = golden("losses_more")["get"][name]
    if expected == "error":
        with pytest.raises(ValueError, match=name):
            losses.get(name)
        return
    kind, found_name = expected.split()
    found = losses.get(name)
    if kind == "class":
        assert type(found).__name__ == found_name and isinstance(found, losses.Loss)
    else:
        assert found is getattr(losses, found_name)


# --------------------------------------------------------------------------
# Independent references: PyTorch (forward and input gradient) and hand computations
# --------------------------------------------------------------------------

RNG = np.random.default_rng(7)
Y_PM1 = RNG.choice([-1.0, 1.0], (5, 4))
Y_01 = RNG.integers(0, 2, (5, 4)).astype(float)
Y_ONEHOT = np.eye(4)[[0, 3, 1, 2, 3]]
Y_SOFT = RNG.dirichlet(np.ones(4), 5)
# margins 1 - y p kept away from 0 (the hinge's kink)
P_HINGE = Y_PM1 * RNG.choice([-1.0, 1.0], (5, 4)) * RNG.uniform(0.2, 0.8, (5, 4)) + \
    Y_PM1 * RNG.choice([0.0, 1.0], (5, 4)) * 1.2
LOGITS = RNG.normal(0, 2, (5, 4))
PROBS = np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)
P_SIG = RNG.uniform(0.05, 0.95, (5, 4))
Y_REG, P_REG = RNG.normal(0, 1, (5, 4)), RNG.normal(0, 2, (5, 4))
Y_SEG, P_SEG = RNG.integers(0, 2, (3, 4, 4)).astype(float), RNG.uniform(0.05, 0.95, (3, 4, 4))


def _fixed(fn, y, **kwargs):
    """fn(y, y_pred) as a function of y_pred alone (labels are data)."""
    return lambda y_pred: fn(y, y_pred, **kwargs)


def _torch_focal_bce(y, p, gamma, alpha=None):
    bce = -(y * torch.log(p.clamp(EPS, 1 - EPS)) + (1 - y) * torch.log(1 - p.clamp(EPS, 1 - EPS)))
    p_t = y * p + (1 - y) * (1 - p)
    focal = (1 - p_t) ** gamma * bce
    if alpha is not None:
        focal = (y * alpha + (1 - y) * (1 - alpha)) * focal
    return focal.mean(-1)


def _torch_focal_cce(y, p, gamma, alpha):
    p = (p / p.sum(-1, keepdim=True)).clamp(EPS, 1 - EPS)
    return (alpha * (1 - p) ** gamma * -y * torch.log(p)).sum(-1)


TORCH_CASES = {
    "squared_hinge": (
        _fixed(losses.squared_hinge, Y_PM1),
        lambda p: (F.relu(1 - torch.tensor(Y_PM1) * p) ** 2).mean(-1), P_HINGE),
    "squared_hinge {0,1} labels": (
        _fixed(losses.squared_hinge, Y_01),
        lambda p: (F.relu(1 - torch.tensor(2 * Y_01 - 1) * p) ** 2).mean(-1), P_HINGE),
    "categorical_hinge": (
        _fixed(losses.categorical_hinge, Y_ONEHOT),
        lambda p: F.relu(((1 - torch.tensor(Y_ONEHOT)) * p).amax(-1)
                         - (torch.tensor(Y_ONEHOT) * p).sum(-1) + 1), P_REG),
    "log_cosh": (
        _fixed(losses.log_cosh, Y_REG),
        lambda p: torch.log(torch.cosh(p - torch.tensor(Y_REG))).mean(-1), P_REG),
    "cosine_similarity": (
        _fixed(losses.cosine_similarity, Y_REG),
        lambda p: -F.cosine_similarity(torch.tensor(Y_REG), p, dim=-1), P_REG),
    "cosine_similarity axis=0": (
        _fixed(losses.cosine_similarity, Y_REG, axis=0),
        lambda p: -F.cosine_similarity(torch.tensor(Y_REG), p, dim=0), P_REG),
    "categorical_focal_crossentropy": (
        _fixed(losses.categorical_focal_crossentropy, Y_SOFT),
        lambda p: _torch_focal_cce(torch.tensor(Y_SOFT), p, 2.0, 0.25), PROBS),
    "categorical_focal_crossentropy from logits": (
        _fixed(losses.categorical_focal_crossentropy, Y_ONEHOT, from_logits=True, gamma=1.5),
        lambda z: _torch_focal_cce(torch.tensor(Y_ONEHOT), torch.softmax(z, -1), 1.5, 0.25),
        LOGITS),
    "categorical_focal_crossentropy alpha list": (
        _fixed(losses.categorical_focal_crossentropy, Y_ONEHOT, alpha=[0.1, 0.2, 0.3, 0.4]),
        lambda p: _torch_focal_cce(
            torch.tensor(Y_ONEHOT), p, 2.0,
            torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)), PROBS),
    "binary_focal_crossentropy": (
        _fixed(losses.binary_focal_crossentropy, Y_01),
        lambda p: _torch_focal_bce(torch.tensor(Y_01), p, 2.0), P_SIG),
    "binary_focal_crossentropy balanced from logits": (
        _fixed(losses.binary_focal_crossentropy, Y_01, apply_class_balancing=True, alpha=0.3,
               gamma=3.0, from_logits=True),
        lambda z: _torch_focal_bce(torch.tensor(Y_01), torch.sigmoid(z), 3.0, 0.3), LOGITS),
    "binary_focal_crossentropy gamma=0 is BCE": (
        _fixed(losses.binary_focal_crossentropy, Y_01, gamma=0.0),
        lambda p: F.binary_cross_entropy(p, torch.tensor(Y_01), reduction="none").mean(-1),
        P_SIG),
    "dice": (
        _fixed(losses.dice, Y_SEG, axis=(1, 2)),
        lambda p: 1 - 2 * (torch.tensor(Y_SEG) * p).sum((1, 2))
        / (torch.tensor(Y_SEG).sum((1, 2)) + p.sum((1, 2)) + EPS), P_SEG),
    "tversky": (
        _fixed(losses.tversky, Y_SEG, alpha=0.3, beta=0.7),
        lambda p: _torch_tversky(torch.tensor(Y_SEG), p, 0.3, 0.7), P_SEG),
}


def _torch_tversky(y, p, alpha, beta):
    tp = (y * p).sum()
    return 1 - tp / (tp + alpha * (y * (1 - p)).sum() + beta * ((1 - y) * p).sum() + EPS)


@pytest.mark.parametrize("case", sorted(TORCH_CASES))
def test_matches_torch_forward_and_gradient(case):
    ours, theirs, y_pred = TORCH_CASES[case]
    torch_reference(ours, theirs, [y_pred], rtol=1e-10, atol=1e-12)


GRADIENT_CASES = {
    "squared_hinge": (_fixed(losses.squared_hinge, Y_PM1), P_HINGE),
    "categorical_hinge": (_fixed(losses.categorical_hinge, Y_ONEHOT), P_REG),
    "log_cosh": (_fixed(losses.log_cosh, Y_REG), P_REG),
    "log_cosh large errors": (_fixed(losses.log_cosh, Y_REG), 30 * P_REG),
    "cosine_similarity": (_fixed(losses.cosine_similarity, Y_REG), P_REG),
    "cosine_similarity axis=0": (_fixed(losses.cosine_similarity, Y_REG, axis=0), P_REG),
    "categorical_focal_crossentropy": (
        _fixed(losses.categorical_focal_crossentropy, Y_SOFT, label_smoothing=0.1), PROBS),
    "categorical_focal_crossentropy logits": (
        _fixed(losses.categorical_focal_crossentropy, Y_ONEHOT, from_logits=True), LOGITS),
    "binary_focal_crossentropy": (
        _fixed(losses.binary_focal_crossentropy, Y_01, label_smoothing=0.2), P_SIG),
    "binary_focal_crossentropy logits": (
        _fixed(losses.binary_focal_crossentropy, Y_01, from_logits=True,
               apply_class_balancing=True), LOGITS),
    "dice": (_fixed(losses.dice, Y_SEG), P_SEG),
    "tversky": (_fixed(losses.tversky, Y_SEG, alpha=0.2, beta=0.9, axis=(1, 2)), P_SEG),
    "SquaredHinge weighted sum": (
        lambda p: losses.SquaredHinge(reduction="sum")(Y_PM1, p, sample_weight=np.arange(5.0)),
        P_HINGE),
    "BinaryFocalCrossentropy weighted mean": (
        lambda p: losses.BinaryFocalCrossentropy(reduction="mean_with_sample_weight")(
            Y_01, p, sample_weight=np.arange(1.0, 6.0)), P_SIG),
}


@pytest.mark.parametrize("case", sorted(GRADIENT_CASES))
def test_finite_difference_gradients(case):
    f, y_pred = GRADIENT_CASES[case]
    assert_gradients(f, [y_pred.astype(np.float64)])


def test_hinge_losses_by_hand():
    y = np.array([[1.0, -1.0, 1.0]])
    p = np.array([[0.3, 0.5, 2.0]])
    # margins max(1 - y p, 0): 0.7, 1.5, 0
    assert losses.squared_hinge(y, p).data[0] == pytest.approx((0.49 + 2.25) / 3, rel=1e-15)
    # a label outside {0, 1} keeps all labels as given: 0 stays 0 (margin 1)
    mixed = losses.squared_hinge(np.array([[0.0, -1.0, 1.0]]), p).data[0]
    assert mixed == pytest.approx((1.0 + 2.25 + 0) / 3, rel=1e-15)
    # categorical: true class 1 scores 0.5, best other 2.0 -> 2.0 - 0.5 + 1
    onehot = np.array([[0.0, 1.0, 0.0]])
    assert losses.categorical_hinge(onehot, p).data[0] == pytest.approx(2.5, rel=1e-15)
    assert losses.categorical_hinge(onehot, np.array([[0.1, 3.0, 0.2]])).data[0] == 0.0


def test_log_cosh_limits():
    e = np.array([[1e-4], [50.0], [-50.0]])
    out = losses.log_cosh(np.zeros_like(e), e).data
    assert out[0] == pytest.approx(0.5e-8, rel=1e-8)  # e^2 / 2 for small e
    np.testing.assert_allclose(out[1:], 50 - math.log(2), rtol=1e-15)  # |e| - log 2


def test_cosine_similarity_by_hand_and_zero_vectors():
    y = np.array([[3.0, 4.0], [1.0, 0.0], [0.0, 0.0]])
    p = np.array([[6.0, 8.0], [0.0, -2.0], [1.0, 1.0]])
    np.testing.assert_array_equal(losses.cosine_similarity(y, p).data, [-1.0, 0.0, 0.0])
    # ||p|| < eps: p is scaled by 1/eps instead of 1/||p|| (Keras' rsqrt cap)
    tiny = np.array([[3e-8, 4e-8]])
    out = losses.cosine_similarity(np.array([[3.0, 4.0]]), tiny).data[0]
    assert out == pytest.approx(-0.5, rel=1e-9)
    # at y_pred = 0 the slope is finite: y_pred / eps moves along -y / ||y|| at rate 1 / eps
    zero = Tensor(np.zeros((1, 2)), requires_grad=True)
    (g,) = grad(losses.cosine_similarity(np.array([[3.0, 4.0]]), zero).sum(), [zero])
    np.testing.assert_allclose(g, [[-0.6 / EPS, -0.8 / EPS]], rtol=1e-12)


def test_focal_losses_reduce_to_cross_entropy():
    ce = losses.categorical_crossentropy(Y_SOFT, PROBS).data
    focal = losses.categorical_focal_crossentropy(Y_SOFT, PROBS, alpha=1.0, gamma=0.0).data
    np.testing.assert_allclose(focal, ce, rtol=1e-14)
    bce = losses.binary_crossentropy(Y_01, P_SIG).data
    np.testing.assert_allclose(
        losses.binary_focal_crossentropy(Y_01, P_SIG, gamma=0.0).data, bce, rtol=1e-14)


def test_dice_is_tversky_with_halves():
    # 2I / (sum y + sum p + eps) against I / (I + (missed + extra) / 2 + eps): eps apart
    np.testing.assert_allclose(
        losses.dice(Y_SEG, P_SEG, axis=(1, 2)).data,
        losses.tversky(Y_SEG, P_SEG, alpha=0.5, beta=0.5, axis=(1, 2)).data, rtol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_focal_from_logits_agrees_with_probabilities(dtype):
    z = LOGITS.astype(dtype)
    softmax = (np.exp(z) / np.exp(z).sum(-1, keepdims=True)).astype(dtype)
    sigmoid = (1 / (1 + np.exp(-z))).astype(dtype)
    rtol = 1e-5 if dtype == np.float32 else 1e-13
    for kwargs in ({}, {"alpha": 0.4, "gamma": 1.0, "label_smoothing": 0.1}):
        np.testing.assert_allclose(
            losses.categorical_focal_crossentropy(Y_ONEHOT, z, from_logits=True, **kwargs).data,
            losses.categorical_focal_crossentropy(Y_ONEHOT, softmax, **kwargs).data, rtol=rtol)
    for kwargs in ({}, {"apply_class_balancing": True, "gamma": 3.0, "label_smoothing": 0.2}):
        np.testing.assert_allclose(
            losses.binary_focal_crossentropy(Y_01, z, from_logits=True, **kwargs).data,
            losses.binary_focal_crossentropy(Y_01, sigmoid, **kwargs).data, rtol=rtol)


# --------------------------------------------------------------------------
# Stability
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_cosh_is_finite_for_large_errors(dtype):
    e = Tensor(np.array([[100.0, -100.0, 1000.0, -89.5]], dtype), requires_grad=True)
    out = losses.log_cosh(np.zeros((1, 4), dtype), e)
    assert out.dtype == dtype
    expected = np.mean(np.abs(e.data.astype(np.float64)) - math.log(2))
    assert out.data[0] == pytest.approx(expected, rel=1e-6)
    (g,) = grad(out.sum(), [e])
    np.testing.assert_allclose(g, np.sign(e.data) / 4, rtol=1e-6)  # tanh(e) / 4


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_focal_losses_are_finite_at_probabilities_0_and_1(dtype):
    y = np.array([[1.0, 0.0, 1.0, 0.0]], dtype)
    p = Tensor(np.array([[1.0, 0.0, 0.0, 1.0]], dtype), requires_grad=True)
    # gamma < 1 would not do: (1 - p_t)^gamma has an infinite slope at p_t = 1 (in Keras too)
    for kwargs in ({}, {"gamma": 0.0}, {"apply_class_balancing": True, "gamma": 1.0}):
        out = losses.binary_focal_crossentropy(y, p, **kwargs)
        (g,) = grad(out.sum(), [p])
        assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(g)), kwargs
    # right answers cost (almost) nothing, wrong ones -log(eps) each (focal factor 1);
    # in float32 1 - (1 - eps) is 1.19e-7, not 1e-7
    out = losses.binary_focal_crossentropy(y, p).data[0]
    assert out == pytest.approx(2 * -math.log(EPS) / 4, rel=1e-2 if dtype == np.float32 else 1e-6)
    onehot = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], dtype)
    q = Tensor(np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]], dtype), requires_grad=True)
    out = losses.categorical_focal_crossentropy(onehot, q)
    (g,) = grad(out.sum(), [q])
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(g))
    assert out.data[0] < 1e-6 and out.data[1] == pytest.approx(0.25 * -math.log(EPS), rel=1e-3)
    z = np.array([[1000.0, -1000.0, 0.0]], dtype)
    for fn in (losses.categorical_focal_crossentropy, losses.binary_focal_crossentropy):
        assert np.all(np.isfinite(fn(np.array([[0.0, 1.0, 0.0]]), z, from_logits=True).data))


# --------------------------------------------------------------------------
# Classes: reductions, sample weights, ranks, configs, names, compile
# --------------------------------------------------------------------------


def test_class_reductions_and_weights_by_hand():
    per_sample = losses.log_cosh(Y_REG, P_REG).data
    w = np.array([0.0, 1.0, 2.0, 0.5, 1.5])
    for reduction, expected in [
        ("sum_over_batch_size", np.mean(per_sample * w)),
        ("mean", np.mean(per_sample * w)),
        ("sum", np.sum(per_sample * w)),
        ("mean_with_sample_weight", np.sum(per_sample * w) / np.sum(w)),
    ]:
        out = losses.LogCosh(reduction=reduction, dtype="float64")(Y_REG, P_REG, sample_weight=w)
        assert out.data == pytest.approx(expected, rel=1e-14), reduction
    out = losses.LogCosh(reduction=None, dtype="float64")(Y_REG, P_REG, sample_weight=w)
    np.testing.assert_allclose(out.data, per_sample * w, rtol=1e-15)


def test_labels_of_rank_1_meet_predictions_of_shape_n_1():
    y = np.array([1.0, 0.0, 1.0])
    p = np.array([[0.8], [0.3], [0.4]])
    for cls in (losses.SquaredHinge, losses.BinaryFocalCrossentropy, losses.LogCosh):
        loss = cls(reduction=None)
        np.testing.assert_allclose(loss(y, p).data, loss(y[:, None], p).data, rtol=1e-15)
        assert loss(y, p).shape == (3,)


@pytest.mark.parametrize("name", NEW_CLASSES)
def test_config_round_trip(name):
    cls = getattr(losses, name)
    kwargs = {
        "CosineSimilarity": {"axis": 0},
        "CategoricalFocalCrossentropy": {"alpha": [0.2, 0.8], "gamma": 1.0, "from_logits": True,
                                         "label_smoothing": 0.1, "axis": 1},
        "BinaryFocalCrossentropy": {"apply_class_balancing": True, "alpha": 0.4, "gamma": 0.5,
                                    "from_logits": True, "label_smoothing": 0.2, "axis": 0},
        "Dice": {"axis": (1, 2)},
        "Tversky": {"alpha": 0.1, "beta": 0.9, "axis": [1]},
    }.get(name, {})
    loss = cls(reduction="sum", name="custom", dtype="float64", **kwargs)
    config = loss.get_config()
    assert {k: config[k] for k in kwargs} == kwargs
    clone = cls.from_config(json.loads(json.dumps(config)))
    assert type(clone) is cls
    assert json.loads(json.dumps(clone.get_config())) == json.loads(json.dumps(config))
    assert losses.get(losses.serialize(loss)).get_config() == config


@pytest.mark.parametrize("name", NEW_FUNCTIONS)
def test_functions_serialize_by_name(name):
    fn = getattr(losses, name)
    assert losses.serialize(fn) == name
    assert losses.get(name) is fn and losses.deserialize(name) is fn
    assert fn.__module__.startswith("glassnet.losses.")


def test_compile_with_the_new_loss_names():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-1.0], [0.5]], np.float32) > 0).astype(np.float32)
    for loss in ("log_cosh", "squared_hinge", "binary_focal_crossentropy", "LogCosh"):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, "sigmoid")])
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss=loss)
        before = model.evaluate(x, y, verbose=0)
        model.fit(x, y, epochs=5, batch_size=16, verbose=0)
        assert model.evaluate(x, y, verbose=0) < before, loss


def test_saved_model_keeps_a_new_loss(tmp_path):
    rng = np.random.default_rng(1)
    x, y = rng.random((8, 3)).astype(np.float32), np.eye(3)[rng.integers(0, 3, 8)]
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, "softmax")])
    loss = losses.CategoricalFocalCrossentropy(alpha=[0.2, 0.3, 0.5], gamma=1.0)
    model.compile(optimizer="sgd", loss=loss)
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "focal.keras")
    loaded = keras.models.load_model(tmp_path / "focal.keras")
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------

ERRORS = [
    (lambda: losses.CategoricalFocalCrossentropy(gamma=-1.0),
     "gamma must be .*Received: gamma=-1"),
    (lambda: losses.BinaryFocalCrossentropy(alpha=1.5), "alpha must be .*Received: alpha=1.5"),
    (lambda: losses.BinaryFocalCrossentropy(label_smoothing=2.0), "Received: label_smoothing=2"),
    (lambda: losses.binary_focal_crossentropy(Y_01, P_SIG, apply_class_balancing="yes"),
     "apply_class_balancing must be True or False"),
    (lambda: losses.categorical_focal_crossentropy(Y_ONEHOT, PROBS, axis=True),
     "axis must be an integer. Received: axis=True"),
    (lambda: losses.categorical_focal_crossentropy(Y_ONEHOT, PROBS, axis=2),
     r"axis must name an axis of y_pred.*Received: axis=2"),
    (lambda: losses.categorical_focal_crossentropy(Y_ONEHOT, PROBS, alpha=[0.5, 0.5]),
     r"a list of 4 weights >= 0.*Received: alpha=\[0.5, 0.5\]"),
    (lambda: losses.categorical_focal_crossentropy(Y_ONEHOT, PROBS, alpha="x"),
     "alpha must be .*Received: alpha='x'"),
    (lambda: losses.CosineSimilarity(axis=1.5), "CosineSimilarity: axis must be an integer"),
    (lambda: losses.cosine_similarity(Y_REG, P_REG, axis=3),
     r"cosine_similarity: axis must name an axis of y_pred. Received: axis=3"),
    (lambda: losses.squared_hinge(Y_PM1, P_REG[:, :3]),
     r"squared_hinge: y_true and y_pred must have the same shape.*\(5, 4\).*\(5, 3\)"),
    (lambda: losses.log_cosh(Y_REG, P_REG[:3]), r"log_cosh: y_true and y_pred must have"),
    (lambda: losses.Tversky(beta=-0.1), "Tversky: beta must be .*Received: beta=-0.1"),
    (lambda: losses.Dice(axis="all"), "Dice: axis must be None, an integer or a tuple"),
    (lambda: losses.SquaredHinge(reduction="max"), "Received: reduction='max'"),
]


@pytest.mark.parametrize("make, message", ERRORS, ids=lambda x: getattr(x, "__name__", x))
def test_bad_arguments_are_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_one_class_warns_for_categorical_focal():
    with pytest.warns(UserWarning, match="1 class"):
        losses.categorical_focal_crossentropy(np.ones((3, 1)), np.full((3, 1), 0.5))
