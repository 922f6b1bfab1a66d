"""SeparableConv2D: a depthwise convolution then a 1x1 convolution, ``ops.separable_conv``
plus a bias and an activation."""
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


class SeparableConv2D(Layer):
    """A depthwise separable 2-D convolution: first every channel is filtered on its own
    in space (depthwise), then the channels are mixed at every pixel (pointwise, 1x1).
    Far fewer parameters and multiplications than a Conv2D with the same output
    (Xception, MobileNet).

    Equations (channels_last, strides s, input zero-padded first for "same",
    M = depth_multiplier):
        h[i, j, c*M + q] = sum_u sum_v x[i*s_h + u, j*s_w + v, c] w_d[u, v, c, q]
        z[i, j, k']      = b[k'] + sum_m h[i, j, m] w_p[0, 0, m, k']
        a = phi(z)
    x is one image (H, W, C), w_d the depthwise kernel (k_h, k_w, C, M), w_p the pointwise
    kernel (1, 1, C M, filters), b the bias (filters,), phi the activation.
    dilation_rate d spreads the depthwise taps: x[i*s_h + u*d_h, j*s_w + v*d_w, c].
    Output size per axis: as Conv2D.
    Parameters: k_h k_w C M + C M filters + filters (a Conv2D: k_h k_w C filters + filters).
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
        depth_multiplier=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = type(self).__name__
        self.filters = positive_integer(owner, "filters", filters)
        set_window_arguments(self, 2, kernel_size, strides, padding, data_format,
                             dilation_rate)
        self.depth_multiplier = positive_integer(owner, "depth_multiplier", depth_multiplier)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        set_weight_options(
            self,
            depthwise=(depthwise_initializer, depthwise_regularizer, depthwise_constraint),
            pointwise=(pointwise_initializer, pointwise_regularizer, pointwise_constraint),
            bias=(bias_initializer, bias_regularizer, bias_constraint),
        )
        check_steps(self)

    def build(self, input_shape):
        self._check_input_shape(input_shape)
        channels = input_shape[1 if self.data_format == "channels_first" else -1]
        multiplied = channels * self.depth_multiplier
        self.depthwise_kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier),  # (k_h, k_w, C, M)
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
            name="depthwise_kernel",
        )
        self.pointwise_kernel = self.add_weight(
            shape=(1, 1, multiplied, self.filters),  # (1, 1, C M, filters)
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
            name="pointwise_kernel",
        )
        self.bias = None
        if self.use_bias:
            self.bias = add_weight_with_options(self, "bias", (self.filters,))

    def call(self, inputs):
        z = ops.separable_conv(inputs, self.depthwise_kernel, self.pointwise_kernel,
                               self.strides, self.padding, self.data_format,
                               self.dilation_rate)  # (batch, H_out, W_out, filters)
        if self.use_bias:
            z = z + on_channels(self.bias, self.data_format, 2)  # b[k'] at every pixel
        return self.activation(z)

    def _check_input_shape(self, input_shape):
        check_depthwise_input(self, input_shape, getattr(self, "depthwise_kernel", None),
                               "depthwise_kernel")

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_input_shape(input_shape)
        return conv_output_shape(self, input_shape, self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "depth_multiplier": self.depth_multiplier,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **weight_options(self, ("depthwise", "pointwise", "bias")),
        }


SeparableConvolution2D = SeparableConv2D  # Keras' alias
