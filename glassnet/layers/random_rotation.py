"""RandomRotation: during training, turn each image by a random angle about its centre."""
import numpy as np

from glassnet.autodiff import tracing
from glassnet.layers.image_preprocessing import (
    BaseImagePreprocessingLayer,
    factor_range,
    fill_arguments,
    make_generator,
)
from glassnet.ops import image


class RandomRotation(BaseImagePreprocessingLayer):
    """Rotates each image of a batch by its own random angle, filling the uncovered corners.

    Equations (training; per image n; factor as a fraction of a full turn 2*pi; centre
    (cx, cy) = ((W - 1) / 2, (H - 1) / 2)):
        theta_n = 2 * pi * U(low, high)
        x' = cos(theta) * (x - cx) - sin(theta) * (y - cy) + cx
        y' = sin(theta) * (x - cx) + cos(theta) * (y - cy) + cy
        out[n](x, y) = I~[n](x', y')
    i.e. the transform [cos, -sin, cx - cx cos + cy sin, sin, cos, cy - cx sin - cy cos, 0, 0]
    of ``ops.image.affine_transform``. With y pointing down, a positive theta turns the
    picture counter-clockwise (theta = pi / 2 on a square image is ``np.rot90``). I~ is the
    input image extended by ``fill_mode`` and interpolated (see there). At inference
    out = input.

    Gradient: each output's dL/dy flows back to the pixels it was interpolated from.

    Arguments:
        factor: a float f (an angle in [-f, f] * 2 pi) or a pair (low, high), in [-1, 1];
            e.g. ``factor=0.1`` turns by up to 36 degrees either way.
        fill_mode: "reflect" (default), "wrap", "constant" or "nearest".
        interpolation: "bilinear" (default) or "nearest".
        seed: an int for a reproducible sequence of angles.
        fill_value: the value of the "constant" border.
        data_format: "channels_last" (N, H, W, C) or "channels_first" (N, C, H, W);
            default ``keras.config.image_data_format()``.
    """

    identity_at_inference = True

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        owner = "RandomRotation"
        self.factor = factor_range(owner, "factor", factor)  # (low, high), as Keras keeps it
        self.fill_mode, self.interpolation, self.fill_value = fill_arguments(
            owner, fill_mode, interpolation, fill_value)
        self.seed = seed
        self.generator = make_generator(owner, seed)

    def transform_images(self, images, training):
        transforms = _rotations(self.generator, images.shape, self.factor)  # (N, 8)
        return image.affine_transform(images, transforms, self.interpolation, self.fill_mode,
                                      self.fill_value, data_format="channels_last")

    def get_config(self):
        return {
            **super().get_config(),
            "factor": self.factor,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "interpolation": self.interpolation,
            "seed": self.seed,
        }


@tracing.host  # a compiled step draws new angles at every batch, from the same generator
def _rotations(generator, shape, factor):
    """The transforms of N random rotations about the centre, (N, 8)."""
    n, height, width = shape[:3]
    low, high = factor
    theta = 2 * np.pi * generator.uniform(low, high, n)  # (N,)
    cos, sin = np.cos(theta), np.sin(theta)
    cx, cy = (width - 1) / 2, (height - 1) / 2
    x_offset = cx - cos * cx + sin * cy
    y_offset = cy - sin * cx - cos * cy
    zeros = np.zeros(n)
    return np.stack([cos, -sin, x_offset, sin, cos, y_offset, zeros, zeros], axis=1)  # (N, 8)
