"""RandomTranslation: during training, shift each image by a random fraction of its size."""
import numpy as np

from glassnet.autodiff import tracing
from glassnet.layers.image_preprocessing import (
    BaseImagePreprocessingLayer,
    factor_range,
    fill_arguments,
    make_generator,
    plain_factor,
)
from glassnet.ops import image


class RandomTranslation(BaseImagePreprocessingLayer):
    """Shifts each image of a batch by its own random offset, filling the uncovered border.

    Equations (training; per image n, factors as fractions of the size H, W):
        dy_n = U(h_low, h_high) * H,     dx_n = U(w_low, w_high) * W
        out[n](x, y) = I~[n](x - dx_n, y - dy_n)
    i.e. the transform [1, 0, -dx, 0, 1, -dy, 0, 0] of ``ops.image.affine_transform``: a
    positive dy moves the picture down, a positive dx to the right. I~ is the input image
    extended by ``fill_mode`` and interpolated (see there). At inference out = input.

    Gradient: each output's dL/dy flows back to the pixels it was interpolated from.

    Arguments:
        height_factor, width_factor: a float f (a shift in [-f, f]) or a pair (low, high),
            fractions of the height / width in [-1, 1]; e.g. ``height_factor=0.2`` shifts
            by up to 20% of the height up or down.
        fill_mode: "reflect" (default), "wrap", "constant" or "nearest".
        interpolation: "bilinear" (default) or "nearest".
        seed: an int for a reproducible sequence of shifts.
        fill_value: the value of the "constant" border.
        data_format: "channels_last" (N, H, W, C) or "channels_first" (N, C, H, W);
            default ``keras.config.image_data_format()``.
    """

    identity_at_inference = True

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        owner = "RandomTranslation"
        self.height_lower, self.height_upper = factor_range(owner, "height_factor",
                                                            height_factor)
        self.width_lower, self.width_upper = factor_range(owner, "width_factor", width_factor)
        self.height_factor = plain_factor(height_factor)
        self.width_factor = plain_factor(width_factor)
        self.fill_mode, self.interpolation, self.fill_value = fill_arguments(
            owner, fill_mode, interpolation, fill_value)
        self.seed = seed
        self.generator = make_generator(owner, seed)

    def transform_images(self, images, training):
        transforms = _translations(self.generator, images.shape, self.height_lower,
                                   self.height_upper, self.width_lower, self.width_upper)
        return image.affine_transform(images, transforms, self.interpolation, self.fill_mode,
                                      self.fill_value, data_format="channels_last")

    def get_config(self):
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "seed": self.seed,
            "fill_value": self.fill_value,
        }


@tracing.host  # a compiled step draws new shifts at every batch, from the same generator
def _translations(generator, shape, height_lower, height_upper, width_lower, width_upper):
    """The transforms [1, 0, -dx, 0, 1, -dy, 0, 0], (N, 8), of N random shifts."""
    n, height, width = shape[:3]
    dy = generator.uniform(height_lower, height_upper, n) * height  # (N,)
    dx = generator.uniform(width_lower, width_upper, n) * width
    zeros, ones = np.zeros(n), np.ones(n)
    return np.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)  # (N, 8)
