"""Reshape: give each instance a new shape."""
import math

from glassnet import ops
from glassnet.layers.layer import Layer


class Reshape(Layer):
    """(batch, ...) -> (batch, *target_shape); one entry of target_shape may be -1."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(target_shape)
        if sum(1 for n in target_shape if n == -1) > 1 or any(
            n == 0 or n < -1 for n in target_shape
        ):
            raise ValueError(
                "Reshape: target_shape must hold positive sizes and at most one -1. "
                f"Received: target_shape={target_shape}"
            )
        self.target_shape = target_shape

    def call(self, inputs):
        size = math.prod(inputs.shape[1:])
        known = math.prod(n for n in self.target_shape if n != -1)
        if (-1 in self.target_shape and size % known) or (
            -1 not in self.target_shape and size != known
        ):
            raise ValueError(
                f"Reshape \"{self.name}\": cannot reshape an input of shape "
                f"{(None,) + tuple(inputs.shape[1:])} to {(None,) + self.target_shape}."
            )
        return ops.reshape(inputs, (inputs.shape[0],) + self.target_shape)  # (batch, *target)

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}
