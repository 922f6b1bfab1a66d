"""Samples from the distributions of ``keras.random``, as glassnet Tensors.

Each function checks its arguments, asks ``seeds.generator_for`` for this call's NumPy
Generator, draws in float64 and casts once to ``dtype`` (floatx by default).
"""
import numpy as np

from glassnet import config, validation
from glassnet.autodiff import tracing
from glassnet.autodiff.tensor import Tensor, convert_to_numpy
from glassnet.random.seeds import generator_for

TRUNCATION = 2.0  # truncated_normal re-draws samples beyond this many standard deviations


@tracing.host  # a compiled step draws again at every replay
def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from the normal distribution N(mean, stddev^2).

    Equations:
        z ~ N(0, 1)
        x = mean + stddev * z
    """
    owner = "random.normal"
    shape, dtype = _shape(owner, shape), _float_dtype(owner, dtype)
    mean, stddev = _real(owner, "mean", mean), _real(owner, "stddev", stddev, low=0)
    z = generator_for(owner, seed).standard_normal(shape)
    return _tensor(mean + stddev * z, dtype)


@tracing.host  # a compiled step draws again at every replay
def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples from the uniform distribution on [minval, maxval).

    Equations:
        u ~ U[0, 1)
        x = minval + (maxval - minval) * u
    (x is clipped below maxval, which rounding to ``dtype`` could otherwise reach.)
    """
    owner = "random.uniform"
    shape, dtype = _shape(owner, shape), _float_dtype(owner, dtype)
    minval, maxval = _interval(owner, minval, maxval, kind="real")
    u = generator_for(owner, seed).random(shape)
    x = (minval + (maxval - minval) * u).astype(dtype)
    largest = np.nextafter(dtype.type(maxval), dtype.type(minval))  # largest value < maxval
    return Tensor(np.minimum(x, largest), dtype=dtype)


@tracing.host  # a compiled step draws again at every replay
def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev^2) restricted to two standard deviations around the mean.

    Equations:
        z ~ N(0, 1), re-drawn while |z| > 2
        x = mean + stddev * z
    The result's standard deviation is about 0.8796 * stddev (the truncation removes the
    tails), as in Keras.
    """
    owner = "random.truncated_normal"
    shape, dtype = _shape(owner, shape), _float_dtype(owner, dtype)
    mean, stddev = _real(owner, "mean", mean), _real(owner, "stddev", stddev, low=0)
    generator = generator_for(owner, seed)
    z = generator.standard_normal(shape)
    outside = np.abs(z) > TRUNCATION
    while outside.any():
        z[outside] = generator.standard_normal(int(outside.sum()))
        outside = np.abs(z) > TRUNCATION
    return _tensor(mean + stddev * z, dtype)


@tracing.host  # a compiled step draws again at every replay
def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from minval, minval + 1, ..., maxval - 1.

    Equations:
        P(x = k) = 1 / (maxval - minval)   for minval <= k < maxval
    """
    owner = "random.randint"
    shape = _shape(owner, shape)
    minval, maxval = _interval(owner, minval, maxval, kind="integer")
    dtype = _integer_dtype(owner, dtype)
    info = np.iinfo(dtype)
    if minval < info.min or maxval - 1 > info.max:
        raise ValueError(
            f"{owner}: the range [minval, maxval) does not fit in dtype {dtype.name}. "
            f"Received: minval={minval}, maxval={maxval}, dtype={dtype.name}"
        )
    values = generator_for(owner, seed).integers(minval, maxval, size=shape, dtype=np.int64)
    return Tensor(values.astype(dtype), dtype=dtype)


@tracing.host  # a compiled step draws again at every replay
def gamma(shape, alpha, dtype=None, seed=None):
    """Samples from the Gamma distribution with concentration ``alpha`` and scale 1.

    Equations:
        p(x) = x^(alpha - 1) * exp(-x) / Gamma(alpha),   x > 0
        E[x] = alpha,  Var[x] = alpha
    """
    owner = "random.gamma"
    shape, dtype = _shape(owner, shape), _float_dtype(owner, dtype)
    alpha = _positive(owner, "alpha", alpha)
    return _tensor(generator_for(owner, seed).standard_gamma(alpha, size=shape), dtype)


@tracing.host  # a compiled step draws again at every replay
def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples from the Beta distribution on [0, 1].

    Equations:
        p(x) = x^(alpha - 1) * (1 - x)^(beta - 1) / B(alpha, beta)
        E[x] = alpha / (alpha + beta)
    """
    owner = "random.beta"
    shape, dtype = _shape(owner, shape), _float_dtype(owner, dtype)
    a, b = _positive(owner, "alpha", alpha), _positive(owner, "beta", beta)
    return _tensor(generator_for(owner, seed).beta(a, b, size=shape), dtype)


@tracing.host  # a compiled step draws again at every replay
def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Number of successes in ``counts`` trials of success probability ``probabilities``.

    Equations:
        P(x = k) = C(n, k) * p^k * (1 - p)^(n - k),   n = counts, p = probabilities
    Returned as floats (floatx by default), as Keras does.
    """
    owner = "random.binomial"
    shape, dtype = _shape(owner, shape), _float_dtype(owner, dtype)
    n = _array(owner, "counts", counts)
    p = _array(owner, "probabilities", probabilities)
    if (n < 0).any() or (n != np.round(n)).any():
        _fail(owner, "counts", counts, "non-negative whole numbers")
    if ((p < 0) | (p > 1)).any():
        _fail(owner, "probabilities", probabilities, "probabilities in [0, 1]")
    draws = generator_for(owner, seed).binomial(n.astype(np.int64), p, size=shape)
    return _tensor(draws, dtype)


@tracing.host  # a compiled step draws again at every replay
def categorical(logits, num_samples, dtype="int32", seed=None):
    """Draws class indices from the distributions given by the rows of ``logits``.

    Equations:
        p_bk = exp(logits_bk) / sum_j exp(logits_bj)       (softmax of row b)
        P(sample_bs = k) = p_bk                             (inverse of the CDF of row b)
    Arguments:
        logits: (batch_size, num_classes) unnormalized log-probabilities; -inf means
            probability 0.
        num_samples: samples per row. Returns an integer tensor (batch_size, num_samples).
    """
    owner = "random.categorical"
    logits = np.asarray(convert_to_numpy(logits), dtype=np.float64)
    if logits.ndim != 2 or logits.shape[1] == 0:
        raise ValueError(
            f"{owner}: logits must be a 2-D tensor of shape (batch_size, num_classes). "
            f"Received: logits.shape={logits.shape}"
        )
    num_samples = validation.positive_integer(owner, "num_samples", num_samples)
    dtype = _integer_dtype(owner, dtype)
    p = _softmax_rows(owner, logits)  # (B, K)
    cdf = np.cumsum(p, axis=1)  # (B, K)
    cdf /= cdf[:, -1:]  # the last entry is exactly 1, so every u < 1 finds a class
    u = generator_for(owner, seed).random((len(logits), num_samples))  # (B, S)
    samples = [np.searchsorted(row_cdf, row_u, side="right") for row_cdf, row_u in zip(cdf, u)]
    samples = np.minimum(np.array(samples, dtype=np.int64).reshape(u.shape), logits.shape[1] - 1)
    return Tensor(samples.astype(dtype), dtype=dtype)


def _softmax_rows(owner, logits):
    if np.isnan(logits).any() or np.isposinf(logits).any() or np.isneginf(logits).all(1).any():
        raise ValueError(
            f"{owner}: every row of logits needs finite values (-inf allowed, not in every "
            f"column). Received: logits with NaN, +inf or an all -inf row"
        )
    shifted = logits - logits.max(axis=1, keepdims=True)  # (B, K), max 0 per row
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


# --- argument checks -------------------------------------------------------------------


def _shape(owner, shape):
    return validation.shape(owner, "shape", shape)


def _float_dtype(owner, dtype):
    dtype = np.dtype(config.floatx() if dtype is None else dtype)
    if dtype.kind != "f":
        _fail(owner, "dtype", dtype.name, "a floating point dtype")
    return dtype


def _integer_dtype(owner, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu":
        _fail(owner, "dtype", dtype.name, "an integer dtype")
    return dtype


def _real(owner, name, value, low=None):
    return validation.real(owner, name, value, low=low)


def _interval(owner, minval, maxval, kind):
    check = validation.real if kind == "real" else _any_integer
    minval, maxval = check(owner, "minval", minval), check(owner, "maxval", maxval)
    if not minval < maxval:
        raise ValueError(
            f"{owner}: minval must be smaller than maxval. "
            f"Received: minval={minval}, maxval={maxval}"
        )
    return minval, maxval


def _any_integer(owner, name, value):
    return validation.integer(owner, name, value, minimum=-(2**63))


def _array(owner, name, value):
    array = np.asarray(convert_to_numpy(value), dtype=np.float64)
    if not np.isfinite(array).all():
        _fail(owner, name, value, "finite numbers")
    return array


def _positive(owner, name, value):
    array = _array(owner, name, value)
    if (array <= 0).any():
        _fail(owner, name, value, "positive")
    return array


def _tensor(values, dtype):
    return Tensor(np.asarray(values).astype(dtype, copy=False), dtype=dtype)


def _fail(owner, name, value, expected):
    raise ValueError(f"{owner}: {name} must be {expected}. Received: {name}={value!r}")
