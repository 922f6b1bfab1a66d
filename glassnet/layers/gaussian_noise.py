"""GaussianNoise: add zero-mean Gaussian noise during training (a regulariser)."""
import numpy as np

from glassnet import random
from glassnet.layers.layer import Layer
from glassnet.validation import non_negative


class GaussianNoise(Layer):
    """Equations (training only): y = x + n,  n ~ N(0, stddev^2)."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = non_negative("GaussianNoise", "stddev", stddev)
        self.seed = seed
        self.generator = random.make_generator(seed)

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        noise = self.generator.standard_normal(inputs.shape, dtype=np.float32) * self.stddev
        return inputs + noise.astype(inputs.dtype, copy=False)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
