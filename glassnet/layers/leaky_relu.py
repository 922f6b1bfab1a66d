"""LeakyReLU: a ReLU with a small slope for negative inputs."""
import warnings

from glassnet import ops
from glassnet.layers.layer import Layer
from glassnet.validation import non_negative


class LeakyReLU(Layer):
    """Equations: LeakyReLU_alpha(z) = max(alpha z, z),  alpha = negative_slope (0.3).

    ``alpha=`` (the Keras 2 spelling) is still accepted, with a DeprecationWarning.
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            warnings.warn(
                "LeakyReLU: the argument `alpha` is deprecated; use `negative_slope`.",
                DeprecationWarning,
                stacklevel=2,
            )
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = non_negative("LeakyReLU", "negative_slope", negative_slope)

    def call(self, inputs):
        return ops.leaky_relu(inputs, self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}
