"""Resizing: resize images to (height, width), bilinearly or by nearest neighbour."""
from glassnet import validation
from glassnet.layers.image_preprocessing import BaseImagePreprocessingLayer, target_size
from glassnet.ops import image


class Resizing(BaseImagePreprocessingLayer):
    """Resizes each image to (height, width), as ``tf.image.resize`` (TF2) and Keras 3 do.

    Equations (one axis: input size n, output size m, scale s = n / m; half-pixel centres,
    no antialiasing; rows, then columns):
        "bilinear":  u   = max((o + 0.5) * s - 0.5, 0)       where output pixel o looks
                     i0  = floor(u),  i1 = min(i0 + 1, n - 1),  t = u - i0
                     y_o = (1 - t) * x[i0] + t * x[i1]
        "nearest":   y_o = x[min(floor((o + 0.5) * s), n - 1)]
    (PyTorch's ``F.interpolate`` with mode="bilinear", align_corners=False, and with
    mode="nearest-exact", samples the same way.)

    The same in training and inference. Gradient: each output's dL/dy flows back to the
    pixels it was interpolated from, times their weights (1 - t, t).

    Arguments:
        height, width: the output size (positive integers).
        interpolation: "bilinear" (default) or "nearest".
        crop_to_aspect_ratio: first cut the largest centred window with the aspect ratio
            height : width, so that nothing is stretched.
        pad_to_aspect_ratio: first pad the short side evenly with ``fill_value`` instead.
        fill_mode: how padding is filled; "constant" (the only mode, as in Keras).
        fill_value: the padding value.
        data_format: "channels_last" (N, H, W, C) or "channels_first" (N, C, H, W);
            default ``keras.config.image_data_format()``.
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        owner = "Resizing"
        self.height, self.width = target_size(owner, height, width)
        self.interpolation = validation.one_of(owner, "interpolation", interpolation,
                                               image.INTERPOLATIONS)
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        if self.crop_to_aspect_ratio and self.pad_to_aspect_ratio:
            raise ValueError(
                f"{owner}: only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be "
                f"True. Received: crop_to_aspect_ratio={crop_to_aspect_ratio!r}, "
                f"pad_to_aspect_ratio={pad_to_aspect_ratio!r}"
            )
        self.fill_mode = validation.one_of(owner, "fill_mode", fill_mode, ("constant",))
        self.fill_value = validation.real(owner, "fill_value", fill_value)

    def transform_images(self, images, training):
        return image.resize(
            images, (self.height, self.width), interpolation=self.interpolation,
            crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_value=self.fill_value,
            data_format="channels_last",
        )

    def get_config(self):
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
        }
