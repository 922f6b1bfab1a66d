"""The primitive ops: the only places with a hand-written gradient.

Each op is a small ``Function`` with ``forward`` and ``backward`` side by side,
followed by the plain function users call.  In the equations, ``g`` is
dL/d(out), the upstream gradient.  Gradients may be returned in the broadcast
shape: ``engine.unbroadcast`` sums them back to each input's shape.
"""
import math
import operator

import numpy as np

from glassnet.autodiff.engine import Function
from glassnet.autodiff.tensor import Tensor
from glassnet.autodiff.tensor import no_grad as _no_grad

# --------------------------------------------------------------------------
# Element-wise binary ops
# --------------------------------------------------------------------------


class Add(Function):
    """out = a + b;  da = g,  db = g"""

    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g


class Subtract(Function):
    """out = a - b;  da = g,  db = -g"""

    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return g, (-g if self.needs_grad[1] else None)


class Multiply(Function):
    """out = a * b;  da = g * b,  db = g * a"""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        da = g * self.b if self.needs_grad[0] else None
        db = g * self.a if self.needs_grad[1] else None
        return da, db


class Divide(Function):
    """out = a / b;  da = g / b,  db = -g * a / b^2 = -g * out / b"""

    def forward(self, a, b):
        self.b = b
        self.out = a / b
        return self.out

    def backward(self, g):
        da = g / self.b if self.needs_grad[0] else None
        db = -g * self.out / self.b if self.needs_grad[1] else None
        return da, db


class Power(Function):
    """out = a ** b;  da = g * b * a^(b-1),  db = g * out * log(a)"""

    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = np.power(a, b)
        return self.out

    def backward(self, g):
        da = g * self.b * np.power(self.a, self.b - 1) if self.needs_grad[0] else None
        db = None
        if self.needs_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                db = g * self.out * np.log(self.a)
        return da, db


class Maximum(Function):
    """out = max(a, b);  the gradient goes to a where a >= b, else to b."""

    def forward(self, a, b):
        self.a_wins = a >= b
        return np.maximum(a, b)

    def backward(self, g):
        da = np.where(self.a_wins, g, 0) if self.needs_grad[0] else None
        db = np.where(self.a_wins, 0, g) if self.needs_grad[1] else None
        return da, db


class Minimum(Function):
    """out = min(a, b);  the gradient goes to a where a <= b, else to b."""

    def forward(self, a, b):
        self.a_wins = a <= b
        return np.minimum(a, b)

    def backward(self, g):
        da = np.where(self.a_wins, g, 0) if self.needs_grad[0] else None
        db = np.where(self.a_wins, 0, g) if self.needs_grad[1] else None
        return da, db


class Where(Function):
    """out = cond ? a : b;  da = g where cond,  db = g where not cond."""

    def __init__(self, condition):
        self.condition = condition

    def forward(self, a, b):
        return np.where(self.condition, a, b)

    def backward(self, g):
        da = np.where(self.condition, g, 0) if self.needs_grad[0] else None
        db = np.where(self.condition, 0, g) if self.needs_grad[1] else None
        return da, db


class Compare(Function):
    """out = compare(a, b), element-wise and bool (>, >=, ==, ...): no gradient flows
    through a comparison.  A graph node (not a NumPy expression on ``.data``) so that a
    compiled step computes masks such as ``x > 0`` from each batch."""

    def __init__(self, compare):
        self.compare = compare  # a NumPy ufunc or an ``operator`` function

    def forward(self, a, b):
        return np.asarray(self.compare(a, b))

    def backward(self, g):
        return None, None


def compare(compare_fn, a, b):
    """``compare_fn(a, b)`` as a bool Tensor with no graph (see ``Compare``)."""
    with _no_grad():
        return Compare(compare_fn).apply(a, b)


class MatMul(Function):
    """out = a @ b;  da = g @ b^T,  db = a^T @ g  (1-D operands as in NumPy)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.matmul(a, b)

    def backward(self, g):
        a, b = self.a, self.b
        a_is_vector, b_is_vector = a.ndim == 1, b.ndim == 1
        if b_is_vector:
            g = g[..., None]  # restore the column axis of b: (..., m, 1)
            b = b[:, None]  # (k, 1)
        if a_is_vector:
            g = g[..., None, :]  # restore the row axis of a: (..., 1, n)
            a = a[None, :]  # (1, k)
        da = db = None
        if self.needs_grad[0]:
            da = np.matmul(g, np.swapaxes(b, -1, -2))  # (..., m, k)
            if a_is_vector:
                da = da[..., 0, :]
        if self.needs_grad[1]:
            db = np.matmul(np.swapaxes(a, -1, -2), g)  # (..., k, n)
            if b_is_vector:
                db = db[..., 0]
        return da, db


# --------------------------------------------------------------------------
# Element-wise unary ops
# --------------------------------------------------------------------------


class Negative(Function):
    """out = -a;  da = -g"""

    def forward(self, a):
        return -a

    def backward(self, g):
        return (-g,)


class Exp(Function):
    """out = e^a;  da = g * out"""

    def forward(self, a):
        self.out = np.exp(a)
        return self.out

    def backward(self, g):
        return (g * self.out,)


class Expm1(Function):
    """out = e^a - 1 (exact near 0);  da = g * e^a"""

    def forward(self, a):
        self.out = np.expm1(a)
        return self.out

    def backward(self, g):
        return (g * (self.out + 1),)


class Log(Function):
    """out = ln a;  da = g / a"""

    def forward(self, a):
        self.a = a
        return np.log(a)

    def backward(self, g):
        return (g / self.a,)


class Log1p(Function):
    """out = ln(1 + a) (exact near 0);  da = g / (1 + a)"""

    def forward(self, a):
        self.a = a
        return np.log1p(a)

    def backward(self, g):
        return (g / (1 + self.a),)


class Sqrt(Function):
    """out = sqrt(a);  da = g / (2 out)"""

    def forward(self, a):
        self.out = np.sqrt(a)
        return self.out

    def backward(self, g):
        return (g / (2 * self.out),)


class Abs(Function):
    """out = |a|;  da = g * sign(a)"""

    def forward(self, a):
        self.a = a
        return np.abs(a)

    def backward(self, g):
        return (g * np.sign(self.a),)


class Tanh(Function):
    """out = tanh(a);  da = g * (1 - out^2)"""

    def forward(self, a):
        self.out = np.tanh(a)
        return self.out

    def backward(self, g):
        return (g * (1 - self.out * self.out),)


_vector_erf = np.vectorize(math.erf, otypes=[np.float64])


class Erf(Function):
    """out = erf(a);  da = g * 2/sqrt(pi) * e^(-a^2)"""

    def forward(self, a):
        self.a = a
        return _vector_erf(a).astype(a.dtype, copy=False)

    def backward(self, g):
        return (g * (2 / math.sqrt(math.pi)) * np.exp(-self.a * self.a),)


class Clip(Function):
    """out = min(max(a, low), high);  da = g where low <= a <= high, else 0."""

    def __init__(self, low, high):
        self.low, self.high = low, high

    def forward(self, a):
        self.inside = np.ones(a.shape, dtype=bool)
        if self.low is not None:
            self.inside &= a >= self.low
        if self.high is not None:
            self.inside &= a <= self.high
        return np.clip(a, self.low, self.high)

    def backward(self, g):
        return (np.where(self.inside, g, 0),)


class Cast(Function):
    """out = a as dtype;  da = g as a's dtype"""

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)

    def forward(self, a):
        self.source_dtype = a.dtype
        return a.astype(self.dtype)

    def backward(self, g):
        return (g.astype(self.source_dtype),)


class Sin(Function):
    """out = sin(a);  da = g * cos(a)"""

    def forward(self, a):
        self.a = a
        return np.sin(a)

    def backward(self, g):
        return (g * np.cos(self.a),)


class Cos(Function):
    """out = cos(a);  da = -g * sin(a)"""

    def forward(self, a):
        self.a = a
        return np.cos(a)

    def backward(self, g):
        return (-g * np.sin(self.a),)


class Tan(Function):
    """out = tan(a);  da = g * (1 + out^2)"""

    def forward(self, a):
        self.out = np.tan(a)
        return self.out

    def backward(self, g):
        return (g * (1 + self.out * self.out),)


class Arcsin(Function):
    """out = arcsin(a);  da = g / sqrt(1 - a^2)"""

    def forward(self, a):
        self.a = a
        return np.arcsin(a)

    def backward(self, g):
        return (g / np.sqrt(1 - self.a * self.a),)


class Arccos(Function):
    """out = arccos(a);  da = -g / sqrt(1 - a^2)"""

    def forward(self, a):
        self.a = a
        return np.arccos(a)

    def backward(self, g):
        return (-g / np.sqrt(1 - self.a * self.a),)


class Arctan(Function):
    """out = arctan(a);  da = g / (1 + a^2)"""

    def forward(self, a):
        self.a = a
        return np.arctan(a)

    def backward(self, g):
        return (g / (1 + self.a * self.a),)


class Sinh(Function):
    """out = sinh(a);  da = g * cosh(a)"""

    def forward(self, a):
        self.a = a
        return np.sinh(a)

    def backward(self, g):
        return (g * np.cosh(self.a),)


class Cosh(Function):
    """out = cosh(a);  da = g * sinh(a)"""

    def forward(self, a):
        self.a = a
        return np.cosh(a)

    def backward(self, g):
        return (g * np.sinh(self.a),)


class Arcsinh(Function):
    """out = arcsinh(a);  da = g / sqrt(a^2 + 1)"""

    def forward(self, a):
        self.a = a
        return np.arcsinh(a)

    def backward(self, g):
        return (g / np.sqrt(self.a * self.a + 1),)


class Arccosh(Function):
    """out = arccosh(a) (a >= 1);  da = g / sqrt(a^2 - 1)"""

    def forward(self, a):
        self.a = a
        return np.arccosh(a)

    def backward(self, g):
        return (g / np.sqrt(self.a * self.a - 1),)


class Arctanh(Function):
    """out = arctanh(a) (|a| < 1);  da = g / (1 - a^2)"""

    def forward(self, a):
        self.a = a
        return np.arctanh(a)

    def backward(self, g):
        return (g / (1 - self.a * self.a),)


class Arctan2(Function):
    """out = atan2(a, b), the angle of the point (b, a);
    da = g * b / (a^2 + b^2),  db = -g * a / (a^2 + b^2)"""

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.arctan2(a, b)

    def backward(self, g):
        scale = g / (self.a * self.a + self.b * self.b)
        da = scale * self.b if self.needs_grad[0] else None
        db = -scale * self.a if self.needs_grad[1] else None
        return da, db


# --------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------


def _normalize_axis(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(sorted(a % ndim for a in axis)) if ndim else ()


def _same_number_dtype(a):
    """The dtype sums and products of ``a`` keep: a's own for numbers (NumPy would widen
    int32 to int64), NumPy's default (int64) for bool."""
    return a.dtype if a.dtype.kind in "iuf" else None


def _expand_to_input(g, axes, keepdims):
    """Gives a reduced gradient back its reduced axes (size 1) so it broadcasts."""
    if keepdims:
        return g
    for axis in axes:
        g = np.expand_dims(g, axis)
    return g


class Sum(Function):
    """out = sum of a over axes;  da = g broadcast back over those axes"""

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, a):
        self.shape = a.shape
        self.axes = _normalize_axis(self.axis, a.ndim)
        return np.sum(a, axis=self.axes, keepdims=self.keepdims, dtype=_same_number_dtype(a))

    def backward(self, g):
        g = _expand_to_input(g, self.axes, self.keepdims)
        return (np.broadcast_to(g, self.shape),)


class Mean(Function):
    """out = sum(a) / n over axes;  da = g / n broadcast back"""

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, a):
        self.shape = a.shape
        self.axes = _normalize_axis(self.axis, a.ndim)
        self.count = math.prod(a.shape[i] for i in self.axes)
        total = np.add.reduce(a, axis=self.axes, keepdims=self.keepdims)
        if a.dtype.kind == "f":
            return np.true_divide(total, self.count, dtype=a.dtype)
        return total / self.count

    def backward(self, g):
        if g.ndim == 0:  # the mean of everything (a loss): one fill, no broadcasting
            return (np.full(self.shape, g / self.count, dtype=g.dtype),)
        g = _expand_to_input(g, self.axes, self.keepdims)
        return (np.broadcast_to(g / self.count, self.shape),)


class Max(Function):
    """out = max of a over axes;  da = g shared equally by the elements equal to the max"""

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, a):
        self.axes = _normalize_axis(self.axis, a.ndim)
        out = np.max(a, axis=self.axes, keepdims=True)
        self.winners = a == out
        return out if self.keepdims else np.squeeze(out, axis=self.axes)

    def backward(self, g):
        g = _expand_to_input(g, self.axes, self.keepdims)
        ties = self.winners.sum(axis=self.axes, keepdims=True)
        return (np.where(self.winners, g / ties, 0).astype(g.dtype, copy=False),)


def _move_axes_last(a, axes):
    """``a`` with ``axes`` moved to the end and merged into one: (rest..., n)."""
    rest = [i for i in range(a.ndim) if i not in axes]
    moved = np.transpose(a, rest + list(axes))
    return moved.reshape(moved.shape[:len(rest)] + (-1,)), rest


def _exclusive_cumprod(a, axis=-1, reverse=False):
    """prod_{k<i} a_k along ``axis`` (prod_{k>i} a_k if ``reverse``), exact with zeros."""
    if reverse:
        return np.flip(_exclusive_cumprod(np.flip(a, axis), axis), axis)
    shifted = np.concatenate([np.ones_like(np.take(a, [0], axis)), a], axis=axis)
    return np.cumprod(np.delete(shifted, -1, axis=axis), axis=axis)


class Prod(Function):
    """out = prod of a over axes;  da_i = g * prod_{k != i} a_k

    The product of the others is (prod_{k<i} a_k) (prod_{k>i} a_k): no division by
    a_i, so inputs with exact zeros get exact gradients."""

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, a):
        self.a = a
        self.axes = _normalize_axis(self.axis, a.ndim)
        return np.prod(a, axis=self.axes, keepdims=self.keepdims, dtype=_same_number_dtype(a))

    def backward(self, g):
        flat, rest = _move_axes_last(self.a, self.axes)  # (rest..., n)
        others = _exclusive_cumprod(flat) * _exclusive_cumprod(flat, reverse=True)
        g = _expand_to_input(g, self.axes, self.keepdims)  # (size 1 on reduced axes)
        g_flat, _ = _move_axes_last(np.broadcast_to(g, g.shape), self.axes)  # (rest..., 1)
        da_moved = (others * g_flat).reshape([self.a.shape[i] for i in rest + list(self.axes)])
        return (np.transpose(da_moved, np.argsort(rest + list(self.axes))),)


class Cumsum(Function):
    """out_i = sum_{k<=i} a_k along axis;  da_i = sum_{j>=i} g_j (a reversed cumsum)"""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, a):
        return np.cumsum(a, axis=self.axis, dtype=_same_number_dtype(a))

    def backward(self, g):
        return (np.flip(np.cumsum(np.flip(g, self.axis), axis=self.axis), self.axis),)


class Cumprod(Function):
    """out_i = prod_{k<=i} a_k along axis;

    da_i = sum_{j>=i} g_j prod_{k<=j, k!=i} a_k = P_i S_i, where
        P_i = prod_{k<i} a_k                         (an exclusive cumprod)
        S_i = g_i + a_{i+1} S_{i+1},  S_last = g_last (a backward recurrence)
    Nothing is divided by a_i, so inputs with exact zeros get exact gradients."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, a):
        self.a = a
        return np.cumprod(a, axis=self.axis, dtype=_same_number_dtype(a))

    def backward(self, g):
        a = np.moveaxis(self.a, self.axis, -1)  # (..., n)
        g = np.moveaxis(g, self.axis, -1)
        S = np.empty(np.broadcast_shapes(a.shape, g.shape), dtype=g.dtype)
        S[..., -1] = g[..., -1]
        for i in range(a.shape[-1] - 2, -1, -1):
            S[..., i] = g[..., i] + a[..., i + 1] * S[..., i + 1]
        P = _exclusive_cumprod(a)
        return (np.moveaxis(P * S, -1, self.axis),)


# --------------------------------------------------------------------------
# Shape ops
# --------------------------------------------------------------------------


class Reshape(Function):
    """out = a with a new shape;  da = g with a's shape"""

    def __init__(self, shape):
        self.new_shape = shape

    def forward(self, a):
        self.shape = a.shape
        return np.reshape(a, self.new_shape)

    def backward(self, g):
        return (np.reshape(g, self.shape),)


class Transpose(Function):
    """out = a with axes permuted;  da = g with the inverse permutation"""

    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, a):
        if self.axes is None:
            self.perm = tuple(reversed(range(a.ndim)))
        else:
            self.perm = tuple(axis % a.ndim for axis in self.axes)  # argsort needs axes >= 0
        return np.transpose(a, self.perm)

    def backward(self, g):
        return (np.transpose(g, np.argsort(self.perm)),)


class GetItem(Function):
    """out = a[index];  da = zeros with g added at index (repeats accumulate)"""

    def __init__(self, index):
        self.index = index

    def forward(self, a):
        self.shape, self.dtype = a.shape, a.dtype
        return a[self.index]

    def backward(self, g):
        da = np.zeros(self.shape, dtype=g.dtype)
        np.add.at(da, self.index, g)
        return (da,)


class Take(Function):
    """out = take(a, indices, axis) (gather);  da = g scattered back, repeats summed"""

    def __init__(self, indices, axis):
        self.indices, self.axis = np.asarray(indices), axis

    def forward(self, a):
        self.shape = a.shape
        return np.take(a, self.indices, axis=self.axis)

    def backward(self, g):
        axis = self.axis % len(self.shape)
        da = np.zeros(self.shape, dtype=g.dtype)
        moved = np.moveaxis(da, axis, 0)  # (n_axis, ...) view of da
        flat_indices = self.indices.reshape(-1)
        g_moved = np.moveaxis(g, range(axis, axis + self.indices.ndim), range(self.indices.ndim))
        np.add.at(moved, flat_indices, g_moved.reshape((-1,) + moved.shape[1:]))
        return (da,)


class Concatenate(Function):
    """out = concatenate(inputs, axis);  each input gets its slice of g"""

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *arrays):
        self.splits = np.cumsum([a.shape[self.axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=self.axis)

    def backward(self, g):
        return tuple(np.split(g, self.splits, axis=self.axis))


class Stack(Function):
    """out = stack(inputs, axis);  each input gets its slice of g"""

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *arrays):
        return np.stack(arrays, axis=self.axis)

    def backward(self, g):
        return tuple(np.moveaxis(g, self.axis, 0))


class Copy(Function):
    """out = a copy of a (its own memory);  da = g"""

    def forward(self, a):
        return np.array(a)

    def backward(self, g):
        return (g,)


class BroadcastTo(Function):
    """out = a broadcast to shape;  da = g summed over the broadcast axes (by unbroadcast)"""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, a):
        return np.array(np.broadcast_to(a, self.shape))  # a writable copy, not a view

    def backward(self, g):
        return (g,)


class TakeAlongAxis(Function):
    """out = a's entries at ``indices`` along axis (gather);  da = g scattered back, summed"""

    def __init__(self, indices, axis):
        self.indices, self.axis = indices, axis

    def forward(self, a):
        self.shape = a.shape
        return np.take_along_axis(a, self.indices, axis=self.axis)

    def backward(self, g):
        da = np.zeros(self.shape, dtype=g.dtype)
        index = _along_axis_index(self.indices, self.axis, g.shape)
        np.add.at(da, index, g)
        return (da,)


def _along_axis_index(indices, axis, shape):
    """The full index tuple that ``take_along_axis(a, indices, axis)`` reads: arange
    grids on the other axes, ``indices`` (broadcast to ``shape``) on ``axis``."""
    grids = list(np.indices(shape, sparse=True))
    grids[axis] = np.broadcast_to(indices, shape)
    return tuple(grids)


class Scatter(Function):
    """out = zeros(shape) with a's rows added at ``index`` (repeats add up);  da = g[index]"""

    def __init__(self, index, shape):
        self.index, self.shape = index, tuple(shape)

    def forward(self, a):
        out = np.zeros(self.shape, dtype=a.dtype)
        np.add.at(out, self.index, a)
        return out

    def backward(self, g):
        return (g[self.index],)


class ScatterUpdate(Function):
    """out = a with ``b``'s rows written at ``index`` (for a repeated index the last wins);
    da = g with zeros where written,  db = g[index] for the rows that won, 0 for the others"""

    def __init__(self, index):
        self.index = index

    def forward(self, a, b):
        out = np.array(a)
        out[self.index] = b
        return out

    def backward(self, g):
        da = db = None
        if self.needs_grad[0]:
            da = np.array(g)
            da[self.index] = 0
        if self.needs_grad[1]:
            db = g[self.index] * _last_writes(self.index, g.shape)
        return da, db


def _last_writes(index, shape):
    """Per scattered row, whether it is the last write to its position: (N, 1, ..., 1)."""
    flat = np.ravel_multi_index(index, shape[:len(index)])  # (N,)
    reversed_first = np.unique(flat[::-1], return_index=True)[1]
    won = np.zeros(flat.shape, dtype=bool)
    won[len(flat) - 1 - reversed_first] = True
    return won.reshape(won.shape + (1,) * (len(shape) - len(index)))


class SingularValues(Function):
    """out = the singular values of the matrices in the last two axes of a, largest first;
    da = u diag(g) v^T  (for distinct singular values: d sigma_i = u_i^T da v_i)"""

    def forward(self, a):
        self.u, s, self.vh = np.linalg.svd(a, full_matrices=False)
        return s

    def backward(self, g):
        return ((self.u * g[..., None, :]) @ self.vh,)  # (..., m, k) diag(g) (..., k, n)


class Einsum(Function):
    """out = einsum(subscripts, *operands), explicit subscripts ("ij,jk->ik") without
    ellipses or repeated letters within one operand.

    Equations: the gradient of operand i is the einsum of g with the other operands,
        d operand_i = einsum("out, others -> subs_i", g, *others)
    broadcast over the letters of operand i that appear nowhere else (they were summed)."""

    def __init__(self, subscripts):
        self.subscripts = subscripts
        inputs, self.output = subscripts.split("->")
        self.inputs_subs = inputs.split(",")

    def forward(self, *arrays):
        self.arrays = arrays
        return np.einsum(self.subscripts, *arrays)

    def backward(self, g):
        return tuple(
            self._operand_grad(g, i) if needed else None
            for i, needed in enumerate(self.needs_grad)
        )

    def _operand_grad(self, g, i):
        target = self.inputs_subs[i]
        others = [s for k, s in enumerate(self.inputs_subs) if k != i]
        elsewhere = set(self.output).union(*others)
        kept = "".join(letter for letter in target if letter in elsewhere)
        operands = [g] + [a for k, a in enumerate(self.arrays) if k != i]
        spec = ",".join([self.output] + others) + "->" + kept
        partial = np.einsum(spec, *operands)  # over the letters seen elsewhere
        shape = self.arrays[i].shape
        stretched = tuple(k for k, letter in enumerate(kept)
                          if shape[target.index(letter)] == 1 and partial.shape[k] != 1)
        partial = partial.sum(axis=stretched, keepdims=True)  # size-1 axes that broadcast
        expanded = partial.reshape([n if letter in elsewhere else 1
                                    for letter, n in zip(target, shape)])
        return np.broadcast_to(expanded, shape)


# --------------------------------------------------------------------------
# The functions users call
# --------------------------------------------------------------------------


def add(x1, x2):
    return Add().apply(x1, x2)


def subtract(x1, x2):
    return Subtract().apply(x1, x2)


def multiply(x1, x2):
    return Multiply().apply(x1, x2)


def divide(x1, x2):
    return Divide().apply(x1, x2)


def power(x1, x2):
    return Power().apply(x1, x2)


def maximum(x1, x2):
    return Maximum().apply(x1, x2)


def minimum(x1, x2):
    return Minimum().apply(x1, x2)


def where(condition, a, b):
    """Element-wise select: ``a`` where ``condition`` is true, else ``b``."""
    condition = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    return Where(condition).apply(a, b)


def matmul(x1, x2):
    return MatMul().apply(x1, x2)


def negative(x):
    return Negative().apply(x)


def exp(x):
    return Exp().apply(x)


def expm1(x):
    return Expm1().apply(x)


def log(x):
    return Log().apply(x)


def log1p(x):
    return Log1p().apply(x)


def sqrt(x):
    return Sqrt().apply(x)


def abs(x):
    return Abs().apply(x)


def tanh(x):
    return Tanh().apply(x)


def erf(x):
    return Erf().apply(x)


def clip(x, x_min, x_max):
    return Clip(x_min, x_max).apply(x)


def cast(x, dtype):
    if isinstance(x, Tensor) and x.dtype == np.dtype(dtype):
        return x
    return Cast(dtype).apply(x)


def sum(a, axis=None, keepdims=False):
    return Sum(axis, keepdims).apply(a)


def mean(a, axis=None, keepdims=False):
    return Mean(axis, keepdims).apply(a)


def max(a, axis=None, keepdims=False):
    return Max(axis, keepdims).apply(a)


def reshape(x, newshape):
    return Reshape(tuple(newshape) if not isinstance(newshape, int) else newshape).apply(x)


def transpose(x, axes=None):
    return Transpose(None if axes is None else tuple(axes)).apply(x)


def take(x, indices, axis=None):
    """Gathers ``x``'s entries at ``indices`` along ``axis`` (flattened if None)."""
    indices = indices.data if isinstance(indices, Tensor) else indices
    if axis is None:
        return Take(indices, 0).apply(reshape(x, (-1,)))
    return Take(indices, axis).apply(x)


def concatenate(xs, axis=0):
    return Concatenate(axis).apply(*xs)


def stack(x, axis=0):
    return Stack(axis).apply(*x)


def sin(a):
    return Sin().apply(a)


def cos(a):
    return Cos().apply(a)


def tan(a):
    return Tan().apply(a)


def arcsin(a):
    return Arcsin().apply(a)


def arccos(a):
    return Arccos().apply(a)


def arctan(a):
    return Arctan().apply(a)


def sinh(a):
    return Sinh().apply(a)


def cosh(a):
    return Cosh().apply(a)


def arcsinh(a):
    return Arcsinh().apply(a)


def arccosh(a):
    return Arccosh().apply(a)


def arctanh(a):
    return Arctanh().apply(a)


def arctan2(a, b):
    return Arctan2().apply(a, b)


def prod(a, axis=None, keepdims=False):
    return Prod(axis, keepdims).apply(a)


def cumsum(a, axis):
    return Cumsum(axis).apply(a)


def cumprod(a, axis):
    return Cumprod(axis).apply(a)


def copy(a):
    return Copy().apply(a)


def broadcast_to(a, shape):
    return BroadcastTo(shape).apply(a)


def take_along_axis(a, indices, axis):
    """Gathers ``a``'s entries at integer ``indices`` (an array) along ``axis``."""
    return TakeAlongAxis(indices, axis).apply(a)


def scatter(index, values, shape):
    """zeros(shape) with ``values`` added at ``index`` (a tuple of integer arrays)."""
    return Scatter(index, shape).apply(values)


def scatter_update(inputs, index, updates):
    """``inputs`` with ``updates`` written at ``index`` (a tuple of integer arrays)."""
    return ScatterUpdate(index).apply(inputs, updates)


def singular_values(a):
    return SingularValues().apply(a)


def einsum(subscripts, *operands):
    """Einstein summation with explicit subscripts (see ``Einsum``)."""
    return Einsum(subscripts).apply(*operands)


def _index(index):
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


# --------------------------------------------------------------------------
# Operators on Tensor
# --------------------------------------------------------------------------


def _swap(op):
    return lambda self, other: op(other, self)


def _comparison(compare_arrays):
    """An element-wise comparison operator (a bool Tensor, never differentiated).  The
    arrays are compared with Python's operator, so NumPy's rules apply: broadcasting,
    and deferring to objects that compare themselves (``pytest.approx``, None)."""

    def method(self, other):
        if isinstance(other, (Tensor, np.ndarray, int, float, np.generic)):
            return compare(compare_arrays, self, other)
        return Tensor(compare_arrays(self.data, other))  # None, pytest.approx, ...

    return method


Tensor.__add__ = add
Tensor.__radd__ = _swap(add)
Tensor.__sub__ = subtract
Tensor.__rsub__ = _swap(subtract)
Tensor.__mul__ = multiply
Tensor.__rmul__ = _swap(multiply)
Tensor.__truediv__ = divide
Tensor.__rtruediv__ = _swap(divide)
Tensor.__pow__ = power
Tensor.__rpow__ = _swap(power)
Tensor.__matmul__ = matmul
Tensor.__rmatmul__ = _swap(matmul)
Tensor.__neg__ = negative
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = abs
Tensor.__getitem__ = lambda self, index: GetItem(_index(index)).apply(self)
Tensor.__eq__ = _comparison(operator.eq)  # element-wise, as in Keras (not identity)
Tensor.__ne__ = _comparison(operator.ne)
Tensor.__lt__ = _comparison(operator.lt)
Tensor.__le__ = _comparison(operator.le)
Tensor.__gt__ = _comparison(operator.gt)
Tensor.__ge__ = _comparison(operator.ge)
Tensor.sum = sum
Tensor.mean = mean
Tensor.max = max
Tensor.reshape = lambda self, *shape: reshape(
    self, shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
)
Tensor.transpose = transpose
Tensor.T = property(lambda self: transpose(self))
