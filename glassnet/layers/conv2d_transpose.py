"""Conv2DTranspose: the transposed convolution (learned upsampling), ``ops.conv_transpose``
plus a bias and an activation."""
from glassnet import activations, ops
from glassnet.autodiff import sliding_windows
from glassnet.layers.convolution_parts import (
    check_built_channels,
    check_rank,
    check_steps,
    on_channels,
    set_window_arguments,
    spatial_sizes,
    weight_options,
    with_channels,
)
from glassnet.layers.layer import Layer
from glassnet.layers.weight_options import add_weight_with_options, set_weight_options
from glassnet.validation import positive_integer


class Conv2DTranspose(Layer):
    """A 2-D transposed convolution: the adjoint of Conv2D, mapping a feature map of a
    strided convolution's output size back to its input size (decoders, segmentation,
    generators).  Every input pixel stamps the kernel, scaled by its value, s pixels
    after the previous one; the stamps add up where they overlap.

    Equations (channels_last, strides s, dilation d):
        z_full[i*s_h + u*d_h, j*s_w + v*d_w, k'] += sum_k x[i, j, k] w[u, v, k', k]
        z[i, j, k'] = b[k'] + z_full[i + p_h, j + p_w, k']
        a = phi(z)
    x is one image (H, W, C), w the kernel (k_h, k_w, filters, C) (note: filters before
    the input channels, as Keras stores it), b the bias (filters,), phi the activation,
    and p the rows "same" cuts off the front.  Equivalently: x with s - 1 zeros between
    neighbouring pixels, zero-padded, correlated with the kernel flipped on u and v.
    Output size per axis (K = d (k - 1) + 1, o = output_padding):
        "valid": (n - 1) s + K + o    (o = max(K, s) - K when None: n s if s > K)
        "same":  n s                  (or (n - 1) s + (K mod 2) + o when o is given)
    Parameters: k_h k_w C filters + filters.
    """

    rank = 2

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=(1, 1),
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
        self.output_padding = None  # Keras' default: "same" gives n s, "valid" (n - 1) s + K
        if output_padding is not None:
            self.output_padding = sliding_windows.output_padding_tuple(owner, output_padding,
                                                                       self.strides)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        set_weight_options(
            self,
            kernel=(kernel_initializer, kernel_regularizer, kernel_constraint),
            bias=(bias_initializer, bias_regularizer, bias_constraint),
        )
        check_steps(self)

    def build(self, input_shape):
        self._check_input_shape(input_shape)
        channels = input_shape[1 if self.data_format == "channels_first" else -1]
        self.kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, channels),  # (k_h, k_w, filters, C)
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        self.bias = None
        if self.use_bias:
            self.bias = add_weight_with_options(self, "bias", (self.filters,))

    def call(self, inputs):
        z = ops.conv_transpose(inputs, self.kernel, self.strides, self.padding,
                               self.output_padding, self.data_format,
                               self.dilation_rate)  # (batch, H_out, W_out, filters)
        if self.use_bias:
            z = z + on_channels(self.bias, self.data_format, 2)  # b[k'] at every pixel
        return self.activation(z)

    def _check_input_shape(self, input_shape):
        """The rank, and once built the channels the kernel was made for."""
        input_shape = tuple(input_shape)
        check_rank(self, input_shape)
        kernel = getattr(self, "kernel", None)
        if kernel is not None:
            check_built_channels(self, input_shape, kernel.shape[-1], kernel.shape)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_input_shape(input_shape)
        output_padding = self.output_padding or (None, None)
        out = tuple(
            sliding_windows.transposed_output_size(n, k, s, self.padding, d, p)
            for n, k, s, d, p in zip(spatial_sizes(self, input_shape), self.kernel_size,
                                     self.strides, self.dilation_rate, output_padding)
        )
        return with_channels(self, input_shape[0], out, self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **weight_options(self, ("kernel", "bias")),
        }


Convolution2DTranspose = Conv2DTranspose  # Keras' alias
