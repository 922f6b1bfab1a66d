"""Conv1D and Conv2D: convolution layers, ``ops.conv`` plus a bias and an activation.

The two classes say the same thing for 1 and 2 spatial axes; the checks, the weights
and the config they share are the helper functions at the end of the file.
"""
from glassnet import activations, constraints, initializers, ops, regularizers
from glassnet.autodiff import convolution, sliding_windows
from glassnet.layers.layer import Layer
from glassnet.serialization import serialize, serialize_optional
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
        self.kernel_size = sliding_windows.window_tuple(owner, "kernel_size", kernel_size, 2)
        self.strides = sliding_windows.window_tuple(owner, "strides", strides, 2)
        self.padding = sliding_windows.padding_mode(owner, padding)
        self.data_format = sliding_windows.data_format(owner, data_format)
        self.dilation_rate = sliding_windows.window_tuple(owner, "dilation_rate", dilation_rate, 2)
        self.groups = positive_integer(owner, "groups", groups)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        _check_arguments(self)

    def build(self, input_shape):
        _add_weights(self, input_shape)

    def call(self, inputs):
        z = ops.conv(inputs, self.kernel, self.strides, self.padding, self.data_format,
                     self.dilation_rate)  # (batch, H_out, W_out, filters)
        if self.use_bias:
            z = z + _on_channels(self.bias, self.data_format, 2)  # b[k'] at every pixel
        return self.activation(z)

    def _check_input_shape(self, input_shape):
        _check_input(self, input_shape)

    def compute_output_shape(self, input_shape):
        return _output_shape(self, input_shape)

    def get_config(self):
        return {**super().get_config(), **_config(self)}


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
        self.kernel_size = sliding_windows.window_tuple(owner, "kernel_size", kernel_size, 1)
        self.strides = sliding_windows.window_tuple(owner, "strides", strides, 1)
        self.padding = sliding_windows.padding_mode(owner, padding, ("valid", "same", "causal"))
        self.data_format = sliding_windows.data_format(owner, data_format)
        self.dilation_rate = sliding_windows.window_tuple(owner, "dilation_rate", dilation_rate, 1)
        self.groups = positive_integer(owner, "groups", groups)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        _check_arguments(self)

    def build(self, input_shape):
        _add_weights(self, input_shape)

    def call(self, inputs):
        z = ops.conv(inputs, self.kernel, self.strides, self.padding, self.data_format,
                     self.dilation_rate)  # (batch, steps_out, filters)
        if self.use_bias:
            z = z + _on_channels(self.bias, self.data_format, 1)  # b[k'] at every step
        return self.activation(z)

    def _check_input_shape(self, input_shape):
        _check_input(self, input_shape)

    def compute_output_shape(self, input_shape):
        return _output_shape(self, input_shape)

    def get_config(self):
        return {**super().get_config(), **_config(self)}


# --------------------------------------------------------------------------
# What the convolution layers share
# --------------------------------------------------------------------------


def _check_arguments(layer):
    """The checks that involve two arguments (Keras makes the same ones)."""
    owner = type(layer).__name__
    if layer.filters % layer.groups:
        raise ValueError(
            f"{owner}: filters must be divisible by groups (each group makes filters / "
            f"groups feature maps). Received: filters={layer.filters}, groups={layer.groups}"
        )
    if max(layer.strides) > 1 and max(layer.dilation_rate) > 1:
        raise ValueError(
            f"{owner}: strides > 1 cannot be combined with dilation_rate > 1. "
            f"Received: strides={layer.strides}, dilation_rate={layer.dilation_rate}"
        )


def _owner(layer):
    return f'{type(layer).__name__} layer "{layer.name}"'


def _channels_axis(layer):
    return 1 if layer.data_format == "channels_first" else -1


def _kernel_shape(layer, channels):
    """(*kernel_size, channels / groups, filters)."""
    return layer.kernel_size + (channels // layer.groups, layer.filters)


def _check_input(layer, input_shape):
    """Checks an input shape against the layer (on every call: the spatial size may change).

    The rank must be the layer's, the channels divisible by groups and, once the layer is
    built, equal to those it was built for; with "valid" padding the (dilated) kernel must
    fit in the input.
    """
    input_shape = tuple(input_shape)
    owner = _owner(layer)
    expected_rank = layer.rank + 2
    if len(input_shape) != expected_rank:
        axes = ("steps",) if layer.rank == 1 else ("height", "width")
        if layer.data_format == "channels_first":
            axes = ("batch", "channels", *axes)
        else:
            axes = ("batch", *axes, "channels")
        raise ValueError(
            f"{owner}: expected an input of rank {expected_rank}, ({', '.join(axes)}). "
            f"Received: input shape {input_shape} of rank {len(input_shape)}"
        )
    channels = input_shape[_channels_axis(layer)]
    if channels is not None and channels % layer.groups:
        raise ValueError(
            f"{owner}: the input's channels ({channels}) must be divisible by groups "
            f"({layer.groups}). Received: input shape {input_shape}"
        )
    kernel = getattr(layer, "kernel", None)
    if kernel is not None and channels is not None and channels != kernel.shape[-2] * layer.groups:
        raise ValueError(
            f"{owner}: the layer was built for inputs with {kernel.shape[-2] * layer.groups} "
            f"channels (kernel shape {kernel.shape}), but this input has {channels}. "
            f"Received: input shape {input_shape}"
        )
    kernel_shape = kernel.shape if kernel is not None else _kernel_shape(layer, channels or 0)
    convolution.check_shapes(owner, input_shape, kernel_shape, layer.strides, layer.padding,
                             layer.dilation_rate, layer.data_format)


def _add_weights(layer, input_shape):
    """The kernel (*kernel_size, channels / groups, filters) and the bias (filters,)."""
    _check_input(layer, input_shape)
    channels = input_shape[_channels_axis(layer)]
    layer.kernel = layer.add_weight(
        shape=_kernel_shape(layer, channels),
        initializer=layer.kernel_initializer,
        regularizer=layer.kernel_regularizer,
        constraint=layer.kernel_constraint,
        name="kernel",
    )
    layer.bias = None
    if layer.use_bias:
        layer.bias = layer.add_weight(
            shape=(layer.filters,),
            initializer=layer.bias_initializer,
            regularizer=layer.bias_regularizer,
            constraint=layer.bias_constraint,
            name="bias",
        )


def _on_channels(bias, data_format, rank):
    """The bias shaped to broadcast along the channels axis of (batch, ..., filters)."""
    if data_format == "channels_last":
        return bias  # (filters,)
    return ops.reshape(bias, (bias.shape[0],) + (1,) * rank)  # (filters, 1, ..., 1)


def _output_shape(layer, input_shape):
    """(batch, *out, filters) (or channels first), out from ``convolution.output_size``."""
    input_shape = tuple(input_shape)
    _check_input(layer, input_shape)
    first = layer.data_format == "channels_first"
    spatial = input_shape[2:] if first else input_shape[1:-1]
    out = tuple(
        sliding_windows.output_size(n, k, s, layer.padding, d)
        for n, k, s, d in zip(spatial, layer.kernel_size, layer.strides, layer.dilation_rate)
    )
    if first:
        return (input_shape[0], layer.filters, *out)
    return (input_shape[0], *out, layer.filters)


def _config(layer):
    return {
        "filters": layer.filters,
        "kernel_size": layer.kernel_size,
        "strides": layer.strides,
        "padding": layer.padding,
        "data_format": layer.data_format,
        "dilation_rate": layer.dilation_rate,
        "groups": layer.groups,
        "activation": activations.serialize(layer.activation),
        "use_bias": layer.use_bias,
        "kernel_initializer": serialize(layer.kernel_initializer),
        "bias_initializer": serialize(layer.bias_initializer),
        "kernel_regularizer": serialize_optional(layer.kernel_regularizer),
        "bias_regularizer": serialize_optional(layer.bias_regularizer),
        "activity_regularizer": serialize_optional(layer.activity_regularizer),
        "kernel_constraint": serialize_optional(layer.kernel_constraint),
        "bias_constraint": serialize_optional(layer.bias_constraint),
    }


Convolution1D = Conv1D  # Keras' aliases
Convolution2D = Conv2D
