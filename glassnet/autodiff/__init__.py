"""Reverse-mode automatic differentiation over NumPy arrays.

``Tensor`` holds the values, ``Function`` subclasses in ``primitives`` are the
only ops with hand-written gradients, and ``engine`` replays the recorded graph
backwards.
"""
from glassnet.autodiff import primitives
from glassnet.autodiff.engine import Function, backward, grad, unbroadcast
from glassnet.autodiff.tape import GradientTape
from glassnet.autodiff.tensor import (
    Tensor,
    convert_to_numpy,
    convert_to_tensor,
    enable_grad,
    is_grad_enabled,
    no_grad,
)
from glassnet.autodiff.variable import Variable

__all__ = [
    "Function",
    "GradientTape",
    "Tensor",
    "Variable",
    "backward",
    "convert_to_numpy",
    "convert_to_tensor",
    "enable_grad",
    "grad",
    "is_grad_enabled",
    "no_grad",
    "primitives",
    "unbroadcast",
]
