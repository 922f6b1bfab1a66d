"""RandomCrop: during training, cut a random (height, width) window out of the batch."""
import numpy as np

from glassnet.autodiff import primitives as P
from glassnet.autodiff import tracing
from glassnet.layers.image_preprocessing import (
    BaseImagePreprocessingLayer,
    make_generator,
    target_size,
)
from glassnet.ops import image


class RandomCrop(BaseImagePreprocessingLayer):
    """Crops a random window: (N, H, W, C) -> (N, height, width, C).

    Equations (training, H > height and W > width; one offset for the whole batch, as in
    Keras: "the layer will crop all the images in the same batch to the same location"):
        top ~ uniform integer in [0, H - height],   left ~ uniform integer in [0, W - width]
        y[n, i, j, c] = x[n, top + i, left + j, c]
    At inference (``training=False``), and in training when the image is not larger than
    the target on both sides, the largest centred window with the aspect ratio
    height : width is resized bilinearly to (height, width), as Keras documents
    (``Resizing(height, width, crop_to_aspect_ratio=True)``): the output size never depends
    on ``training``. (Keras 3.6+ returns the input unchanged at inference instead,
    keras-team/keras#21868, so that a model's validation shapes differ from its training
    shapes; glassnet follows the documented behaviour.)

    The window is taken as two gathers (rows, then columns) at indices drawn in one
    ``tracing.host`` step, so a compiled step draws a new window for every batch.

    Gradient: the gathers pass dL/dy back into the window (zeros elsewhere).

    Arguments:
        height, width: the output size (positive integers).
        seed: an int for a reproducible sequence of windows.
        data_format: "channels_last" (N, H, W, C) or "channels_first" (N, C, H, W);
            default ``keras.config.image_data_format()``.
    """

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = target_size("RandomCrop", height, width)
        self.seed = seed
        self.generator = make_generator("RandomCrop", seed)

    def transform_images(self, images, training):
        in_height, in_width = images.shape[1], images.shape[2]
        if not (training and in_height > self.height and in_width > self.width):
            return image.resize(images, (self.height, self.width), crop_to_aspect_ratio=True,
                                data_format="channels_last")
        rows, cols = _window(self.generator, in_height, in_width, self.height, self.width)
        window = P.take(images, rows, axis=1)  # (N, h, W, C): rows top ... top + h - 1
        return P.take(window, cols, axis=2)  # (N, h, w, C): columns left ... left + w - 1

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "seed": self.seed}


@tracing.host  # a compiled step draws a new window at every batch, from the same generator
def _window(generator, in_height, in_width, height, width):
    """The rows top ... top + height - 1 and columns left ... left + width - 1 of a
    random window, (height,) and (width,)."""
    top = int(generator.integers(0, in_height - height + 1))
    left = int(generator.integers(0, in_width - width + 1))
    return np.arange(top, top + height), np.arange(left, left + width)
