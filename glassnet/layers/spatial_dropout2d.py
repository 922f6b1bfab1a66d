"""SpatialDropout2D: drop whole feature maps instead of single pixels."""
from glassnet.layers import spatial
from glassnet.layers.dropout import Dropout


class SpatialDropout2D(Dropout):
    """Dropout with one keep decision per (image, channel), shared by all its pixels.

    Equations (training only, channels_last):
        keep[n, c] ~ Bernoulli(1 - p)
        y[n, i, j, c] = x[n, i, j, c] * keep[n, c] / (1 - p)
    Neighbouring pixels of a feature map are strongly correlated, so dropping single
    pixels regularizes little; dropping whole maps does (Tompson et al., 2015).
    """

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        kwargs.pop("noise_shape", None)
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = spatial.data_format("SpatialDropout2D", data_format)

    def _mask_shape(self, shape):
        if len(shape) != 4:
            raise ValueError(
                f"SpatialDropout2D \"{self.name}\": expected a 4-D input (batch, height, "
                f"width, channels). Received: input shape {tuple(shape)}"
            )
        if self.data_format == "channels_last":
            return (shape[0], 1, 1, shape[3])  # one decision per (image, channel)
        return (shape[0], shape[1], 1, 1)

    def get_config(self):
        config_ = super().get_config()
        config_.pop("noise_shape")
        return {**config_, "data_format": self.data_format}
