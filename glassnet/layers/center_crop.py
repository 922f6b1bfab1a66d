"""CenterCrop: keep the central (height, width) window of each image."""
from glassnet.layers.image_preprocessing import BaseImagePreprocessingLayer, target_size
from glassnet.ops import image


class CenterCrop(BaseImagePreprocessingLayer):
    """Crops the central window: (N, H, W, C) -> (N, height, width, C).

    Equations (H >= height and W >= width):
        top = floor((H - height) / 2),   left = floor((W - width) / 2)
        y[n, i, j, c] = x[n, top + i, left + j, c]
    An image smaller than the target on either side is resized instead, as Keras does:
    the largest centred window with the aspect ratio height : width is cut and resized
    bilinearly to (height, width) (``Resizing(height, width, crop_to_aspect_ratio=True)``).

    The same in training and inference. Gradient: slicing passes dL/dy back into the window
    (zeros elsewhere).

    Arguments:
        height, width: the output size (positive integers).
        data_format: "channels_last" (N, H, W, C) or "channels_first" (N, C, H, W);
            default ``keras.config.image_data_format()``.
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = target_size("CenterCrop", height, width)

    def transform_images(self, images, training):
        in_height, in_width = images.shape[1], images.shape[2]
        if in_height < self.height or in_width < self.width:
            return image.resize(images, (self.height, self.width), crop_to_aspect_ratio=True,
                                data_format="channels_last")
        top = (in_height - self.height) // 2
        left = (in_width - self.width) // 2
        return images[:, top:top + self.height, left:left + self.width, :]  # (N, h, w, C)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}
