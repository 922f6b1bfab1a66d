"""Where sliding windows lie: the geometry shared by convolution and pooling.

One spatial axis of size n, a window (kernel or pool) of size k, stride s, dilation d:

    output size, "valid":            floor((n - d (k - 1) - 1) / s) + 1      (0 if it never fits)
    output size, "same"/"causal":    ceil(n / s)
    padding, "same":                 total = max((out - 1) s + d (k - 1) + 1 - n, 0),
                                     before = floor(total / 2), after = total - before
                                     (TensorFlow's choice: an odd extra row goes at the end)
    padding, "causal":               (d (k - 1), 0)  (the output at t sees inputs up to t only)

Also the checks of the arguments that describe windows and layouts, so that every layer and
op spells its errors the same way.
"""
import numbers

import numpy as np

from glassnet import config, validation

DATA_FORMATS = ("channels_last", "channels_first")


def output_size(n, k, s, padding, d=1):
    """The number of window positions along an axis of size ``n`` (None stays None)."""
    if n is None:
        return None
    if padding == "valid":
        return max((n - d * (k - 1) - 1) // s + 1, 0)
    return (n - 1) // s + 1


def padding_amounts(n, k, s, padding, d=1):
    """(before, after): the rows added around an axis of size ``n`` for ``padding``."""
    if padding == "valid":
        return (0, 0)
    if padding == "causal":
        return (d * (k - 1), 0)
    total = max((output_size(n, k, s, padding, d) - 1) * s + d * (k - 1) + 1 - n, 0)
    return (total // 2, total - total // 2)


def window_tuple(owner, name, value, dims):
    """``value`` (an int, or one int per spatial axis, all >= 1) as a tuple of ``dims`` ints."""
    sizes = (value,) * dims if _is_int(value) else value
    ok = isinstance(sizes, (tuple, list)) and len(sizes) == dims and all(
        _is_int(n) and n >= 1 for n in sizes
    )
    if not ok:
        expected = "a positive integer"
        if dims > 1:
            expected += f" or a tuple of {dims} positive integers"
        raise ValueError(f"{owner}: {name} must be {expected}. Received: {name}={value!r}")
    return tuple(int(n) for n in sizes)


def padding_mode(owner, padding, allowed=("valid", "same")):
    """The padding name in lower case (Keras accepts "SAME"), one of ``allowed``."""
    lowered = padding.lower() if isinstance(padding, str) else padding
    if lowered not in allowed:
        validation.one_of(owner, "padding", padding, allowed)
    return lowered


def data_format(owner, value):
    """``value``, or Keras' global ``image_data_format()`` when it is None."""
    value = config.image_data_format() if value is None else value
    return validation.one_of(owner, "data_format", value, DATA_FORMATS)


def spatial_axes(data_format_, ndim):
    """The spatial axes of an ``ndim``-D batch: (1, ..., ndim - 2) or (2, ..., ndim - 1)."""
    first = 1 if data_format_ == "channels_last" else 2
    return tuple(range(first, first + ndim - 2))


def _is_int(n):
    return isinstance(n, (numbers.Integral, np.integer)) and not isinstance(n, bool)
