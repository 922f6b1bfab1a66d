"""Pooling primitives: max and average over sliding windows, with hand-written gradients.

A pooling window of p_h x p_w pixels slides over the spatial axes with strides
(s_h, s_w); each channel is pooled on its own.  For a 2-D, channels_last input
x (N, H, W, C) the output position (i, j) reads the window

    W_ij = {(i*s_h + u, j*s_w + v) : u < p_h, v < p_w}

and the two ops are (the same with one spatial axis for 1-D, or three for 3-D)

    max:      y[n, i, j, c] = max_{u < p_h, v < p_w} x[n, i*s_h + u, j*s_w + v, c]
    average:  y[n, i, j, c] = (1 / |W_ij|) sum_{(u, v) in W_ij} x[n, i*s_h + u, j*s_w + v, c]

Output sizes and padding, per spatial axis of size n (TensorFlow's rule, as Keras):

    "valid":  o = floor((n - p) / s) + 1          (no padding; a window must fit: n >= p)
    "same":   o = ceil(n / s),  pad_total = max((o - 1) s + p - n, 0),
              pad_before = pad_total // 2,  pad_after = pad_total - pad_before
              (the extra row/column goes at the bottom/right).  Padding never wins a max,
              and an average divides by the number of REAL pixels in its window.

How it is computed: ``Windows.unfold`` gives every window as a view of the input,
shape (N, o_h, o_w, C, p_h, p_w) for channels_last, without copying a pixel:
by a reshape when the windows tile the input exactly (strides == pool_size and no
padding, e.g. 2x2 windows with stride 2), by a strided sliding-window view otherwise.
The reductions and the backward loop over the p_h * p_w window offsets (u, v),
never over pixels.
"""
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from glassnet.autodiff import sliding_windows
from glassnet.autodiff.engine import Function
from glassnet.autodiff.tensor import Tensor, is_grad_enabled

PADDINGS = ("valid", "same")

# --------------------------------------------------------------------------
# Where the windows lie
# --------------------------------------------------------------------------




class Windows:
    """The geometry of pooling one input shape: window offsets, padding, output sizes.

    Arguments:
        shape: the input's shape, e.g. (N, H, W, C).
        pool, strides: one int per spatial axis, e.g. (p_h, p_w) and (s_h, s_w).
        padding: "valid" or "same".
        axes: the spatial axes of the input, e.g. (1, 2) for channels_last.
    """

    def __init__(self, shape, pool, strides, padding, axes):
        self.shape, self.pool, self.strides, self.axes = tuple(shape), pool, strides, axes
        sizes = [shape[a] for a in axes]
        self.out = tuple(sliding_windows.output_size(n, p, s, padding)
                         for n, p, s in zip(sizes, pool, strides))
        self.pads = [(0, 0)] * len(shape)  # (before, after) for every axis of the input
        if padding == "same":
            for a, n, p, s in zip(axes, sizes, pool, strides):
                self.pads[a] = sliding_windows.padding_amounts(n, p, s, "same")
        self.padded = any(before or after for before, after in self.pads)
        self.tiled = tuple(strides) == tuple(pool) and not self.padded
        self.overlapping = any(s < p for s, p in zip(strides, pool))  # a pixel in 2+ windows
        self.offsets = list(np.ndindex(*pool))  # (u, v) in row-major order

    def pad(self, x, fill):
        """``x`` with the "same" padding around its spatial axes, filled with ``fill``."""
        if not self.padded:
            return x
        return np.pad(x, self.pads, constant_values=fill)  # (N, H + pads, W + pads, C)

    def unpad(self, x_padded):
        """The inverse of ``pad``: the input's own pixels (a view)."""
        if not self.padded:
            return x_padded
        inside = tuple(slice(before, before + n) for (before, _), n in zip(self.pads, self.shape))
        return x_padded[inside]

    def unfold(self, x_padded, writeable=False):
        """Every window of the (padded) input as a view, window axes last:
        (N, o_h, o_w, C, p_h, p_w) for channels_last, (N, C, o_h, o_w, p_h, p_w) for
        channels_first.  ``windows[..., u, v]`` is the pixel at offset (u, v) of every window.
        """
        if self.tiled:
            windows = self._tiles(x_padded)
        else:
            windows = sliding_window_view(x_padded, self.pool, axis=self.axes,
                                          writeable=writeable)  # every start, stride 1
            every_stride = [slice(None)] * x_padded.ndim
            for a, s in zip(self.axes, self.strides):
                every_stride[a] = slice(None, None, s)
            windows = windows[tuple(every_stride)]  # (N, o_h, o_w, C, p_h, p_w)
        assert not writeable or np.may_share_memory(windows, x_padded), "unfold copied"
        return windows

    def _tiles(self, x):
        """Windows that tile the input exactly, by reshape: each spatial axis of size
        o*p splits into (o, p), then the p axes move last."""
        covered = [slice(None)] * x.ndim
        split_shape = list(x.shape)
        for k, (a, o, p) in enumerate(zip(self.axes, self.out, self.pool)):
            covered[a] = slice(0, o * p)  # "valid" drops the rows no window reaches
            split_shape[a + k: a + k + 1] = [o, p]
        tiles = x[tuple(covered)].reshape(split_shape)  # (N, o_h, p_h, o_w, p_w, C)
        window_axes = [a + k + 1 for k, a in enumerate(self.axes)]
        other_axes = [i for i in range(tiles.ndim) if i not in window_axes]
        return tiles.transpose(other_axes + window_axes)  # (N, o_h, o_w, C, p_h, p_w)

    def count(self, dtype):
        """|W_ij|, the number of real pixels in each window, broadcastable to the output."""
        if not self.padded:
            return np.asarray(math.prod(self.pool), dtype=dtype)
        count = np.ones((), dtype=dtype)
        for a, o, p, s in zip(self.axes, self.out, self.pool, self.strides):
            start = np.arange(o) * s - self.pads[a][0]  # the window's first row, padding < 0
            real = np.minimum(start + p, self.shape[a]) - np.maximum(start, 0)  # (o,)
            count = count[..., None] * real.astype(dtype)  # (o_h, o_w)
        channels_last = self.axes[0] == 1
        return count[..., None] if channels_last else count  # (o_h, o_w, 1) or (o_h, o_w)


# --------------------------------------------------------------------------
# The primitives
# --------------------------------------------------------------------------


class MaxPool(Function):
    """out = the max of each window.

    Number the p_h p_w offsets (u, v) of a window in row-major order, k = u p_w + v, and
    write x_k for the pixel at offset k of every window, x_k[n, i, j, c] =
    x[n, i*s_h + u, j*s_w + v, c] (2-D, channels_last; g = dL/dy).  Then

        y  = max_k x_k
        k* = the first arg-max: the smallest k with x_k = y
        dL/dx_k += g * [k* = k]       (the pixel at offset k* of each window gets g)

    ONE element per window gets the gradient, the first in row-major window order on ties
    (as TensorFlow and PyTorch do).  Padding is -inf, so it never wins.

    The forward is a running max and a running arg-max over the offsets, y_k and k*_k being
    those of x_0 .. x_k:

        y_0 = x_0,                     k*_0 = 0
        greater_k = x_k > y_{k-1}      (strict: on a tie the earlier offset stays)
        y_k  = max(y_{k-1}, x_k)
        k*_k = max(k*_{k-1}, k greater_k)

    The last line is "k*_k = k if greater_k else k*_{k-1}" without a select: k*_{k-1} <= k - 1,
    so a new maximum (greater_k = 1) gives max(k*_{k-1}, k) = k, and no new maximum gives
    max(k*_{k-1}, 0) = k*_{k-1}.  ``self.argmax`` holds k* as the smallest unsigned integer
    that fits (uint8 for windows of up to 256 pixels), only when a gradient will be asked.

    The backward adds g * [k* = k] into the view of dL/dx at offset k, for every k.  When the
    windows do not overlap (strides >= pool_size), each pixel is in one window at most, so
    every view is a different set of pixels and a write does the add; the pixels no window
    reaches (e.g. the last row of an odd size with "valid") keep their 0.
    """

    def __init__(self, windows, track_argmax=True):
        self.windows = windows
        self.track_argmax = track_argmax  # not needed when no gradient will be asked

    def forward(self, x):
        windows = self.windows.unfold(self.windows.pad(x, _lowest(x.dtype)))
        x_at = [windows[(..., *offset)] for offset in self.windows.offsets]  # (N, o_h, o_w, C)
        y = x_at[0].copy()
        if not self.track_argmax:
            for x_k in x_at[1:]:
                np.maximum(y, x_k, out=y)
            return y
        ks = np.arange(len(x_at), dtype=np.min_scalar_type(len(x_at) - 1))  # 0, 1, ..., K - 1
        self.argmax = np.zeros(y.shape, dtype=ks.dtype)  # k*_0 = 0
        for k, x_k in zip(ks[1:], x_at[1:]):
            x_k = np.ascontiguousarray(x_k)  # one strided read of the view, not two
            greater = x_k > y  # a new strict maximum at offset k
            np.maximum(y, x_k, out=y)
            np.maximum(self.argmax, k * greater, out=self.argmax)  # k where greater, else k*
        return y

    def backward(self, g):
        dx_padded = np.zeros(_padded_shape(self.windows), dtype=g.dtype)
        dwindows = self.windows.unfold(dx_padded, writeable=True)
        for k, offset in enumerate(self.windows.offsets):
            dx_k = dwindows[(..., *offset)]  # (N, o_h, o_w, C): a view of dx_padded
            won = self.argmax == k  # the windows whose first maximum is at offset k
            if self.windows.overlapping:
                dx_k += g * won  # a pixel can be at offset k of one window and k' of another
            else:
                np.multiply(g, won, out=dx_k)  # each pixel is in one window at most
        return (self.windows.unpad(dx_padded),)


class AveragePool(Function):
    """out = the mean of the real pixels of each window.

    Equations (2-D, channels_last; g = dL/dy):
        y[n, i, j, c] = (1 / |W_ij|) sum_{(u, v) in W_ij} x[n, i*s_h + u, j*s_w + v, c]
        dL/dx[n, i*s_h + u, j*s_w + v, c] += g[n, i, j, c] / |W_ij|   for every (u, v) in W_ij
    |W_ij| = p_h p_w with "valid" padding; with "same" it counts only the real pixels
    (padding is 0, so it adds nothing to the sum).
    """

    def __init__(self, windows):
        self.windows = windows

    def forward(self, x):
        windows = self.windows.unfold(self.windows.pad(x, 0))
        offsets = self.windows.offsets
        total = windows[(..., *offsets[0])].copy()  # (N, o_h, o_w, C)
        for offset in offsets[1:]:
            total += windows[(..., *offset)]
        self.count = self.windows.count(x.dtype)  # (o_h, o_w, 1), or a number
        return np.true_divide(total, self.count, dtype=x.dtype)

    def backward(self, g):
        g_share = np.true_divide(g, self.count, dtype=g.dtype)  # (N, o_h, o_w, C)
        dx_padded = np.zeros(_padded_shape(self.windows), dtype=g.dtype)
        dwindows = self.windows.unfold(dx_padded, writeable=True)
        for offset in self.windows.offsets:
            dx_k = dwindows[(..., *offset)]  # (N, o_h, o_w, C): a view of dx_padded
            if self.windows.overlapping:
                dx_k += g_share
            else:
                dx_k[...] = g_share  # each pixel is in one window at most
        return (self.windows.unpad(dx_padded),)


def _padded_shape(windows):
    return tuple(n + before + after for n, (before, after) in zip(windows.shape, windows.pads))


def _lowest(dtype):
    """The padding value of max pooling: no value of ``dtype`` is below it."""
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


# --------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------




def pooling_arguments(owner, dims, pool_size, strides, padding, data_format_):
    """The checked arguments of a ``dims``-D pooling: (pool, strides, padding, data_format).

    ``strides`` None means ``pool_size``; ``padding`` is case-insensitive, as in Keras.
    """
    pool = sliding_windows.window_tuple(owner, "pool_size", pool_size, dims)
    if strides is not None:
        strides = sliding_windows.window_tuple(owner, "strides", strides, dims)
    padding = sliding_windows.padding_mode(owner, padding, PADDINGS)
    return pool, strides or pool, padding, sliding_windows.data_format(owner, data_format_)



def input_layout(data_format_, dims):
    """How the axes of a ``dims``-D input are read, for error messages."""
    spatial = ", ".join(["steps"] if dims == 1 else ["height", "width", "depth"][:dims])
    if data_format_ == "channels_last":
        return f"(batch, {spatial}, channels)"
    return f"(batch, channels, {spatial})"


def check_rank(owner, shape, dims, data_format_):
    """``shape`` as a tuple, if it is the shape of a batch with ``dims`` spatial axes."""
    shape = tuple(shape)
    if len(shape) != dims + 2:
        raise ValueError(
            f"{owner}: expected an input of rank {dims + 2} "
            f"{input_layout(data_format_, dims)}. Received: inputs.shape={shape}"
        )
    return shape


def pooled_shape(owner, shape, pool, strides, padding, data_format_):
    """The output shape of pooling an input of ``shape`` (None sizes stay None).

    Raises a ValueError naming ``owner`` when the rank is wrong or, with "valid"
    padding, a window does not fit in the input.
    """
    shape = check_rank(owner, shape, len(pool), data_format_)
    axes = sliding_windows.spatial_axes(data_format_, len(shape))
    sizes = tuple(shape[a] for a in axes)
    if padding == "valid" and any(n is not None and n < p for n, p in zip(sizes, pool)):
        raise ValueError(
            f"{owner}: the pooling window pool_size={pool} is larger than the input's spatial "
            f"size {sizes} with padding='valid'; use a smaller pool_size or padding='same'. "
            f"Received: inputs.shape={shape}"
        )
    out = list(shape)
    for a, p, s in zip(axes, pool, strides):
        out[a] = sliding_windows.output_size(shape[a], p, s, padding)
    return tuple(out)


# --------------------------------------------------------------------------
# The functions users call
# --------------------------------------------------------------------------


def apply_pooling(function, owner, inputs, pool, strides, padding, data_format_):
    """Applies MaxPool or AveragePool with checked arguments (see ``pooling_arguments``);
    ``owner`` (a layer's class name, or the op's name) is named in the errors."""
    shape = _shape(inputs)
    pooled_shape(owner, shape, pool, strides, padding, data_format_)  # checks rank and sizes
    axes = sliding_windows.spatial_axes(data_format_, len(shape))
    windows = Windows(shape, pool, strides, padding, axes)
    if function is MaxPool:
        wants_grad = isinstance(inputs, Tensor) and inputs.requires_grad and is_grad_enabled()
        return MaxPool(windows, track_argmax=wants_grad).apply(inputs)
    return function(windows).apply(inputs)


def _shape(inputs):
    return inputs.shape if isinstance(inputs, Tensor) else np.shape(inputs)


def _spatial_dims(owner, inputs):
    shape = _shape(inputs)
    if not 3 <= len(shape) <= 5:
        raise ValueError(
            f"{owner}: inputs must have rank 3, 4 or 5 (batch, 1 to 3 spatial axes, channels). "
            f"Received: inputs.shape={tuple(shape)}"
        )
    return len(shape) - 2


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over 1, 2 or 3 spatial axes (``keras.ops.max_pool``).

    Equations (2-D, channels_last):
        y[n, i, j, c] = max_{u < p_h, v < p_w} x[n, i*s_h + u, j*s_w + v, c]

    Arguments:
        inputs: (N, *spatial, C), or (N, C, *spatial) with ``data_format="channels_first"``.
        pool_size: an int or one int per spatial axis.
        strides: as pool_size; None (the default) means pool_size.
        padding: "valid" (no padding) or "same" (output size ceil(n / s)).
        data_format: "channels_last" or "channels_first"; None means
            ``keras.config.image_data_format()``.
    """
    dims = _spatial_dims("max_pool", inputs)
    arguments = pooling_arguments("max_pool", dims, pool_size, strides, padding, data_format)
    return apply_pooling(MaxPool, "max_pool", inputs, *arguments)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling over 1, 2 or 3 spatial axes (``keras.ops.average_pool``).

    Equations (2-D, channels_last):
        y[n, i, j, c] = (1 / |W_ij|) sum_{(u, v) in W_ij} x[n, i*s_h + u, j*s_w + v, c]
    |W_ij| counts the real pixels of the window (padding is left out, as in Keras).

    Arguments: as ``max_pool``.
    """
    dims = _spatial_dims("average_pool", inputs)
    arguments = pooling_arguments("average_pool", dims, pool_size, strides, padding, data_format)
    return apply_pooling(AveragePool, "average_pool", inputs, *arguments)
