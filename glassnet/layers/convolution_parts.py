"""What the convolution layers share: argument checks, weights, output shapes, configs.

Used by Conv1D, Conv2D (layers/convolution.py), Conv2DTranspose, DepthwiseConv2D and
SeparableConv2D, so that they check, build and describe themselves the same way.
"""
from glassnet import activations, ops
from glassnet.autodiff import conv_shapes, sliding_windows
from glassnet.layers.weight_options import add_weight_with_options
from glassnet.serialization import serialize, serialize_optional


def set_window_arguments(layer, rank, kernel_size, strides, padding, data_format, dilation_rate,
                         paddings=("valid", "same")):
    """Checks and sets the arguments every convolution layer takes about its windows."""
    owner = type(layer).__name__
    layer.kernel_size = sliding_windows.window_tuple(owner, "kernel_size", kernel_size, rank)
    layer.strides = sliding_windows.window_tuple(owner, "strides", strides, rank)
    layer.padding = sliding_windows.padding_mode(owner, padding, paddings)
    layer.data_format = sliding_windows.data_format(owner, data_format)
    layer.dilation_rate = sliding_windows.window_tuple(owner, "dilation_rate", dilation_rate,
                                                       rank)


def check_arguments(layer):
    """The checks that involve two arguments (Keras makes the same ones)."""
    owner = type(layer).__name__
    if layer.filters % layer.groups:
        raise ValueError(
            f"{owner}: filters must be divisible by groups (each group makes filters / "
            f"groups feature maps). Received: filters={layer.filters}, groups={layer.groups}"
        )
    check_steps(layer)


def check_steps(layer):
    """Keras refuses strides > 1 together with dilation_rate > 1 in its layers."""
    owner = type(layer).__name__
    if max(layer.strides) > 1 and max(layer.dilation_rate) > 1:
        raise ValueError(
            f"{owner}: strides > 1 cannot be combined with dilation_rate > 1. "
            f"Received: strides={layer.strides}, dilation_rate={layer.dilation_rate}"
        )


def owner_name(layer):
    return f'{type(layer).__name__} layer "{layer.name}"'


def channels_axis(layer):
    return 1 if layer.data_format == "channels_first" else -1


def kernel_shape_for(layer, channels):
    """(*kernel_size, channels / groups, filters)."""
    return layer.kernel_size + (channels // layer.groups, layer.filters)


def check_input(layer, input_shape):
    """Checks an input shape against the layer (on every call: the spatial size may change).

    The rank must be the layer's, the channels divisible by groups and, once the layer is
    built, equal to those it was built for; with "valid" padding the (dilated) kernel must
    fit in the input.
    """
    input_shape = tuple(input_shape)
    owner = owner_name(layer)
    check_rank(layer, input_shape)
    channels = input_shape[channels_axis(layer)]
    if channels is not None and channels % layer.groups:
        raise ValueError(
            f"{owner}: the input's channels ({channels}) must be divisible by groups "
            f"({layer.groups}). Received: input shape {input_shape}"
        )
    kernel = getattr(layer, "kernel", None)
    if kernel is not None:
        check_built_channels(layer, input_shape, kernel.shape[-2] * layer.groups, kernel.shape)
    kernel_shape = kernel.shape if kernel is not None else kernel_shape_for(layer, channels or 0)
    conv_shapes.check_shapes(owner, input_shape, kernel_shape, layer.strides, layer.padding,
                             layer.dilation_rate, layer.data_format)


def check_rank(layer, input_shape):
    """The input must have the layer's rank: batch, channels and ``layer.rank`` spatial axes."""
    expected_rank = layer.rank + 2
    if len(input_shape) != expected_rank:
        axes = ("steps",) if layer.rank == 1 else ("height", "width")
        if layer.data_format == "channels_first":
            axes = ("batch", "channels", *axes)
        else:
            axes = ("batch", *axes, "channels")
        raise ValueError(
            f"{owner_name(layer)}: expected an input of rank {expected_rank}, "
            f"({', '.join(axes)}). Received: input shape {tuple(input_shape)} of rank "
            f"{len(input_shape)}"
        )


def check_built_channels(layer, input_shape, built_for, kernel_shape):
    """Once built, the layer takes inputs with the channels its kernel was made for only."""
    channels = input_shape[channels_axis(layer)]
    if channels is not None and channels != built_for:
        raise ValueError(
            f"{owner_name(layer)}: the layer was built for inputs with {built_for} channels "
            f"(kernel shape {tuple(kernel_shape)}), but this input has {channels}. "
            f"Received: input shape {tuple(input_shape)}"
        )


def add_weights(layer, input_shape):
    """The kernel (*kernel_size, channels / groups, filters) and the bias (filters,)."""
    check_input(layer, input_shape)
    channels = input_shape[channels_axis(layer)]
    layer.kernel = add_weight_with_options(layer, "kernel", kernel_shape_for(layer, channels))
    layer.bias = None
    if layer.use_bias:
        layer.bias = add_weight_with_options(layer, "bias", (layer.filters,))


def conv_bias_activation(layer, inputs):
    """phi(conv(x, w) + b) of a Conv1D/Conv2D layer (a compiled step runs conv + bias
    (+ ReLU) as one ``fused.ConvBias`` op)."""
    arguments = (layer.strides, layer.padding, layer.data_format, layer.dilation_rate)
    z = ops.conv(inputs, layer.kernel, *arguments)
    if layer.use_bias:
        z = z + on_channels(layer.bias, layer.data_format, len(layer.kernel.shape) - 2)
    return layer.activation(z)


def on_channels(bias, data_format, rank):
    """The bias shaped to broadcast along the channels axis of (batch, ..., filters)."""
    if data_format == "channels_last":
        return bias  # (filters,)
    return ops.reshape(bias, (bias.shape[0],) + (1,) * rank)  # (filters, 1, ..., 1)


def layer_output_shape(layer, input_shape):
    """(batch, *out, filters) (or channels first), out from ``sliding_windows.output_size``."""
    input_shape = tuple(input_shape)
    check_input(layer, input_shape)
    return conv_output_shape(layer, input_shape, layer.filters)


def conv_output_shape(layer, input_shape, channels):
    """(batch, *out, channels) (or channels first) of a convolution with the layer's
    kernel_size, strides, padding and dilation_rate."""
    out = tuple(
        sliding_windows.output_size(n, k, s, layer.padding, d)
        for n, k, s, d in zip(spatial_sizes(layer, input_shape), layer.kernel_size, layer.strides,
                              layer.dilation_rate)
    )
    return with_channels(layer, input_shape[0], out, channels)


def spatial_sizes(layer, input_shape):
    """The spatial sizes of an input shape."""
    return input_shape[2:] if layer.data_format == "channels_first" else input_shape[1:-1]


def with_channels(layer, batch, spatial, channels):
    """(batch, *spatial, channels), or (batch, channels, *spatial) when channels first."""
    if layer.data_format == "channels_first":
        return (batch, channels, *spatial)
    return (batch, *spatial, channels)


def layer_config(layer):
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
        **weight_options(layer, ("kernel", "bias")),
    }


def weight_options(layer, weights):
    """The config of each weight's initializer, then regularizer (and the activity
    regularizer), then constraint, in Keras' order: ``kernel_initializer``, ..."""
    config = {f"{w}_initializer": serialize(getattr(layer, f"{w}_initializer")) for w in weights}
    for w in weights:
        config[f"{w}_regularizer"] = serialize_optional(getattr(layer, f"{w}_regularizer"))
    config["activity_regularizer"] = serialize_optional(layer.activity_regularizer)
    for w in weights:
        config[f"{w}_constraint"] = serialize_optional(getattr(layer, f"{w}_constraint"))
    return config


def check_depthwise_input(layer, input_shape, kernel, name="kernel"):
    """The rank, once built the channels the kernel was made for, and with "valid" padding
    a (dilated) kernel that fits in the input.  Shared with SeparableConv2D."""
    input_shape = tuple(input_shape)
    check_rank(layer, input_shape)
    channels = input_shape[1 if layer.data_format == "channels_first" else -1]
    if kernel is not None:
        check_built_channels(layer, input_shape, kernel.shape[-2], kernel.shape)
    kernel_shape = kernel.shape if kernel is not None else (
        layer.kernel_size + (channels, layer.depth_multiplier))
    conv_shapes.check_depthwise_shapes(owner_name(layer), input_shape, kernel_shape,
                                       layer.padding, layer.dilation_rate, layer.data_format,
                                       name)
