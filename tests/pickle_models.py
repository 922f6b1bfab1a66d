"""Importable models for tests/test_pickling.py: pickle stores a class by its qualified
name, so the process that unpickles imports this module (it must be on its path)."""
import numpy as np

import glassnet as keras


class TwoLayerNet(keras.Model):
    """A subclassed classifier: Dense(hidden, relu) -> Dense(classes, softmax).

    Not registered with ``register_keras_serializable``: pickling carries the class.
    """

    def __init__(self, hidden=8, classes=3, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.classes = classes
        self.encoder = keras.layers.Dense(hidden, activation="relu")
        self.head = keras.layers.Dense(classes, activation="softmax")

    def build(self, input_shape):
        """Creates the layers' weights by running the model once on zeros, as Keras'
        ``Model.build`` does for a subclass (loading builds from the saved shape)."""
        self.call(np.zeros((1, *input_shape[1:]), dtype="float32"))

    def call(self, inputs):
        return self.head(self.encoder(inputs))

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden, "classes": self.classes}


class NoBuildNet(TwoLayerNet):
    """The same model without ``build``: its layers get weights only when it is called."""

    build = keras.Model.build


class Scale(keras.layers.Layer):
    """A custom layer with a trainable per-feature factor (not registered either)."""

    def __init__(self, initial=2.0, **kwargs):
        super().__init__(**kwargs)
        self.initial = initial

    def build(self, input_shape):
        self.factor = self.add_weight(
            shape=(input_shape[-1],), initializer=keras.initializers.Constant(self.initial),
            name="factor",
        )

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {**super().get_config(), "initial": self.initial}
