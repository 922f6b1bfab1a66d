"""RandomZoom: during training, zoom each image in or out by a random amount."""
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


class RandomZoom(BaseImagePreprocessingLayer):
    """Zooms each image of a batch by its own random amount about its centre.

    Equations (training; per image n; centre (cx, cy) = ((W - 1) / 2, (H - 1) / 2)):
        z_y = 1 + U(h_low, h_high),      z_x = 1 + U(w_low, w_high)   (z_x = z_y if
                                                                     width_factor is None)
        x' = z_x * (x - cx) + cx,        y' = z_y * (y - cy) + cy
        out[n](x, y) = I~[n](x', y')
    i.e. the transform [z_x, 0, cx (1 - z_x), 0, z_y, cy (1 - z_y), 0, 0] of
    ``ops.image.affine_transform``. Keras' sign convention: a POSITIVE factor (z > 1) shows
    a larger part of the image -- zooms OUT; a negative one zooms in. I~ is the input image
    extended by ``fill_mode`` and interpolated (see there). At inference out = input.

    Gradient: each output's dL/dy flows back to the pixels it was interpolated from.

    Arguments:
        height_factor: a float f (a zoom in [-f, f]) or a pair (low, high), in [-1, 1];
            e.g. ``(-0.3, -0.2)`` zooms in by 20% to 30%.
        width_factor: the same for the width; None (default) zooms both axes by the same
            amount, keeping the aspect ratio.
        fill_mode: "reflect" (default), "wrap", "constant" or "nearest".
        interpolation: "bilinear" (default) or "nearest".
        seed: an int for a reproducible sequence of zooms.
        fill_value: the value of the "constant" border.
        data_format: "channels_last" (N, H, W, C) or "channels_first" (N, C, H, W);
            default ``keras.config.image_data_format()``.
    """

    identity_at_inference = True

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        owner = "RandomZoom"
        self.height_lower, self.height_upper = factor_range(owner, "height_factor",
                                                            height_factor)
        width_range = factor_range(owner, "width_factor", width_factor, allow_none=True)
        self.width_lower, self.width_upper = width_range or (None, None)
        self.height_factor = plain_factor(height_factor)
        self.width_factor = plain_factor(width_factor)
        self.fill_mode, self.interpolation, self.fill_value = fill_arguments(
            owner, fill_mode, interpolation, fill_value)
        self.seed = seed
        self.generator = make_generator(owner, seed)

    def transform_images(self, images, training):
        width_range = None if self.width_factor is None else (self.width_lower, self.width_upper)
        transforms = _zooms(self.generator, images.shape, (self.height_lower, self.height_upper),
                            width_range)  # (N, 8)
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


@tracing.host  # a compiled step draws new zooms at every batch, from the same generator
def _zooms(generator, shape, height_range, width_range):
    """The transforms of N random zooms about the centre, (N, 8); ``width_range`` None
    zooms the width as the height."""
    n, height, width = shape[:3]
    z_y = 1 + generator.uniform(*height_range, n)  # (N,)
    z_x = z_y
    if width_range is not None:
        z_x = 1 + generator.uniform(*width_range, n)
    cx, cy = (width - 1) / 2, (height - 1) / 2
    zeros = np.zeros(n)
    return np.stack([z_x, zeros, cx * (1 - z_x), zeros, z_y, cy * (1 - z_y), zeros, zeros],
                    axis=1)  # (N, 8)
