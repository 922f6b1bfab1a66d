"""Conv1D and Conv2D: convolution layers, ``ops.conv`` plus a bias and an activation.

The two classes say the same thing for 1 and 2 spatial axes; the checks, the weights
and the config they share are in ``convolution_parts`` (with the other convolution
layers).
"""
from glassnet import activations
from glassnet.layers.convolution_parts import (
    add_weights,
    check_arguments,
    check_input,
    conv_bias_activation,
    layer_config,
    layer_output_shape,
    set_window_arguments,
)
from glassnet.layers.layer import Layer
from glassnet.layers.weight_options import set_weight_options
from glassnet.validation import positive_integer


class Conv2D(Layer):
    """A 2-D convolution: ``filters`` small kernels slide over the image, each making one
    output channel (a feature map).

    Equations (channels_last, strides s, input zero-padded first for "same"):
        z[i, j, k'] = b[k'] + sum_u sum_v sum_k x[i*s_h + u, j*s_w + v, k] w[u, v, k, k']
        a = phi(z)
    x is one image (H, W, C), w the kernel (k_h, k_w, C / groups, filters), b the bias
    (filters,), phi the activation; u, v run over the kernel, k over the channels.
    dilation_rate d spreads the kernel's taps d pixels apart: x[i*s_h + u*d_h, j*s_w + v*d_w, k].
    groups G: the channels are cut into G groups and each filter sees only its group's C / G.
    Output size per axis: "valid" floor((n - d (k - 1) - 1) / s) + 1, "same" ceil(n / s)
    ("same" pads an odd extra row/column at the bottom/right, as TensorFlow).
    Parameters: k_h k_w (C / G) filters + filters.
    """

    rank = 2

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1),
        groups=1,
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
        owner = type(self).__name__
        self.filters = positive_integer(owner, "filters", filters)
        set_window_arguments(self, 2, kernel_size, strides, padding, data_format,
                             dilation_rate)
        self.groups = positive_integer(owner, "groups", groups)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        set_weight_options(
            self,
            kernel=(kernel_initializer, kernel_regularizer, kernel_constraint),
            bias=(bias_initializer, bias_regularizer, bias_constraint),
        )
        check_arguments(self)

    def build(self, input_shape):
        add_weights(self, input_shape)

    def call(self, inputs):
        return conv_bias_activation(self, inputs)  # (batch, H_out, W_out, filters)

    def _check_input_shape(self, input_shape):
        check_input(self, input_shape)

    def compute_output_shape(self, input_shape):
        return layer_output_shape(self, input_shape)

    def get_config(self):
        return {**super().get_config(), **layer_config(self)}


class Conv1D(Layer):
    """A 1-D convolution (over time steps or a sequence): ``filters`` kernels slide along
    the steps, each making one output channel.

    Equations (channels_last, stride s, input zero-padded first for "same"/"causal"):
        z[i, k'] = b[k'] + sum_u sum_k x[i*s + u, k] w[u, k, k']
        a = phi(z)
    x is one sequence (steps, C), w the kernel (k, C / groups, filters), b the bias
    (filters,), phi the activation.  dilation_rate d: x[i*s + u*d, k].  groups as Conv2D.
    padding "causal" pads d (k - 1) zeros before the sequence only, so that z[i] sees
    x[0..i] (never the future); "same" pads as TensorFlow (an odd extra step at the end).
    Parameters: k (C / G) filters + filters.
    """

    rank = 1

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        groups=1,
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
        owner = type(self).__name__
        self.filters = positive_integer(owner, "filters", filters)
        set_window_arguments(self, 1, kernel_size, strides, padding, data_format,
                             dilation_rate, ("valid", "same", "causal"))
        self.groups = positive_integer(owner, "groups", groups)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        set_weight_options(
            self,
            kernel=(kernel_initializer, kernel_regularizer, kernel_constraint),
            bias=(bias_initializer, bias_regularizer, bias_constraint),
        )
        check_arguments(self)

    def build(self, input_shape):
        add_weights(self, input_shape)

    def call(self, inputs):
        return conv_bias_activation(self, inputs)  # (batch, steps_out, filters)

    def _check_input_shape(self, input_shape):
        check_input(self, input_shape)

    def compute_output_shape(self, input_shape):
        return layer_output_shape(self, input_shape)

    def get_config(self):
        return {**super().get_config(), **layer_config(self)}


Convolution1D = Conv1D  # Keras' aliases
Convolution2D = Conv2D
