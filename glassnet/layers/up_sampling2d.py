"""UpSampling2D: enlarge each image by repeating its rows and columns."""
from glassnet import ops, validation
from glassnet.layers import spatial
from glassnet.layers.layer import Layer


class UpSampling2D(Layer):
    """Nearest-neighbour upsampling: y[i, j, c] = x[i // s_h, j // s_w, c].

    (N, H, W, C) -> (N, s_h H, s_w W, C).
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        size = (size, size) if isinstance(size, int) else size
        self.size = validation.shape("UpSampling2D", "size", size, minimum=1)
        if len(self.size) != 2:
            raise ValueError(f"UpSampling2D: size must be an int or a pair of ints. "
                             f"Received: size={size!r}")
        self.data_format = spatial.data_format("UpSampling2D", data_format)
        self.interpolation = validation.one_of("UpSampling2D", "interpolation", interpolation,
                                               ("nearest",))

    def call(self, inputs):
        x = inputs
        for axis, factor in zip(spatial.spatial_axes(self.data_format, 4), self.size):
            x = ops.repeat(x, factor, axis=axis)
        return x  # (N, s_h H, s_w W, C)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}
