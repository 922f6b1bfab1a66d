"""ReLU: the rectified linear unit as a layer, with Keras' cap, slope and threshold."""
from glassnet import ops
from glassnet.layers.layer import Layer
from glassnet.validation import non_negative


class ReLU(Layer):
    """Equations:
        f(x) = max_value                        if x >= max_value
             = x                                if threshold < x < max_value
             = negative_slope * (x - threshold) otherwise
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None:
            max_value = non_negative("ReLU", "max_value", max_value)
        self.max_value = max_value
        self.negative_slope = non_negative("ReLU", "negative_slope", negative_slope)
        self.threshold = non_negative("ReLU", "threshold", threshold)

    def call(self, inputs):
        return ops.relu(inputs, self.negative_slope, self.max_value, self.threshold)

    def get_config(self):
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }
