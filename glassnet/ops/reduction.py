"""Reductions, running totals and sorting (``keras.ops.prod``, ``cumsum``, ``sort``, ...).

Dtypes follow Keras 3: sums and products of bool, int8 and int16 are int32 (uint8 and
uint16: uint32), other integers keep their dtype; averages of integers are floatx;
indices (argmin, argsort, top_k) are int32; all/any are bool.

``prod``, ``cumsum`` and ``cumprod`` are primitives with their own backward (exact with
zeros in the input); ``sort`` and ``top_k`` gather their values by index, so the gradient
goes back to the positions the values came from.
"""
import numpy as np

from glassnet.autodiff import primitives as P
from glassnet.autodiff.tensor import convert_to_tensor
from glassnet.ops.math import array, constant, floating

_WIDER_INT = {"bool": "int32", "int8": "int32", "int16": "int32",
              "uint8": "uint32", "uint16": "uint32"}


def accumulator(x, dtype=None):
    """``x`` as a Tensor in the dtype a sum or product of it has (Keras' rule)."""
    x = convert_to_tensor(x)
    return P.cast(x, dtype or _WIDER_INT.get(x.dtype.name, x.dtype))


def _running(x, dtype=None):
    """``x`` as a Tensor in the dtype its cumsum / cumprod has (Keras: bool -> int32)."""
    x = convert_to_tensor(x)
    return P.cast(x, dtype or ("int32" if x.dtype == bool else x.dtype))


def _flat_if_none(x, axis):
    """(x, axis) with x flattened and axis 0 when axis is None (NumPy's cumulative rule)."""
    if axis is None:
        return P.reshape(x, (-1,)), 0
    return x, axis


# --------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------


def prod(x, axis=None, keepdims=False, dtype=None):
    """The product of the entries of ``x`` over ``axis`` (all axes if None).

    Equations:
        y = prod_i x_i,   dy/dx_i = prod_{k != i} x_k   (no division: exact at x_i = 0)
    """
    return P.prod(accumulator(x, dtype), axis=_axis(axis), keepdims=keepdims)


def all(x, axis=None, keepdims=False):
    """Whether every entry over ``axis`` is true (non-zero)."""
    return constant(np.all(array(x), axis=_axis(axis), keepdims=keepdims))


def any(x, axis=None, keepdims=False):
    """Whether some entry over ``axis`` is true (non-zero)."""
    return constant(np.any(array(x), axis=_axis(axis), keepdims=keepdims))


def count_nonzero(x, axis=None):
    """The number of non-zero entries over ``axis`` (int32)."""
    return constant(np.count_nonzero(array(x), axis=_axis(axis)).astype("int32"))


def argmax(x, axis=None, keepdims=False):
    """The index of the largest entry along ``axis`` (of the flattened x if None), int32;
    the first one at ties."""
    return constant(np.argmax(array(x), axis=axis, keepdims=keepdims).astype("int32"))


def argmin(x, axis=None, keepdims=False):
    """The index of the smallest entry along ``axis`` (of the flattened x if None), int32;
    the first one at ties."""
    return constant(np.argmin(array(x), axis=axis, keepdims=keepdims).astype("int32"))


def average(x, axis=None, weights=None):
    """The weighted mean of ``x`` over ``axis``; ``weights`` has x's shape, or is 1-D with
    one weight per entry along ``axis``.

    Equations:
        average(x) = sum_i w_i x_i / sum_i w_i          (w = 1: the mean)
    """
    x = floating(x)
    if weights is None:
        return P.mean(x, axis=axis)
    weights = P.cast(convert_to_tensor(weights), x.dtype)
    if weights.shape != x.shape:
        weights = _along_axis(weights, x, axis)
    total = P.sum(P.multiply(x, weights), axis=axis)
    return P.divide(total, P.sum(weights, axis=axis))


def _along_axis(weights, x, axis):
    """1-D ``weights`` reshaped to broadcast along ``axis`` of x."""
    if axis is None or weights.ndim != 1 or weights.shape[0] != x.shape[axis]:
        raise ValueError(
            "average: weights must have the shape of x, or be 1-D with one weight per entry "
            f"along axis. Received: weights.shape={weights.shape}, x.shape={x.shape}, "
            f"axis={axis}"
        )
    shape = [1] * x.ndim
    shape[axis] = -1
    return P.reshape(weights, shape)  # (1, ..., n, ..., 1)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


# --------------------------------------------------------------------------
# Running totals and differences
# --------------------------------------------------------------------------


def cumsum(x, axis=None, dtype=None):
    """Running sums along ``axis`` (of the flattened x if None).

    Equations:
        y_i = sum_{k<=i} x_k,   dL/dx_i = sum_{j>=i} dL/dy_j   (a reversed cumsum)
    """
    x, axis = _flat_if_none(_running(x, dtype), axis)
    return P.cumsum(x, axis)


def cumprod(x, axis=None, dtype=None):
    """Running products along ``axis`` (of the flattened x if None).

    Equations:
        y_i = prod_{k<=i} x_k,   dL/dx_i = sum_{j>=i} dL/dy_j prod_{k<=j, k!=i} x_k
    """
    x, axis = _flat_if_none(_running(x, dtype), axis)
    return P.cumprod(x, axis)


def diff(a, n=1, axis=-1):
    """The n-th discrete difference along ``axis``.

    Equations:
        diff(a)_i = a_{i+1} - a_i;   diff(a, n) = diff(diff(a, n - 1))
    """
    a = convert_to_tensor(a)
    axis = axis % a.ndim
    before = (slice(None),) * axis
    for _ in range(n):
        a = P.subtract(a[before + (slice(1, None),)], a[before + (slice(None, -1),)])
    return a


# --------------------------------------------------------------------------
# Sorting
# --------------------------------------------------------------------------


def argsort(x, axis=-1):
    """The indices that sort ``x`` along ``axis`` (of the flattened x if None), int32;
    equal entries keep their order (a stable sort)."""
    return constant(np.argsort(array(x), axis=axis, kind="stable").astype("int32"))


def sort(x, axis=-1):
    """``x`` sorted in ascending order along ``axis`` (of the flattened x if None).

    Equations:
        y = x[argsort(x)],   dL/dx[argsort(x)_i] = dL/dy_i
    """
    x, axis = _flat_if_none(convert_to_tensor(x), axis)
    return P.take_along_axis(x, np.argsort(x.data, axis=axis, kind="stable"), axis)


def top_k(x, k, sorted=True):
    """The ``k`` largest entries along the last axis and their indices (int32): a tuple
    (values, indices), largest first; at ties the lower index comes first.  The values
    are always sorted (``sorted=False`` allows any order in Keras; sorted is one of them).

    Equations:
        indices = the first k of argsort(-x),  values = x[indices]
    """
    x = convert_to_tensor(x)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= x.shape[-1]:
        raise ValueError(
            f"top_k: k must be an integer between 0 and the size of the last axis "
            f"({x.shape[-1]}). Received: k={k!r}"
        )
    keys = x.data.astype(np.int64) if x.dtype.kind in "ub" else x.data
    indices = np.argsort(-keys, axis=-1, kind="stable")[..., :k]  # (..., k), largest first
    return P.take_along_axis(x, indices, -1), constant(indices.astype("int32"))


def sum(x, axis=None, keepdims=False):
    """The sum of the entries of ``x`` over ``axis`` (all axes if None).

    Equations:
        y = sum_i x_i,   dy/dx_i = 1
    """
    return P.sum(accumulator(x), axis=_axis(axis), keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """The mean of ``x`` over ``axis`` (all axes if None); integers average to floatx.

    Equations:
        y = (1/n) sum_i x_i,   dy/dx_i = 1/n
    """
    return P.mean(floating(x), axis=_axis(axis), keepdims=keepdims)


def max(x, axis=None, keepdims=False, initial=None):
    """The largest entry of ``x`` over ``axis``, at least ``initial`` if given.

    Equations:
        y = max_i x_i;  dy/dx_i = 1/t for the t entries equal to the max, else 0
    """
    out = P.max(x, axis=_axis(axis), keepdims=keepdims)
    return out if initial is None else P.maximum(out, np.asarray(initial, out.dtype))


def min(x, axis=None, keepdims=False, initial=None):
    """The smallest entry of ``x`` over ``axis``, at most ``initial`` if given.

    Equations:
        min(x) = -max(-x)
    """
    out = P.negative(P.max(P.negative(x), axis=_axis(axis), keepdims=keepdims))
    return out if initial is None else P.minimum(out, np.asarray(initial, out.dtype))


def amax(x, axis=None, keepdims=False):
    """The largest entry of ``x`` over ``axis`` (``max`` without ``initial``)."""
    return max(x, axis=axis, keepdims=keepdims)


def amin(x, axis=None, keepdims=False):
    """The smallest entry of ``x`` over ``axis`` (``min`` without ``initial``)."""
    return min(x, axis=axis, keepdims=keepdims)
