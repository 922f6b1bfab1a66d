"""ZeroPadding2D: add rows and columns of zeros around each image."""
from glassnet import ops
from glassnet.layers import spatial
from glassnet.layers.layer import Layer


class ZeroPadding2D(Layer):
    """Pads height and width with zeros: (N, H, W, C) -> (N, t + H + b, l + W + r, C).

    ``padding``: an int (all four sides), (rows, columns) (symmetric), or
    ((top, bottom), (left, right)).
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = spatial.pairs("ZeroPadding2D", "padding", padding)
        self.data_format = spatial.data_format("ZeroPadding2D", data_format)

    def call(self, inputs):
        widths = [(0, 0)] * 4
        for axis, pair in zip(spatial.spatial_axes(self.data_format, 4), self.padding):
            widths[axis] = pair
        return ops.pad(inputs, widths)  # (N, t + H + b, l + W + r, C)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding,
                "data_format": self.data_format}
