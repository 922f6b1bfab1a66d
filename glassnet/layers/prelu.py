"""PReLU: a leaky ReLU whose negative slope is learned."""
from glassnet import ops
from glassnet.layers.layer import Layer
from glassnet.layers.weight_options import set_weight_options
from glassnet.serialization import serialize, serialize_optional


class PReLU(Layer):
    """Parametric ReLU (He et al., 2015).

    Equations: f(x) = max(0, x) - alpha * max(0, -x), alpha learned per unit
    (shared along ``shared_axes``).
    """

    def __init__(
        self,
        alpha_initializer="Zeros",
        alpha_regularizer=None,
        alpha_constraint=None,
        shared_axes=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        set_weight_options(
            self,
            alpha=(alpha_initializer, alpha_regularizer, alpha_constraint),
        )
        if shared_axes is not None and not isinstance(shared_axes, (list, tuple)):
            shared_axes = [shared_axes]
        self.shared_axes = None if shared_axes is None else list(shared_axes)

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            shape[axis - 1] = 1
        self.alpha = self.add_weight(
            shape,
            self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
            name="alpha",
        )

    def call(self, inputs):
        return ops.relu(inputs) - self.alpha * ops.relu(-inputs)

    def get_config(self):
        return {
            **super().get_config(),
            "alpha_initializer": serialize(self.alpha_initializer),
            "alpha_regularizer": serialize_optional(self.alpha_regularizer),
            "alpha_constraint": serialize_optional(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
