"""Global pooling layers: one value per channel, the mean or the max over every position.

GlobalAveragePooling1D/2D and GlobalMaxPooling1D/2D (with Keras' short aliases) are
composed from ``ops.mean`` and ``ops.max`` over the spatial axes, so their gradients
come from those primitives: the mean spreads g / (number of positions), the max gives g
to the maximum (shared equally between tied maxima, as TensorFlow's reduce_max does).
"""
from glassnet import ops
from glassnet.autodiff import pooling, sliding_windows
from glassnet.layers.layer import Layer


def _spatial_axes(layer, inputs, dims):
    """The axes to pool over, once the input is known to have ``dims`` spatial axes."""
    pooling.check_rank(type(layer).__name__, inputs.shape, dims, layer.data_format)
    return sliding_windows.spatial_axes(layer.data_format, dims + 2)


def _set_arguments(layer, data_format, keepdims):
    layer.data_format = sliding_windows.data_format(type(layer).__name__, data_format)
    layer.keepdims = bool(keepdims)


def _config(layer):
    return {"data_format": layer.data_format, "keepdims": layer.keepdims}


class GlobalAveragePooling1D(Layer):
    """The mean over the steps of a sequence, per channel: (N, steps, C) -> (N, C).

    Equations:
        y[n, c] = (1 / T) sum_t x[n, t, c]
    With a mask (N, steps) from an earlier layer, only the kept steps count:
        y[n, c] = sum_t m[n, t] x[n, t, c] / sum_t m[n, t]

    Arguments:
        data_format: "channels_last" (N, steps, C) or "channels_first" (N, C, steps); None
            means ``keras.config.image_data_format()``.
        keepdims: keep the pooled axis with size 1: (N, 1, C).
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        _set_arguments(self, data_format, keepdims)

    def call(self, inputs, mask=None):
        axes = _spatial_axes(self, inputs, 1)
        if mask is None:
            return ops.mean(inputs, axis=axes, keepdims=self.keepdims)  # (N, C)
        channel_axis = 2 if self.data_format == "channels_last" else 1
        m = ops.expand_dims(ops.cast(mask, inputs.dtype), channel_axis)  # (N, steps, 1)
        total = ops.sum(ops.multiply(inputs, m), axis=axes, keepdims=self.keepdims)  # (N, C)
        return ops.divide(total, ops.sum(m, axis=axes, keepdims=self.keepdims))

    def get_config(self):
        return {**super().get_config(), **_config(self)}


class GlobalAveragePooling2D(Layer):
    """The mean over height and width, per channel: (N, H, W, C) -> (N, C).

    Equations:
        y[n, c] = (1 / (H W)) sum_i sum_j x[n, i, j, c]

    Arguments:
        data_format: "channels_last" (N, H, W, C) or "channels_first" (N, C, H, W); None
            means ``keras.config.image_data_format()``.
        keepdims: keep the pooled axes with size 1: (N, 1, 1, C).
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        _set_arguments(self, data_format, keepdims)

    def call(self, inputs):
        axes = _spatial_axes(self, inputs, 2)
        return ops.mean(inputs, axis=axes, keepdims=self.keepdims)  # (N, C)

    def get_config(self):
        return {**super().get_config(), **_config(self)}


class GlobalMaxPooling1D(Layer):
    """The max over the steps of a sequence, per channel: (N, steps, C) -> (N, C).

    Equations:
        y[n, c] = max_t x[n, t, c]

    Arguments: as GlobalAveragePooling1D.
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        _set_arguments(self, data_format, keepdims)

    def call(self, inputs):
        axes = _spatial_axes(self, inputs, 1)
        return ops.max(inputs, axis=axes, keepdims=self.keepdims)  # (N, C)

    def get_config(self):
        return {**super().get_config(), **_config(self)}


class GlobalMaxPooling2D(Layer):
    """The max over height and width, per channel: (N, H, W, C) -> (N, C).

    Equations:
        y[n, c] = max_{i, j} x[n, i, j, c]

    Arguments: as GlobalAveragePooling2D.
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        _set_arguments(self, data_format, keepdims)

    def call(self, inputs):
        axes = _spatial_axes(self, inputs, 2)
        return ops.max(inputs, axis=axes, keepdims=self.keepdims)  # (N, C)

    def get_config(self):
        return {**super().get_config(), **_config(self)}


GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
