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


# --------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------


def _normalize_axis(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(sorted(a % ndim for a in axis)) if ndim else ()


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
        return np.sum(a, axis=self.axes, keepdims=self.keepdims)

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


# --------------------------------------------------------------------------
# The functions users call
# --------------------------------------------------------------------------


def add(a, b):
    return Add().apply(a, b)


def subtract(a, b):
    return Subtract().apply(a, b)


def multiply(a, b):
    return Multiply().apply(a, b)


def divide(a, b):
    return Divide().apply(a, b)


def power(a, b):
    return Power().apply(a, b)


def maximum(a, b):
    return Maximum().apply(a, b)


def minimum(a, b):
    return Minimum().apply(a, b)


def where(condition, a, b):
    """Element-wise select: ``a`` where ``condition`` is true, else ``b``."""
    condition = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    return Where(condition).apply(a, b)


def matmul(a, b):
    return MatMul().apply(a, b)


def negative(a):
    return Negative().apply(a)


def exp(a):
    return Exp().apply(a)


def expm1(a):
    return Expm1().apply(a)


def log(a):
    return Log().apply(a)


def log1p(a):
    return Log1p().apply(a)


def sqrt(a):
    return Sqrt().apply(a)


def abs(a):
    return Abs().apply(a)


def tanh(a):
    return Tanh().apply(a)


def erf(a):
    return Erf().apply(a)


def clip(a, low, high):
    return Clip(low, high).apply(a)


def cast(a, dtype):
    if isinstance(a, Tensor) and a.dtype == np.dtype(dtype):
        return a
    return Cast(dtype).apply(a)


def sum(a, axis=None, keepdims=False):
    return Sum(axis, keepdims).apply(a)


def mean(a, axis=None, keepdims=False):
    return Mean(axis, keepdims).apply(a)


def max(a, axis=None, keepdims=False):
    return Max(axis, keepdims).apply(a)


def reshape(a, new_shape):
    return Reshape(tuple(new_shape) if not isinstance(new_shape, int) else new_shape).apply(a)


def transpose(a, axes=None):
    return Transpose(None if axes is None else tuple(axes)).apply(a)


def take(a, indices, axis=None):
    """Gathers ``a``'s entries at ``indices`` along ``axis`` (flattened if None)."""
    indices = indices.data if isinstance(indices, Tensor) else indices
    if axis is None:
        return Take(indices, 0).apply(reshape(a, (-1,)))
    return Take(indices, axis).apply(a)


def concatenate(tensors, axis=0):
    return Concatenate(axis).apply(*tensors)


def stack(tensors, axis=0):
    return Stack(axis).apply(*tensors)


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

    def compare(self, other):
        other = other.data if isinstance(other, Tensor) else other
        return Tensor(compare_arrays(self.data, other))

    return compare


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
