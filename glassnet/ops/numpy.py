"""NumPy-like composite ops (``keras.ops.pad``, ``keras.ops.repeat``, ...).

Built from primitives only, so their gradients come for free: padding is a
concatenation with constant blocks, repetition a broadcast followed by a reshape.
"""
import numpy as np

from glassnet.autodiff import primitives as P
from glassnet.autodiff.tensor import Tensor, convert_to_tensor


def pad(x, pad_width, mode="constant", constant_values=None):
    """``x`` with ``pad_width[axis] = (before, after)`` constant entries added on each axis.

    Equations (one axis, before = a, after = b):
        y = concat(c * ones(a), x, c * ones(b))        dL/dx = dL/dy[a : a + n]
    """
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported. Received: mode={mode!r}")
    x = convert_to_tensor(x)
    widths = _pad_widths(pad_width, x.ndim)
    value = 0 if constant_values is None else constant_values
    for axis, (before, after) in enumerate(widths):
        if before or after:
            x = _pad_axis(x, axis, before, after, value)
    return x


def _pad_widths(pad_width, ndim):
    """Numpy's spellings of pad_width (n, (n,), (a, b), or one pair per axis) as pairs."""
    try:
        widths = np.broadcast_to(np.asarray(pad_width), (ndim, 2))
    except (TypeError, ValueError):  # ragged, or not one pair / one pair per axis
        widths = None
    if widths is not None and widths.dtype.kind not in "iu":
        widths = None
    if widths is None or (widths < 0).any():
        raise ValueError(
            f"pad: pad_width must be non-negative integers, one (before, after) pair or one "
            f"per axis of the {ndim}-D input. Received: pad_width={pad_width!r}"
        )
    return [tuple(int(w) for w in pair) for pair in widths]


def _pad_axis(x, axis, before, after, value):
    def block(size):
        shape = list(x.shape)
        shape[axis] = size
        return Tensor(np.full(shape, value, dtype=x.dtype))

    parts = ([block(before)] if before else []) + [x] + ([block(after)] if after else [])
    return P.concatenate(parts, axis=axis)


def repeat(x, repeats, axis=None):
    """Each entry of ``x`` repeated ``repeats`` times along ``axis`` (an int repeats; the
    flattened x if axis is None).

    Equations:
        y[..., i, ...] = x[..., i // r, ...]            dL/dx[i] = sum_{k<r} dL/dy[i*r + k]
    """
    x = convert_to_tensor(x)
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 0:
        raise ValueError(
            f"repeat: glassnet supports one non-negative integer repeats. Received: {repeats!r}"
        )
    if axis is None:
        x, axis = P.reshape(x, (-1,)), 0
    axis = axis % x.ndim
    shape = x.shape
    spread = shape[:axis + 1] + (1,) + shape[axis + 1:]  # a new axis after ``axis``
    copies = np.ones((1,) * (axis + 1) + (repeats,) + (1,) * (x.ndim - axis - 1), x.dtype)
    y = P.multiply(P.reshape(x, spread), Tensor(copies))  # (..., n, r, ...) by broadcasting
    return P.reshape(y, shape[:axis] + (shape[axis] * repeats,) + shape[axis + 1:])
