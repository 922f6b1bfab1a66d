"""Weight constraints (``keras.constraints``): projections applied after each update.

A layer given ``kernel_constraint=constraints.max_norm(3)`` hands the constraint to its
kernel Variable; the optimizer calls it on the variable's array right after each
update and writes the result back.  Constraints take and return NumPy arrays (same
shape and dtype) and are not part of the graph.

``axis`` is the axis (or axes) the norms are taken over: for a Dense kernel of shape
(inputs, units), ``axis=0`` constrains the incoming weight vector of each unit.
As in Keras 3, ``max_norm``, ``non_neg``, ``unit_norm`` and ``min_max_norm`` are the
classes themselves.
"""
import numpy as np

from glassnet import config, naming, serialization


class Constraint:
    """Base class: ``W_new = constraint(W)``; the identity here."""

    def __call__(self, w):
        return np.asarray(w)

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class MaxNorm(Constraint):
    """Shrinks every weight vector whose norm exceeds ``max_value`` back onto that norm.

    Equations:
        norms   = sqrt(sum_axis W^2)
        desired = clip(norms, 0, max_value)
        W_new   = W * desired / (epsilon + norms)
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        W, epsilon = _as_float_array(w)
        norms = _norms(W, self.axis)  # W's shape with 1 on the norm axes
        desired = np.clip(norms, 0, self.max_value)
        return (W * (desired / (epsilon + norms))).astype(W.dtype, copy=False)

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero.

    Equations:
        W_new = W * [W >= 0]
    """

    def __call__(self, w):
        W = np.asarray(w)
        return W * (W >= 0)


class UnitNorm(Constraint):
    """Scales every weight vector to unit norm.

    Equations:
        norms = sqrt(sum_axis W^2)
        W_new = W / (epsilon + norms)
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        W, epsilon = _as_float_array(w)
        norms = _norms(W, self.axis)  # W's shape with 1 on the norm axes
        return (W / (epsilon + norms)).astype(W.dtype, copy=False)

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves every weight vector's norm into [min_value, max_value], a fraction ``rate``
    of the way per update (rate=1: all the way).

    Equations:
        norms   = sqrt(sum_axis W^2)
        desired = rate * clip(norms, min_value, max_value) + (1 - rate) * norms
        W_new   = W * desired / (epsilon + norms)
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        W, epsilon = _as_float_array(w)
        norms = _norms(W, self.axis)  # W's shape with 1 on the norm axes
        rate = W.dtype.type(self.rate)
        desired = rate * np.clip(norms, self.min_value, self.max_value) + (1 - rate) * norms
        return (W * (desired / (epsilon + norms))).astype(W.dtype, copy=False)

    def get_config(self):
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


def _as_float_array(w):
    """``w`` as a float array, and epsilon in its dtype (so float32 stays float32)."""
    W = np.asarray(w)
    if W.dtype.kind != "f":
        W = W.astype(config.floatx())
    return W, W.dtype.type(config.epsilon())


def _norms(W, axis):
    """Euclidean norms over ``axis`` (an int or a list of ints), dimensions kept."""
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return np.sqrt(np.sum(np.square(W), axis=axis, keepdims=True))


# --- Keras' lowercase names and get() --------------------------------------------------

max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

_CLASSES = (Constraint, MaxNorm, NonNeg, UnitNorm, MinMaxNorm)
_TABLE = {naming.to_snake_case(cls.__name__): cls for cls in _CLASSES}  # max_norm, ...
_TABLE.update({"maxnorm": MaxNorm, "nonneg": NonNeg, "unitnorm": UnitNorm})  # Keras 2 names


def get(identifier):
    """A constraint from a name (a new instance), a config dict, a class or a callable.

    ``None`` gives ``None``; an instance or a function ``W -> W_new`` is returned as is.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and naming.to_snake_case(identifier) in _TABLE:
        identifier = naming.to_snake_case(identifier)  # "MaxNorm" -> "max_norm"
    found = serialization.lookup("constraint", identifier, _TABLE)
    return found() if isinstance(found, type) else found


def serialize(constraint):
    """``{"module", "class_name", "config"}`` of a constraint."""
    return serialization.serialize(constraint)


def deserialize(config):
    """The constraint described by ``serialize``'s dict (or a name)."""
    return get(config)
