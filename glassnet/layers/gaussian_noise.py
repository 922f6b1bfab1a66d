"""GaussianNoise: add zero-mean Gaussian noise during training (a regulariser)."""
import numpy as np

from glassnet import random
from glassnet.autodiff import tracing
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
        return inputs + _noise(self.generator, inputs.shape, self.stddev, inputs.dtype)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


@tracing.host  # a compiled step draws new noise at every batch, from the same generator
def _noise(generator, shape, stddev, dtype):
    """stddev * N(0, 1) samples of ``shape``, as ``dtype``."""
    noise = generator.standard_normal(shape, dtype=np.float32) * stddev
    return noise.astype(dtype, copy=False)
