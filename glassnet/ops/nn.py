"""Composite ops: built only from primitives, so their gradients come for free.

Every function takes Tensors, arrays or numbers and returns a Tensor.
"""
import math

import numpy as np

from glassnet import config
from glassnet.autodiff import primitives as P
from glassnet.autodiff.tensor import Tensor, convert_to_tensor
from glassnet.ops.matrix import norm

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def stop_gradient(variable):
    """The same values with no gradient flowing back through them."""
    return Tensor(variable.data if isinstance(variable, Tensor) else variable)


def square(x):
    return P.multiply(x, x)


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


def moments(x, axes, keepdims=False, synchronized=False):
    """Batch-norm statistics: the mean and the biased variance over ``axes``
    (``synchronized`` is for multi-device training in Keras: one device here, ignored).

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
        out = P.where(P.compare(np.greater, x, 0), x, 0.0)
    else:
        below = P.multiply(P.subtract(x, threshold), negative_slope)
        keep = P.compare(np.greater, x, threshold)  # strictly above: relu(5, threshold=5) = 0
        out = P.where(keep, x, below)
    if max_value is not None:
        out = P.minimum(out, max_value)
    return out


def leaky_relu(x, negative_slope=0.2):
    """x if x >= 0 else negative_slope * x"""
    x = convert_to_tensor(x)
    return P.where(P.compare(np.greater_equal, x, 0), x, P.multiply(x, negative_slope))


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (e^x - 1)  (e^x - 1 as expm1, exact near 0)."""
    x = convert_to_tensor(x)
    negative = P.multiply(P.expm1(P.minimum(x, 0.0)), alpha)
    return P.where(P.compare(np.greater, x, 0), x, negative)


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
    """e^(x_i - max x) / sum_j e^(x_j - max x) along ``axis`` (the shift by the max
    changes nothing but keeps e^ from overflowing)."""
    shifted = P.subtract(x, stop_gradient(P.max(x, axis=axis, keepdims=True)))
    e = P.exp(shifted)
    return P.divide(e, P.sum(e, axis=axis, keepdims=True))


def log_softmax(x, axis=-1):
    """x_i - logsumexp(x) along ``axis``"""
    shifted = P.subtract(x, stop_gradient(P.max(x, axis=axis, keepdims=True)))
    return P.subtract(shifted, P.log(P.sum(P.exp(shifted), axis=axis, keepdims=True)))


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """Float one-hot vectors for integer ``x`` on a new axis ``axis`` (not differentiable);
    entries outside [0, num_classes) give all-zero vectors."""
    if sparse:
        raise ValueError("one_hot: glassnet has no sparse tensors. Received: sparse=True")
    indices = np.asarray(x.data if isinstance(x, Tensor) else x)
    hot = indices[..., None] == np.arange(num_classes)  # (..., num_classes)
    out = hot.astype(dtype or config.floatx())
    return Tensor(np.moveaxis(out, -1, axis))


# --------------------------------------------------------------------------
# More activations
# --------------------------------------------------------------------------


def log_sigmoid(x):
    """log(sigmoid(x)), computed as -softplus(-x), which never overflows.

    Equations:
        log_sigmoid(x) = -log(1 + e^-x),   d/dx = sigmoid(-x)
    """
    return P.negative(softplus(P.negative(x)))


def relu6(x):
    """min(max(x, 0), 6)"""
    return relu(x, max_value=6.0)


def hard_silu(x):
    """x * hard_sigmoid(x) = x * clip(x/6 + 1/2, 0, 1)  (also called hard_swish)"""
    return P.multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


# --------------------------------------------------------------------------
# Normalization
# --------------------------------------------------------------------------


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """x normalized with given statistics (1-D, one entry per index of ``axis``).

    Equations (Keras' arrangement: one multiply-add per entry):
        x_hat = (x - mean) / sqrt(variance + epsilon);   y = scale * x_hat + offset
        inv   = scale / sqrt(variance + epsilon);        y = x * inv + (offset - mean * inv)
    """
    x = convert_to_tensor(x)
    shape = [1] * x.ndim
    shape[axis] = -1

    def along_axis(v):
        return P.reshape(P.cast(convert_to_tensor(v), x.dtype), shape)  # (1, .., C, .., 1)

    inv = P.divide(1.0, P.sqrt(P.add(along_axis(variance), epsilon)))
    if scale is not None:
        inv = P.multiply(inv, along_axis(scale))
    shift = P.negative(P.multiply(along_axis(mean), inv))
    if offset is not None:
        shift = P.add(shift, along_axis(offset))
    return P.add(P.multiply(x, inv), shift)


def normalize(x, axis=-1, order=2, epsilon=None):
    """x divided by its ``order``-norm along ``axis`` (at least ``epsilon``).

    Equations:
        order 2:  y = x * min(1 / sqrt(sum x^2), 1 / epsilon)    (Keras' rsqrt form)
        order p:  y = x / max(||x||_p, epsilon)
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"normalize: order must be an int >= 1. Received: order={order!r}")
    x = convert_to_tensor(x)
    if x.ndim == 0:
        x = P.reshape(x, (1,))
    epsilon = config.epsilon() if epsilon is None else epsilon
    if order == 2:
        square_sum = P.sum(square(x), axis=axis, keepdims=True)
        with np.errstate(divide="ignore"):  # a zero vector: 1/0 = inf, capped at 1/epsilon
            inv_norm = P.minimum(P.divide(1.0, P.sqrt(square_sum)), 1.0 / epsilon)
        return P.multiply(x, inv_norm)
    return P.divide(x, P.maximum(norm(x, ord=order, axis=axis, keepdims=True), epsilon))


# --------------------------------------------------------------------------
# Cross-entropies (no reduction: one value per sample)
# --------------------------------------------------------------------------


def _log_probabilities(output, from_logits, axis):
    """log p along ``axis``: log_softmax of logits, else log of the renormalized and
    clipped probabilities (Keras clips to [epsilon, 1 - epsilon])."""
    if from_logits:
        return log_softmax(output, axis=axis)
    epsilon = config.epsilon()
    output = P.divide(output, P.sum(output, axis=axis, keepdims=True))
    return P.log(P.clip(output, epsilon, 1.0 - epsilon))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between one-hot (or soft) ``target`` and ``output`` along ``axis``.

    Equations:
        CE = -sum_k t_k log p_k,   p = softmax(output) if from_logits
             else clip(output / sum(output), epsilon, 1 - epsilon)
    """
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    if output.ndim < 1 or target.shape != output.shape:
        raise ValueError(
            "categorical_crossentropy: target and output must have the same shape (rank >= "
            f"1). Received: target.shape={target.shape}, output.shape={output.shape}"
        )
    log_p = _log_probabilities(output, from_logits, axis)
    return P.negative(P.sum(P.multiply(P.cast(target, log_p.dtype), log_p), axis=axis))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between integer class ``target`` and ``output`` along ``axis``.

    Equations:
        CE = -log p_t,   p as in ``categorical_crossentropy``
    """
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    if target.ndim == output.ndim and target.ndim and target.shape[-1] == 1:
        target = squeeze(target, axis=-1)
    if output.ndim < 1 or target.shape != output.shape[:-1]:
        raise ValueError(
            "sparse_categorical_crossentropy: target must have the shape of output without "
            f"its last axis. Received: target.shape={target.shape}, "
            f"output.shape={output.shape}"
        )
    log_p = _log_probabilities(output, from_logits, axis)
    hot = one_hot(target, output.shape[axis], axis=axis, dtype=log_p.dtype)
    return P.negative(P.sum(P.multiply(hot, log_p), axis=axis))


def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary cross-entropy between ``target`` and ``output``.

    Equations:
        BCE = -(t log p + (1 - t) log(1 - p)),   p = clip(output, epsilon, 1 - epsilon)
        from logits z: BCE = -(t log_sigmoid(z) + (1 - t) log_sigmoid(-z))
    """
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    if target.shape != output.shape:
        raise ValueError(
            "binary_crossentropy: target and output must have the same shape. "
            f"Received: target.shape={target.shape}, output.shape={output.shape}"
        )
    target = P.cast(target, output.dtype)
    if from_logits:
        log_p, log_not_p = log_sigmoid(output), log_sigmoid(P.negative(output))
    else:
        epsilon = config.epsilon()
        p = P.clip(output, epsilon, 1.0 - epsilon)
        log_p, log_not_p = P.log(p), P.log(P.subtract(1.0, p))
    total = P.add(P.multiply(target, log_p), P.multiply(P.subtract(1.0, target), log_not_p))
    return P.negative(total)
