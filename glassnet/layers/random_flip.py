"""RandomFlip: during training, mirror each image with probability 1/2."""
from glassnet import validation
from glassnet.autodiff import primitives as P
from glassnet.autodiff import tracing
from glassnet.layers.image_preprocessing import BaseImagePreprocessingLayer, make_generator

MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(BaseImagePreprocessingLayer):
    """Flips each image of a batch left-right and/or top-bottom, each with its own coin.

    Equations (training; one draw per image n, u_n ~ U[0, 1), flip_n = u_n <= 0.5):
        "horizontal":               y[n, i, j] = x[n, i, W - 1 - j]           if flip_n
        "vertical":                 y[n, i, j] = x[n, H - 1 - i, j]           if flip_n
        "horizontal_and_vertical":  y[n, i, j] = x[n, H - 1 - i, W - 1 - j]   if flip_n
        otherwise y[n] = x[n].
    As in Keras 3, "horizontal_and_vertical" uses ONE coin for both flips (the image is
    kept, or turned by 180 degrees). At inference (``training=False``) y = x.

    Gradient: a flip is a permutation of pixels, so dL/dx is dL/dy flipped back.

    Arguments:
        mode: "horizontal", "vertical" or "horizontal_and_vertical" (default).
        seed: an int for a reproducible sequence of flips.
        data_format: "channels_last" (N, H, W, C) or "channels_first" (N, C, H, W);
            default ``keras.config.image_data_format()``.
    """

    identity_at_inference = True

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.mode = validation.one_of("RandomFlip", "mode", mode, MODES)
        self.seed = seed
        self.generator = make_generator("RandomFlip", seed)

    def transform_images(self, images, training):
        flips = _coins(self.generator, images.shape[0])  # (N, 1, 1, 1): one coin per image
        rows = slice(None, None, -1) if self.mode != "horizontal" else slice(None)
        cols = slice(None, None, -1) if self.mode != "vertical" else slice(None)
        flipped = images[:, rows, cols, :]  # (N, H, W, C)
        return P.where(flips, flipped, images)  # (N, 1, 1, 1) broadcast over H, W, C

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "seed": self.seed}


@tracing.host  # a compiled step tosses new coins at every batch, from the same generator
def _coins(generator, n):
    """flip_n = u_n <= 0.5, u_n ~ U[0, 1), shaped (N, 1, 1, 1) to select whole images."""
    return (generator.random(n) <= 0.5).reshape(-1, 1, 1, 1)  # (N,) -> (N, 1, 1, 1)
