"""DepthwiseConv2D: one small kernel per input channel, ``ops.depthwise_conv`` plus a bias
and an activation."""
from glassnet import activations, ops
from glassnet.layers.convolution_parts import (
    check_depthwise_input,
    check_steps,
    conv_output_shape,
    on_channels,
    set_window_arguments,
    weight_options,
)
from glassnet.layers.layer import Layer
from glassnet.layers.weight_options import add_weight_with_options, set_weight_options
from glassnet.validation import positive_integer


class DepthwiseConv2D(Layer):
    """A depthwise 2-D convolution: every input channel is filtered on its own by
    ``depth_multiplier`` kernels, and channels are never mixed (the first half of a
    depthwise separable convolution, as in MobileNet).

    Equations (channels_last, strides s, input zero-padded first for "same",
    M = depth_multiplier):
        z[i, j, c*M + q] = b[c*M + q] + sum_u sum_v x[i*s_h + u, j*s_w + v, c] w[u, v, c, q]
        a = phi(z)
    x is one image (H, W, C), w the kernel (k_h, k_w, C, M), b the bias (C M,), phi the
    activation.  dilation_rate d: x[i*s_h + u*d_h, j*s_w + v*d_w, c].  It is a Conv2D with
    groups = C (one channel per group) and C M filters.
    Output size per axis: as Conv2D; C M channels.
    Parameters: k_h k_w C M + C M.
    """

    rank = 2

    def __init__(
        self,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        depth_multiplier=1,
        data_format=None,
        dilation_rate=(1, 1),
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = type(self).__name__
        set_window_arguments(self, 2, kernel_size, strides, padding, data_format,
                             dilation_rate)
        self.depth_multiplier = positive_integer(owner, "depth_multiplier", depth_multiplier)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        set_weight_options(
            self,
            depthwise=(depthwise_initializer, depthwise_regularizer, depthwise_constraint),
            bias=(bias_initializer, bias_regularizer, bias_constraint),
        )
        check_steps(self)

    def build(self, input_shape):
        self._check_input_shape(input_shape)
        channels = input_shape[1 if self.data_format == "channels_first" else -1]
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier),  # (k_h, k_w, C, M)
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
            name="kernel",
        )
        self.bias = None
        if self.use_bias:
            self.bias = add_weight_with_options(self, "bias", (channels * self.depth_multiplier,))

    def call(self, inputs):
        z = ops.depthwise_conv(inputs, self.kernel, self.strides, self.padding,
                               self.data_format, self.dilation_rate)  # (batch, H_out, W_out, C M)
        if self.use_bias:
            z = z + on_channels(self.bias, self.data_format, 2)  # b[c*M + q] at every pixel
        return self.activation(z)

    def _check_input_shape(self, input_shape):
        check_depthwise_input(self, input_shape, getattr(self, "kernel", None))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_input_shape(input_shape)
        channels = input_shape[1 if self.data_format == "channels_first" else -1]
        multiplied = None if channels is None else channels * self.depth_multiplier
        return conv_output_shape(self, input_shape, multiplied)

    def get_config(self):
        return {
            **super().get_config(),
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "depth_multiplier": self.depth_multiplier,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **weight_options(self, ("depthwise", "bias")),
        }
