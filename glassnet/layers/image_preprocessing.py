"""The base of the image preprocessing layers (CenterCrop, Resizing, RandomFlip, ...).

These layers transform data, so they usually sit right after a model's Input. The geometry
lives in ``glassnet.ops.image``; this base only handles what all of them share:

- input: one image (H, W, C) or a batch (N, H, W, C) (channels_first: (C, H, W) or
  (N, C, H, W)), of any dtype (uint8 pixels too), cast to the layer's dtype (float32);
- ``training``: as in Keras, a layer called on its own (``training`` not given, or None)
  augments, and so does ``fit``; ``predict``/``evaluate`` pass ``training=False``, where
  the random layers return their input unchanged;
- gradients: everything is composed from differentiable primitives (gather, where,
  slicing), so the gradient reaches the input (e.g. a saliency map through Resizing);
  the random draws and sampling positions are data, not differentiated: each layer draws
  them in a ``tracing.host`` function from its own generator, so a compiled step draws
  new ones at every batch (the same numbers as eager).
"""
import numbers

import numpy as np

from glassnet import ops, random, validation
from glassnet.autodiff import primitives as P
from glassnet.layers import spatial
from glassnet.layers.layer import Layer
from glassnet.ops import image

FILL_MODES = image.FILL_MODES
INTERPOLATIONS = image.INTERPOLATIONS


class BaseImagePreprocessingLayer(Layer):
    """Turns the input into a float (N, H, W, C) batch for ``transform_images`` and back.

    Subclasses implement ``transform_images(images, training)`` on (N, H, W, C) Tensors;
    ``identity_at_inference = True`` (the random layers) returns the input unchanged when
    ``training=False``.
    """

    identity_at_inference = False

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = spatial.data_format(type(self).__name__, data_format)

    def call(self, inputs, training=True):
        images = ops.cast(inputs, self.dtype)
        self._check_rank(images.shape)
        active = True if training is None else bool(training)  # None: Keras' default True
        if self.identity_at_inference and not active:
            return images
        single = images.ndim == 3
        if single:
            images = P.reshape(images, (1,) + images.shape)  # (1, H, W, C)
        first = self.data_format == "channels_first"
        if first:
            images = P.transpose(images, (0, 2, 3, 1))  # (N, C, H, W) -> (N, H, W, C)
        outputs = self.transform_images(images, active)  # (N, H', W', C)
        if first:
            outputs = P.transpose(outputs, (0, 3, 1, 2))  # (N, H', W', C) -> (N, C, H', W')
        return P.reshape(outputs, outputs.shape[1:]) if single else outputs

    def transform_images(self, images, training):
        """The layer's work on a float (N, H, W, C) Tensor (each subclass defines it)."""
        raise NotImplementedError(f"{type(self).__name__} must implement transform_images.")

    def _check_rank(self, shape):
        if len(shape) not in (3, 4):
            layout = "(N, H, W, C)" if self.data_format == "channels_last" else "(N, C, H, W)"
            raise ValueError(
                f"{type(self).__name__} \"{self.name}\": expected a batch of images {layout} "
                f"(rank 4) or one image (rank 3). Received: input shape {tuple(shape)}"
            )

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


# --------------------------------------------------------------------------
# argument checks shared by the layers
# --------------------------------------------------------------------------


def factor_range(owner, name, value, allow_none=False):
    """Keras' ``factor`` spellings as (low, high): a float f means (-|f|, |f|); a pair
    (low, high) is used as given (sorted). Every number must lie in [-1, 1]."""
    if value is None and allow_none:
        return None
    pair = isinstance(value, (list, tuple)) and len(value) == 2
    numbers_ = tuple(value) if pair else (value,)
    valid = (pair or not isinstance(value, (list, tuple))) and all(
        isinstance(v, (numbers.Real, np.floating, np.integer)) and not isinstance(v, bool)
        and -1 <= v <= 1 for v in numbers_
    )
    if not valid:
        raise ValueError(
            f"{owner}: {name} must be a float in [-1, 1] or a (low, high) pair of them"
            f"{' or None' if allow_none else ''}. Received: {name}={value!r}"
        )
    if pair:
        low, high = sorted(float(v) for v in value)
        return low, high
    return -abs(float(value)), abs(float(value))


def plain_factor(value):
    """A factor as it goes into a config: a float, a (low, high) tuple of floats, or None."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return tuple(float(v) for v in value)
    return float(value)


def target_size(owner, height, width):
    """(height, width) of an output image, both positive integers."""
    return (validation.positive_integer(owner, "height", height),
            validation.positive_integer(owner, "width", width))


def fill_arguments(owner, fill_mode, interpolation, fill_value):
    """The arguments of the layers that warp images (translation, rotation, zoom)."""
    return (validation.one_of(owner, "fill_mode", fill_mode, FILL_MODES),
            validation.one_of(owner, "interpolation", interpolation, INTERPOLATIONS),
            validation.real(owner, "fill_value", fill_value))


def make_generator(owner, seed):
    """The layer's random generator (``seed`` an int, or None for NumPy's global state)."""
    return random.make_generator(validation.seed(owner, seed))
