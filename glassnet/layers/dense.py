"""Dense: the fully connected layer."""
from glassnet import activations, ops
from glassnet.layers.layer import Layer
from glassnet.layers.weight_options import add_weight_with_options, set_weight_options
from glassnet.serialization import serialize, serialize_optional
from glassnet.validation import positive_integer


class Dense(Layer):
    """A fully connected layer: every input feeds every unit.

    Equations:
        h_W,b(X) = phi(X W + b)
    X is (batch, ..., n_inputs), W the kernel (n_inputs, units), b the bias (units,),
    phi the activation.  Works on the last axis of N-D inputs.
    """

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = positive_integer("Dense", "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        set_weight_options(
            self,
            kernel=(kernel_initializer, kernel_regularizer, kernel_constraint),
            bias=(bias_initializer, bias_regularizer, bias_constraint),
        )

    def build(self, input_shape):
        n_inputs = input_shape[-1]
        self.kernel = add_weight_with_options(self, "kernel", (n_inputs, self.units))
        self.bias = None
        if self.use_bias:
            self.bias = add_weight_with_options(self, "bias", (self.units,))

    def call(self, inputs):
        z = ops.matmul(inputs, self.kernel)  # (batch, ..., units)
        if self.bias is not None:
            z = z + self.bias
        return self.activation(z)  # phi(X W + b); a compiled step fuses it (compiler.fusion)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize(self.kernel_initializer),
            "bias_initializer": serialize(self.bias_initializer),
            "kernel_regularizer": serialize_optional(self.kernel_regularizer),
            "bias_regularizer": serialize_optional(self.bias_regularizer),
            "activity_regularizer": serialize_optional(self.activity_regularizer),
            "kernel_constraint": serialize_optional(self.kernel_constraint),
            "bias_constraint": serialize_optional(self.bias_constraint),
        }

