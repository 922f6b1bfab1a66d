"""``keras.backend``: global settings and session state."""
import numpy as np

from glassnet import naming
from glassnet.autodiff.tensor import Tensor
from glassnet.config import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)

__all__ = [
    "clear_session",
    "epsilon",
    "floatx",
    "get_value",
    "image_data_format",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "set_value",
]


def clear_session(free_memory=True):
    """Resets the automatic layer and model names (the next Dense is ``dense`` again)."""
    naming.reset_names()


def get_value(x):
    """The value of a variable or tensor as a NumPy array."""
    if isinstance(x, Tensor):
        return x.numpy()
    return np.asarray(x)


def set_value(x, value):
    """Assigns ``value`` to the variable ``x`` in place."""
    if not hasattr(x, "assign"):
        raise TypeError(
            f"set_value: expected a Variable. Received: {type(x).__name__}"
        )
    x.assign(np.asarray(value, dtype=x.dtype))
