"""Rescaling: multiply and shift the inputs, e.g. pixels from [0, 255] to [0, 1]."""
from glassnet import ops, validation
from glassnet.layers.layer import Layer


class Rescaling(Layer):
    """y = x * scale + offset, element by element (no weights).

    ``Rescaling(1 / 255)`` maps pixel values to [0, 1]; ``Rescaling(1 / 127.5, offset=-1)``
    to [-1, 1].
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = validation.real("Rescaling", "scale", scale)
        self.offset = validation.real("Rescaling", "offset", offset)

    def call(self, inputs):
        x = ops.cast(inputs, self.dtype)
        return ops.add(ops.multiply(x, self.scale), self.offset)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}
