"""Convolution: the primitive behind Conv1D and Conv2D (``keras.ops.conv``).

As in every deep-learning library, "convolution" is a cross-correlation: the kernel is
not flipped.  It is computed as the lecture's sum, rearranged into one matrix product
(im2col): every receptive field becomes a row of a matrix, the kernel a matrix with
one column per filter.  The rows are read from a strided *view* of the input (no
Python loop over pixels), copied once into the matrix, and multiplied by BLAS.  The
backward pass is two matrix products and a col2im that adds each column block back to
the pixels it came from, looping over the kernel's offsets only.

Shapes (channels_last, the default; channels_first moves the channels after the batch):
    inputs  (N, *spatial, C)                e.g. (N, H, W, C)
    kernel  (*kernel_size, C / G, F)        e.g. (k_h, k_w, C / G, F)
    output  (N, *output_spatial, F)         e.g. (N, H_out, W_out, F)
with G = C / kernel.shape[-2] groups.  Works for 1, 2 and 3 spatial axes.
"""
import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from glassnet.autodiff import sliding_windows
from glassnet.autodiff.engine import Function

PADDINGS = ("valid", "same", "causal")


class Conv(Function):
    """z = conv(x, w): a strided, dilated, grouped convolution of zero-padded inputs.

    Equations (2-D, channels last, strides s, dilation d; x already zero-padded):
        z[n, i, j, k'] = sum_u sum_v sum_k x[n, i*s_h + u*d_h, j*s_w + v*d_w, k] w[u, v, k, k']
    im2col: one row per output pixel (n, i, j), one column per kernel entry (u, v, k):
        X_col[(n, i, j), (u, v, k)] = x[n, i*s_h + u*d_h, j*s_w + v*d_w, k]
        W_col[(u, v, k), k']        = w[u, v, k, k']
        Z = X_col W_col                                  (Z[(n, i, j), k'] = z[n, i, j, k'])
    Backward, with dZ = dL/dZ (the upstream gradient g as a matrix):
        dL/dW_col = X_col^T dZ
        dL/dX_col = dZ W_col^T
        dL/dx[n, i*s_h + u*d_h, j*s_w + v*d_w, k] += dL/dX_col[(n, i, j), (u, v, k)]
                                                   (col2im: one strided add per offset (u, v))
    Groups: the C channels are cut into G groups of C/G; group gamma's filters see only
    its channels, so each group has its own X_col and W_col and its own product (one
    batched matmul over the groups).  The padding is cut off dL/dx at the end.

    Arguments:
        strides, dilation: one int per spatial axis.
        pads: one (before, after) pair of zero rows per spatial axis.
        channels_first: whether the channels axis follows the batch axis.
    """

    def __init__(self, strides, dilation, pads, channels_first=False):
        self.strides, self.dilation, self.pads = strides, dilation, pads
        self.channels_first = channels_first

    def forward(self, x, w):
        if self.channels_first:
            x = np.moveaxis(x, 1, -1)  # (N, *spatial, C), a view
        self.x_dtype, self.x_shape = x.dtype, x.shape
        self.w_dtype, self.w_shape = w.dtype, w.shape
        x = _pad(x, self.pads)  # (N, *padded, C)
        self.padded_shape = x.shape
        groups = x.shape[-1] // w.shape[-2]
        windows = _windows(x, w.shape[:-2], self.strides, self.dilation)  # (N, *out, *kernel, C)
        self.windows_shape = windows.shape
        self.out_shape = windows.shape[: 1 + len(self.strides)] + w.shape[-1:]  # (N, *out, F)
        rows = math.prod(self.out_shape[:-1])  # one per output pixel: N * prod(out)
        self.X_col = _group(windows, groups, rows)  # (G, rows, kernel entries), the one copy
        self.W_col = _group(w, groups, math.prod(w.shape[:-1]))  # (G, kernel entries, F / G)
        Z = np.matmul(self.X_col, self.W_col)  # (G, rows, F / G)
        z = _ungroup(Z, self.out_shape)  # (N, *out, F)
        return np.moveaxis(z, -1, 1) if self.channels_first else z

    def backward(self, g):
        if self.channels_first:
            g = np.moveaxis(g, 1, -1)  # (N, *out, F), a view
        groups, rows = self.X_col.shape[:2]
        dZ = _group(g, groups, rows)  # (G, rows, F / G)
        dx = dw = None
        if self.needs_grad[1]:
            dW_col = np.matmul(np.swapaxes(self.X_col, 1, 2), dZ)  # (G, kernel entries, F / G)
            dw = _ungroup(dW_col, self.w_shape).astype(self.w_dtype, copy=False)  # kernel's
        if self.needs_grad[0]:
            dX_col = np.matmul(dZ, np.swapaxes(self.W_col, 1, 2))  # (G, rows, kernel entries)
            dx = self._col2im(_ungroup(dX_col, self.windows_shape))  # (N, *spatial, C)
            if self.channels_first:
                dx = np.moveaxis(dx, -1, 1)  # (N, C, *spatial)
        return dx, dw

    def _col2im(self, dwindows):
        """dL/dx from dL/dwindows (N, *out, *kernel, C): every entry is added back to the
        pixel it was read from, one strided slice per kernel offset (u, v)."""
        rank = len(self.strides)
        out = self.windows_shape[1 : 1 + rank]
        kernel_size = self.windows_shape[1 + rank : 1 + 2 * rank]
        dx = np.zeros(self.padded_shape, dtype=dwindows.dtype)  # (N, *padded, C)
        for offset in itertools.product(*(range(k) for k in kernel_size)):  # (u, v)
            pixels = tuple(  # i*s + u*d for i = 0 .. out - 1, along each spatial axis
                slice(u * d, u * d + s * (n - 1) + 1, s)
                for u, d, s, n in zip(offset, self.dilation, self.strides, out)
            )
            dx[(slice(None), *pixels)] += dwindows[(slice(None),) * (1 + rank) + offset]
        inside = tuple(  # the padding cut off
            slice(before, before + n) for (before, _), n in zip(self.pads, self.x_shape[1:-1])
        )
        return dx[(slice(None), *inside)].astype(self.x_dtype, copy=False)  # (N, *spatial, C)


# --------------------------------------------------------------------------
# im2col and its inverse, as views and reshapes
# --------------------------------------------------------------------------


def _pad(x, pads):
    """x with pads[a] = (before, after) zero rows around spatial axis a (x itself if none)."""
    if not any(before or after for before, after in pads):
        return x
    return np.pad(x, ((0, 0), *pads, (0, 0)))  # (N, *padded, C)


def _windows(x, kernel_size, strides, dilation):
    """The receptive fields of x (N, *spatial, C) as a read-only view, without copying:

        windows[n, i, j, u, v, k] = x[n, i*s_h + u*d_h, j*s_w + v*d_w, k]

    of shape (N, *out, *kernel_size, C), out = floor((n - d (k - 1) - 1) / s) + 1 per axis.
    """
    batch_stride, *pixel_strides, channel_stride = x.strides
    out = [
        (n - d * (k - 1) - 1) // s + 1
        for n, k, s, d in zip(x.shape[1:-1], kernel_size, strides, dilation)
    ]
    shape = (x.shape[0], *out, *kernel_size, x.shape[-1])
    steps = (
        batch_stride,
        *(p * s for p, s in zip(pixel_strides, strides)),  # one output pixel: s input pixels
        *(p * d for p, d in zip(pixel_strides, dilation)),  # one kernel offset: d input pixels
        channel_stride,
    )
    return as_strided(x, shape=shape, strides=steps, writeable=False)


def _group(a, groups, rows):
    """(..., C) -> (G, rows, -1): the channel block gamma (C / G channels) goes to group gamma.

    Makes X_col from the windows (N, *out, *kernel, C), copied once; W_col from the kernel
    (*kernel, C / G, F), split on its filters; and dZ from the gradient (N, *out, F).
    With G = 1 only the windows are copied.
    """
    split = a.reshape(a.shape[:-1] + (groups, a.shape[-1] // groups))  # (..., G, C / G)
    return np.moveaxis(split, -2, 0).reshape(groups, rows, -1)  # (G, rows, -1)


def _ungroup(A, shape):
    """The inverse of ``_group``: (G, rows, -1) -> ``shape`` (..., C), the groups' channel
    blocks side by side on the last axis (a view when G = 1)."""
    groups = A.shape[0]
    split = A.reshape((groups,) + shape[:-1] + (shape[-1] // groups,))  # (G, ..., C / G)
    return np.moveaxis(split, 0, -2).reshape(shape)  # (..., G, C / G) -> (..., C)


# --------------------------------------------------------------------------
# Arguments, padding and output sizes (shared with the Conv layers)
# --------------------------------------------------------------------------






def check_rank(owner, inputs_shape, kernel_shape):
    """The number of spatial axes (1, 2 or 3), the same for the input and the kernel."""
    rank = len(kernel_shape) - 2
    if len(inputs_shape) != len(kernel_shape) or rank not in (1, 2, 3):
        raise ValueError(
            f"{owner}: inputs and kernel must have the same rank, 3, 4 or 5: "
            "(batch, *spatial, channels) and (*kernel_size, in_channels / groups, filters). "
            + _received(inputs_shape, kernel_shape)
        )
    return rank


def _received(inputs_shape, kernel_shape):
    return f"Received: inputs.shape={tuple(inputs_shape)}, kernel.shape={tuple(kernel_shape)}"


def check_shapes(owner, inputs_shape, kernel_shape, strides, padding, dilation, data_format):
    """Raises ValueError (naming ``owner`` and both shapes) unless the shapes fit together.

    The input's rank must be the kernel's, its channels a multiple of the kernel's input
    channels (their ratio is the number of groups), the kernel's filters a multiple of the
    groups, and with "valid" padding every spatial axis at least as long as the dilated
    kernel.  None entries (sizes not known yet) pass.
    """
    shapes = _received(inputs_shape, kernel_shape)
    check_rank(owner, inputs_shape, kernel_shape)
    first = data_format == "channels_first"
    channels = inputs_shape[1] if first else inputs_shape[-1]
    spatial = inputs_shape[2:] if first else inputs_shape[1:-1]
    per_group, filters = kernel_shape[-2], kernel_shape[-1]
    if channels is not None and (per_group < 1 or channels % per_group):
        raise ValueError(
            f"{owner}: the input's channels ({channels}) must be a multiple of the kernel's "
            f"input channels ({per_group}); their ratio is the number of groups. {shapes}"
        )
    groups = 1 if channels is None else channels // per_group
    if filters % groups:
        raise ValueError(
            f"{owner}: the kernel's filters ({filters}) must be a multiple of the number of "
            f"groups ({groups} = {channels} input channels / {per_group}). {shapes}"
        )
    if padding != "valid":
        return
    dilated = tuple(d * (k - 1) + 1 for k, d in zip(kernel_shape[:-2], dilation))
    if any(n is not None and n < k for n, k in zip(spatial, dilated)):
        raise ValueError(
            f"{owner}: with padding='valid' the (dilated) kernel {dilated} must fit in the "
            f"input's spatial size {tuple(spatial)}. {shapes}, dilation_rate={dilation}"
        )




# --------------------------------------------------------------------------
# The function users call
# --------------------------------------------------------------------------


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """General N-D convolution, as ``keras.ops.conv`` (1, 2 or 3 spatial axes).

    Equations (2-D, channels last):
        z[n, i, j, k'] = sum_u sum_v sum_k x[n, i*s_h + u*d_h, j*s_w + v*d_w, k] w[u, v, k, k']
    with x zero-padded first for "same" (see ``padding_amounts``).

    Arguments:
        inputs: (batch, *spatial, channels), or (batch, channels, *spatial) with
            ``data_format="channels_first"``.
        kernel: (*kernel_size, channels / groups, filters); groups = channels divided by
            kernel.shape[-2], as in Keras.
        strides, dilation_rate: an int or one int per spatial axis (both may be > 1 here;
            the Conv layers refuse that, as Keras does).
        padding: "valid" (no padding) or "same" (output size ceil(n / s); an odd extra
            row/column goes at the bottom/right, as in TensorFlow).  glassnet also takes
            "causal" (zeros before each axis only, what Conv1D(padding="causal") uses).
        data_format: "channels_last" or "channels_first"; None means
            ``config.image_data_format()``.
    """
    inputs_shape, kernel_shape = np.shape(inputs), np.shape(kernel)
    rank = check_rank("conv", inputs_shape, kernel_shape)
    strides = sliding_windows.window_tuple("conv", "strides", strides, rank)
    dilation = sliding_windows.window_tuple("conv", "dilation_rate", dilation_rate, rank)
    padding = sliding_windows.padding_mode("conv", padding, PADDINGS)
    data_format = sliding_windows.data_format("conv", data_format)
    check_shapes("conv", inputs_shape, kernel_shape, strides, padding, dilation, data_format)
    spatial = inputs_shape[2:] if data_format == "channels_first" else inputs_shape[1:-1]
    pads = tuple(
        sliding_windows.padding_amounts(n, k, s, padding, d)
        for n, k, s, d in zip(spatial, kernel_shape[:-2], strides, dilation)
    )
    return Conv(strides, dilation, pads, data_format == "channels_first").apply(inputs, kernel)
