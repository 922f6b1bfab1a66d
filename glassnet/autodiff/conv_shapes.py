"""Shape checks of the convolution ops and layers: every error names its owner (a layer or an
op) and both shapes, in one wording for conv, conv_transpose, depthwise and separable convs.
"""
CONV_KERNEL = "(*kernel_size, in_channels / groups, filters)"
TRANSPOSE_KERNEL = "(*kernel_size, filters, in_channels)"
DEPTHWISE_KERNEL = "(*kernel_size, in_channels, depth_multiplier)"


def check_rank(owner, inputs_shape, kernel_shape, layout=CONV_KERNEL, name="kernel"):
    """The number of spatial axes (1, 2 or 3), the same for the input and the kernel."""
    rank = len(kernel_shape) - 2
    if len(inputs_shape) != len(kernel_shape) or rank not in (1, 2, 3):
        raise ValueError(
            f"{owner}: inputs and {name} must have the same rank, 3, 4 or 5: "
            f"(batch, *spatial, channels) and {layout}. "
            + _received(inputs_shape, kernel_shape, name)
        )
    return rank


def _received(inputs_shape, kernel_shape, name="kernel"):
    return f"Received: inputs.shape={tuple(inputs_shape)}, {name}.shape={tuple(kernel_shape)}"


def split_channels(inputs_shape, data_format):
    """(channels, spatial sizes) of an input shape."""
    if data_format == "channels_first":
        return inputs_shape[1], tuple(inputs_shape[2:])
    return inputs_shape[-1], tuple(inputs_shape[1:-1])


def check_shapes(owner, inputs_shape, kernel_shape, strides, padding, dilation, data_format):
    """Raises ValueError (naming ``owner`` and both shapes) unless the shapes fit together.

    The input's rank must be the kernel's, its channels a multiple of the kernel's input
    channels (their ratio is the number of groups), the kernel's filters a multiple of the
    groups, and with "valid" padding every spatial axis at least as long as the dilated
    kernel.  None entries (sizes not known yet) pass.
    """
    shapes = _received(inputs_shape, kernel_shape)
    check_rank(owner, inputs_shape, kernel_shape)
    channels, spatial = split_channels(inputs_shape, data_format)
    per_group, filters = kernel_shape[-2], kernel_shape[-1]
    if channels is not None and (per_group < 1 or channels % per_group):
        raise ValueError(
            f"{owner}: the input's channels ({channels}) must be a multiple of the kernel's "
            f"input channels ({per_group}); their ratio is the number of groups. {shapes}"
        )
    groups = 1 if channels is None else channels // per_group
    if filters % groups:
        raise ValueError(
            f"{owner}: the kernel's filters ({filters}) must be a multiple of the number of "
            f"groups ({groups} = {channels} input channels / {per_group}). {shapes}"
        )
    _check_fits(owner, spatial, kernel_shape, padding, dilation, shapes)


def _check_fits(owner, spatial, kernel_shape, padding, dilation, shapes):
    """With "valid" padding the dilated kernel must fit in every spatial axis."""
    if padding != "valid":
        return
    dilated = tuple(d * (k - 1) + 1 for k, d in zip(kernel_shape[:-2], dilation))
    if any(n is not None and n < k for n, k in zip(spatial, dilated)):
        raise ValueError(
            f"{owner}: with padding='valid' the (dilated) kernel {dilated} must fit in the "
            f"input's spatial size {tuple(spatial)}. {shapes}, dilation_rate={dilation}"
        )


def check_transpose_shapes(owner, inputs_shape, kernel_shape, data_format):
    """The input's rank must be the kernel's and its channels the kernel's last axis."""
    check_rank(owner, inputs_shape, kernel_shape, TRANSPOSE_KERNEL)
    channels, _ = split_channels(inputs_shape, data_format)
    if channels is not None and channels != kernel_shape[-1]:
        raise ValueError(
            f"{owner}: the input's channels ({channels}) must equal the kernel's in_channels "
            f"(its last axis, {kernel_shape[-1]}). {_received(inputs_shape, kernel_shape)}"
        )


def check_depthwise_shapes(owner, inputs_shape, kernel_shape, padding, dilation, data_format,
                           name="kernel"):
    """The input's rank must be the kernel's, its channels the kernel's in_channels, and
    with "valid" padding the dilated kernel must fit in the input."""
    shapes = _received(inputs_shape, kernel_shape, name)
    check_rank(owner, inputs_shape, kernel_shape, DEPTHWISE_KERNEL, name)
    channels, spatial = split_channels(inputs_shape, data_format)
    if channels is not None and channels != kernel_shape[-2]:
        raise ValueError(
            f"{owner}: the input's channels ({channels}) must equal the {name}'s in_channels "
            f"(its axis -2, {kernel_shape[-2]}). {shapes}"
        )
    _check_fits(owner, spatial, kernel_shape, padding, dilation, shapes)


def check_pointwise_shape(owner, depthwise_shape, pointwise_shape):
    """The pointwise kernel must be (1, ..., 1, in_channels * depth_multiplier, filters)."""
    rank = len(depthwise_shape) - 2
    channels = depthwise_shape[-2] * depthwise_shape[-1]
    if len(pointwise_shape) != rank + 2 or tuple(pointwise_shape[:-1]) != (1,) * rank + (
        channels,
    ):
        expected = (1,) * rank + (channels,)
        raise ValueError(
            f"{owner}: pointwise_kernel must have shape {expected[:-1]} + "
            f"(in_channels * depth_multiplier = {channels}, filters). Received: "
            f"depthwise_kernel.shape={tuple(depthwise_shape)}, "
            f"pointwise_kernel.shape={tuple(pointwise_shape)}"
        )
