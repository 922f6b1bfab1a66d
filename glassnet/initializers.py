"""Weight initializers (``keras.initializers``): how a layer's first weights are drawn.

Every initializer is called as ``init(shape, dtype=None)`` and returns a NumPy array
(``dtype`` defaults to ``floatx``, float32).  Each class is also reachable under its
Keras function-style name (``glorot_uniform`` is ``GlorotUniform``) and as a string
through ``get("glorot_uniform")``, which returns a new instance.

Seeding: with an integer ``seed`` an instance returns the same values on every call
(Keras 3).  With ``seed=None`` every call draws a fresh generator from NumPy's global
state, so ``np.random.seed(s)`` or ``glassnet.utils.set_random_seed(s)`` makes a run
reproducible while successive calls still differ.

The variance-scaling family keeps Var(W) = scale / n, n being a fan (the number of
inputs or outputs of one unit), so that signals neither explode nor vanish through
the layers.
"""
import math

import numpy as np

from glassnet import config, naming, serialization, validation
from glassnet import random as glassnet_random

# Standard deviation of a unit normal truncated to [-2, 2].  Dividing the target
# standard deviation by it makes the truncated draw have exactly that deviation.
TRUNCATED_NORMAL_STD = 0.87962566103423978

_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


def compute_fans(shape):
    """(fan_in, fan_out) of a weight shape, as Keras computes them.

    Equations:
        rank 0:   fan_in = fan_out = 1
        rank 1:   fan_in = fan_out = shape[0]
        rank 2:   fan_in = shape[0],  fan_out = shape[1]           (Dense kernel)
        rank>=3:  receptive = prod(shape[:-2])                      (conv kernel)
                  fan_in = shape[-2] * receptive,  fan_out = shape[-1] * receptive
    """
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive = math.prod(shape[:-2])
    return int(shape[-2] * receptive), int(shape[-1] * receptive)


class Initializer:
    """Base class: ``init(shape, dtype=None) -> np.ndarray``.

    Subclasses implement ``__call__`` and, when they take arguments, ``get_config``.
    """

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__.")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        """A new instance with the same configuration."""
        return type(self).from_config(self.get_config())

    def __repr__(self):
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


# --- constant initializers -------------------------------------------------------------


class Zeros(Initializer):
    """All zeros (the default for biases).

    Equations:
        W = 0
    """

    def __call__(self, shape, dtype=None):
        return np.zeros(validation.shape(self, "shape", shape), dtype=_dtype(dtype))


class Ones(Initializer):
    """All ones (BatchNormalization's gamma).

    Equations:
        W = 1
    """

    def __call__(self, shape, dtype=None):
        return np.ones(validation.shape(self, "shape", shape), dtype=_dtype(dtype))


class Constant(Initializer):
    """Every entry equal to ``value`` (a number, or an array broadcastable to the shape).

    Equations:
        W = value
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        shape = validation.shape(self, "shape", shape)
        value = np.asarray(self.value, dtype=_dtype(dtype))
        try:
            return np.broadcast_to(value, shape).copy()
        except ValueError:
            raise ValueError(
                f"Constant: value of shape {value.shape} cannot fill a weight of shape "
                f"{shape}. Received: value={self.value!r}"
            ) from None

    def get_config(self):
        value = self.value
        return {"value": value.tolist() if isinstance(value, np.ndarray) else value}


class Identity(Initializer):
    """The identity matrix times ``gain``; 2-D shapes only (non-square: ones on the diagonal).

    Equations:
        W = gain * I
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = validation.shape(self, "shape", shape)
        if len(shape) != 2:
            raise ValueError(
                "Identity: can only initialize 2-D matrices. "
                f"Received: shape={shape} of rank {len(shape)}"
            )
        dtype = _dtype(dtype)
        return (self.gain * np.eye(*shape)).astype(dtype)

    def get_config(self):
        return {"gain": self.gain}


# --- random initializers ---------------------------------------------------------------


class RandomNormal(Initializer):
    """Normal draws with a fixed mean and standard deviation.

    Equations:
        W ~ N(mean, stddev^2)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = validation.real(self, "mean", mean)
        self.stddev = validation.real(self, "stddev", stddev, low=0.0)
        self.seed = validation.seed(self, seed)

    def __call__(self, shape, dtype=None):
        shape, dtype, rng = _prepare(self, shape, dtype)
        return rng.normal(self.mean, self.stddev, size=shape).astype(dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Uniform draws between ``minval`` and ``maxval``.

    Equations:
        W ~ U(minval, maxval)
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = validation.real(self, "minval", minval)
        self.maxval = validation.real(self, "maxval", maxval)
        self.seed = validation.seed(self, seed)

    def __call__(self, shape, dtype=None):
        shape, dtype, rng = _prepare(self, shape, dtype)
        return rng.uniform(self.minval, self.maxval, size=shape).astype(dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(Initializer):
    """Normal draws, where anything farther than two deviations from the mean is redrawn.

    Equations:
        W ~ N(mean, stddev^2)  restricted to  |W - mean| <= 2 stddev
        (the result's deviation is 0.8796 * stddev)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = validation.real(self, "mean", mean)
        self.stddev = validation.real(self, "stddev", stddev, low=0.0)
        self.seed = validation.seed(self, seed)

    def __call__(self, shape, dtype=None):
        shape, dtype, rng = _prepare(self, shape, dtype)
        return _truncated_normal(rng, shape, self.mean, self.stddev).astype(dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Draws with Var(W) = scale / n, n chosen by ``mode`` from the weight's fans.

    Equations:
        n = fan_in,  fan_out  or  (fan_in + fan_out) / 2      (mode), at least 1
        truncated_normal:    sigma = sqrt(scale / n) / 0.87962566103423978
                             W ~ N(0, sigma^2) redrawn outside +-2 sigma
        untruncated_normal:  sigma = sqrt(scale / n),   W ~ N(0, sigma^2)
        uniform:             limit = sqrt(3 scale / n), W ~ U(-limit, limit)
        In all three cases Var(W) = scale / n (0.8796... is the deviation of a
        unit normal cut at +-2, and Var(U(-a, a)) = a^2 / 3).
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        self.scale = validation.real(self, "scale", scale, low=0.0, include_low=False)
        validation.one_of(self, "mode", mode, _MODES)
        if isinstance(distribution, str):
            distribution = distribution.lower()
        if distribution == "normal":  # Keras' older spelling of the truncated normal
            distribution = "truncated_normal"
        validation.one_of(self, "distribution", distribution, _DISTRIBUTIONS)
        self.mode = mode
        self.distribution = distribution
        self.seed = validation.seed(self, seed)

    def __call__(self, shape, dtype=None):
        shape, dtype, rng = _prepare(self, shape, dtype)
        n = self._n(shape)
        if self.distribution == "truncated_normal":
            sigma = math.sqrt(self.scale / n) / TRUNCATED_NORMAL_STD
            W = _truncated_normal(rng, shape, 0.0, sigma)
        elif self.distribution == "untruncated_normal":
            sigma = math.sqrt(self.scale / n)
            W = rng.normal(0.0, sigma, size=shape)
        else:
            limit = math.sqrt(3.0 * self.scale / n)
            W = rng.uniform(-limit, limit, size=shape)
        return W.astype(dtype)

    def _n(self, shape):
        """The fan that sets the variance, floored at 1."""
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        return max(1.0, n[self.mode])

    def get_config(self):
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "seed": self.seed,
        }


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed ``preset`` arguments; only the seed is chosen."""

    preset = {}

    def __init__(self, seed=None):
        super().__init__(**self.preset, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_Preset):
    """Glorot (Xavier) uniform, the Dense default: VarianceScaling(1, fan_avg, uniform).

    Equations:
        Var(W) = 2 / (fan_in + fan_out)
        W ~ U(-limit, limit),  limit = sqrt(6 / (fan_in + fan_out))
    """

    preset = {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform"}


class GlorotNormal(_Preset):
    """Glorot (Xavier) normal: VarianceScaling(1, fan_avg, truncated_normal).

    Equations:
        Var(W) = 2 / (fan_in + fan_out)
        W ~ N(0, sigma^2) cut at +-2 sigma,  sigma = sqrt(2 / (fan_in + fan_out)) / 0.8796...
    """

    preset = {"scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal"}


class HeNormal(_Preset):
    """He normal, for ReLU-like activations: VarianceScaling(2, fan_in, truncated_normal).

    Equations:
        Var(W) = 2 / fan_in
        W ~ N(0, sigma^2) cut at +-2 sigma,  sigma = sqrt(2 / fan_in) / 0.8796...
    """

    preset = {"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal"}


class HeUniform(_Preset):
    """He uniform: VarianceScaling(2, fan_in, uniform).

    Equations:
        Var(W) = 2 / fan_in
        W ~ U(-limit, limit),  limit = sqrt(6 / fan_in)
    """

    preset = {"scale": 2.0, "mode": "fan_in", "distribution": "uniform"}


class LecunNormal(_Preset):
    """LeCun normal, for SELU networks: VarianceScaling(1, fan_in, truncated_normal).

    Equations:
        Var(W) = 1 / fan_in
        W ~ N(0, sigma^2) cut at +-2 sigma,  sigma = sqrt(1 / fan_in) / 0.8796...
    """

    preset = {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}


class LecunUniform(_Preset):
    """LeCun uniform: VarianceScaling(1, fan_in, uniform).

    Equations:
        Var(W) = 1 / fan_in
        W ~ U(-limit, limit),  limit = sqrt(3 / fan_in)
    """

    preset = {"scale": 1.0, "mode": "fan_in", "distribution": "uniform"}


class Orthogonal(Initializer):
    """A random orthogonal matrix times ``gain``; rank > 2 shapes are flattened to 2-D.

    Equations:
        rows = prod(shape[:-1]),  cols = shape[-1]
        A ~ N(0, 1) of shape (max(rows, cols), min(rows, cols))
        A = Q R                          (reduced QR decomposition)
        Q <- Q diag(sign(diag(R)))       (makes Q uniform over orthogonal matrices)
        W = gain * Q, transposed when rows < cols, reshaped to ``shape``
        so that W^T W = gain^2 I (rows >= cols) or W W^T = gain^2 I (rows < cols).
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = validation.real(self, "gain", gain)
        self.seed = validation.seed(self, seed)

    def __call__(self, shape, dtype=None):
        shape, dtype, rng = _prepare(self, shape, dtype)
        if len(shape) < 2:
            raise ValueError(
                "Orthogonal: the shape to initialize must have rank 2 or more. "
                f"Received: shape={shape} of rank {len(shape)}"
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        A = rng.standard_normal((max(rows, cols), min(rows, cols)))
        Q, R = np.linalg.qr(A)
        Q = Q * np.where(np.diag(R) < 0, -1.0, 1.0)  # a zero diagonal keeps its column
        if rows < cols:
            Q = Q.T  # (rows, cols)
        return (self.gain * Q.reshape(shape)).astype(dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


# --- helpers ---------------------------------------------------------------------------


def _truncated_normal(rng, shape, mean, stddev):
    """N(mean, stddev^2) draws, each one outside mean +- 2 stddev drawn again (float64)."""
    values = rng.normal(mean, stddev, size=shape)
    outside = np.abs(values - mean) > 2.0 * stddev
    while outside.any():
        values[outside] = rng.normal(mean, stddev, size=int(outside.sum()))
        outside = np.abs(values - mean) > 2.0 * stddev
    return values


def _prepare(initializer, shape, dtype):
    """The checked shape, a float dtype and this call's random generator."""
    shape = validation.shape(initializer, "shape", shape)
    dtype = _dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(
            f"{type(initializer).__name__}: random initializers need a float dtype. "
            f"Received: dtype={dtype.name}"
        )
    return shape, dtype, glassnet_random.make_generator(initializer.seed)


def _dtype(dtype):
    return np.dtype(dtype or config.floatx())










# --- Keras' function-style names and get() ---------------------------------------------

zeros = Zeros
ones = Ones
constant = Constant
identity = Identity
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
orthogonal = Orthogonal
OrthogonalInitializer = Orthogonal  # Keras 3's class name for it
IdentityInitializer = Identity

_CLASSES = (
    Zeros, Ones, Constant, Identity, RandomNormal, RandomUniform, TruncatedNormal,
    VarianceScaling, GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal,
    LecunUniform, Orthogonal,
)
_TABLE = {naming.to_snake_case(cls.__name__): cls for cls in _CLASSES}
_TABLE.update(
    {
        "normal": RandomNormal,
        "uniform": RandomUniform,
        "zero": Zeros,
        "one": Ones,
        "orthogonal_initializer": Orthogonal,
        "identity_initializer": Identity,
    }
)
_CONFIG_CLASSES = {cls.__name__: cls for cls in _CLASSES}
_CONFIG_CLASSES.update({"OrthogonalInitializer": Orthogonal, "IdentityInitializer": Identity})


def get(identifier):
    """An initializer from a name (a new instance), a config dict, a class or a callable.

    ``None`` gives ``None``; a class is instantiated with its defaults; an
    instance or a function ``(shape, dtype) -> array`` is returned as it is.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and naming.to_snake_case(identifier) in _TABLE:
        identifier = naming.to_snake_case(identifier)  # "HeNormal" -> "he_normal"
    found = serialization.lookup("initializer", identifier, _TABLE, _CONFIG_CLASSES)
    return found() if isinstance(found, type) else found


def serialize(initializer):
    """``{"module", "class_name", "config"}`` of an initializer."""
    return serialization.serialize(initializer)


def deserialize(config):
    """The initializer described by ``serialize``'s dict (or a name)."""
    return get(config)
