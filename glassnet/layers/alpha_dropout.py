"""AlphaDropout: dropout that keeps SELU's self-normalising mean and variance."""
import numpy as np

from glassnet import random
from glassnet.autodiff import tracing
from glassnet.layers.layer import Layer
from glassnet.ops.nn import SELU_ALPHA, SELU_SCALE
from glassnet.validation import fraction


class AlphaDropout(Layer):
    """Alpha dropout (Klambauer et al., 2017), for SELU networks.

    Equations (training only), with alpha' = -scale * alpha of SELU and p = rate:
        keep ~ Bernoulli(1 - p)
        x'   = x * keep + alpha' * (1 - keep)
        a    = ((1 - p) * (1 + p * alpha'^2)) ^ (-1/2)
        b    = -a * alpha' * p
        y    = a * x' + b
    Dropped units are set to SELU's negative saturation value, then an affine map
    restores zero mean and unit variance.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = fraction("AlphaDropout", "rate", rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.generator = random.make_generator(seed)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        p = self.rate
        alpha_prime = -SELU_SCALE * SELU_ALPHA
        shape = inputs.shape if self.noise_shape is None else tuple(
            n if m is None else m for n, m in zip(inputs.shape, self.noise_shape)
        )
        keep, dropped = _keep(self.generator, shape, p, inputs.dtype, alpha_prime)
        a = ((1 - p) * (1 + p * alpha_prime**2)) ** -0.5
        b = -a * alpha_prime * p
        x_prime = inputs * keep + dropped
        return x_prime * np.asarray(a, inputs.dtype) + np.asarray(b, inputs.dtype)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


@tracing.host  # a compiled step draws a new mask at every batch, from the same generator
def _keep(generator, shape, rate, dtype, alpha_prime):
    """(keep, alpha' (1 - keep)) with keep_i = [u_i >= p], u_i ~ U[0, 1), as ``dtype``."""
    keep = (generator.random(shape) >= rate).astype(dtype)
    return keep, (alpha_prime * (1 - keep)).astype(dtype)
