"""Convolution: the primitives behind the Conv layers (``keras.ops.conv``, ``conv_transpose``);
the composites ``depthwise_conv`` and ``separable_conv`` built on them are in ``glassnet.ops``.

As in every deep-learning library, "convolution" is a cross-correlation: the kernel is
not flipped.  It is computed as the lecture's sum, rearranged into one matrix product
(im2col): every receptive field becomes a row of a matrix, the kernel a matrix with
one column per filter.  The rows are read from a strided *view* of the input (no
Python loop over pixels), copied once into the matrix, and multiplied by BLAS.  The
backward pass is two matrix products and a col2im that adds each column block back to
the pixels it came from, looping over the kernel's offsets only.

The transposed convolution is the adjoint of the convolution, so it is made of the same
two pieces with their roles swapped: its forward is Conv's input-gradient computation
(a matrix product, then col2im) and its input gradient is Conv's forward (im2col, then a
matrix product).  A depthwise convolution is a grouped convolution with one group per
channel, and a separable one is a depthwise convolution followed by a 1x1 convolution:
both are composed from ``conv`` and get their gradients from it.

Shapes (channels_last, the default; channels_first moves the channels after the batch):
    conv            inputs (N, *spatial, C), kernel (*kernel_size, C / G, F) -> (N, *out, F)
    conv_transpose  inputs (N, *spatial, C), kernel (*kernel_size, F, C)     -> (N, *out, F)
    depthwise_conv  inputs (N, *spatial, C), kernel (*kernel_size, C, M)     -> (N, *out, C M)
with G = C / kernel.shape[-2] groups and M the depth multiplier.  Works for 1, 2 and 3
spatial axes.
"""
import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from glassnet.autodiff import conv_shapes, sliding_windows
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
    dL/dX_col is never stored whole: each offset's block of columns, dZ W_col[(u, v, :), :]^T,
    is made and added to its pixels in turn (``_col2im_product``).
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
        self.x_dtype = x.dtype
        self.w_dtype, self.w_shape = w.dtype, w.shape
        x = _pad(x, self.pads)  # (N, *padded, C)
        self.padded_shape = x.shape
        groups = x.shape[-1] // w.shape[-2]
        self.X_col, self.windows_shape = _im2col(x, w.shape[:-2], self.strides, self.dilation,
                                                 groups)  # (G, rows, kernel entries)
        self.W_col = _group(w, groups, math.prod(w.shape[:-1]))  # (G, kernel entries, F / G)
        Z = _matmul(self.X_col, self.W_col)  # (G, rows, F / G)
        out_shape = self.windows_shape[: 1 + len(self.strides)] + w.shape[-1:]  # (N, *out, F)
        z = _ungroup(Z, out_shape)  # (N, *out, F)
        return np.moveaxis(z, -1, 1) if self.channels_first else z

    def backward(self, g):
        if self.channels_first:
            g = np.moveaxis(g, 1, -1)  # (N, *out, F), a view
        groups, rows = self.X_col.shape[:2]
        dZ = _group(g, groups, rows)  # (G, rows, F / G)
        dx = dw = None
        if self.needs_grad[1]:
            dW_col = _matmul(np.swapaxes(self.X_col, 1, 2), dZ)  # (G, kernel entries, F / G)
            dw = _ungroup(dW_col, self.w_shape).astype(self.w_dtype, copy=False)  # kernel's
        if self.needs_grad[0]:
            dx = _col2im_product(dZ, self.W_col, self.windows_shape, self.padded_shape,
                                 self.strides, self.dilation)  # col2im(dZ W_col^T)
            dx = _unpad(dx, self.pads).astype(self.x_dtype, copy=False)  # (N, *spatial, C)
            if self.channels_first:
                dx = np.moveaxis(dx, -1, 1)  # (N, C, *spatial)
        return dx, dw


class ConvTranspose(Function):
    """y = conv_transpose(x, w): the adjoint of conv, mapping a conv's output shape back
    to its input shape ("deconvolution", learned upsampling).

    Equations (2-D, channels last, strides s, dilation d, kernel w (k_h, k_w, F, C)):
        y_full[n, i*s_h + u*d_h, j*s_w + v*d_w, k'] += sum_k x[n, i, j, k] w[u, v, k', k]
        y = y_full with its padding cut off (rows pads[a][0] .. pads[a][0] + out_a - 1)
    i.e. every input pixel stamps the kernel, scaled by its value, s pixels after the
    previous one.  Equivalently: x scattered s pixels apart (s - 1 zeros between
    neighbours), zero-padded, then correlated with the flipped kernel.  For the same w,
    <conv(y, w), x> = <y, conv_transpose(x, w)>: the two maps are each other's adjoint.
    As matrices, with the roles of Conv's backward (X: one row per input pixel (n, i, j)):
        Y_col = X W_col^T                    W_col[(u, v, k'), k] = w[u, v, k', k]
        y_full = col2im(Y_col)               (one strided add per offset (u, v))
    Backward, with g = dL/dy padded back to y_full's shape (the adjoint of the cut):
        G_col = im2col(g_full)               (Conv's forward windows)
        dL/dx = G_col W_col                  (= conv(g, w): Conv's forward)
        dL/dW_col = G_col^T X

    Arguments:
        strides, dilation: one int per spatial axis.
        pads: one (before, after) pair per spatial axis: y_full = y padded by them (a
            negative ``after``: the last rows of y are beyond every window, hence zero).
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
        kernel_size = w.shape[:-2]
        self.X = x.reshape(-1, x.shape[-1])  # (rows, C): one row per input pixel
        self.W_col = w.reshape(-1, w.shape[-1])  # (kernel entries (u, v, k'), C)
        windows_shape = x.shape[:-1] + w.shape[:-1]  # (N, *spatial, *kernel, F)
        full = tuple(  # the rows the windows cover: (n - 1) s + d (k - 1) + 1
            (n - 1) * s + d * (k - 1) + 1
            for n, k, s, d in zip(x.shape[1:-1], kernel_size, self.strides, self.dilation)
        )
        y_full = _col2im_product(self.X[None], self.W_col[None], windows_shape,
                                 (x.shape[0], *full, w.shape[-2]), self.strides,
                                 self.dilation)  # col2im(X W_col^T): (N, *full, F)
        y = _unpad(y_full, self.pads)  # (N, *out, F)
        return np.moveaxis(y, -1, 1) if self.channels_first else y

    def backward(self, g):
        if self.channels_first:
            g = np.moveaxis(g, 1, -1)  # (N, *out, F), a view
        g_full = _pad(g, self.pads)  # (N, *full, F)
        G_col, _ = _im2col(g_full, self.w_shape[:-2], self.strides, self.dilation, 1)
        G_col = G_col[0]  # (rows, kernel entries): one row per input pixel of x
        dx = dw = None
        if self.needs_grad[0]:
            dx = (G_col @ self.W_col).reshape(self.x_shape)  # (N, *spatial, C)
            dx = dx.astype(self.x_dtype, copy=False)
            if self.channels_first:
                dx = np.moveaxis(dx, -1, 1)  # (N, C, *spatial)
        if self.needs_grad[1]:
            dW_col = G_col.T @ self.X  # (kernel entries, C)
            dw = dW_col.reshape(self.w_shape).astype(self.w_dtype, copy=False)
        return dx, dw


# --------------------------------------------------------------------------
# im2col and its inverse, as views and reshapes
# --------------------------------------------------------------------------


def _pad(x, pads):
    """x with pads[a] = (before, after) zero rows around spatial axis a; a negative
    ``after`` cuts that many rows off the end instead (x itself if nothing changes)."""
    widths = tuple((before, max(after, 0)) for before, after in pads)
    if any(before or after for before, after in widths):
        x = np.pad(x, ((0, 0), *widths, (0, 0)))  # (N, *padded, C)
    if any(after < 0 for _, after in pads):
        x = x[(slice(None), *(slice(0, n + min(after, 0))
                              for n, (_, after) in zip(x.shape[1:-1], pads)))]
    return x


def _unpad(x, pads):
    """The adjoint of ``_pad``: the rows it added cut off again (and, for a negative
    ``after``, the rows it cut off put back as zeros)."""
    grow = tuple((0, max(-after, 0)) for _, after in pads)
    if any(after for _, after in grow):
        x = np.pad(x, ((0, 0), *grow, (0, 0)))  # (N, *longer, C)
    inside = tuple(
        slice(before, n - max(after, 0)) for n, (before, after) in zip(x.shape[1:-1], pads)
    )
    return x[(slice(None), *inside)]


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


def _im2col(x, kernel_size, strides, dilation, groups):
    """X_col (G, rows, kernel entries) of the padded x (N, *padded, C), copied once from
    the windows view, and the windows' shape (N, *out, *kernel_size, C)."""
    windows = _windows(x, kernel_size, strides, dilation)  # (N, *out, *kernel, C)
    rows = math.prod(windows.shape[: 1 + len(strides)])  # one per output pixel: N * prod(out)
    return _group(windows, groups, rows), windows.shape


def _pixels(offset, strides, dilation, out):
    """The index of the pixels that kernel offset (u, v) reads, x[:, i*s + u*d, ...] for
    i = 0 .. out - 1 along each spatial axis (a strided slice per axis)."""
    return (slice(None), *(
        slice(u * d, u * d + s * (n - 1) + 1, s)
        for u, d, s, n in zip(offset, dilation, strides, out)
    ))


def _col2im_product(A, B, windows_shape, shape, strides, dilation):
    """col2im(A B^T) without the (rows, kernel entries) matrix A B^T: an array of ``shape``
    (N, *padded, C) to which, for each kernel offset (u, v), the block of A B^T that offset
    read (A times the offset's rows of B, transposed) is added at the pixels it read:

        out[n, i*s_h + u*d_h, j*s_w + v*d_w, :] += (A B[(u, v, :), :]^T)[(n, i, j), :]

    A is (G, rows, F / G), B (G, kernel entries, F / G) (one matrix per group), and
    ``windows_shape`` (N, *out, *kernel, C) says how the rows and entries are laid out.
    One matrix product and one strided add per offset, never a loop over pixels.
    """
    rank = len(strides)
    out = windows_shape[1 : 1 + rank]
    kernel_size = windows_shape[1 + rank : 1 + 2 * rank]
    channels = shape[-1] // A.shape[0]  # C / G: each offset's rows of B
    block_shape = windows_shape[: 1 + rank] + windows_shape[-1:]  # (N, *out, C)
    dx = np.zeros(shape, dtype=np.result_type(A, B))  # (N, *padded, C)
    for k, offset in enumerate(itertools.product(*(range(n) for n in kernel_size))):
        B_uv = B[:, k * channels : (k + 1) * channels]  # (G, C / G, F / G)
        block = _ungroup(_matmul(A, np.swapaxes(B_uv, 1, 2)), block_shape)  # (N, *out, C)
        dx[_pixels(offset, strides, dilation, out)] += block
    return dx


def _matmul(A, B):
    """A B for each group (stacks of matrices); one plain 2-D product when there is one
    group (NumPy's stacked matmul is slower there when an operand is transposed)."""
    if A.shape[0] == 1:
        return (A[0] @ B[0])[None]
    return np.matmul(A, B)


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
# The functions users call
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
    return conv_node(inputs, kernel, strides, padding, data_format, dilation_rate).apply(
        inputs, kernel)


def conv_node(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1,
              function=Conv):
    """The graph node of ``conv(inputs, kernel, ...)`` after checking the arguments: a
    ``function`` (Conv, or a subclass that fuses more into the node) not yet applied."""
    inputs_shape, kernel_shape = np.shape(inputs), np.shape(kernel)
    rank = conv_shapes.check_rank("conv", inputs_shape, kernel_shape)
    strides = sliding_windows.window_tuple("conv", "strides", strides, rank)
    dilation = sliding_windows.window_tuple("conv", "dilation_rate", dilation_rate, rank)
    padding = sliding_windows.padding_mode("conv", padding, PADDINGS)
    data_format = sliding_windows.data_format("conv", data_format)
    conv_shapes.check_shapes("conv", inputs_shape, kernel_shape, strides, padding, dilation,
                             data_format)
    _, spatial = conv_shapes.split_channels(inputs_shape, data_format)
    pads = tuple(
        sliding_windows.padding_amounts(n, k, s, padding, d)
        for n, k, s, d in zip(spatial, kernel_shape[:-2], strides, dilation)
    )
    return function(strides, dilation, pads, data_format == "channels_first")


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution, as ``keras.ops.conv_transpose``: the adjoint of ``conv``,
    which maps an input of conv's output shape to one of conv's input shape.

    Equations (2-D, channels last, strides s, dilation d, K = d (k - 1) + 1):
        y_full[n, i*s_h + u*d_h, j*s_w + v*d_w, k'] += sum_k x[n, i, j, k] w[u, v, k', k]
        y = y_full[n, b_h : b_h + out_h, b_w : b_w + out_w, k']   (zeros past y_full's end)
    i.e. x scattered s pixels apart, zero-padded, then correlated with the flipped kernel.
    Output size per axis of n pixels (as Keras and TensorFlow compute it; p = output_padding):
        "valid": (n - 1) s + K + p,    p = max(K, s) - K when None
        "same":  n s when p is None, else (n - 1) s + (K mod 2) + p
    b (the rows cut off the front) is in ``sliding_windows.transposed_padding``.

    Arguments:
        inputs: (batch, *spatial, in_channels), or channels first.
        kernel: (*kernel_size, filters, in_channels), as Keras stores Conv2DTranspose's.
        strides, dilation_rate: an int or one int per spatial axis.
        padding: "valid" or "same".
        output_padding: None, or an int (or one per axis) >= 0 and < strides: rows added
            at the end of each axis (it picks one of the s input sizes a strided conv
            maps to the same output size).
        data_format: "channels_last" or "channels_first"; None means
            ``config.image_data_format()``.
    """
    owner = "conv_transpose"
    inputs_shape, kernel_shape = np.shape(inputs), np.shape(kernel)
    rank = conv_shapes.check_rank(owner, inputs_shape, kernel_shape, conv_shapes.TRANSPOSE_KERNEL)
    strides = sliding_windows.window_tuple(owner, "strides", strides, rank)
    dilation = sliding_windows.window_tuple(owner, "dilation_rate", dilation_rate, rank)
    padding = sliding_windows.padding_mode(owner, padding)
    output_padding = sliding_windows.output_padding_tuple(owner, output_padding, strides)
    data_format = sliding_windows.data_format(owner, data_format)
    conv_shapes.check_transpose_shapes(owner, inputs_shape, kernel_shape, data_format)
    _, spatial = conv_shapes.split_channels(inputs_shape, data_format)
    pads = tuple(
        sliding_windows.transposed_padding(n, k, s, padding, d, p)
        for n, k, s, d, p in zip(spatial, kernel_shape[:-2], strides, dilation, output_padding)
    )
    first = data_format == "channels_first"
    return ConvTranspose(strides, dilation, pads, first).apply(inputs, kernel)
