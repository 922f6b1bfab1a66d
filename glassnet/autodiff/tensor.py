"""The Tensor: a NumPy array that remembers how it was made.

A Tensor holds ``data`` (an ``np.ndarray``), ``grad`` (filled by ``backward``
for leaves that require a gradient) and ``_fn``, the ``Function`` that produced
it (``None`` for leaves and for anything computed under ``no_grad``).  The
arithmetic operators are attached in ``autodiff.primitives``, next to the ops
they call.
"""
import numpy as np

from glassnet import config
from glassnet.autodiff import tracing

_grad_enabled = True


class no_grad:
    """Context manager (and decorator) under which no graph is recorded.

    Inference (predict, evaluate, validation) runs under it, so it pays no
    graph cost: every op returns a plain leaf Tensor.
    """

    def __enter__(self):
        global _grad_enabled
        self._previous = _grad_enabled
        _grad_enabled = False
        return self

    def __exit__(self, *exc_info):
        global _grad_enabled
        _grad_enabled = self._previous
        return False

    def __call__(self, func):
        def wrapper(*args, **kwargs):
            with no_grad():
                return func(*args, **kwargs)

        wrapper.__name__ = func.__name__
        wrapper.__doc__ = func.__doc__
        return wrapper


class enable_grad(no_grad):
    """Context manager that turns graph recording back on inside ``no_grad``."""

    def __enter__(self):
        global _grad_enabled
        self._previous = _grad_enabled
        _grad_enabled = True
        return self


def is_grad_enabled():
    return _grad_enabled


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    Arguments:
        data: anything ``np.asarray`` accepts. Python floats and float64
            input become ``floatx`` (float32) unless ``dtype`` says otherwise.
        requires_grad: whether ``backward`` should compute a gradient for it.
    """

    __array_priority__ = 100  # ndarray <op> Tensor defers to Tensor's operators
    __slots__ = ("__weakref__", "_fn", "_keras_logits", "data", "grad", "requires_grad")

    def __init__(self, data, dtype=None, requires_grad=False):
        self.data = _as_array(data, dtype)
        self.grad = None
        self.requires_grad = requires_grad
        self._fn = None
        self._keras_logits = None

    # --- array protocol -------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def size(self):
        return self.data.size

    def numpy(self):
        """The values as a NumPy array (a view; copy it before mutating)."""
        return self.data

    def item(self):
        tracing.value_read(self, "item()")
        return self.data.item()

    def __array__(self, dtype=None, copy=None):
        if dtype is None:
            return self.data
        return self.data.astype(dtype, copy=False)

    def __len__(self):
        return len(self.data)

    def __float__(self):
        tracing.value_read(self, "float()")
        return float(self.data)

    def __int__(self):
        tracing.value_read(self, "int()")
        return int(self.data)

    def __bool__(self):
        tracing.value_read(self, "bool()")
        return bool(self.data)

    def __format__(self, spec):
        if self.data.ndim == 0:
            return format(self.data.item(), spec)
        return format(str(self), spec)

    def __repr__(self):
        body = np.array2string(self.data, separator=", ")
        return f"<Tensor shape={self.shape}, dtype={self.dtype.name}, numpy=\n{body}>"

    __hash__ = object.__hash__

    # --- differentiation -------------------------------------------------
    def backward(self, grad=None):
        """Accumulates d(self)/d(leaf) into ``leaf.grad`` for every leaf in the graph."""
        from glassnet.autodiff.engine import backward

        backward(self, grad)

    def detach(self):
        """The same values, cut from the graph."""
        return Tensor(self.data)


def wrap(array):
    """A leaf Tensor around ``array`` (an ndarray, taken as is: no copy, no checks)."""
    out = Tensor.__new__(Tensor)
    out.data = array
    out.grad = None
    out.requires_grad = False
    out._fn = None
    out._keras_logits = None
    return out


def _as_array(data, dtype):
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.asarray(data, dtype=dtype)
    array = np.asarray(data)
    if array.dtype == np.float64 and not isinstance(data, np.ndarray):
        return array.astype(config.floatx())  # Python floats become floatx
    if array.dtype.kind in "iub" or array.dtype.kind == "f":
        return array
    if array.dtype == object:
        raise TypeError(f"Tensor: cannot convert data of type {type(data).__name__} to a tensor.")
    return array


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """Returns ``x`` as a Tensor (unchanged if it already is one of that dtype).

    As in Keras, Python floats become floatx and Python ints int32 (NumPy arrays keep
    their dtype).  ``sparse`` and ``ragged`` are accepted for Keras' signature; glassnet
    has dense tensors only, so asking for a sparse or ragged one is an error.
    """
    if sparse or ragged:
        raise ValueError(
            "convert_to_tensor: glassnet has no sparse or ragged tensors. "
            f"Received: sparse={sparse}, ragged={ragged}"
        )
    if isinstance(x, Tensor) and (dtype is None or x.dtype == np.dtype(dtype)):
        return x
    if dtype is None and _is_python_ints(x):
        array = np.asarray(x)
        if array.dtype == np.int64 and _fits_int32(array):
            return Tensor(array.astype(np.int32))
    return Tensor(x, dtype=dtype)


def _is_python_ints(x):
    """Whether ``x`` is a Python int or a list / tuple (not a bool, not an array)."""
    return isinstance(x, (int, list, tuple)) and not isinstance(x, bool)


def _fits_int32(array):
    info = np.iinfo(np.int32)
    return array.size == 0 or (array.min() >= info.min and array.max() <= info.max)


def convert_to_numpy(x):
    """Returns the NumPy array behind ``x`` (a Tensor, array or nested values)."""
    if isinstance(x, Tensor):
        return x.data
    return np.asarray(x)
