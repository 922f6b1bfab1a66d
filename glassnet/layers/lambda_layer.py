"""Lambda: wrap any function of tensors as a layer."""
from glassnet.layers.layer import Layer


class Lambda(Layer):
    """y = function(x, **arguments); the function must use glassnet.ops to be differentiable."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: function must be callable. Received: function={function!r}")
        self.function = function
        self.output_shape_arg = output_shape
        self.arguments = dict(arguments or {})

    def call(self, inputs):
        return self.function(inputs, **self.arguments)

    def get_config(self):
        return {
            **super().get_config(),
            "function": getattr(self.function, "__name__", repr(self.function)),
            "output_shape": self.output_shape_arg,
            "arguments": self.arguments,
        }
