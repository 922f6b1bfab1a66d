"""Variable: a named, persistent leaf tensor (weights, slots, moving statistics)."""
import numpy as np

from glassnet import config
from glassnet.autodiff import tracing
from glassnet.autodiff.tensor import Tensor


class Variable(Tensor):
    """A leaf Tensor that keeps its array across steps and is updated in place.

    Arguments:
        initializer: an array-like value, or a callable ``(shape, dtype) -> array``
            (an initializer), in which case ``shape`` is required.
        shape: the shape, when ``initializer`` is a callable.
        dtype: defaults to ``floatx`` (float32) for floating values.
        trainable: whether optimizers update it (and ``backward`` fills ``grad``).
        name: the short name (``kernel``); ``path`` is the full one
            (``sequential/dense/kernel``).
        constraint: optional callable applied after each optimizer update.
    """

    __slots__ = ("_trainable", "constraint", "name", "path", "regularizer")

    def __init__(
        self,
        initializer,
        shape=None,
        dtype=None,
        trainable=True,
        name=None,
        constraint=None,
        regularizer=None,
        path=None,
    ):
        if callable(initializer):
            if shape is None:
                raise ValueError(
                    "Variable: `shape` is required when `initializer` is a callable. "
                    f"Received: initializer={initializer!r}, shape=None"
                )
            dtype = dtype or config.floatx()
            value = initializer(tuple(shape), dtype=dtype)
        else:
            value = initializer
        array = np.array(value, dtype=dtype, copy=True)
        if dtype is None and array.dtype == np.float64:
            array = array.astype(config.floatx())
        super().__init__(array)
        self.name = name or "variable"
        self.path = path or self.name
        self._trainable = bool(trainable)
        self.requires_grad = self._trainable
        self.constraint = constraint
        self.regularizer = regularizer

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        self.requires_grad = self._trainable

    @property
    def value(self):
        """The current values as an array (a view)."""
        return self.data

    def numpy(self):
        """A copy of the current values."""
        return self.data.copy()

    def assign(self, value):
        """Writes ``value`` into the variable's own array (shape must match)."""
        value = value.data if isinstance(value, Tensor) else np.asarray(value)
        if value.shape != self.data.shape:
            raise ValueError(
                f"Variable {self.path}: the assigned value must have the variable's shape "
                f"{self.data.shape}. Received: value.shape={value.shape}"
            )
        self.data[...] = value
        if tracing.active is not None:
            tracing.active.assign(self, "assign", value)
        return self

    def assign_add(self, delta):
        delta = delta.data if isinstance(delta, Tensor) else delta
        np.add(self.data, delta, out=self.data)
        if tracing.active is not None:
            tracing.active.assign(self, "assign_add", delta)
        return self

    def assign_sub(self, delta):
        delta = delta.data if isinstance(delta, Tensor) else delta
        np.subtract(self.data, delta, out=self.data)
        if tracing.active is not None:
            tracing.active.assign(self, "assign_sub", delta)
        return self

    def __repr__(self):
        body = np.array2string(self.data, separator=", ")
        return (
            f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype.name}, "
            f"value=\n{body}>"
        )
