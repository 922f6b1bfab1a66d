"""ELU: the exponential linear unit as a layer."""
from glassnet import ops
from glassnet.layers.layer import Layer


class ELU(Layer):
    """Equations: ELU_alpha(z) = alpha (exp(z) - 1) if z < 0, else z."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return ops.elu(inputs, self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
