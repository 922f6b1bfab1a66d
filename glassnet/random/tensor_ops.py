"""Random operations on a tensor: ``dropout`` (differentiable) and ``shuffle``."""
import numpy as np

from glassnet import validation
from glassnet.autodiff import primitives as P
from glassnet.autodiff import tracing
from glassnet.autodiff.tensor import convert_to_tensor
from glassnet.random.seeds import generator_for


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Inverted dropout: zeroes each entry with probability ``rate``, scales the rest.

    Equations:
        keep_i ~ Bernoulli(1 - p),   p = rate          (u_i ~ U[0, 1), keep_i = u_i < 1 - p)
        y_i    = x_i * keep_i / (1 - p)                 (y = 0 when p = 1)
        dL/dx_i = dL/dy_i * keep_i / (1 - p)
    The mask is a constant and ``y`` is one ``multiply``, so autodiff gives the gradient.

    Arguments:
        inputs: a Tensor or array.
        rate: the drop probability p, in [0, 1].
        noise_shape: the mask's shape, broadcast over ``inputs``; None entries take the
            input's size (e.g. ``(None, 1, C)`` drops whole channels over time).
        seed: an int, a SeedGenerator or None.
    """
    owner = "random.dropout"
    x = convert_to_tensor(inputs)
    rate = validation.fraction(owner, "rate", rate, include_one=True)
    mask_shape = _noise_shape(owner, noise_shape, x.shape)
    keep_scaled = _keep_scaled(owner, seed, mask_shape, rate, x.dtype)
    return P.multiply(x, keep_scaled)  # the mask broadcasts over x


@tracing.host  # a compiled step draws a new mask at every call
def _keep_scaled(owner, seed, mask_shape, rate, dtype):
    """keep_i / (1 - p), keep_i = [u_i < 1 - p] (0 everywhere when p = 1), as ``dtype``."""
    keep = generator_for(owner, seed).random(mask_shape) < 1.0 - rate
    scale = 0.0 if rate == 1 else 1.0 / (1.0 - rate)
    return np.multiply(keep, scale, dtype=dtype)


def shuffle(x, axis=0, seed=None):
    """``x`` with its slices along ``axis`` in a uniformly random order.

    Equations:
        pi ~ uniform over the permutations of 0..n-1,   n = x.shape[axis]
        y[..., i, ...] = x[..., pi(i), ...]
    (a ``take``, so gradients flow back to the original positions).
    """
    owner = "random.shuffle"
    x = convert_to_tensor(x)
    if not isinstance(axis, (int, np.integer)) or not -x.ndim <= axis < max(x.ndim, 1):
        raise ValueError(
            f"{owner}: axis must be an integer in [-{x.ndim}, {x.ndim}) for an input of "
            f"shape {x.shape}. Received: axis={axis!r}"
        )
    if x.ndim == 0:
        return x
    permutation = generator_for(owner, seed).permutation(x.shape[axis])
    return P.take(x, permutation, axis=int(axis))


def _noise_shape(owner, noise_shape, shape):
    if noise_shape is None:
        return shape
    dims = validation.shape(owner, "noise_shape", noise_shape, allow_none=True)
    if len(dims) != len(shape):
        raise ValueError(
            f"{owner}: noise_shape must have one entry per input dimension ({len(shape)}). "
            f"Received: noise_shape={noise_shape!r} for inputs of shape {shape}"
        )
    filled = tuple(n if d is None else d for n, d in zip(shape, dims))
    for n, d in zip(shape, filled):
        if d not in (1, n):
            raise ValueError(
                f"{owner}: noise_shape must broadcast to the input shape (each entry 1 or the "
                f"input's size). Received: noise_shape={noise_shape!r}, inputs.shape={shape}"
            )
    return filled
