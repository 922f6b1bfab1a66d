"""Convolutions composed from the ``conv`` primitive (their gradients are conv's):
depthwise (one group per channel) and depthwise-separable (depthwise, then 1x1).
"""
import numpy as np

from glassnet.autodiff import conv_shapes, primitives, sliding_windows
from glassnet.autodiff.convolution import conv


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Depthwise convolution, as ``keras.ops.depthwise_conv``: every input channel is
    convolved with its own M kernels, and channels are never mixed.

    Equations (2-D, channels last, M = depth_multiplier):
        z[n, i, j, c*M + q] = sum_u sum_v x[n, i*s_h + u*d_h, j*s_w + v*d_w, c] w[u, v, c, q]
    This is ``conv`` with G = C groups of one channel each: the kernel (*k, C, M) read as
    (*k, 1, C M), whose filter c*M + q belongs to group c.  Its gradient is conv's.

    Arguments:
        inputs: (batch, *spatial, C), or channels first.
        kernel: (*kernel_size, C, depth_multiplier).
        strides, padding ("valid"/"same"), data_format, dilation_rate: as ``conv``.
    """
    owner = "depthwise_conv"
    inputs_shape, kernel_shape = np.shape(inputs), np.shape(kernel)
    rank = conv_shapes.check_rank(owner, inputs_shape, kernel_shape, conv_shapes.DEPTHWISE_KERNEL)
    strides = sliding_windows.window_tuple(owner, "strides", strides, rank)
    dilation = sliding_windows.window_tuple(owner, "dilation_rate", dilation_rate, rank)
    padding = sliding_windows.padding_mode(owner, padding)
    data_format = sliding_windows.data_format(owner, data_format)
    conv_shapes.check_depthwise_shapes(owner, inputs_shape, kernel_shape, padding, dilation,
                                       data_format)
    *kernel_size, channels, multiplier = kernel_shape
    grouped = primitives.reshape(kernel, (*kernel_size, 1, channels * multiplier))  # (*k, 1, C M)
    return conv(inputs, grouped, strides, padding, data_format, dilation)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """Depthwise separable convolution, as ``keras.ops.separable_conv``: a depthwise
    convolution (space, per channel), then a 1x1 convolution (channels, per pixel).

    Equations (2-D, channels last, M = depth_multiplier):
        h[n, i, j, c*M + q] = sum_u sum_v x[n, i*s_h + u*d_h, j*s_w + v*d_w, c] w_d[u, v, c, q]
        z[n, i, j, k']      = sum_m h[n, i, j, m] w_p[0, 0, m, k']
    Parameters: k_h k_w C M + C M F instead of k_h k_w C F for a Conv2D.

    Arguments:
        inputs: (batch, *spatial, C), or channels first.
        depthwise_kernel: (*kernel_size, C, depth_multiplier).
        pointwise_kernel: (1, ..., 1, C * depth_multiplier, filters).
        strides, padding ("valid"/"same"), data_format, dilation_rate: of the depthwise step.
    """
    owner = "separable_conv"
    inputs_shape = np.shape(inputs)
    depthwise_shape, pointwise_shape = np.shape(depthwise_kernel), np.shape(pointwise_kernel)
    rank = conv_shapes.check_rank(owner, inputs_shape, depthwise_shape,
                                  conv_shapes.DEPTHWISE_KERNEL, "depthwise_kernel")
    strides = sliding_windows.window_tuple(owner, "strides", strides, rank)
    dilation = sliding_windows.window_tuple(owner, "dilation_rate", dilation_rate, rank)
    padding = sliding_windows.padding_mode(owner, padding)
    data_format = sliding_windows.data_format(owner, data_format)
    conv_shapes.check_depthwise_shapes(owner, inputs_shape, depthwise_shape, padding, dilation,
                                       data_format, "depthwise_kernel")
    conv_shapes.check_pointwise_shape(owner, depthwise_shape, pointwise_shape)
    h = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation)
    return conv(h, pointwise_kernel, 1, "valid", data_format)
