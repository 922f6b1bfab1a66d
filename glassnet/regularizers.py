"""Weight penalties (``keras.regularizers``): a scalar added to the loss for each weight.

A layer given ``kernel_regularizer=regularizers.l2(1e-4)`` calls the regularizer on its
kernel at every forward pass; the penalties end up in ``layer.losses`` and are added
to the training loss.  They are built with ``glassnet.ops``, so their gradient
(2 l2 W + l1 sign(W)) reaches the weights through the same backward pass.

As in Keras 3, ``l1``, ``l2`` and ``l1_l2`` are the classes ``L1``, ``L2`` and ``L1L2``
themselves, and ``get("l2")`` returns a new instance with the defaults.
"""

import numpy as np

from glassnet import config, naming, ops, serialization, validation
from glassnet.autodiff import Tensor


class Regularizer:
    """Base class: ``penalty = regularizer(W)``, a scalar Tensor."""

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        return Tensor(np.zeros((), dtype=x.dtype))

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class L1L2(Regularizer):
    """Both penalties at once (each factor defaults to 0 here).

    Equations:
        penalty = l1 * sum_i |W_i| + l2 * sum_i W_i^2
        d penalty / dW = l1 * sign(W) + 2 * l2 * W
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = validation.non_negative(self, "l1", 0.0 if l1 is None else l1)
        self.l2 = validation.non_negative(self, "l2", 0.0 if l2 is None else l2)

    def __call__(self, x):
        W = ops.convert_to_tensor(x)
        penalty = Tensor(np.zeros((), dtype=W.dtype))
        if self.l1:
            penalty = penalty + self.l1 * ops.sum(ops.abs(W))
        if self.l2:
            penalty = penalty + self.l2 * ops.sum(ops.square(W))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """The lasso penalty: pushes weights to exactly zero.

    Equations:
        penalty = l1 * sum_i |W_i|
        d penalty / dW = l1 * sign(W)
    """

    def __init__(self, l1=0.01):
        self.l1 = validation.non_negative(self, "l1", 0.01 if l1 is None else l1)

    def __call__(self, x):
        W = ops.convert_to_tensor(x)
        return self.l1 * ops.sum(ops.abs(W))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """Weight decay as a penalty (no 1/2 factor, as in Keras).

    Equations:
        penalty = l2 * sum_i W_i^2
        d penalty / dW = 2 * l2 * W
    """

    def __init__(self, l2=0.01):
        self.l2 = validation.non_negative(self, "l2", 0.01 if l2 is None else l2)

    def __call__(self, x):
        W = ops.convert_to_tensor(x)
        return self.l2 * ops.sum(ops.square(W))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2-D weight towards being orthogonal.

    Equations (mode="rows"; "columns" uses W^T):
        V = W / max(||W_i||, epsilon)            each row scaled to unit length
        P = V V^T,  off-diagonal entries P_ij for i != j
        penalty = factor * 0.5 * sum_{i != j} |P_ij| / (n (n - 1) / 2),  n = rows
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = validation.non_negative(self, "factor", factor)
        self.mode = validation.one_of(self, "mode", mode, ("rows", "columns"))

    def __call__(self, x):
        W = ops.convert_to_tensor(x)
        if W.ndim != 2:
            raise ValueError(
                "OrthogonalRegularizer: the weight must have rank 2. "
                f"Received: shape={W.shape}"
            )
        if self.mode == "columns":
            W = ops.transpose(W)  # (columns, rows)
        n = W.shape[0]
        squared_norms = ops.sum(ops.square(W), axis=1, keepdims=True)  # (n, 1)
        # max(||W_i||, eps) written as sqrt(max(||W_i||^2, eps^2)): same value, and a
        # zero row gets a zero gradient instead of 0 * inf.
        V = W / ops.sqrt(ops.maximum(squared_norms, config.epsilon() ** 2))
        P = ops.matmul(V, ops.transpose(V))  # (n, n)
        off_diagonal = P * (1.0 - np.eye(n, dtype=W.dtype))
        pairs = n * (n - 1) / 2.0
        return self.factor * 0.5 * ops.sum(ops.abs(off_diagonal)) / pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}




# --- Keras' lowercase names and get() --------------------------------------------------

l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

_CLASSES = (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)
_TABLE = {naming.to_snake_case(cls.__name__): cls for cls in _CLASSES}  # l1, l2, l1l2, ...
_TABLE["l1_l2"] = L1L2


def get(identifier):
    """A regularizer from a name (a new instance), a config dict, a class or a callable.

    ``None`` gives ``None``; an instance or a function ``W -> penalty`` is returned as is.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and naming.to_snake_case(identifier) in _TABLE:
        identifier = naming.to_snake_case(identifier)  # "OrthogonalRegularizer" -> snake_case
    found = serialization.lookup("regularizer", identifier, _TABLE)
    return found() if isinstance(found, type) else found


def serialize(regularizer):
    """``{"module", "class_name", "config"}`` of a regularizer."""
    return serialization.serialize(regularizer)


def deserialize(config):
    """The regularizer described by ``serialize``'s dict (or a name)."""
    return get(config)
