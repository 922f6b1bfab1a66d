"""Flatten: turn each instance into a 1-D vector."""
from glassnet import ops
from glassnet.layers import spatial
from glassnet.layers.layer import Layer


class Flatten(Layer):
    """(batch, d1, d2, ...) -> (batch, d1 * d2 * ...) in C order.

    With ``data_format="channels_first"`` the channels axis is moved last first; None means
    ``keras.config.image_data_format()``.
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = spatial.data_format("Flatten", data_format)

    def call(self, inputs):
        x = inputs
        if self.data_format == "channels_first" and x.ndim > 2:
            x = ops.transpose(x, (0,) + tuple(range(2, x.ndim)) + (1,))  # channels last
        return ops.reshape(x, (x.shape[0], -1))  # (batch, features)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
