"""Where sliding windows lie: the geometry shared by convolution and pooling.

One spatial axis of size n, a window (kernel or pool) of size k, stride s, dilation d:

    output size, "valid":            floor((n - d (k - 1) - 1) / s) + 1      (0 if it never fits)
    output size, "same"/"causal":    ceil(n / s)
    padding, "same":                 total = max((out - 1) s + d (k - 1) + 1 - n, 0),
                                     before = floor(total / 2), after = total - before
                                     (TensorFlow's choice: an odd extra row goes at the end)
    padding, "causal":               (d (k - 1), 0)  (the output at t sees inputs up to t only)

The transposed convolution (the adjoint of a strided convolution) maps n pixels to
out pixels, K = d (k - 1) + 1, p = output_padding (as Keras and TensorFlow compute them):

    output size, "valid":            (n - 1) s + K + p,       p = max(K, s) - K when None
    output size, "same":             n s when p is None, else (n - 1) s + (K mod 2) + p
    rows cut off the front, "valid": 0
    rows cut off the front, "same":  K - 1 - min(ceil(t / 2), K - 1),
                                     t = s + K - 2 when p is None, else K + (K mod 2) - 2 + p

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


def transposed_output_size(n, k, s, padding, d=1, output_padding=None):
    """The length of a transposed convolution's output along an axis of ``n`` pixels."""
    if n is None:
        return None
    dilated = d * (k - 1) + 1  # K
    if padding == "valid":
        extra = max(dilated, s) - dilated if output_padding is None else output_padding
        return (n - 1) * s + dilated + extra
    if output_padding is None:
        return n * s
    return (n - 1) * s + dilated % 2 + output_padding


def transposed_padding(n, k, s, padding, d=1, output_padding=None):
    """(before, after) of a transposed convolution along an axis of ``n`` pixels: its output
    padded by them is the (n - 1) s + K rows that the n windows of the convolution it is
    the adjoint of cover.  A negative ``after`` means the output's last -after rows lie
    beyond every window (they get no contribution)."""
    dilated = d * (k - 1) + 1  # K
    out = transposed_output_size(n, k, s, padding, d, output_padding)
    if padding == "valid":
        before = 0
    else:
        if output_padding is None:
            total = s + dilated - 2
        else:
            total = dilated + dilated % 2 - 2 + output_padding
        before = dilated - 1 - min((total + 1) // 2, dilated - 1)
    return (before, (n - 1) * s + dilated - before - out)


def output_padding_tuple(owner, output_padding, strides):
    """``output_padding`` as one int per axis, each >= 0 and < the stride (None stays
    None on every axis)."""
    dims = len(strides)
    if output_padding is None:
        return (None,) * dims
    sizes = (output_padding,) * dims if _is_int(output_padding) else output_padding
    ok = isinstance(sizes, (tuple, list)) and len(sizes) == dims and all(
        _is_int(n) and n >= 0 for n in sizes
    )
    if not ok:
        expected = "None, a non-negative integer"
        if dims > 1:
            expected += f" or a tuple of {dims} non-negative integers"
        raise ValueError(
            f"{owner}: output_padding must be {expected}. "
            f"Received: output_padding={output_padding!r}"
        )
    sizes = tuple(int(n) for n in sizes)
    if any(p >= s for p, s in zip(sizes, strides)):
        raise ValueError(
            f"{owner}: output_padding must be smaller than strides on every axis. "
            f"Received: output_padding={sizes}, strides={tuple(strides)}"
        )
    return sizes


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
