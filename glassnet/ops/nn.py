"""Composite ops: built only from primitives, so their gradients come for free.

Every function takes Tensors, arrays or numbers and returns a Tensor.
"""
import math

import numpy as np

from glassnet.autodiff import fused
from glassnet.autodiff import primitives as P
from glassnet.autodiff.tensor import Tensor, convert_to_tensor

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def stop_gradient(x):
    """The same values with no gradient flowing back through them."""
    return Tensor(x.data if isinstance(x, Tensor) else x)


def square(x):
    return P.multiply(x, x)


def min(x, axis=None, keepdims=False):
    return P.negative(P.max(P.negative(x), axis=axis, keepdims=keepdims))


def squeeze(x, axis=None):
    x = convert_to_tensor(x)
    axis = tuple(axis) if isinstance(axis, list) else axis  # Keras passes axes as lists
    return P.reshape(x, np.squeeze(np.empty(x.shape, dtype=bool), axis=axis).shape)


def expand_dims(x, axis):
    x = convert_to_tensor(x)
    return P.reshape(x, np.expand_dims(np.empty(x.shape, dtype=bool), axis).shape)


def var(x, axis=None, keepdims=False):
    """Biased variance: mean((x - mean(x))^2)."""
    centered = P.subtract(x, P.mean(x, axis=axis, keepdims=True))
    return P.mean(square(centered), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return P.sqrt(var(x, axis=axis, keepdims=keepdims))


def moments(x, axes, keepdims=False):
    """Batch-norm statistics: the mean and the biased variance over ``axes``.

    Equations:
        mu      = (1/m) sum_i x_i
        sigma^2 = (1/m) sum_i (x_i - mu)^2
    """
    mean = P.mean(x, axis=axes, keepdims=True)
    variance = P.mean(square(P.subtract(x, mean)), axis=axes, keepdims=True)
    if not keepdims:
        mean = squeeze(mean, axis=axes)
        variance = squeeze(variance, axis=axes)
    return mean, variance


def batch_norm_composite(x, gamma, beta, axes, epsilon):
    """Training-mode batch normalization from primitives (reference of the fused op).

    Equations: x_hat = (x - mu_B) / sqrt(sigma_B^2 + epsilon);  z = gamma x_hat + beta
    """
    mean, variance = moments(x, axes, keepdims=True)
    x_hat = P.divide(P.subtract(x, mean), P.sqrt(P.add(variance, epsilon)))
    return P.add(P.multiply(x_hat, gamma), beta)


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) computed as m + log(sum(exp(x - m))), m = max(x)."""
    shift = stop_gradient(P.max(x, axis=axis, keepdims=True))
    total = P.sum(P.exp(P.subtract(x, shift)), axis=axis, keepdims=True)
    out = P.add(P.log(total), shift)
    return out if keepdims else squeeze(out, axis=axis)


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0), with optional leaky slope below ``threshold`` and a cap at ``max_value``.

    Equations:
        relu(x) = x                                if x > threshold
                = negative_slope * (x - threshold) otherwise
    """
    x = convert_to_tensor(x)
    if negative_slope == 0 and threshold == 0:
        out = fused.relu(x)
    else:
        below = P.multiply(P.subtract(x, threshold), negative_slope)
        keep = x.data > threshold  # strictly above, as Keras: relu(5, threshold=5) = 0
        out = P.where(keep, x, below)
    if max_value is not None:
        out = P.minimum(out, max_value)
    return out


def relu_composite(x):
    """max(x, 0) from primitives: the test reference of the fused ``relu``."""
    x = convert_to_tensor(x)
    return P.where(x.data > 0, x, 0.0)


def leaky_relu(x, negative_slope=0.2):
    """x if x >= 0 else negative_slope * x"""
    x = convert_to_tensor(x)
    return P.where(x.data >= 0, x, P.multiply(x, negative_slope))


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (e^x - 1), in one graph node (``fused.Elu``)."""
    return fused.elu(convert_to_tensor(x), alpha)


def elu_composite(x, alpha=1.0):
    """ELU from primitives: the reference the fused op is tested against."""
    x = convert_to_tensor(x)
    negative = P.multiply(P.expm1(P.minimum(x, 0.0)), alpha)
    return P.where(x.data > 0, x, negative)


def selu(x):
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al."""
    return P.multiply(elu(x, SELU_ALPHA), SELU_SCALE)


def sigmoid(x):
    """1 / (1 + e^-x), computed as (1 + tanh(x/2)) / 2, which never overflows."""
    return P.add(P.multiply(P.tanh(P.multiply(x, 0.5)), 0.5), 0.5)


def hard_sigmoid(x):
    """clip(x/6 + 1/2, 0, 1)"""
    return P.clip(P.add(P.divide(x, 6.0), 0.5), 0.0, 1.0)


def softplus(x):
    """log(1 + e^x), computed as x/2 + |x|/2 + log1p(e^-|x|), which never overflows.

    x/2 + |x|/2 = max(x, 0) exactly; written with |x| so that at x = 0, where
    |x| has the subgradient 0, the derivative comes out as sigmoid(0) = 1/2.
    """
    magnitude = P.abs(x)
    positive_part = P.add(P.multiply(x, 0.5), P.multiply(magnitude, 0.5))
    return P.add(positive_part, P.log1p(P.exp(P.negative(magnitude))))


def softsign(x):
    """x / (1 + |x|)"""
    return P.divide(x, P.add(P.abs(x), 1.0))


def silu(x):
    """x * sigmoid(x) (also called swish)"""
    return P.multiply(x, sigmoid(x))


def gelu(x, approximate=True):
    """Gaussian error linear unit.

    Equations:
        exact:       x/2 * (1 + erf(x / sqrt(2)))
        approximate: x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
    """
    if approximate:
        inner = P.multiply(P.add(x, P.multiply(P.power(x, 3.0), 0.044715)), math.sqrt(2 / math.pi))
        return P.multiply(P.multiply(x, 0.5), P.add(P.tanh(inner), 1.0))
    return P.multiply(P.multiply(x, 0.5), P.add(P.erf(P.multiply(x, 1 / math.sqrt(2))), 1.0))


def softmax(x, axis=-1):
    """e^(x_i - max x) / sum_j e^(x_j - max x) along ``axis`` (one fused graph node)."""
    return fused.softmax(x, axis=axis)


def softmax_composite(x, axis=-1):
    """Softmax from primitives: the test reference of the fused ``softmax``."""
    shifted = P.subtract(x, stop_gradient(P.max(x, axis=axis, keepdims=True)))
    e = P.exp(shifted)
    return P.divide(e, P.sum(e, axis=axis, keepdims=True))


def log_softmax(x, axis=-1):
    """x_i - logsumexp(x) along ``axis``"""
    shifted = P.subtract(x, stop_gradient(P.max(x, axis=axis, keepdims=True)))
    return P.subtract(shifted, P.log(P.sum(P.exp(shifted), axis=axis, keepdims=True)))


def one_hot(indices, num_classes, dtype=None):
    """Float one-hot rows for integer ``indices`` (not differentiable)."""
    indices = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    out = np.zeros(indices.shape + (num_classes,), dtype=dtype or "float32")
    np.put_along_axis(out, indices[..., None].astype(np.intp), 1, axis=-1)
    return Tensor(out)


def argmax(x, axis=-1):
    return Tensor(np.argmax(x.data if isinstance(x, Tensor) else np.asarray(x), axis=axis))


def equal(a, b):
    a = a.data if isinstance(a, Tensor) else a
    b = b.data if isinstance(b, Tensor) else b
    return Tensor(np.equal(a, b))
