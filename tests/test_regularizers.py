"""glassnet.regularizers and glassnet.constraints: values vs NumPy, gradients, configs, errors."""
import json

import numpy as np
import pytest

from glassnet import constraints, regularizers
from glassnet.autodiff import Tensor, Variable, grad
from glassnet.autodiff.gradcheck import check_gradients


def random_matrix(shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# === regularizers ======================================================================

# (regularizer, l1, l2): every penalty is l1 * sum|x| + l2 * sum x^2
PENALTIES = [
    (regularizers.L1(0.03), 0.03, 0.0),
    (regularizers.L2(0.02), 0.0, 0.02),
    (regularizers.L1L2(l1=0.01, l2=0.05), 0.01, 0.05),
    (regularizers.L1L2(l2=0.3), 0.0, 0.3),
    (regularizers.l1(), 0.01, 0.0),
    (regularizers.l2(), 0.0, 0.01),
    (regularizers.l1_l2(l1=0.2, l2=0.1), 0.2, 0.1),
]


def numpy_penalty(x, l1, l2):
    x = np.asarray(x, dtype=np.float64)
    return l1 * np.sum(np.abs(x)) + l2 * np.sum(x * x)


@pytest.mark.parametrize("reg, l1, l2", PENALTIES, ids=repr)
def test_penalty_value(reg, l1, l2):
    x = random_matrix((7, 5), seed=1)
    penalty = reg(Tensor(x))
    assert isinstance(penalty, Tensor)
    assert penalty.shape == () and penalty.dtype == np.float32
    np.testing.assert_allclose(float(penalty), numpy_penalty(x, l1, l2), rtol=1e-6)


@pytest.mark.parametrize("reg, l1, l2", PENALTIES, ids=repr)
def test_penalty_gradient(reg, l1, l2):
    x = random_matrix((4, 3), seed=2, dtype=np.float64)  # no zeros, so sign(x) is smooth
    check_gradients(reg, [x], rtol=1e-6, atol=1e-8)
    W = Tensor(x, requires_grad=True)
    (dW,) = grad(reg(W), [W])
    np.testing.assert_allclose(dW, 2 * l2 * x + l1 * np.sign(x), rtol=1e-12, atol=1e-15)


def test_penalty_on_a_variable_reaches_its_grad():
    kernel = Variable(random_matrix((3, 4), seed=3), name="kernel")
    regularizers.L1L2(l1=0.1, l2=0.4)(kernel).backward()
    x = kernel.numpy().astype(np.float64)
    np.testing.assert_allclose(kernel.grad, 0.8 * x + 0.1 * np.sign(x), rtol=1e-6)


def test_zero_factors_give_a_zero_penalty():
    x = random_matrix((3, 3))
    for reg in (regularizers.L1L2(), regularizers.l1_l2(), regularizers.Regularizer()):
        penalty = reg(Tensor(x))
        assert penalty.shape == () and penalty.dtype == np.float32 and float(penalty) == 0.0


def test_penalty_accepts_arrays():
    x = random_matrix((2, 5), seed=4)
    expected = 0.5 * np.sum(x.astype(np.float64) ** 2)
    np.testing.assert_allclose(float(regularizers.L2(0.5)(x)), expected, rtol=1e-6)


def test_lowercase_names_are_the_classes():
    assert regularizers.l1 is regularizers.L1
    assert regularizers.l2 is regularizers.L2
    assert regularizers.l1_l2 is regularizers.L1L2
    assert regularizers.l1(0.1).l1 == 0.1 and regularizers.l2(0.2).l2 == 0.2


def test_defaults_and_none():
    assert regularizers.L1().l1 == 0.01 and regularizers.L2().l2 == 0.01
    assert (regularizers.L1L2().l1, regularizers.L1L2().l2) == (0.0, 0.0)
    assert regularizers.L1(None).l1 == 0.01
    assert regularizers.L1L2(None, None).get_config() == {"l1": 0.0, "l2": 0.0}


# --- OrthogonalRegularizer ---------------------------------------------------------------


def numpy_orthogonal_penalty(W, factor, mode):
    W = np.asarray(W, dtype=np.float64)
    vectors = W if mode == "rows" else W.T
    n = vectors.shape[0]
    unit = [v / max(np.linalg.norm(v), 1e-7) for v in vectors]
    total = sum(abs(unit[i] @ unit[j]) for i in range(n) for j in range(n) if i != j)
    return factor * 0.5 * total / (n * (n - 1) / 2)


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer(mode):
    reg = regularizers.OrthogonalRegularizer(factor=0.3, mode=mode)
    x = random_matrix((5, 4), seed=5)
    np.testing.assert_allclose(
        float(reg(Tensor(x))), numpy_orthogonal_penalty(x, 0.3, mode), rtol=1e-5
    )
    check_gradients(reg, [random_matrix((5, 4), seed=6, dtype=np.float64)], rtol=1e-5)


def test_orthogonal_regularizer_is_zero_on_orthogonal_rows():
    Q, _ = np.linalg.qr(random_matrix((6, 6), seed=7, dtype=np.float64))
    penalty = regularizers.OrthogonalRegularizer(factor=1.0)(Tensor(3.0 * Q[:4]))
    assert abs(float(penalty)) < 1e-12


def test_orthogonal_regularizer_errors():
    with pytest.raises(ValueError, match="Received: mode='diagonal'"):
        regularizers.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(ValueError, match=r"Received: shape=\(2, 2, 2\)"):
        regularizers.OrthogonalRegularizer()(Tensor(np.ones((2, 2, 2))))


# --- get, config, errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, cls",
    [
        ("l1", regularizers.L1),
        ("L1", regularizers.L1),
        ("l2", regularizers.L2),
        ("L2", regularizers.L2),
        ("l1_l2", regularizers.L1L2),
        ("L1L2", regularizers.L1L2),
        ("orthogonal_regularizer", regularizers.OrthogonalRegularizer),
        ("OrthogonalRegularizer", regularizers.OrthogonalRegularizer),
        ("L1_L2", regularizers.L1L2),
    ],
)
def test_regularizer_get_by_name(name, cls):
    a, b = regularizers.get(name), regularizers.get(name)
    assert type(a) is cls and a is not b


def test_regularizer_get_other_identifiers():
    assert regularizers.get(None) is None
    reg = regularizers.L2(0.3)
    assert regularizers.get(reg) is reg
    assert type(regularizers.get(regularizers.L1)) is regularizers.L1

    def custom(W):
        return W.sum()

    assert regularizers.get(custom) is custom
    with pytest.raises(ValueError, match="Received: regularizer='l3'") as info:
        regularizers.get("l3")
    assert "l1_l2" in str(info.value)


@pytest.mark.parametrize(
    "reg",
    [
        regularizers.L1(0.3),
        regularizers.L2(0.25),
        regularizers.L1L2(0.1, 0.2),
        regularizers.OrthogonalRegularizer(0.5, "columns"),
    ],
    ids=repr,
)
def test_regularizer_config_round_trip(reg):
    config = reg.get_config()
    clone = type(reg).from_config(config)
    assert type(clone) is type(reg) and clone.get_config() == config
    restored = regularizers.deserialize(json.loads(json.dumps(regularizers.serialize(reg))))
    assert type(restored) is type(reg) and restored.get_config() == config
    x = Tensor(random_matrix((4, 4), seed=8))
    assert float(restored(x)) == float(reg(x))


@pytest.mark.parametrize(
    "make, received",
    [
        (lambda: regularizers.L1(-0.1), "l1=-0.1"),
        (lambda: regularizers.L2(float("inf")), "l2=inf"),
        (lambda: regularizers.L1L2(l1=float("nan")), "l1=nan"),
        (lambda: regularizers.L1L2(l2=-1), "l2=-1"),
        (lambda: regularizers.l2("0.1"), "l2='0.1'"),
        (lambda: regularizers.L1(True), "l1=True"),
        (lambda: regularizers.OrthogonalRegularizer(factor=-2.0), "factor=-2.0"),
    ],
)
def test_regularizer_bad_factors(make, received):
    with pytest.raises(ValueError, match=f"must be a finite float >= 0. Received: {received}"):
        make()


# === constraints =======================================================================


def numpy_rescale(W, axis, desired_norm):
    """W with each vector along ``axis`` scaled by desired_norm(norm) / (eps + norm),
    computed one vector at a time in float64."""
    axes = [a % W.ndim for a in (axis if isinstance(axis, (list, tuple)) else [axis])]
    others = [a for a in range(W.ndim) if a not in axes]
    moved = np.transpose(W.astype(np.float64), others + axes)  # (others..., axes...)
    vectors = moved.reshape(int(np.prod([W.shape[a] for a in others])), -1).copy()
    for row in vectors:
        norm = np.linalg.norm(row)
        row *= desired_norm(norm) / (1e-7 + norm)
    return np.transpose(vectors.reshape(moved.shape), np.argsort(others + axes))


def scaled_matrix(shape, seed):
    """Random vectors with norms spread from small to large, so every clip branch runs."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * rng.uniform(0.05, 1.5, size=shape[-1:])).astype(
        np.float32
    )


AXES = [0, 1, -1, [0, 1], [0, 1, 2]]
SHAPES = {0: (6, 8), 1: (6, 8), -1: (3, 3, 4, 5), (0, 1): (3, 3, 4, 5), (0, 1, 2): (3, 3, 4, 5)}


def shape_for(axis):
    return SHAPES[tuple(axis) if isinstance(axis, list) else axis]


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("max_value", [0.5, 2])
def test_max_norm(axis, max_value):
    W = scaled_matrix(shape_for(axis), seed=10)
    out = constraints.MaxNorm(max_value=max_value, axis=axis)(W)
    assert out.dtype == np.float32 and out.shape == W.shape
    expected = numpy_rescale(W, axis, lambda n: min(n, max_value))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("axis", AXES)
def test_unit_norm(axis):
    W = scaled_matrix(shape_for(axis), seed=11)
    out = constraints.UnitNorm(axis=axis)(W)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, numpy_rescale(W, axis, lambda n: 1.0), rtol=1e-5, atol=1e-7)
    norms = np.sqrt(np.sum(out.astype(np.float64) ** 2, axis=tuple(np.atleast_1d(axis))))
    np.testing.assert_allclose(norms, 1.0, rtol=1e-5)


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("rate", [1.0, 0.3])
def test_min_max_norm(axis, rate):
    W = scaled_matrix(shape_for(axis), seed=12)
    low, high = 0.8, 1.2
    out = constraints.MinMaxNorm(min_value=low, max_value=high, rate=rate, axis=axis)(W)
    assert out.dtype == np.float32

    def desired(n):
        return rate * min(max(n, low), high) + (1 - rate) * n

    np.testing.assert_allclose(out, numpy_rescale(W, axis, desired), rtol=1e-5, atol=1e-7)


def test_constraint_norms_land_in_range():
    W = scaled_matrix((10, 30), seed=13) * 3
    norms = np.linalg.norm(constraints.MaxNorm(1.5)(W).astype(np.float64), axis=0)
    assert norms.max() <= 1.5 * (1 + 1e-6) and norms.max() > 1.49
    norms = np.linalg.norm(constraints.MinMaxNorm(0.5, 1.0)(W).astype(np.float64), axis=0)
    assert norms.min() >= 0.5 - 1e-6 and norms.max() <= 1.0 + 1e-6


def test_non_neg():
    W = random_matrix((5, 6), seed=14)
    out = constraints.NonNeg()(W)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.where(W < 0, 0.0, W))


@pytest.mark.parametrize(
    "constraint",
    [
        constraints.MaxNorm(1.0),
        constraints.NonNeg(),
        constraints.UnitNorm(axis=1),
        constraints.MinMaxNorm(0.2, 0.9, rate=0.5),
    ],
    ids=repr,
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_constraints_keep_dtype_and_input(constraint, dtype):
    W = random_matrix((4, 7), seed=15, dtype=dtype)
    before = W.copy()
    out = constraint(W)
    assert out.dtype == dtype and out.shape == W.shape
    np.testing.assert_array_equal(W, before)  # the argument is not modified


def test_constraint_on_a_variable_array():
    kernel = Variable(random_matrix((3, 4), seed=16) * 4, constraint=constraints.max_norm(1.0))
    kernel.assign(kernel.constraint(kernel.value))
    assert np.linalg.norm(kernel.numpy(), axis=0).max() <= 1.0 + 1e-6
    assert kernel.dtype == np.float32


def test_constraint_lowercase_names_are_the_classes():
    assert constraints.max_norm is constraints.MaxNorm
    assert constraints.non_neg is constraints.NonNeg
    assert constraints.unit_norm is constraints.UnitNorm
    assert constraints.min_max_norm is constraints.MinMaxNorm


@pytest.mark.parametrize(
    "name, cls",
    [
        ("max_norm", constraints.MaxNorm),
        ("MaxNorm", constraints.MaxNorm),
        ("non_neg", constraints.NonNeg),
        ("NonNeg", constraints.NonNeg),
        ("unit_norm", constraints.UnitNorm),
        ("UnitNorm", constraints.UnitNorm),
        ("min_max_norm", constraints.MinMaxNorm),
        ("MinMaxNorm", constraints.MinMaxNorm),
        ("MAX_NORM", constraints.MaxNorm),
        ("maxnorm", constraints.MaxNorm),
        ("nonneg", constraints.NonNeg),
        ("unitnorm", constraints.UnitNorm),
    ],
)
def test_constraint_get_by_name(name, cls):
    a, b = constraints.get(name), constraints.get(name)
    assert type(a) is cls and a is not b


def test_constraint_get_other_identifiers():
    assert constraints.get(None) is None
    constraint = constraints.UnitNorm(axis=1)
    assert constraints.get(constraint) is constraint
    assert type(constraints.get(constraints.NonNeg)) is constraints.NonNeg
    assert constraints.get(np.abs) is np.abs
    with pytest.raises(ValueError, match="Received: constraint='positive'") as info:
        constraints.get("positive")
    assert "max_norm" in str(info.value)


@pytest.mark.parametrize(
    "constraint, config",
    [
        (constraints.MaxNorm(3.0, axis=1), {"max_value": 3.0, "axis": 1}),
        (constraints.MaxNorm(), {"max_value": 2, "axis": 0}),
        (constraints.NonNeg(), {}),
        (constraints.UnitNorm(axis=[0, 1]), {"axis": [0, 1]}),
        (constraints.MinMaxNorm(0.1, 0.7, 0.5, 1),
         {"min_value": 0.1, "max_value": 0.7, "rate": 0.5, "axis": 1}),
        (constraints.MinMaxNorm(), {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}),
    ],
    ids=repr,
)
def test_constraint_config_round_trip(constraint, config):
    assert constraint.get_config() == config
    clone = type(constraint).from_config(config)
    assert type(clone) is type(constraint) and clone.get_config() == config
    restored = constraints.deserialize(json.loads(json.dumps(constraints.serialize(constraint))))
    assert type(restored) is type(constraint) and restored.get_config() == config
    W = scaled_matrix((3, 4, 5), seed=17)
    np.testing.assert_array_equal(restored(W), constraint(W))
