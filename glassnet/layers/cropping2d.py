"""Cropping2D: cut rows and columns off the edges of each image."""
from glassnet.layers import spatial
from glassnet.layers.layer import Layer


class Cropping2D(Layer):
    """Crops height and width: (N, H, W, C) -> (N, H - t - b, W - l - r, C).

    ``cropping``: an int (all four sides), (rows, columns) (symmetric), or
    ((top, bottom), (left, right)).
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = spatial.pairs("Cropping2D", "cropping", cropping)
        self.data_format = spatial.data_format("Cropping2D", data_format)

    def call(self, inputs):
        index = [slice(None)] * 4
        axes = spatial.spatial_axes(self.data_format, 4)
        for axis, (before, after) in zip(axes, self.cropping):
            size = inputs.shape[axis]
            if before + after >= size:
                raise ValueError(
                    f"Cropping2D \"{self.name}\": cropping {self.cropping} leaves nothing of "
                    f"the input. Received: input shape {tuple(inputs.shape)}"
                )
            index[axis] = slice(before, size - after)
        return inputs[tuple(index)]  # (N, H - t - b, W - l - r, C)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": self.data_format}
