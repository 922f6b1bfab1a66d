"""keras.random: shapes, dtypes, seeds, distributions (KS tests on 1e5 samples), dropout.

Statistics use fixed seeds and bounds a wrong implementation cannot pass: a
Kolmogorov-Smirnov p-value above 1e-4 against the exact distribution, or moments
within 5 standard errors.
"""
import numpy as np
import pytest
from helpers import assert_gradients
from scipy import stats

import glassnet as keras
from glassnet import config
from glassnet import random as r
from glassnet.autodiff import Tensor, grad

N = 100_000


def values(t):
    assert isinstance(t, Tensor)
    return t.data


# --- shapes, dtypes -------------------------------------------------------------------

DRAWS = {
    "normal": lambda shape, **kw: r.normal(shape, **kw),
    "uniform": lambda shape, **kw: r.uniform(shape, **kw),
    "truncated_normal": lambda shape, **kw: r.truncated_normal(shape, **kw),
    "gamma": lambda shape, **kw: r.gamma(shape, 2.0, **kw),
    "beta": lambda shape, **kw: r.beta(shape, 2.0, 3.0, **kw),
    "binomial": lambda shape, **kw: r.binomial(shape, 10, 0.3, **kw),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
@pytest.mark.parametrize("shape", [(2, 3), (4,), 5, ()])
def test_float_draws_have_shape_and_floatx_dtype(name, shape):
    out = DRAWS[name](shape, seed=1)
    expected = (shape,) if isinstance(shape, int) else shape
    assert values(out).shape == expected
    assert out.dtype == np.float32


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_float_draws_honour_dtype_and_floatx(name):
    assert DRAWS[name]((3,), dtype="float64", seed=1).dtype == np.float64
    config.set_floatx("float64")
    try:
        assert DRAWS[name]((3,), seed=1).dtype == np.float64
    finally:
        config.set_floatx("float32")


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_float_draws_refuse_integer_dtype(name):
    with pytest.raises(ValueError, match=r"dtype must be a floating point dtype. Received"):
        DRAWS[name]((3,), dtype="int32")


def test_integer_draws_dtypes():
    assert r.randint((3,), 0, 5).dtype == np.int32
    assert r.randint((3,), 0, 5, dtype="int64").dtype == np.int64
    assert r.randint((3,), 0, 5, dtype="uint8").dtype == np.uint8
    assert r.categorical(np.zeros((2, 3)), 4).dtype == np.int32
    assert r.categorical(np.zeros((2, 3)), 4, dtype="int64").shape == (2, 4)
    with pytest.raises(ValueError, match=r"dtype must be an integer dtype. Received: dtype="):
        r.randint((3,), 0, 5, dtype="float32")
    with pytest.raises(ValueError, match=r"does not fit in dtype uint8"):
        r.randint((3,), -1, 5, dtype="uint8")


def test_public_namespace():
    assert keras.random.normal is r.normal
    for name in ["SeedGenerator", "normal", "uniform", "truncated_normal", "randint", "dropout",
                 "shuffle", "categorical", "gamma", "beta", "binomial", "make_generator",
                 "set_random_seed"]:
        assert hasattr(keras.random, name)
    assert keras.utils.set_random_seed is r.set_random_seed


# --- seeds ----------------------------------------------------------------------------

ALL = {**DRAWS,
       "randint": lambda shape, **kw: r.randint(shape, -3, 9, **kw),
       "categorical": lambda shape, **kw: r.categorical(np.zeros((shape[0], 4)), 7, **kw),
       "dropout": lambda shape, **kw: r.dropout(np.ones((shape[0], 8)), 0.5, **kw),
       "shuffle": lambda shape, **kw: r.shuffle(np.arange(shape[0] * 3), **kw)}


@pytest.mark.parametrize("name", sorted(ALL))
def test_int_seed_gives_the_same_values_at_every_call(name):
    a, b = ALL[name]((50,), seed=7), ALL[name]((50,), seed=7)
    np.testing.assert_array_equal(values(a), values(b))
    assert not np.array_equal(values(a), values(ALL[name]((50,), seed=8)))


@pytest.mark.parametrize("name", sorted(ALL))
def test_seed_generator_advances_and_is_reproducible(name):
    g = r.SeedGenerator(3)
    first, second = values(ALL[name]((50,), seed=g)), values(ALL[name]((50,), seed=g))
    assert not np.array_equal(first, second)
    h = r.SeedGenerator(3)
    np.testing.assert_array_equal(values(ALL[name]((50,), seed=h)), first)
    np.testing.assert_array_equal(values(ALL[name]((50,), seed=h)), second)


@pytest.mark.parametrize("name", sorted(ALL))
def test_no_seed_differs_per_call_and_follows_numpy_global_state(name):
    assert not np.array_equal(values(ALL[name]((50,))), values(ALL[name]((50,))))
    np.random.seed(11)
    a = values(ALL[name]((50,)))
    keras.utils.set_random_seed(11)
    np.testing.assert_array_equal(values(ALL[name]((50,))), a)


def test_seed_generator_state_config_and_global_seeding():
    g = r.SeedGenerator(5, name="sg")
    np.testing.assert_array_equal(g.state, [5, 0])
    np.testing.assert_array_equal(g.next(), [5, 0])
    np.testing.assert_array_equal(g.state, [5, 1])
    assert g.get_config() == {"seed": 5, "name": "sg"}
    clone = r.SeedGenerator.from_config(g.get_config())
    assert clone.seed == 5 and clone.counter == 0
    np.random.seed(0)
    a = r.SeedGenerator()
    np.random.seed(0)
    assert r.SeedGenerator().seed == a.seed
    assert r.SeedGenerator().name != r.SeedGenerator().name


def test_negative_int_seed_works():
    np.testing.assert_array_equal(values(r.normal((3,), seed=-1)),
                                  values(r.normal((3,), seed=-1)))


@pytest.mark.parametrize("seed", ["a", 1.5, True, [1]])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match=r"random.normal: seed must be an integer, a keras"):
        r.normal((2,), seed=seed)


def test_bad_seed_generator_seed():
    with pytest.raises(ValueError, match=r"SeedGenerator: seed must be an integer or None"):
        r.SeedGenerator("a")
    with pytest.raises(ValueError, match=r"unrecognized keyword"):
        r.SeedGenerator(1, bad=2)


def test_make_generator_unchanged():
    g = np.random.default_rng(0)
    assert r.make_generator(g) is g
    np.testing.assert_array_equal(r.make_generator(4).random(3),
                                  np.random.default_rng(4).random(3))
    with pytest.raises(ValueError, match=r"set_random_seed: expected `seed` to be an integer"):
        r.set_random_seed(1.5)


# --- distributions --------------------------------------------------------------------


def ks_p(sample, cdf):
    return stats.kstest(np.asarray(sample, np.float64).ravel(), cdf).pvalue


def test_normal_distribution():
    x = values(r.normal((N,), mean=2.0, stddev=3.0, dtype="float64", seed=0))
    assert ks_p(x, stats.norm(2.0, 3.0).cdf) > 1e-4
    assert abs(x.mean() - 2.0) < 5 * 3.0 / np.sqrt(N)
    assert abs(x.std() - 3.0) < 5 * 3.0 / np.sqrt(2 * N)


def test_uniform_distribution_and_bounds():
    x = values(r.uniform((N,), minval=-2.0, maxval=5.0, seed=0))
    assert ks_p(x, stats.uniform(-2.0, 7.0).cdf) > 1e-4
    assert x.min() >= -2.0 and x.max() < 5.0
    tiny = values(r.uniform((N,), minval=1.0, maxval=1.0 + 1e-7, seed=0))  # rounding to float32
    assert tiny.max() < np.float32(1.0 + 1e-7)


def test_truncated_normal_distribution_and_bound():
    x = values(r.truncated_normal((N,), mean=1.0, stddev=2.0, dtype="float64", seed=0))
    assert np.abs(x - 1.0).max() <= 4.0
    assert np.abs(x - 1.0).max() > 3.9  # the tails up to the bound are reached
    truncated = stats.truncnorm(-2, 2, loc=1.0, scale=2.0)
    assert ks_p(x, truncated.cdf) > 1e-4
    assert abs(x.std() - 2.0 * 0.87962566) < 5 * 2.0 / np.sqrt(2 * N)


def test_randint_range_and_uniformity():
    x = values(r.randint((N,), -3, 4, seed=0))
    assert x.min() == -3 and x.max() == 3
    counts = np.bincount(x + 3, minlength=7)
    assert stats.chisquare(counts).pvalue > 1e-4


def test_gamma_beta_binomial_distributions():
    g = values(r.gamma((N,), 2.5, dtype="float64", seed=0))
    assert ks_p(g, stats.gamma(2.5).cdf) > 1e-4
    b = values(r.beta((N,), 2.0, 5.0, dtype="float64", seed=0))
    assert ks_p(b, stats.beta(2.0, 5.0).cdf) > 1e-4
    k = values(r.binomial((N,), 10, 0.3, seed=0)).astype(int)
    assert abs(k.mean() - 3.0) < 5 * np.sqrt(2.1 / N)
    assert abs(k.var() - 2.1) < 0.05
    assert k.min() >= 0 and k.max() <= 10


def test_categorical_frequencies():
    p = np.array([[0.1, 0.2, 0.7], [0.5, 0.0, 0.5]])
    with np.errstate(divide="ignore"):
        logits = np.log(p) + np.array([[3.0], [-1.0]])  # any per-row shift: same distribution
    s = values(r.categorical(logits, N, seed=0))
    assert s.shape == (2, N)
    assert not (s[1] == 1).any()  # probability 0 is never drawn
    for row, probs in zip(s, p):
        counts = np.bincount(row, minlength=3)
        keep = probs > 0
        assert stats.chisquare(counts[keep], probs[keep] * N).pvalue > 1e-4


def test_shuffle_is_a_permutation_along_axis():
    x = np.arange(24.0).reshape(4, 6)
    y = values(r.shuffle(x, axis=1, seed=1))
    np.testing.assert_array_equal(np.sort(y, axis=1), x)
    np.testing.assert_array_equal(y, x[:, y[0].astype(int)])  # one permutation for all rows
    assert not np.array_equal(y, x)
    z = values(r.shuffle(x, seed=2))
    assert sorted(map(tuple, z)) == sorted(map(tuple, x))


def test_shuffle_positions_are_uniform():
    first = [int(values(r.shuffle(np.arange(4), seed=s))[0]) for s in range(4000)]
    assert stats.chisquare(np.bincount(first, minlength=4)).pvalue > 1e-4


# --- dropout --------------------------------------------------------------------------


def test_dropout_scales_kept_entries_and_drops_the_rate():
    x = np.full((N,), 3.0, dtype=np.float32)
    y = values(r.dropout(x, 0.25, seed=0))
    assert y.dtype == np.float32
    kept = y != 0
    np.testing.assert_allclose(y[kept], 3.0 / 0.75, rtol=1e-6)
    assert abs(kept.mean() - 0.75) < 5 * np.sqrt(0.75 * 0.25 / N)


def test_dropout_edge_rates_and_noise_shape():
    x = np.ones((4, 5))
    np.testing.assert_array_equal(values(r.dropout(x, 0.0, seed=0)), x)
    np.testing.assert_array_equal(values(r.dropout(x, 1.0, seed=0)), np.zeros_like(x))
    y = values(r.dropout(x, 0.5, noise_shape=(None, 1), seed=0))
    assert (y == y[:, :1]).all()  # one mask entry per row, shared along columns
    y = values(r.dropout(x, 0.5, noise_shape=(1, 5), seed=3))
    assert (y == y[:1]).all()


def test_dropout_gradient():
    def f(x):
        return r.dropout(x, 0.4, seed=5)  # same seed: same mask in every evaluation

    x = np.random.default_rng(0).standard_normal((6, 7))
    assert_gradients(f, [x])
    t = Tensor(x, requires_grad=True)
    out = f(t)
    upstream = np.random.default_rng(1).standard_normal(x.shape)
    (g,) = grad(out, [t], output_grad=upstream)
    mask = out.data != 0
    np.testing.assert_allclose(g, upstream * mask / 0.6, rtol=1e-12)


def test_shuffle_gradient():
    assert_gradients(lambda x: r.shuffle(x, axis=1, seed=2) * 2.0,
                     [np.random.default_rng(0).standard_normal((3, 5))])


@pytest.mark.parametrize("rate", [-0.1, 1.5, "0.5", None, float("nan")])
def test_dropout_bad_rate(rate):
    with pytest.raises(ValueError, match=r"random.dropout: rate must be a finite float in \[0, 1"):
        r.dropout(np.ones(3), rate)


def test_dropout_bad_noise_shape():
    with pytest.raises(ValueError, match=r"one entry per input dimension"):
        r.dropout(np.ones((2, 3)), 0.5, noise_shape=(3,))
    with pytest.raises(ValueError, match=r"must broadcast to the input shape"):
        r.dropout(np.ones((2, 3)), 0.5, noise_shape=(2, 2))


# --- bad arguments --------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(-1,), (2.5,), "ab", (2, None)])
def test_bad_shape(shape):
    with pytest.raises(ValueError, match=r"random.normal: shape must be a tuple of non-negative"):
        r.normal(shape)


def test_min_not_below_max():
    with pytest.raises(ValueError, match=r"random.uniform: minval must be smaller than maxval. "
                                         r"Received: minval=1.0, maxval=0.0"):
        r.uniform((2,), 1.0, 0.0)
    with pytest.raises(ValueError, match=r"random.randint: minval must be smaller than maxval"):
        r.randint((2,), 5, 5)
    with pytest.raises(ValueError, match=r"random.randint: minval must be an integer"):
        r.randint((2,), 0.5, 5)


def test_other_bad_arguments():
    with pytest.raises(ValueError, match=r"random.normal: stddev must be a finite float >= 0"):
        r.normal((2,), stddev=-1.0)
    with pytest.raises(ValueError, match=r"random.gamma: alpha must be positive"):
        r.gamma((2,), 0.0)
    with pytest.raises(ValueError, match=r"random.binomial: probabilities must be"):
        r.binomial((2,), 3, 1.5)
    with pytest.raises(ValueError, match=r"random.binomial: counts must be non-negative whole"):
        r.binomial((2,), 2.5, 0.5)
    with pytest.raises(ValueError, match=r"logits must be a 2-D tensor .* Received: logits.shape"):
        r.categorical(np.zeros(3), 2)
    with pytest.raises(ValueError, match=r"num_samples must be a positive integer"):
        r.categorical(np.zeros((1, 3)), 0)
    with pytest.raises(ValueError, match=r"all -inf row"):
        r.categorical(np.full((1, 3), -np.inf), 2)
    with pytest.raises(ValueError, match=r"random.shuffle: axis must be an integer in"):
        r.shuffle(np.ones((2, 3)), axis=2)
