"""Dropout: during training, zero each input with probability ``rate``."""
import numpy as np

from glassnet import random
from glassnet.autodiff import tracing
from glassnet.layers.layer import Layer
from glassnet.validation import fraction


class Dropout(Layer):
    """Inverted dropout (Srivastava et al., 2014).

    Equations (training only):
        keep_i ~ Bernoulli(1 - p),  p = rate
        y_i    = x_i * keep_i / (1 - p)
    Dividing by the keep probability (1 - p) during training keeps each unit's
    expected value unchanged, so inference simply returns x.

    Arguments:
        rate: the drop probability p, in [0, 1).
        noise_shape: the shape of the keep mask, broadcast over the input; None
            entries take the input's size (e.g. (None, 1, C) shares it over time).
        seed: an int for a reproducible mask sequence.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = fraction(type(self).__name__, "rate", rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.generator = random.make_generator(seed)

    def _mask_shape(self, shape):
        if self.noise_shape is None:
            return shape
        return tuple(n if m is None else m for n, m in zip(shape, self.noise_shape))

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        keep_scaled = _keep_scaled(self.generator, self._mask_shape(inputs.shape), self.rate,
                                   inputs.dtype)
        return inputs * keep_scaled

    def get_config(self):
        return {
            **super().get_config(),
            "rate": self.rate,
            "noise_shape": self.noise_shape,
            "seed": self.seed,
        }


@tracing.host  # a compiled step draws a new mask at every batch, from the same generator
def _keep_scaled(generator, shape, rate, dtype):
    """keep_i / (1 - p) with keep_i = [u_i < 1 - p], u_i ~ U[0, 1), as ``dtype``."""
    u = generator.random(shape, dtype=np.float32)
    cast = dtype.type
    scale = cast(1) / cast(1 - rate)  # kept units are scaled by 1 / (1 - rate)
    return np.multiply(u < 1 - rate, scale, dtype=dtype)
