"""Activation: applies an activation function as a layer of its own."""
from glassnet import activations
from glassnet.layers.layer import Layer


class Activation(Layer):
    """y = phi(x) for an activation phi given by name or function."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
