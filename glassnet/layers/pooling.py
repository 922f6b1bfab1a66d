"""Pooling layers: MaxPooling1D/2D and AveragePooling1D/2D, with Keras' short aliases.

Each pools every channel on its own over windows of ``pool_size`` pixels that move by
``strides`` (default: ``pool_size``, so windows do not overlap).  The computation and its
gradient are the primitives of ``glassnet.autodiff.pooling``; the layers hold the
arguments.  Output size per spatial axis of size n:

    padding="valid":  floor((n - p) / s) + 1     (windows that fit entirely)
    padding="same":   ceil(n / s)                (TensorFlow's padding: the extra
                                                  row/column goes at the bottom/right)
"""
import warnings

from glassnet.autodiff import pooling
from glassnet.layers.layer import Layer

KERAS2_POOL_SIZE = {1: 2, 2: (2, 2)}


def _set_arguments(layer, dims, pool_size, strides, padding, data_format):
    """Checks the arguments and stores them on ``layer`` as Keras does (tuples, lowercase)."""
    owner = type(layer).__name__
    layer.pool_size, layer.strides, layer.padding, layer.data_format = (
        pooling.pooling_arguments(owner, dims, pool_size, strides, padding, data_format)
    )


def _keras2_pool_size(owner, dims, pool_size):
    """AveragePooling's pool_size is required in Keras 3; Keras 2 defaulted it."""
    if pool_size is not None:
        return pool_size
    default = KERAS2_POOL_SIZE[dims]
    warnings.warn(
        f"{owner}: pool_size is required in Keras 3; using Keras 2's default "
        f"pool_size={default}. Pass it explicitly.",
        DeprecationWarning,
        stacklevel=3,
    )
    return default


def _pool(layer, function, inputs):
    return pooling.apply_pooling(function, type(layer).__name__, inputs, layer.pool_size,
                                 layer.strides, layer.padding, layer.data_format)


def _output_shape(layer, input_shape):
    return pooling.pooled_shape(type(layer).__name__, input_shape, layer.pool_size,
                                layer.strides, layer.padding, layer.data_format)


def _config(layer):
    return {"pool_size": layer.pool_size, "padding": layer.padding, "strides": layer.strides,
            "data_format": layer.data_format}


class MaxPooling1D(Layer):
    """Max pooling over the steps of a sequence: (N, steps, C) -> (N, o, C).

    Equations:
        y[n, i, c] = max_{u < p} x[n, i*s + u, c]
        dL/dx[n, i*s + u*, c] += g[n, i, c]    (u* the arg-max of window i, the first on ties)

    Arguments:
        pool_size: the window's length p (an int or a 1-tuple).
        strides: the step s between windows; None means pool_size.
        padding: "valid" or "same" (case-insensitive); "same" padding never wins the max.
        data_format: "channels_last" (N, steps, C) or "channels_first" (N, C, steps); None
            means ``keras.config.image_data_format()``.
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(name=name, **kwargs)
        _set_arguments(self, 1, pool_size, strides, padding, data_format)

    def call(self, inputs):
        return _pool(self, pooling.MaxPool, inputs)  # (N, o, C)

    def compute_output_shape(self, input_shape):
        return _output_shape(self, input_shape)

    def get_config(self):
        return {**super().get_config(), **_config(self)}


class MaxPooling2D(Layer):
    """Max pooling over height and width: (N, H, W, C) -> (N, o_h, o_w, C).

    Equations:
        y[n, i, j, c] = max_{u < p_h, v < p_w} x[n, i*s_h + u, j*s_w + v, c]
        dL/dx[n, i*s_h + u*, j*s_w + v*, c] += g[n, i, j, c]
    (u*, v*) is the arg-max of window (i, j); on ties the first in row-major order.

    Arguments:
        pool_size: (p_h, p_w), or an int for both.
        strides: (s_h, s_w), or an int for both; None means pool_size.
        padding: "valid" or "same" (case-insensitive); "same" padding never wins the max.
        data_format: "channels_last" (N, H, W, C) or "channels_first" (N, C, H, W); None
            means ``keras.config.image_data_format()``.
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        _set_arguments(self, 2, pool_size, strides, padding, data_format)

    def call(self, inputs):
        return _pool(self, pooling.MaxPool, inputs)  # (N, o_h, o_w, C)

    def compute_output_shape(self, input_shape):
        return _output_shape(self, input_shape)

    def get_config(self):
        return {**super().get_config(), **_config(self)}


class AveragePooling1D(Layer):
    """Average pooling over the steps of a sequence: (N, steps, C) -> (N, o, C).

    Equations:
        y[n, i, c] = (1 / |W_i|) sum_{u in W_i} x[n, i*s + u, c]
        dL/dx[n, i*s + u, c] += g[n, i, c] / |W_i|    for every u in W_i
    |W_i| = p with "valid" padding; with "same" only the real (non-padding) steps count.

    Arguments: as MaxPooling1D, but pool_size is required (as in Keras 3; leaving it out
    takes Keras 2's default 2 with a DeprecationWarning).
    """

    def __init__(self, pool_size=None, strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        pool_size = _keras2_pool_size(type(self).__name__, 1, pool_size)
        _set_arguments(self, 1, pool_size, strides, padding, data_format)

    def call(self, inputs):
        return _pool(self, pooling.AveragePool, inputs)  # (N, o, C)

    def compute_output_shape(self, input_shape):
        return _output_shape(self, input_shape)

    def get_config(self):
        return {**super().get_config(), **_config(self)}


class AveragePooling2D(Layer):
    """Average pooling over height and width: (N, H, W, C) -> (N, o_h, o_w, C).

    Equations:
        y[n, i, j, c] = (1 / |W_ij|) sum_{(u, v) in W_ij} x[n, i*s_h + u, j*s_w + v, c]
        dL/dx[n, i*s_h + u, j*s_w + v, c] += g[n, i, j, c] / |W_ij|   for every (u, v) in W_ij
    |W_ij| = p_h p_w with "valid" padding; with "same" only the real (non-padding) pixels
    count, as in Keras: over [1, 2, 3] with pool 2, "same" gives [1.5, 3].

    Arguments: as MaxPooling2D, but pool_size is required (as in Keras 3; leaving it out
    takes Keras 2's default (2, 2) with a DeprecationWarning).
    """

    def __init__(self, pool_size=None, strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        pool_size = _keras2_pool_size(type(self).__name__, 2, pool_size)
        _set_arguments(self, 2, pool_size, strides, padding, data_format)

    def call(self, inputs):
        return _pool(self, pooling.AveragePool, inputs)  # (N, o_h, o_w, C)

    def compute_output_shape(self, input_shape):
        return _output_shape(self, input_shape)

    def get_config(self):
        return {**super().get_config(), **_config(self)}


MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
