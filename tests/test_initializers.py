"""glassnet.initializers: statistics over large draws, fans, seeding, get(), configs, errors."""
import json
import math
import re

import numpy as np
import pytest

from glassnet import initializers
from glassnet.random import set_random_seed

TRUNC = 0.87962566103423978


def fraction_tol(N):
    """Five standard errors of an observed fraction near 1/2 over N draws."""
    return 5 * math.sqrt(0.25 / N)


def unit_normal_mass(t):
    """P(|z| < t) for z ~ N(0, 1)."""
    return math.erf(t / math.sqrt(2.0))


# --- fans ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape, fans",
    [
        ((), (1, 1)),
        ((7,), (7, 7)),
        ((3, 5), (3, 5)),
        ((4, 6, 10), (24, 40)),  # receptive field 4
        ((3, 3, 8, 16), (72, 144)),  # receptive field 9
    ],
)
def test_compute_fans(shape, fans):
    assert initializers.compute_fans(shape) == fans


# --- the variance-scaling family -------------------------------------------------------

def variance_scaling(scale, mode, distribution):
    return lambda seed: initializers.VarianceScaling(scale, mode, distribution, seed)


# (factory, scale, mode, distribution) -- the Keras parameters of every variant.
VARIANCE_SCALING = [
    (initializers.GlorotUniform, 1.0, "fan_avg", "uniform"),
    (initializers.GlorotNormal, 1.0, "fan_avg", "truncated_normal"),
    (initializers.HeNormal, 2.0, "fan_in", "truncated_normal"),
    (initializers.HeUniform, 2.0, "fan_in", "uniform"),
    (initializers.LecunNormal, 1.0, "fan_in", "truncated_normal"),
    (initializers.LecunUniform, 1.0, "fan_in", "uniform"),
] + [
    (variance_scaling(*row), *row)
    for row in [
        (0.5, "fan_out", "untruncated_normal"),
        (3.0, "fan_out", "uniform"),
        (1.5, "fan_avg", "truncated_normal"),
        (2.0, "fan_in", "untruncated_normal"),
    ]
]
SHAPES = [(400, 600), (5, 5, 64, 48)]  # Dense (fans 400/600), conv (fans 1600/1200)


def expected_n(shape, mode):
    rows, cols = shape[-2], shape[-1]
    receptive = int(np.prod(shape[:-2]))
    fan_in, fan_out = rows * receptive, cols * receptive
    return {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("factory, scale, mode, distribution", VARIANCE_SCALING)
def test_variance_scaling_statistics(factory, scale, mode, distribution, shape):
    W = factory(seed=11)(shape)
    assert W.shape == shape and W.dtype == np.float32
    target_std = math.sqrt(scale / expected_n(shape, mode))  # Var(W) = scale / n
    # tolerances: five standard errors of each statistic over N draws
    N = W.size
    assert abs(W.mean()) < 5 * target_std / math.sqrt(N)
    np.testing.assert_allclose(W.std(), target_std, rtol=5 / math.sqrt(2 * N))
    largest = np.abs(W).max()
    if distribution == "uniform":
        limit = math.sqrt(3 * scale / expected_n(shape, mode))
        assert largest <= np.float32(limit)
        assert largest > 0.999 * limit
        # uniform: a quarter of the mass in each half-interval
        np.testing.assert_allclose(np.mean(np.abs(W) < limit / 2), 0.5, atol=fraction_tol(N))
    elif distribution == "truncated_normal":
        sigma = target_std / TRUNC  # the deviation before truncation
        assert largest <= np.float32(2 * sigma)
        assert largest > 0.99 * 2 * sigma
        # the shape of a normal cut at +-2 sigma
        expected = unit_normal_mass(1.0) / unit_normal_mass(2.0)
        np.testing.assert_allclose(np.mean(np.abs(W) < sigma), expected, atol=fraction_tol(N))
    else:
        assert largest > 3 * target_std  # no truncation
        np.testing.assert_allclose(
            np.mean(np.abs(W) < target_std), unit_normal_mass(1.0), atol=fraction_tol(N)
        )


def test_variance_scaling_floors_n_at_one():
    W = initializers.VarianceScaling(mode="fan_avg", distribution="uniform")((0, 3))
    assert W.shape == (0, 3)


def test_variance_scaling_normal_means_truncated_normal():
    init = initializers.VarianceScaling(distribution="Normal")
    assert init.distribution == "truncated_normal"


@pytest.mark.parametrize(
    "alias, cls",
    [
        ("glorot_uniform", initializers.GlorotUniform),
        ("glorot_normal", initializers.GlorotNormal),
        ("he_normal", initializers.HeNormal),
        ("he_uniform", initializers.HeUniform),
        ("lecun_normal", initializers.LecunNormal),
        ("lecun_uniform", initializers.LecunUniform),
        ("variance_scaling", initializers.VarianceScaling),
        ("random_normal", initializers.RandomNormal),
        ("random_uniform", initializers.RandomUniform),
        ("truncated_normal", initializers.TruncatedNormal),
        ("zeros", initializers.Zeros),
        ("ones", initializers.Ones),
        ("constant", initializers.Constant),
        ("orthogonal", initializers.Orthogonal),
        ("identity", initializers.Identity),
    ],
)
def test_function_style_names_are_the_classes(alias, cls):
    assert getattr(initializers, alias) is cls


# --- fixed-parameter random initializers -----------------------------------------------


def test_random_normal_statistics():
    W = initializers.RandomNormal(mean=0.3, stddev=0.2, seed=1)((500, 500))
    np.testing.assert_allclose(W.mean(), 0.3, atol=0.002)
    np.testing.assert_allclose(W.std(), 0.2, rtol=0.01)
    assert initializers.RandomNormal().stddev == 0.05


def test_random_uniform_statistics():
    W = initializers.RandomUniform(minval=-0.1, maxval=0.3, seed=2)((500, 500))
    assert W.min() >= np.float32(-0.1) and W.max() <= np.float32(0.3)
    assert W.min() < -0.099 and W.max() > 0.299
    np.testing.assert_allclose(W.mean(), 0.1, atol=0.002)
    np.testing.assert_allclose(W.std(), 0.4 / math.sqrt(12), rtol=0.01)
    default = initializers.RandomUniform()
    assert (default.minval, default.maxval) == (-0.05, 0.05)


def test_truncated_normal_statistics():
    mean, stddev = 1.0, 0.5
    W = initializers.TruncatedNormal(mean=mean, stddev=stddev, seed=3)((500, 500))
    assert W.min() >= np.float32(mean - 2 * stddev)
    assert W.max() <= np.float32(mean + 2 * stddev)
    assert W.min() < mean - 1.98 * stddev and W.max() > mean + 1.98 * stddev
    np.testing.assert_allclose(W.mean(), mean, atol=0.005)
    np.testing.assert_allclose(W.std(), TRUNC * stddev, rtol=0.01)  # cut normal's deviation


# --- constant, identity, orthogonal ----------------------------------------------------


def test_zeros_ones_constant():
    np.testing.assert_array_equal(initializers.Zeros()((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(initializers.Ones()((4,)), np.ones(4))
    np.testing.assert_array_equal(initializers.Constant(2.5)((2, 2)), np.full((2, 2), 2.5))
    row = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(initializers.Constant(row)((2, 3)), np.stack([row, row]))
    assert initializers.Constant()((3,)).sum() == 0.0
    assert initializers.Ones()((2,), dtype="float64").dtype == np.float64


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (5, 2)])
def test_identity(shape):
    W = initializers.Identity(gain=1.5)(shape)
    assert W.dtype == np.float32
    np.testing.assert_array_equal(W, 1.5 * np.eye(*shape))


@pytest.mark.parametrize("gain", [1.0, 2.5])
@pytest.mark.parametrize("shape", [(60, 40), (40, 60), (50, 50), (3, 3, 4, 16), (2, 3, 4, 50)])
def test_orthogonal(shape, gain):
    W = initializers.Orthogonal(gain=gain, seed=4)(shape)
    assert W.shape == shape and W.dtype == np.float32
    M = W.reshape(-1, shape[-1]).astype(np.float64)  # (rows, cols)
    rows, cols = M.shape
    gram = M.T @ M if rows >= cols else M @ M.T
    np.testing.assert_allclose(gram, gain**2 * np.eye(min(rows, cols)), atol=1e-5 * gain**2)


def test_orthogonal_is_sign_corrected():
    # Without the sign correction, LAPACK's QR makes W[0, 0] the same sign on every draw.
    corners = [initializers.Orthogonal(seed=s)((4, 4))[0, 0] for s in range(400)]
    assert abs(np.mean(corners)) < 0.1
    assert 0.35 < np.mean(np.array(corners) > 0) < 0.65


# --- dtypes ----------------------------------------------------------------------------

ALL_NAMES = [
    "zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal",
    "variance_scaling", "glorot_uniform", "glorot_normal", "he_normal", "he_uniform",
    "lecun_normal", "lecun_uniform", "orthogonal", "identity",
]
RANDOM_NAMES = [
    "random_normal", "random_uniform", "truncated_normal", "variance_scaling",
    "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal",
    "lecun_uniform", "orthogonal",
]


@pytest.mark.parametrize("name", ALL_NAMES)
def test_dtype_defaults_to_float32_and_is_honoured(name):
    init = initializers.get(name)
    assert init((4, 5)).dtype == np.float32
    assert init((4, 5), dtype="float64").dtype == np.float64
    assert init([4, 5]).shape == (4, 5)


@pytest.mark.parametrize("name", RANDOM_NAMES)
def test_random_initializers_refuse_integer_dtypes(name):
    with pytest.raises(ValueError, match="Received: dtype=int32"):
        initializers.get(name)((3, 3), dtype="int32")


# --- seeding ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", RANDOM_NAMES)
def test_seeded_instance_repeats_its_values(name):
    cls = type(initializers.get(name))
    init = cls(seed=42)
    first = init((20, 30))
    np.testing.assert_array_equal(first, init((20, 30)))
    np.testing.assert_array_equal(first, cls(seed=42)((20, 30)))
    assert not np.array_equal(first, cls(seed=43)((20, 30)))


@pytest.mark.parametrize("name", RANDOM_NAMES)
def test_unseeded_calls_differ(name):
    init = initializers.get(name)
    assert not np.array_equal(init((20, 30)), init((20, 30)))


@pytest.mark.parametrize("name", RANDOM_NAMES)
@pytest.mark.parametrize("seeder", [np.random.seed, set_random_seed])
def test_unseeded_calls_follow_the_global_seed(name, seeder):
    init = initializers.get(name)
    seeder(123)
    run_a = [init((20, 30)), init((20, 30))]
    seeder(123)
    run_b = [init((20, 30)), init((20, 30))]
    seeder(124)
    run_c = [init((20, 30))]
    np.testing.assert_array_equal(run_a[0], run_b[0])
    np.testing.assert_array_equal(run_a[1], run_b[1])
    assert not np.array_equal(run_a[0], run_c[0])


# --- get, serialization ----------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_NAMES)
def test_get_every_name_returns_a_new_instance(name):
    cls = getattr(initializers, name)
    a = initializers.get(name)
    b = initializers.get(name)
    assert type(a) is cls and type(b) is cls and a is not b
    assert type(initializers.get(cls.__name__)) is cls  # CamelCase
    assert type(initializers.get(name.upper())) is cls  # case-insensitive


def test_get_other_identifiers():
    assert initializers.get(None) is None
    init = initializers.HeNormal(seed=1)
    assert initializers.get(init) is init
    assert type(initializers.get(initializers.Ones)) is initializers.Ones

    def custom(shape, dtype=None):
        return np.full(shape, 7.0, dtype=dtype)

    assert initializers.get(custom) is custom
    assert type(initializers.get("OrthogonalInitializer")) is initializers.Orthogonal
    assert type(initializers.get("normal")) is initializers.RandomNormal
    assert type(initializers.get("uniform")) is initializers.RandomUniform


def test_get_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="glorot_uniform") as info:
        initializers.get("glorot_uniformm")
    assert "Received: initializer='glorot_uniformm'" in str(info.value)
    with pytest.raises(TypeError, match="Received: initializer=3"):
        initializers.get(3)


CONFIGURED = [
    initializers.Zeros(),
    initializers.Ones(),
    initializers.Constant(0.7),
    initializers.Constant(np.array([1.0, 2.0])),
    initializers.Identity(gain=3.0),
    initializers.RandomNormal(mean=0.1, stddev=0.3, seed=5),
    initializers.RandomUniform(minval=-1.0, maxval=2.0, seed=6),
    initializers.TruncatedNormal(mean=-0.2, stddev=0.1, seed=7),
    initializers.VarianceScaling(2.5, "fan_out", "untruncated_normal", seed=8),
    initializers.GlorotUniform(seed=9),
    initializers.GlorotNormal(seed=10),
    initializers.HeNormal(seed=11),
    initializers.HeUniform(seed=12),
    initializers.LecunNormal(seed=13),
    initializers.LecunUniform(seed=14),
    initializers.Orthogonal(gain=0.5, seed=15),
]


@pytest.mark.parametrize("init", CONFIGURED, ids=lambda i: type(i).__name__)
def test_config_round_trip(init):
    config = init.get_config()
    json.dumps(config)  # plain values only
    clone = type(init).from_config(config)
    assert clone.get_config() == config
    np.testing.assert_array_equal(clone((6, 2)), init((6, 2)))
    restored = initializers.deserialize(json.loads(json.dumps(initializers.serialize(init))))
    assert type(restored) is type(init)
    assert restored.get_config() == config
    np.testing.assert_array_equal(restored((6, 2)), init((6, 2)))


def test_configs_hold_the_keras_arguments():
    assert initializers.VarianceScaling().get_config() == {
        "scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal", "seed": None,
    }
    assert initializers.GlorotUniform(seed=3).get_config() == {"seed": 3}
    assert initializers.Orthogonal().get_config() == {"gain": 1.0, "seed": None}
    assert initializers.Zeros().get_config() == {}


# --- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: initializers.VarianceScaling(scale=0.0), "Received: scale=0.0"),
        (lambda: initializers.VarianceScaling(scale=-1), "Received: scale=-1"),
        (lambda: initializers.VarianceScaling(scale=float("nan")), "Received: scale=nan"),
        (lambda: initializers.VarianceScaling(mode="fan"), "'fan_in', 'fan_out', 'fan_avg'"),
        (lambda: initializers.VarianceScaling(distribution="gauss"),
         "'truncated_normal', 'untruncated_normal', 'uniform'. Received: distribution='gauss'"),
        (lambda: initializers.RandomNormal(stddev=-0.1), "Received: stddev=-0.1"),
        (lambda: initializers.HeNormal(seed=1.5), "Received: seed=1.5"),
        (lambda: initializers.RandomUniform(seed="7"), "Received: seed='7'"),
    ],
)
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make()


def test_mode_error_names_the_received_mode():
    with pytest.raises(ValueError, match="Received: mode='fan'"):
        initializers.VarianceScaling(mode="fan")


@pytest.mark.parametrize(
    "init, shape, message",
    [
        (initializers.Identity(), (2, 2, 2), "rank 3"),
        (initializers.Identity(), (4,), "rank 1"),
        (initializers.Orthogonal(), (5,), "rank 1"),
        (initializers.Constant(np.ones(3)), (2, 4), "cannot fill a weight of shape"),
        (initializers.GlorotUniform(), (None, 4), "non-negative integers"),
        (initializers.Zeros(), (-1, 4), "non-negative integers"),
    ],
)
def test_bad_shapes(init, shape, message):
    with pytest.raises(ValueError, match=message):
        init(shape)
