"""Making tensors from shapes and values (``keras.ops.ones``, ``arange``, ...): NumPy's
functions with Keras 3's dtype rules.  Their results are constants: leaves of the graph
with no gradient.

Dtypes, as in Keras 3: a float result is ``config.floatx()`` (float32) unless ``dtype``
says otherwise; ``arange`` of integers stays integer (int32); ``*_like`` keep the dtype of
their argument.
"""
import numpy as np

from glassnet import config
from glassnet.autodiff.tensor import Tensor, convert_to_numpy


def _float(dtype):
    return np.dtype(dtype or config.floatx())


def ones(shape, dtype=None):
    """A tensor of ``shape`` filled with 1."""
    return Tensor(np.ones(shape, dtype=_float(dtype)))


def zeros(shape, dtype=None):
    """A tensor of ``shape`` filled with 0."""
    return Tensor(np.zeros(shape, dtype=_float(dtype)))


def full(shape, fill_value, dtype=None):
    """A tensor of ``shape`` filled with ``fill_value``."""
    return Tensor(np.full(shape, convert_to_numpy(fill_value), dtype=_float(dtype)))


def ones_like(x, dtype=None):
    """Ones of x's shape (and dtype, unless ``dtype`` is given)."""
    return Tensor(np.ones_like(convert_to_numpy(x), dtype=dtype))


def zeros_like(x, dtype=None):
    """Zeros of x's shape (and dtype, unless ``dtype`` is given)."""
    return Tensor(np.zeros_like(convert_to_numpy(x), dtype=dtype))


def full_like(x, fill_value, dtype=None):
    """``fill_value`` in x's shape (and dtype, unless ``dtype`` is given)."""
    return Tensor(np.full_like(convert_to_numpy(x), convert_to_numpy(fill_value), dtype=dtype))


def eye(N, M=None, k=0, dtype=None):
    """An N x M matrix with ones on diagonal k (0: the main one) and zeros elsewhere."""
    return Tensor(np.eye(N, M, k, dtype=_float(dtype)))


def identity(n, dtype=None):
    """The n x n identity matrix."""
    return Tensor(np.identity(n, dtype=_float(dtype)))


def tri(N, M=None, k=0, dtype=None):
    """An N x M matrix with ones at and below diagonal k, zeros above."""
    return Tensor(np.tri(N, M, k, dtype=_float(dtype)))


def arange(start, stop=None, step=1, dtype=None):
    """start, start + step, ... up to (not including) stop; ``arange(n)`` is 0 .. n - 1.
    Integer arguments give int32, any float argument floatx."""
    if dtype is None:
        values = [v for v in (start, stop, step) if v is not None]
        is_float = any(np.asarray(convert_to_numpy(v)).dtype.kind == "f" for v in values)
        dtype = config.floatx() if is_float else "int32"
    if stop is None:
        start, stop = 0, start
    return Tensor(np.arange(start, stop, step, dtype=dtype))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from start to stop (stop included with endpoint);
    with ``retstep=True`` also the spacing."""
    values, step = np.linspace(convert_to_numpy(start), convert_to_numpy(stop), num,
                               endpoint=endpoint, retstep=True, axis=axis)
    values = Tensor(values.astype(_float(dtype)))
    return (values, step) if retstep else values


def shape(x):
    """x's shape as a tuple of ints (``keras.ops.shape``)."""
    return tuple(np.shape(x.data if isinstance(x, Tensor) else x))
