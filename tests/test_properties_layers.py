"""Property-based tests of the layers and of every serializable object (Hypothesis).

1. Layers on random valid configurations (arguments, input ranks, batch sizes,
   float32/float64): the output shape of a real call agrees with
   ``compute_output_shape`` and with a symbolic call, the layer's dtype is kept,
   and the weights have Keras' names, shapes, order and trainability.
2. The gradients of every layer (input and trainable weights) against float64 central
   differences with a random upstream gradient, on small random configurations.
3. get_config round trips of every layer, initializer, regularizer, constraint, optimizer,
   learning-rate schedule, loss, metric and activation, enumerated from their modules
   (a new class is picked up on its own): ``from_config(get_config())`` gives the same
   config, directly and through JSON, and the rebuilt object computes the same thing
   (a layer given the same weights, an optimizer's steps, a schedule's rates, ...).
"""
import inspect
import json
import math
import warnings
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np
import pytest
from helpers import random_inputs
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from glassnet import (
    activations,
    constraints,
    initializers,
    layers,
    losses,
    metrics,
    ops,
    optimizers,
    regularizers,
)
from glassnet.autodiff import Tensor, Variable, grad, pooling, sliding_windows
from glassnet.autodiff.gradcheck import numerical_gradient
from glassnet.optimizers import schedules

seeds = st.integers(0, 2**31 - 1)
maybe_seeds = st.none() | seeds
names = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)
unit = st.floats(0.0, 1.0)
positive = st.floats(1e-3, 10.0)
MARGIN = 1e-3  # the smallest distance from a kink kept in gradient checks


def classes_in(module, base):
    """The public classes of ``module``'s namespace that are (or derive from) ``base``,
    aliases once."""
    found = {
        obj for name, obj in vars(module).items()
        if not name.startswith("_") and isinstance(obj, type) and issubclass(obj, base)
    }
    return sorted(found, key=lambda cls: cls.__name__)


def _quietly(factory, *args, **kwargs):
    """Builds an object, silencing the deprecation warnings of Keras 2 spellings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return factory(*args, **kwargs)


# --------------------------------------------------------------------------
# Random arguments of the small objects (initializers, regularizers, ...)
# --------------------------------------------------------------------------

INITIALIZER_ARGS = {
    initializers.Constant: {"value": st.floats(-5, 5) | st.lists(st.floats(-5, 5), min_size=2,
                                                                    max_size=2)},
    initializers.Identity: {"gain": st.floats(-3, 3)},
    initializers.RandomNormal: {"mean": st.floats(-3, 3), "stddev": positive,
                                "seed": maybe_seeds},
    initializers.RandomUniform: {"minval": st.floats(-3, 0), "maxval": st.floats(0, 3),
                                 "seed": maybe_seeds},
    initializers.TruncatedNormal: {"mean": st.floats(-3, 3), "stddev": positive,
                                   "seed": maybe_seeds},
    initializers.VarianceScaling: {
        "scale": positive,
        "mode": st.sampled_from(["fan_in", "fan_out", "fan_avg"]),
        "distribution": st.sampled_from(["truncated_normal", "untruncated_normal", "uniform",
                                         "normal"]),
        "seed": maybe_seeds,
    },
    initializers.Orthogonal: {"gain": st.floats(-3, 3), "seed": maybe_seeds},
}
REGULARIZER_ARGS = {
    regularizers.L1: {"l1": unit},
    regularizers.L2: {"l2": unit},
    regularizers.L1L2: {"l1": unit, "l2": unit},
    regularizers.OrthogonalRegularizer: {"factor": unit,
                                         "mode": st.sampled_from(["rows", "columns"])},
}
AXES = st.integers(0, 1) | st.just([0, 1])
CONSTRAINT_ARGS = {
    constraints.MaxNorm: {"max_value": positive, "axis": AXES},
    constraints.UnitNorm: {"axis": AXES},
    constraints.MinMaxNorm: {"min_value": st.floats(0, 1), "max_value": st.floats(1, 3),
                             "rate": unit, "axis": AXES},
}


# Initializers of Dense/BatchNormalization/PReLU weights: any of them takes a 1-D shape.
PRESETS = [cls for cls in classes_in(initializers, initializers.VarianceScaling)
           if cls is not initializers.VarianceScaling]
weight_initializers = st.one_of(
    st.sampled_from(["zeros", "ones", "glorot_uniform", "he_normal", "lecun_uniform",
                     "random_normal", "truncated_normal", "GlorotNormal"]),
    st.builds(initializers.RandomUniform, st.floats(-1, 0), st.floats(0, 1), maybe_seeds),
    st.builds(initializers.Constant, st.floats(-2, 2)),
    st.sampled_from(PRESETS).flatmap(lambda cls: st.builds(cls, seed=maybe_seeds)),
)
weight_regularizers = st.none() | st.sampled_from(["l1", "l2"]) | st.builds(
    regularizers.L1L2, l1=unit, l2=unit
)
weight_constraints = st.none() | st.sampled_from(["non_neg", "max_norm", "unit_norm"]) | st.builds(
    constraints.MaxNorm, max_value=positive, axis=st.just(0)
)

# --------------------------------------------------------------------------
# Layer cases: random valid arguments with an input that fits them
# --------------------------------------------------------------------------


@dataclass
class LayerCase:
    """Arguments for a layer class, its input shapes, and the weights Keras gives it."""

    kwargs: dict
    inputs: list  # input shapes, batch axis included (one, or several for merges)
    weights: list = field(default_factory=list)  # [(name, shape, trainable)] in Keras' order
    kinks: Optional[Callable] = None  # (layer, arrays) -> distance from the nearest kink

    @property
    def merge(self):
        return len(self.inputs) > 1


batches = st.integers(1, 3)
inner_shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
SMOOTH_ACTIVATIONS = ["linear", "tanh", "sigmoid", "softplus", "softsign", "silu", "swish",
                      "gelu", "elu", "exponential", "softmax", "log_softmax", None]
ACTIVATION_KINKS = {"relu": (0.0,), "leaky_relu": (0.0,), "selu": (0.0,),
                    "hard_sigmoid": (-3.0, 3.0)}
ACTIVATION_NAMES = SMOOTH_ACTIVATIONS + sorted(ACTIVATION_KINKS)


def _distance(values, points):
    return min((np.min(np.abs(np.asarray(values) - p), initial=np.inf) for p in points),
               default=np.inf)


@st.composite
def common_kwargs(draw):
    """Arguments every layer takes: dtype, sometimes a name, sometimes trainable=False."""
    kwargs = {"dtype": draw(st.sampled_from(["float32", "float64"]))}
    if draw(st.booleans()):
        kwargs["name"] = draw(names)
    if draw(st.integers(0, 4)) == 0:
        kwargs["trainable"] = False
    return kwargs


@st.composite
def dense_cases(draw):
    inner = draw(inner_shapes)
    units = draw(st.integers(1, 4))
    use_bias = draw(st.booleans())
    activation = draw(st.sampled_from(ACTIVATION_NAMES))
    kwargs = {
        **draw(common_kwargs()),
        "units": units,
        "activation": activation,
        "use_bias": use_bias,
        "kernel_initializer": draw(weight_initializers | st.just("orthogonal")),
        "bias_initializer": draw(weight_initializers),
        "kernel_regularizer": draw(weight_regularizers),
        "bias_regularizer": draw(weight_regularizers),
        "activity_regularizer": draw(weight_regularizers),
        "kernel_constraint": draw(weight_constraints),
        "bias_constraint": draw(weight_constraints),
    }
    weights = [("kernel", (inner[-1], units), True)] + ([("bias", (units,), True)] * use_bias)

    def kinks(layer, arrays):  # the pre-activations z = x W + b
        z = arrays[0] @ layer.kernel.data + (layer.bias.data if use_bias else 0.0)
        return _distance(z, ACTIVATION_KINKS.get(activation, ()))

    return LayerCase(kwargs, [(draw(batches),) + inner], weights, kinks)


@st.composite
def conv_cases(draw, rank):
    """Conv1D/Conv2D: kernels of 1-3 taps, strides or dilation (Keras refuses both > 1),
    any padding, groups dividing the channels and filters, an input the kernel fits in."""
    groups = draw(st.integers(1, 2))
    channels, filters = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank)))
    steps = st.lists(st.integers(1, 3), min_size=rank, max_size=rank).map(tuple)
    strides, dilation = (1,) * rank, (1,) * rank
    if draw(st.booleans()):
        strides = draw(steps)
    else:
        dilation = draw(steps)
    padding = draw(st.sampled_from(["valid", "same", "causal"][: 2 + (rank == 1)]))
    data_format = draw(st.sampled_from([None, "channels_last", "channels_first"]))
    sizes = [draw(st.integers(d * (k - 1) + 1, d * (k - 1) + 3)) for k, d in zip(kernel, dilation)]
    use_bias = draw(st.booleans())
    activation = draw(st.sampled_from(ACTIVATION_NAMES))
    kwargs = {
        **draw(common_kwargs()),
        "filters": filters,
        "kernel_size": kernel[0] if len(set(kernel)) == 1 and draw(st.booleans()) else kernel,
        "strides": strides,
        "padding": padding,
        "data_format": data_format,
        "dilation_rate": dilation,
        "groups": groups,
        "activation": activation,
        "use_bias": use_bias,
        "kernel_initializer": draw(weight_initializers),
        "bias_initializer": draw(weight_initializers),
        "kernel_regularizer": draw(weight_regularizers),
        "bias_regularizer": draw(weight_regularizers),
        "activity_regularizer": draw(weight_regularizers),
        "kernel_constraint": draw(weight_constraints),
        "bias_constraint": draw(weight_constraints),
    }
    first = data_format == "channels_first"
    shape = (draw(batches), *((channels, *sizes) if first else (*sizes, channels)))
    weights = [("kernel", kernel + (channels // groups, filters), True)]
    weights += [("bias", (filters,), True)] * use_bias

    def kinks(layer, arrays):  # the pre-activations z = conv(x, w) + b
        z = ops.conv(arrays[0], layer.kernel.data, layer.strides, layer.padding,
                     layer.data_format, layer.dilation_rate).data
        if use_bias:
            z = z + layer.bias.data.reshape((-1,) + (1,) * rank * first)
        return _distance(z, ACTIVATION_KINKS.get(activation, ()))

    return LayerCase(kwargs, [shape], weights, kinks)


@st.composite
def _window_steps(draw, rank):
    """(strides, dilation) of a Keras conv layer: one of them all ones, never both > 1."""
    steps = st.lists(st.integers(1, 3), min_size=rank, max_size=rank).map(tuple)
    if draw(st.booleans()):
        return draw(steps), (1,) * rank
    return (1,) * rank, draw(steps)


def _bias_on_channels(z, bias, first):
    return z + (bias.reshape((-1, 1, 1)) if first else bias)


@st.composite
def conv_transpose_cases(draw):
    """Conv2DTranspose: kernels of 1-3 taps, strides or dilation, output_padding below the
    strides (or None), any padding, inputs of 1-3 pixels a side (2-3 where one pixel would
    give an empty output)."""
    channels, filters = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel = tuple(draw(st.lists(st.integers(1, 3), min_size=2, max_size=2)))
    strides, dilation = draw(_window_steps(2))
    output_padding = None
    if draw(st.booleans()):
        output_padding = tuple(draw(st.integers(0, s - 1)) for s in strides)
    padding = draw(st.sampled_from(["valid", "same"]))
    data_format = draw(st.sampled_from([None, "channels_last", "channels_first"]))
    # "same" with an output_padding maps n pixels to (n - 1) s + (K mod 2) + p: 0 for one
    # pixel, an even kernel and p = 0 (an empty output, as in Keras), so n >= 2 there
    smallest = 2 if padding == "same" and output_padding is not None else 1
    sizes = draw(st.lists(st.integers(smallest, 3), min_size=2, max_size=2))
    use_bias = draw(st.booleans())
    activation = draw(st.sampled_from(ACTIVATION_NAMES))
    kwargs = {
        **draw(common_kwargs()),
        "filters": filters,
        "kernel_size": kernel,
        "strides": strides,
        "padding": padding,
        "output_padding": output_padding,
        "data_format": data_format,
        "dilation_rate": dilation,
        "activation": activation,
        "use_bias": use_bias,
        "kernel_initializer": draw(weight_initializers),
        "bias_initializer": draw(weight_initializers),
        "kernel_regularizer": draw(weight_regularizers),
        "bias_regularizer": draw(weight_regularizers),
        "activity_regularizer": draw(weight_regularizers),
        "kernel_constraint": draw(weight_constraints),
        "bias_constraint": draw(weight_constraints),
    }
    first = data_format == "channels_first"
    shape = (draw(batches), *((channels, *sizes) if first else (*sizes, channels)))
    weights = [("kernel", kernel + (filters, channels), True)]
    weights += [("bias", (filters,), True)] * use_bias

    def kinks(layer, arrays):  # the pre-activations z = conv_transpose(x, w) + b
        z = ops.conv_transpose(arrays[0], layer.kernel.data, layer.strides, layer.padding,
                               layer.output_padding, layer.data_format,
                               layer.dilation_rate).data
        if use_bias:
            z = _bias_on_channels(z, layer.bias.data, first)
        return _distance(z, ACTIVATION_KINKS.get(activation, ()))

    return LayerCase(kwargs, [shape], weights, kinks)


@st.composite
def depthwise_cases(draw, separable=False):
    """DepthwiseConv2D / SeparableConv2D: kernels of 1-3 taps, strides or dilation, a depth
    multiplier of 1-2, any padding, an input the kernel fits in."""
    channels, multiplier = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    filters = draw(st.integers(1, 3))
    kernel = tuple(draw(st.lists(st.integers(1, 3), min_size=2, max_size=2)))
    strides, dilation = draw(_window_steps(2))
    padding = draw(st.sampled_from(["valid", "same"]))
    data_format = draw(st.sampled_from([None, "channels_last", "channels_first"]))
    sizes = [draw(st.integers(d * (k - 1) + 1, d * (k - 1) + 3)) for k, d in zip(kernel, dilation)]
    use_bias = draw(st.booleans())
    activation = draw(st.sampled_from(ACTIVATION_NAMES))
    kernels = ["depthwise", "pointwise"] if separable else ["depthwise"]
    kwargs = {
        **draw(common_kwargs()),
        "kernel_size": kernel[0] if len(set(kernel)) == 1 and draw(st.booleans()) else kernel,
        "strides": strides,
        "padding": padding,
        "depth_multiplier": multiplier,
        "data_format": data_format,
        "dilation_rate": dilation,
        "activation": activation,
        "use_bias": use_bias,
        "bias_initializer": draw(weight_initializers),
        "bias_regularizer": draw(weight_regularizers),
        "activity_regularizer": draw(weight_regularizers),
        "bias_constraint": draw(weight_constraints),
    }
    for name in kernels:
        kwargs[f"{name}_initializer"] = draw(weight_initializers)
        kwargs[f"{name}_regularizer"] = draw(weight_regularizers)
        kwargs[f"{name}_constraint"] = draw(weight_constraints)
    first = data_format == "channels_first"
    shape = (draw(batches), *((channels, *sizes) if first else (*sizes, channels)))
    depthwise = kernel + (channels, multiplier)
    if separable:
        kwargs["filters"] = filters
        weights = [("depthwise_kernel", depthwise, True),
                   ("pointwise_kernel", (1, 1, channels * multiplier, filters), True)]
        weights += [("bias", (filters,), True)] * use_bias
    else:
        weights = [("kernel", depthwise, True)]
        weights += [("bias", (channels * multiplier,), True)] * use_bias

    def kinks(layer, arrays):  # the pre-activations
        common = (layer.strides, layer.padding, layer.data_format, layer.dilation_rate)
        if separable:
            z = ops.separable_conv(arrays[0], layer.depthwise_kernel.data,
                                   layer.pointwise_kernel.data, *common).data
        else:
            z = ops.depthwise_conv(arrays[0], layer.kernel.data, *common).data
        if use_bias:
            z = _bias_on_channels(z, layer.bias.data, first)
        return _distance(z, ACTIVATION_KINKS.get(activation, ()))

    return LayerCase(kwargs, [shape], weights, kinks)


@st.composite
def batch_normalization_cases(draw):
    inner = draw(inner_shapes)
    rank = len(inner) + 1
    axis = draw(st.integers(1, rank - 1))
    axis = axis - rank if draw(st.booleans()) else axis
    center, scale = draw(st.booleans()), draw(st.booleans())
    kwargs = {
        **draw(common_kwargs()),
        "axis": axis,
        "momentum": draw(unit),
        "epsilon": draw(st.floats(1e-4, 0.1)),
        "center": center,
        "scale": scale,
        "beta_initializer": draw(weight_initializers),
        "gamma_initializer": draw(weight_initializers),
        "moving_mean_initializer": draw(weight_initializers),
        "moving_variance_initializer": draw(st.just("ones") | st.builds(
            initializers.RandomUniform, st.just(0.5), st.just(2.0), maybe_seeds)),
        "beta_regularizer": draw(weight_regularizers),
        "gamma_regularizer": draw(weight_regularizers),
        "beta_constraint": draw(weight_constraints),
        "gamma_constraint": draw(weight_constraints),
        "synchronized": draw(st.booleans()),
    }
    shape = (draw(batches),) + inner
    channels = (shape[axis],)
    weights = [("gamma", channels, True)] * scale + [("beta", channels, True)] * center + [
        ("moving_mean", channels, False), ("moving_variance", channels, False)]
    return LayerCase(kwargs, [shape], weights)


@st.composite
def prelu_cases(draw):
    inner = draw(inner_shapes)
    axes = list(range(1, len(inner) + 1))
    shared = draw(st.none() | st.lists(st.sampled_from(axes), min_size=1, unique=True)
                  | st.sampled_from(axes))
    kwargs = {
        **draw(common_kwargs()),
        "alpha_initializer": draw(weight_initializers),
        "alpha_regularizer": draw(weight_regularizers),
        "alpha_constraint": draw(weight_constraints),
        "shared_axes": shared,
    }
    shared_list = [] if shared is None else shared if isinstance(shared, list) else [shared]
    alpha = tuple(1 if i + 1 in shared_list else n for i, n in enumerate(inner))
    return LayerCase(kwargs, [(draw(batches),) + inner], [("alpha", alpha, True)],
                     lambda layer, arrays: _distance(arrays[0], (0.0,)))


@st.composite
def dropout_cases(draw, rate_name="rate", noise_shape=True):
    shape = (draw(batches),) + draw(inner_shapes)
    kwargs = {**draw(common_kwargs()), "seed": draw(maybe_seeds)}
    kwargs[rate_name] = draw(st.floats(0.0, 0.9)) if rate_name == "rate" else draw(positive)
    if noise_shape and draw(st.booleans()):
        kwargs["noise_shape"] = tuple(draw(st.sampled_from([None, 1, n])) for n in shape)
    return LayerCase(kwargs, [shape])


@st.composite
def simple_cases(draw, arguments=None, kinks=None):
    """A layer without weights: its own arguments drawn from ``arguments`` (a dict), and
    ``kinks(layer, x)`` the distance of the input from the layer's kinks."""
    shape = (draw(batches),) + draw(inner_shapes)
    kwargs = {**draw(common_kwargs()), **draw(st.fixed_dictionaries(arguments or {}))}
    case = LayerCase(kwargs, [shape])
    if kinks is not None:
        case.kinks = lambda layer, arrays: kinks(layer, arrays[0])
    return case


@st.composite
def softmax_cases(draw):
    shape = (draw(batches),) + draw(inner_shapes)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return LayerCase({**draw(common_kwargs()), "axis": axis}, [shape])


@st.composite
def reshape_cases(draw):
    inner = draw(inner_shapes)
    target = list(draw(st.permutations(inner)))
    target.insert(draw(st.integers(0, len(target))), 1)
    if draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return LayerCase({**draw(common_kwargs()), "target_shape": tuple(target)},
                     [(draw(batches),) + inner])


@st.composite
def merge_cases(draw, concatenate=False, count=None):
    shape = (draw(batches),) + draw(inner_shapes)
    count = count or draw(st.integers(2, 3))
    kwargs = draw(common_kwargs())
    if not concatenate:
        return LayerCase(kwargs, [shape] * count)
    axis = draw(st.integers(1, len(shape) - 1))
    shapes = []
    for _ in range(count):
        own = list(shape)
        own[axis] = draw(st.integers(1, 3))
        shapes.append(tuple(own))
    kwargs["axis"] = axis - len(shape) if draw(st.booleans()) else axis
    return LayerCase(kwargs, shapes)


def _relu_kinks(layer, x):
    points = [layer.threshold] + ([layer.max_value] if layer.max_value is not None else [])
    return _distance(x, points)


def _activation_kinks(layer, x):
    return _distance(x, ACTIVATION_KINKS.get(activations.serialize(layer.activation), ()))


def _top_two_gap(values):
    """The smallest gap between the two largest entries along the last axis (a tie is where
    a max has its kink; padding is -inf, so its gap is infinite)."""
    if values.shape[-1] < 2:
        return np.inf
    ordered = np.sort(values, axis=-1)
    return np.min(ordered[..., -1] - ordered[..., -2])


def _max_pooling_kinks(layer, x):
    axes = sliding_windows.spatial_axes(layer.data_format, x.ndim)
    windows = pooling.Windows(x.shape, layer.pool_size, layer.strides, layer.padding, axes)
    patches = windows.unfold(windows.pad(x, -np.inf))  # (N, o_h, o_w, C, p_h, p_w)
    return _top_two_gap(patches.reshape(patches.shape[: x.ndim] + (-1,)))


def _global_max_kinks(layer, x):
    axes = sliding_windows.spatial_axes(layer.data_format, x.ndim)
    spatial_last = np.moveaxis(x, axes, range(x.ndim - len(axes), x.ndim))  # (N, C, H, W)
    return _top_two_gap(spatial_last.reshape(spatial_last.shape[: x.ndim - len(axes)] + (-1,)))


DATA_FORMATS = st.sampled_from([None, "channels_last", "channels_first"])


def _image_shape(draw, data_format, sizes):
    channels = draw(st.integers(1, 3))
    if data_format == "channels_first":
        return (draw(batches), channels, *sizes)
    return (draw(batches), *sizes, channels)


@st.composite
def pooling_cases(draw, dims, kinks=None):
    """MaxPooling/AveragePooling 1D/2D: windows of 1-3 pixels, any strides, an input the
    windows fit in ("valid") or any input ("same")."""
    pool = draw(st.lists(st.integers(1, 3), min_size=dims, max_size=dims))
    padding = draw(st.sampled_from(["valid", "same"]))
    data_format = draw(DATA_FORMATS)
    sizes = [draw(st.integers(p if padding == "valid" else 1, 5)) for p in pool]
    same_sizes = len(set(pool)) == 1 and draw(st.booleans())
    kwargs = {
        **draw(common_kwargs()),
        "pool_size": pool[0] if same_sizes else tuple(pool),
        "strides": draw(st.none() | st.integers(1, 3)
                        | st.tuples(*[st.integers(1, 3)] * dims)),
        "padding": padding,
        "data_format": data_format,
    }
    case = LayerCase(kwargs, [_image_shape(draw, data_format, sizes)])
    if kinks is not None:
        case.kinks = lambda layer, arrays: kinks(layer, arrays[0])
    return case


@st.composite
def global_pooling_cases(draw, dims, kinks=None):
    data_format = draw(DATA_FORMATS)
    sizes = draw(st.lists(st.integers(1, 4), min_size=dims, max_size=dims))
    kwargs = {**draw(common_kwargs()), "data_format": data_format,
              "keepdims": draw(st.booleans())}
    case = LayerCase(kwargs, [_image_shape(draw, data_format, sizes)])
    if kinks is not None:
        case.kinks = lambda layer, arrays: kinks(layer, arrays[0])
    return case


@st.composite
def image_preprocessing_cases(draw, arguments, extra=None):
    """CenterCrop, Resizing and the random augmentation layers: a batch of 1-5 pixel images
    in either data format, the layer's own arguments drawn from ``arguments`` (a dict) and
    ``extra`` (a strategy of dicts, or None)."""
    data_format = draw(st.sampled_from([None, "channels_last", "channels_first"]))
    sizes = (draw(st.integers(1, 5)), draw(st.integers(1, 5)), draw(st.integers(1, 3)))
    shape = sizes[2:] + sizes[:2] if data_format == "channels_first" else sizes
    kwargs = {**draw(common_kwargs()), "data_format": data_format,
              **draw(st.fixed_dictionaries(arguments))}
    if extra is not None:
        kwargs.update(draw(extra))
    return LayerCase(kwargs, [(draw(batches),) + shape])


FACTORS = st.floats(-1, 1) | st.tuples(st.floats(-1, 1), st.floats(-1, 1))
TARGET_SIZE = {"height": st.integers(1, 6), "width": st.integers(1, 6)}
WARP_ARGS = {"fill_mode": st.sampled_from(["reflect", "wrap", "constant", "nearest"]),
             "interpolation": st.sampled_from(["bilinear", "nearest"]),
             "fill_value": st.floats(-2, 2), "seed": maybe_seeds}
ASPECT_RATIO = st.sampled_from([{}, {"crop_to_aspect_ratio": True},
                                {"pad_to_aspect_ratio": True}])


SIDES = st.integers(0, 2)
PER_SIDE = st.one_of(SIDES, st.tuples(SIDES, SIDES),
                     st.tuples(st.tuples(SIDES, SIDES), st.tuples(SIDES, SIDES)))


@st.composite
def image_cases(draw, arguments=None, min_side=1):
    """A 4-D batch whose three non-batch axes are at least ``min_side`` (either layout)."""
    shape = (draw(batches),) + tuple(draw(st.integers(min_side, min_side + 2)) for _ in "hwc")
    kwargs = {**draw(common_kwargs()), **draw(st.fixed_dictionaries(arguments or {}))}
    return LayerCase(kwargs, [shape])


@st.composite
def normalization_cases(draw):
    """Statistics given as constants, or learned ones (Keras' three non-trainable weights)."""
    shape = (draw(batches),) + draw(inner_shapes)
    axis = draw(st.sampled_from([-1, None, tuple(range(1, len(shape)))]))
    kwargs = {**draw(common_kwargs()), "axis": axis, "invert": draw(st.booleans())}
    kept = () if axis is None else (shape[-1],) if axis == -1 else shape[1:]
    if draw(st.booleans()):
        rng = np.random.default_rng(draw(seeds))
        kwargs["mean"] = rng.normal(size=kept).tolist()
        kwargs["variance"] = rng.uniform(0.5, 2, size=kept).tolist()
        return LayerCase(kwargs, [shape])
    weights = [("mean", kept, False), ("variance", kept, False), ("count", (), False)]
    return LayerCase(kwargs, [shape], weights)


def _merge_kinks(layer, arrays):  # Maximum/Minimum: ties between inputs
    return min(np.min(np.abs(a - b)) for i, a in enumerate(arrays) for b in arrays[i + 1:])


SMOOTH_RECURRENT_ACTIVATIONS = ["tanh", "sigmoid", "softsign", "linear"]


@st.composite
def recurrent_cases(draw, cls):
    """SimpleRNN/LSTM/GRU: any weight options, smooth activations, dropout, the time-loop
    flags (return_state aside: it returns several outputs), on (batch, T, features)."""
    units = draw(st.integers(1, 3))
    features = draw(st.integers(1, 3))
    use_bias = draw(st.booleans())
    kwargs = {
        **draw(common_kwargs()),
        "units": units,
        "activation": draw(st.sampled_from(SMOOTH_RECURRENT_ACTIVATIONS)),
        "use_bias": use_bias,
        "kernel_initializer": draw(weight_initializers),
        "recurrent_initializer": draw(weight_initializers | st.just("orthogonal")),
        "bias_initializer": draw(weight_initializers),
        "kernel_regularizer": draw(weight_regularizers),
        "recurrent_regularizer": draw(weight_regularizers),
        "bias_regularizer": draw(weight_regularizers),
        "activity_regularizer": draw(weight_regularizers),
        "kernel_constraint": draw(weight_constraints),
        "recurrent_constraint": draw(weight_constraints),
        "bias_constraint": draw(weight_constraints),
        "dropout": draw(st.floats(0.0, 0.5)),
        "recurrent_dropout": draw(st.floats(0.0, 0.5)),
        "seed": draw(maybe_seeds),
        "return_sequences": draw(st.booleans()),
        "go_backwards": draw(st.booleans()),
    }
    gates = {layers.SimpleRNN: 1, layers.LSTM: 4, layers.GRU: 3}[cls]
    bias_shape = (gates * units,)
    if cls is not layers.SimpleRNN:
        kwargs["recurrent_activation"] = draw(st.sampled_from(SMOOTH_RECURRENT_ACTIVATIONS))
    if cls is layers.LSTM:
        kwargs["unit_forget_bias"] = draw(st.booleans())
    if cls is layers.GRU:
        kwargs["reset_after"] = draw(st.booleans())
        bias_shape = (2, 3 * units) if kwargs["reset_after"] else bias_shape
    weights = [("kernel", (features, gates * units), True),
               ("recurrent_kernel", (units, gates * units), True)]
    weights += [("bias", bias_shape, True)] * use_bias
    shape = (draw(batches), draw(st.integers(1, 3)), features)
    return LayerCase(kwargs, [shape], weights)


@st.composite
def embedding_cases(draw):
    """Embedding: a vocabulary of at least 3 words, so that the float inputs the generic
    tests draw in [-2, 2] (cast to -2 ... 2, negatives counting from the end) fit it."""
    input_dim, output_dim = draw(st.integers(3, 6)), draw(st.integers(1, 4))
    kwargs = {
        **draw(common_kwargs()),
        "input_dim": input_dim,
        "output_dim": output_dim,
        "embeddings_initializer": draw(weight_initializers | st.just("uniform")),
        "embeddings_regularizer": draw(weight_regularizers),
        "activity_regularizer": draw(weight_regularizers),
        "embeddings_constraint": draw(weight_constraints),
    }
    shape = (draw(batches),) + draw(inner_shapes)
    return LayerCase(kwargs, [shape], [("embeddings", (input_dim, output_dim), True)])


LAMBDA_FUNCTIONS = [ops.square, ops.tanh, ops.sigmoid]
LAYER_CASES = {
    layers.Layer: simple_cases(),
    layers.Dense: dense_cases(),
    layers.Conv1D: conv_cases(1),
    layers.Conv2D: conv_cases(2),
    layers.Conv2DTranspose: conv_transpose_cases(),
    layers.DepthwiseConv2D: depthwise_cases(),
    layers.SeparableConv2D: depthwise_cases(separable=True),
    layers.BatchNormalization: batch_normalization_cases(),
    layers.PReLU: prelu_cases(),
    layers.Dropout: dropout_cases(),
    layers.AlphaDropout: dropout_cases(),
    layers.GaussianNoise: dropout_cases("stddev", noise_shape=False),
    layers.Activation: simple_cases({"activation": st.sampled_from(ACTIVATION_NAMES)},
                                    _activation_kinks),
    layers.ReLU: simple_cases(
        {"max_value": st.none() | st.floats(0.5, 3), "negative_slope": unit,
         "threshold": st.floats(0, 0.5)}, _relu_kinks),
    layers.LeakyReLU: simple_cases({"negative_slope": unit},
                                   lambda layer, x: _distance(x, (0.0,))),
    layers.ELU: simple_cases({"alpha": st.floats(0.1, 3)}, lambda layer, x: _distance(x, (0.0,))),
    layers.Softmax: softmax_cases(),
    layers.Flatten: simple_cases(
        {"data_format": st.sampled_from([None, "channels_last", "channels_first"])}),
    layers.Reshape: reshape_cases(),
    layers.Lambda: simple_cases({"function": st.sampled_from(LAMBDA_FUNCTIONS)}),
    layers.Add: merge_cases(),
    layers.Multiply: merge_cases(),
    layers.Average: merge_cases(),
    layers.Concatenate: merge_cases(concatenate=True),
    layers.Subtract: merge_cases(count=2),
    layers.Maximum: merge_cases().map(lambda case: LayerCase(case.kwargs, case.inputs,
                                                             kinks=_merge_kinks)),
    layers.Minimum: merge_cases().map(lambda case: LayerCase(case.kwargs, case.inputs,
                                                             kinks=_merge_kinks)),
    layers.Rescaling: simple_cases({"scale": st.floats(-2, 2), "offset": st.floats(-2, 2)}),
    layers.Normalization: normalization_cases(),
    layers.ZeroPadding2D: image_cases({"padding": PER_SIDE, "data_format": DATA_FORMATS}),
    layers.Cropping2D: image_cases({"cropping": PER_SIDE, "data_format": DATA_FORMATS},
                                   min_side=5),
    layers.UpSampling2D: image_cases({"size": st.integers(1, 3) | st.tuples(
        st.integers(1, 3), st.integers(1, 3)), "data_format": DATA_FORMATS}),
    layers.SpatialDropout2D: image_cases({"rate": st.floats(0.0, 0.9), "seed": maybe_seeds,
                                          "data_format": DATA_FORMATS}),
    layers.MaxPooling1D: pooling_cases(1, _max_pooling_kinks),
    layers.MaxPooling2D: pooling_cases(2, _max_pooling_kinks),
    layers.AveragePooling1D: pooling_cases(1),
    layers.AveragePooling2D: pooling_cases(2),
    layers.GlobalMaxPooling1D: global_pooling_cases(1, _global_max_kinks),
    layers.GlobalMaxPooling2D: global_pooling_cases(2, _global_max_kinks),
    layers.GlobalAveragePooling1D: global_pooling_cases(1),
    layers.GlobalAveragePooling2D: global_pooling_cases(2),
    layers.CenterCrop: image_preprocessing_cases(TARGET_SIZE),
    layers.Resizing: image_preprocessing_cases(
        {**TARGET_SIZE, "interpolation": st.sampled_from(["bilinear", "nearest"]),
         "fill_value": st.floats(-2, 2)}, ASPECT_RATIO),
    layers.RandomCrop: image_preprocessing_cases({**TARGET_SIZE, "seed": maybe_seeds}),
    layers.RandomFlip: image_preprocessing_cases({
        "mode": st.sampled_from(["horizontal", "vertical", "horizontal_and_vertical"]),
        "seed": maybe_seeds}),
    layers.RandomTranslation: image_preprocessing_cases(
        {"height_factor": FACTORS, "width_factor": FACTORS, **WARP_ARGS}),
    layers.RandomRotation: image_preprocessing_cases({"factor": FACTORS, **WARP_ARGS}),
    layers.RandomZoom: image_preprocessing_cases(
        {"height_factor": FACTORS, "width_factor": st.none() | FACTORS, **WARP_ARGS}),
    layers.SimpleRNN: recurrent_cases(layers.SimpleRNN),
    layers.LSTM: recurrent_cases(layers.LSTM),
    layers.GRU: recurrent_cases(layers.GRU),
    layers.Embedding: embedding_cases(),
}
NOT_CALLED = {
    layers.InputLayer: "a placeholder for a model's input; never called on data",
    layers.Embedding: "takes integer indices, which get no gradient: its shapes and gradients "
                      "are checked on integer inputs by the test_embedding_* tests below",
}
ALL_LAYERS = classes_in(layers, layers.Layer)
CALLED_LAYERS = [cls for cls in ALL_LAYERS if cls not in NOT_CALLED]


def by_name(classes):
    return pytest.mark.parametrize("cls", classes, ids=[cls.__name__ for cls in classes])


def test_every_layer_has_a_case():
    missing = set(CALLED_LAYERS) - set(LAYER_CASES)
    assert not missing, f"add a case to LAYER_CASES for {sorted(c.__name__ for c in missing)}"


def _inputs(case, dtype, seed):
    arrays = [a.astype(dtype) for a in random_inputs(case.inputs, "real", seed)]
    return arrays if case.merge else arrays[0]


def _shapes(case):
    return case.inputs if case.merge else case.inputs[0]


# --------------------------------------------------------------------------
# 1. Shapes, dtypes and weights
# --------------------------------------------------------------------------


@by_name(CALLED_LAYERS)
@settings(max_examples=20)
@given(data=st.data(), input_dtype=st.sampled_from(["float32", "float64"]), seed=seeds)
def test_layer_shapes_dtypes_and_weights(cls, data, input_dtype, seed):
    case = data.draw(LAYER_CASES[cls], label="case")
    layer = _quietly(cls, **case.kwargs)
    x = _inputs(case, input_dtype, seed)
    out = layer(x)  # NumPy in: NumPy out, cast to the layer's dtype on the way in

    assert isinstance(out, np.ndarray)
    assert out.dtype == np.dtype(layer.dtype), f"{layer.dtype} layer returned {out.dtype}"
    assert out.shape[0] == case.inputs[0][0], "the batch size changed"

    # the weights Keras creates: names, shapes and order; trainable unless frozen
    assert [(w.name, w.shape) for w in layer.weights] == [(n, s) for n, s, _ in case.weights]
    floats = [w for w in layer.weights if np.dtype(w.dtype).kind not in "iu"]  # not counters
    assert all(w.dtype == np.dtype(layer.dtype) for w in floats)
    trainable = [n for n, _, t in case.weights if t and layer.trainable]
    assert [w.name for w in layer.trainable_weights] == trainable
    assert len(layer.non_trainable_weights) == len(case.weights) - len(trainable)
    assert layer.count_params() == sum(math.prod(s) for _, s, _ in case.weights)

    # compute_output_shape and a symbolic call agree with the real call (batch aside)
    predicted = layer.compute_output_shape(_shapes(case))
    assert tuple(predicted)[1:] == out.shape[1:]
    symbolic_inputs = [layers.Input(shape=s[1:], dtype=layer.dtype) for s in case.inputs]
    symbolic = layer(symbolic_inputs if case.merge else symbolic_inputs[0])
    assert symbolic.shape == (None,) + out.shape[1:]
    assert np.dtype(symbolic.dtype) == np.dtype(layer.dtype)

    # Tensors of the layer's dtype, in training mode: same shape and dtype, recorded graph
    tensors = _inputs(case, layer.dtype, seed)
    tensors = [Tensor(a) for a in tensors] if case.merge else Tensor(tensors)
    trained = layer(tensors, training=True)
    assert isinstance(trained, Tensor)
    assert trained.shape == out.shape
    assert trained.dtype == np.dtype(layer.dtype)


@settings(max_examples=10)
@given(data=st.data())
def test_compute_output_shape_keeps_the_batch_size(data):
    case = data.draw(LAYER_CASES[layers.Dense], label="case")
    layer = _quietly(layers.Dense, **case.kwargs)
    out = layer(_inputs(case, "float32", 0))
    assert tuple(layer.compute_output_shape(case.inputs[0])) == out.shape


# --------------------------------------------------------------------------
# 2. Gradients of every layer, float64
# --------------------------------------------------------------------------


def _reseed(layer):
    """Noise layers draw the same mask on every call (finite differences call many times)."""
    if hasattr(layer, "generator"):
        layer.generator = np.random.default_rng(7)


def _randomize_weights(layer, seed):
    """Random values for every weight (variances positive), so no gradient hides behind 0s."""
    rng = np.random.default_rng(seed)
    layer.set_weights([
        w.numpy() if np.dtype(w.dtype).kind in "iu"  # counters keep their values
        else rng.uniform(0.5, 2.0, w.shape) if "variance" in w.name
        else rng.normal(size=w.shape)
        for w in layer.weights
    ])


def assert_layer_gradients(layer, arrays, merge, training, seed):
    """d(sum(u * layer(x)))/d(each input and trainable weight) vs central differences."""
    def call(tensors):
        _reseed(layer)
        return layer(tensors if merge else tensors[0], training=training)

    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    out = call(inputs)
    upstream = np.random.default_rng(seed).standard_normal(out.shape)
    params = inputs + layer.trainable_weights
    analytic = grad(out, params, output_grad=upstream)

    def forward(*_):  # params are perturbed in place: inputs and weights alike
        return call([Tensor(a) for a in arrays]).data

    atol = 1e-7 + 1e-9 * np.abs(out.data).sum()  # rounding grows with the output
    for i, (param, g) in enumerate(zip(params, analytic)):
        name = getattr(param, "path", f"input {i}")
        numeric = numerical_gradient(forward, [param.data], 0, upstream)
        assert g is not None and g.shape == param.shape, name
        np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=atol, err_msg=name)


@by_name(CALLED_LAYERS)
@settings(max_examples=15)
@given(data=st.data(), training=st.booleans(), seed=seeds)
def test_layer_gradients_match_finite_differences(cls, data, training, seed):
    case = data.draw(LAYER_CASES[cls], label="case")
    layer = _quietly(cls, **{**case.kwargs, "dtype": "float64"})
    arrays = random_inputs(case.inputs, "real", seed)
    layer(arrays if case.merge else arrays[0])  # build
    _randomize_weights(layer, seed)
    if case.kinks is not None:
        assume(case.kinks(layer, arrays) > MARGIN)
    assert_layer_gradients(layer, arrays, case.merge, training, seed)


@st.composite
def embedding_indices(draw, case, dtype):
    """Integer indices of any integer dtype (or floats holding integers) in the vocabulary."""
    input_dim = case.kwargs["input_dim"]
    low = 0 if np.dtype(dtype).kind == "u" else -input_dim
    return draw(hnp.arrays(dtype, case.inputs[0], elements=st.integers(low, input_dim - 1)))


@settings(max_examples=20)
@given(data=st.data(), dtype=st.sampled_from(["int8", "uint8", "int32", "int64", "float32"]))
def test_embedding_shapes_dtypes_and_weights(data, dtype):
    case = data.draw(embedding_cases(), label="case")
    layer = _quietly(layers.Embedding, **case.kwargs)
    x = data.draw(embedding_indices(case, dtype), label="x")
    out = layer(x)
    assert out.shape == x.shape + (case.kwargs["output_dim"],)
    assert out.dtype == np.dtype(layer.dtype)
    np.testing.assert_array_equal(out, layer.embeddings.numpy()[x.astype(int)])
    assert [(w.name, w.shape) for w in layer.weights] == [(n, s) for n, s, _ in case.weights]
    assert tuple(layer.compute_output_shape(x.shape)) == out.shape
    symbolic = layer(layers.Input(shape=x.shape[1:], dtype=dtype))
    assert symbolic.shape == (None,) + out.shape[1:]


@settings(max_examples=15)
@given(data=st.data(), seed=seeds)
def test_embedding_gradient_matches_finite_differences(data, seed):
    case = data.draw(embedding_cases(), label="case")
    layer = _quietly(layers.Embedding, **{**case.kwargs, "dtype": "float64", "trainable": True})
    x = data.draw(embedding_indices(case, "int64"), label="x")
    layer(x)  # build
    _randomize_weights(layer, seed)
    out = layer(Tensor(x))
    upstream = np.random.default_rng(seed).standard_normal(out.shape)
    (analytic,) = grad(out, [layer.embeddings], output_grad=upstream)
    numeric = numerical_gradient(lambda E: layer(Tensor(x)).data, [layer.embeddings.data], 0,
                                 upstream)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


# --------------------------------------------------------------------------
# 3. get_config round trips
# --------------------------------------------------------------------------



def _input_layer_cases():
    shape = hnp.array_shapes(min_dims=1, max_dims=3, max_side=4)
    return st.one_of(
        st.fixed_dictionaries({"shape": shape}, optional={"batch_size": st.integers(1, 8),
                                                          "name": names,
                                                          "dtype": st.just("float64")}),
        st.fixed_dictionaries({"batch_shape": shape.map(lambda s: (None,) + s)}),
    ).map(lambda kwargs: LayerCase(kwargs, []))


@st.composite
def legacy_shape_argument(draw, case):
    """Sometimes the Keras 2 ``input_shape=`` (kept in the config as batch_input_shape)."""
    if len(case.inputs) == 1 and draw(st.booleans()):
        return {**case.kwargs, "input_shape": case.inputs[0][1:]}
    return case.kwargs


@by_name(ALL_LAYERS)
@settings(max_examples=15)
@given(data=st.data(), seed=seeds)
def test_layer_config_round_trip(cls, data, seed):
    cases = _input_layer_cases() if cls is layers.InputLayer else LAYER_CASES[cls]
    case = data.draw(cases, label="case")
    kwargs = data.draw(legacy_shape_argument(case), label="kwargs")
    layer = _quietly(cls, **kwargs)
    config = layer.get_config()
    clone = _quietly(cls.from_config, config)
    assert clone.get_config() == config
    assert type(clone) is cls
    _assert_json_round_trip(cls, config)
    if cls is layers.InputLayer:
        assert clone.output.shape == layer.output.shape
        return

    # the same function when given the same weights
    x = _inputs(case, layer.dtype, seed)
    deterministic = _deterministic_call(cls)
    out = layer(x, **deterministic)
    assert layer.get_config() == config, "building the layer changed its config"
    clone(x, **deterministic)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(clone(x, **deterministic), out)
    if cls is layers.BatchNormalization:  # training mode: the batch's own statistics
        tensors = Tensor(x)
        np.testing.assert_array_equal(clone(tensors, training=True).data,
                                      layer(tensors, training=True).data)


def _deterministic_call(cls):
    """Call arguments for the same output on every call: the augmentation layers augment
    on a plain call (Keras' ``call(training=True)`` default), so they are compared at
    inference."""
    training = inspect.signature(cls.call).parameters.get("training")
    return {"training": False} if training is not None and training.default is True else {}


def _assert_round_trip(obj):
    """``from_config(get_config())`` rebuilds an object with the same config, also through
    JSON (as a saved model stores it); returns the rebuilt object."""
    config = obj.get_config()
    clone = _quietly(type(obj).from_config, config)
    assert type(clone) is type(obj)
    assert clone.get_config() == config
    assert obj.get_config() == config, "get_config changed the object"
    _assert_json_round_trip(type(obj), config)
    return clone


def _assert_json_round_trip(cls, config):
    text = json.dumps(config)  # tuples come back as lists
    loaded = _quietly(cls.from_config, json.loads(text))
    assert json.loads(json.dumps(loaded.get_config())) == json.loads(text)


@by_name(classes_in(initializers, initializers.Initializer))
@settings(max_examples=20)
@given(data=st.data())
def test_initializer_config_round_trip(cls, data):
    kwargs = data.draw(st.fixed_dictionaries(INITIALIZER_ARGS.get(cls, {})), label="kwargs")
    init = cls(**kwargs)
    clone = _assert_round_trip(init)
    if cls is initializers.Initializer:
        return  # the base class draws nothing
    deterministic = getattr(init, "seed", 0) is not None
    if deterministic:  # seeded (or constant): the same values
        np.testing.assert_array_equal(clone((3, 2)), init((3, 2)))


@by_name(classes_in(regularizers, regularizers.Regularizer))
@settings(max_examples=20)
@given(data=st.data(), seed=seeds)
def test_regularizer_config_round_trip(cls, data, seed):
    kwargs = data.draw(st.fixed_dictionaries(REGULARIZER_ARGS.get(cls, {})), label="kwargs")
    regularizer = cls(**kwargs)
    clone = _assert_round_trip(regularizer)
    W = np.random.default_rng(seed).standard_normal((3, 2))
    np.testing.assert_array_equal(clone(W).data, regularizer(W).data)


@by_name(classes_in(constraints, constraints.Constraint))
@settings(max_examples=20)
@given(data=st.data(), seed=seeds)
def test_constraint_config_round_trip(cls, data, seed):
    kwargs = data.draw(st.fixed_dictionaries(CONSTRAINT_ARGS.get(cls, {})), label="kwargs")
    constraint = cls(**kwargs)
    clone = _assert_round_trip(constraint)
    W = np.random.default_rng(seed).standard_normal((3, 2))
    np.testing.assert_array_equal(clone(W), constraint(W))


# --- learning-rate schedules and optimizers ---------------------------------------------

learning_rates = st.floats(1e-4, 1.0)
decay_rates = st.floats(0.0, 0.999)  # 1 is accepted, but 1 - beta^t = 0 gives NaN steps


@st.composite
def piecewise_arguments(draw):
    boundaries = sorted(draw(st.lists(st.integers(0, 1000), unique=True, max_size=4)))
    values = draw(st.lists(learning_rates, min_size=len(boundaries) + 1,
                           max_size=len(boundaries) + 1))
    return {"boundaries": boundaries, "values": values, "name": draw(names)}


SCHEDULE_ARGS = {
    "initial_learning_rate": learning_rates,
    "decay_steps": st.integers(1, 1000),
    "decay_rate": st.floats(0.05, 1.0),
    "staircase": st.booleans(),
    "alpha": unit,
    "warmup_target": st.none() | learning_rates,
    "warmup_steps": st.integers(0, 100),
    "end_learning_rate": st.floats(0.0, 1e-3),
    "power": st.floats(0.1, 3.0),
    "cycle": st.booleans(),
    "name": names,
}
ABSTRACT_SCHEDULES = {schedules.LearningRateSchedule: "abstract: get_config raises by design"}
SCHEDULES = [cls for cls in classes_in(schedules, schedules.LearningRateSchedule)
             if cls not in ABSTRACT_SCHEDULES]


def arguments_for(cls, table):
    """Random values for the constructor parameters of ``cls`` that ``table`` knows."""
    parameters = inspect.signature(cls.__init__).parameters
    return st.fixed_dictionaries({name: table[name] for name in parameters if name in table})


def schedule_arguments(cls):
    if cls is schedules.PiecewiseConstantDecay:
        return piecewise_arguments()
    return arguments_for(cls, SCHEDULE_ARGS)


@by_name(SCHEDULES)
@settings(max_examples=20)
@given(data=st.data())
def test_schedule_config_round_trip(cls, data):
    schedule = cls(**data.draw(schedule_arguments(cls), label="kwargs"))
    clone = _assert_round_trip(schedule)
    for step in (0, 1, 7, 100, 12345):
        assert clone(step) == schedule(step)


any_schedule = st.sampled_from(SCHEDULES).flatmap(
    lambda cls: schedule_arguments(cls).map(lambda kwargs: cls(**kwargs))
)
OPTIMIZER_ARGS = {
    "learning_rate": learning_rates | any_schedule,
    "weight_decay": st.none() | st.floats(0.0, 0.1),
    "momentum": unit,
    "nesterov": st.booleans(),
    "rho": decay_rates,
    "centered": st.booleans(),
    "beta_1": decay_rates,
    "beta_2": decay_rates,
    "epsilon": st.floats(1e-8, 1e-2),
    "amsgrad": st.booleans(),
    "initial_accumulator_value": unit,
    "name": names,
}
OPTIMIZER_OVERRIDES = {optimizers.AdamW: {"weight_decay": st.floats(0.0, 0.1)}}  # no None
CLIPPING = st.sampled_from([None, "clipnorm", "clipvalue", "global_clipnorm"])


@by_name(classes_in(optimizers, optimizers.Optimizer))
@settings(max_examples=20)
@given(data=st.data(), seed=seeds)
def test_optimizer_config_round_trip(cls, data, seed):
    table = {**OPTIMIZER_ARGS, **OPTIMIZER_OVERRIDES.get(cls, {})}
    kwargs = data.draw(arguments_for(cls, table), label="kwargs")
    clipping = data.draw(CLIPPING, label="clipping")  # at most one of the three
    if clipping is not None:
        kwargs[clipping] = data.draw(st.floats(0.01, 10.0), label=clipping)
    if cls is optimizers.Optimizer:
        kwargs.setdefault("learning_rate", 0.01)  # required by the base class
    optimizer = _quietly(cls, **kwargs)
    clone = _assert_round_trip(optimizer)
    if cls is optimizers.Optimizer:
        return  # the base class has no update rule

    # the same updates from the same start
    rng = np.random.default_rng(seed)
    start = rng.standard_normal((3, 2)).astype(np.float32)
    ours, theirs = Variable(start.copy(), name="w"), Variable(start.copy(), name="w")
    for _ in range(3):
        g = rng.standard_normal((3, 2)).astype(np.float32)
        optimizer.apply([g], [ours])
        clone.apply([g], [theirs])
    np.testing.assert_array_equal(theirs.data, ours.data)


# --- losses, metrics, activations ---------------------------------------------------------


def _loss_functions(module, helpers_not_losses=()):
    """The module's public functions of (y_true, y_pred, ...), each once."""
    found = {
        fn for name, fn in vars(module).items()
        if inspect.isfunction(fn) and not name.startswith("_") and name not in helpers_not_losses
        and list(inspect.signature(fn).parameters)[:2] == ["y_true", "y_pred"]
    }
    return sorted(found, key=lambda fn: fn.__name__)


NOT_LOSSES = ("label_kind", "resolve_crossentropy")  # read shapes, return no loss
LOSS_FUNCTIONS = _loss_functions(losses, NOT_LOSSES)
# Loss functions keras.metrics re-exports but whose names Keras 3's metrics.get refuses
# (checked with Keras 3.15.1): metric functions by object, not by name.
UNNAMED_METRIC_FUNCTIONS = ("binary_focal_crossentropy", "categorical_focal_crossentropy",
                            "huber", "log_cosh")
METRIC_FUNCTIONS = _loss_functions(metrics, UNNAMED_METRIC_FUNCTIONS)
LOSS_ARGS = {
    "reduction": st.sampled_from(losses.REDUCTIONS),
    "name": names,
    "dtype": st.sampled_from([None, "float32", "float64"]),
    "from_logits": st.booleans(),
    "label_smoothing": unit,
    "axis": st.sampled_from([-1, 1]),
    "ignore_class": st.none() | st.integers(-1, 9),
    "delta": positive,
    "fn": st.sampled_from(LOSS_FUNCTIONS),
}
METRIC_ARGS = {
    **LOSS_ARGS,
    "dtype": st.sampled_from(["float32", "float64"]),
    "threshold": st.floats(0.05, 1.0),
    "k": st.integers(1, 5),
    "fn": st.sampled_from(METRIC_FUNCTIONS),
    "num_classes": st.integers(2, 5),
    "target_class_ids": st.sampled_from([[0], [0, 1], (1,)]),
    "recall": st.floats(0.05, 1.0),
    "precision": st.floats(0.05, 1.0),
    "sensitivity": st.floats(0.05, 1.0),
    "specificity": st.floats(0.05, 1.0),
}


@by_name(classes_in(losses, losses.Loss))
@settings(max_examples=20)
@given(data=st.data())
def test_loss_config_round_trip(cls, data):
    loss = _quietly(cls, **data.draw(arguments_for(cls, LOSS_ARGS), label="kwargs"))
    _assert_round_trip(loss)


@by_name(classes_in(metrics, metrics.Metric))
@settings(max_examples=20)
@given(data=st.data())
def test_metric_config_round_trip(cls, data):
    metric = cls(**data.draw(arguments_for(cls, METRIC_ARGS), label="kwargs"))
    _assert_round_trip(metric)


@pytest.mark.parametrize("fn", LOSS_FUNCTIONS, ids=lambda fn: fn.__name__)
def test_loss_function_round_trip(fn):
    assert losses.get(losses.serialize(fn)) is fn


@pytest.mark.parametrize("fn", METRIC_FUNCTIONS, ids=lambda fn: fn.__name__)
def test_metric_function_round_trip(fn):
    """The name gives the function, or (as in Keras 3) the metric class that averages it."""
    restored = metrics.get(metrics.serialize(fn))
    assert restored is fn or (isinstance(restored, metrics.Metric) and restored.fn is fn)


NOT_ACTIVATIONS = ("get", "serialize", "deserialize")
ACTIVATIONS = sorted(
    {fn for name, fn in vars(activations).items()
     if inspect.isfunction(fn) and fn.__module__ == activations.__name__
     and not name.startswith("_") and name not in NOT_ACTIVATIONS},
    key=lambda fn: fn.__name__,
)


@pytest.mark.parametrize("fn", ACTIVATIONS, ids=lambda fn: fn.__name__)
def test_activation_round_trip(fn):
    assert activations.get(activations.serialize(fn)) is fn
    assert activations.deserialize(activations.serialize(fn)) is fn
    layer = layers.Activation(fn)
    assert layers.Activation.from_config(layer.get_config()).activation is fn


def test_the_enumerations_found_the_modules_classes():
    # Guards the enumeration itself: an import change must not silently empty a list.
    assert {layers.Dense, layers.BatchNormalization, layers.Concatenate} <= set(ALL_LAYERS)
    assert initializers.GlorotUniform in classes_in(initializers, initializers.Initializer)
    assert optimizers.Adam in classes_in(optimizers, optimizers.Optimizer)
    assert schedules.CosineDecay in SCHEDULES
    assert losses.Huber in classes_in(losses, losses.Loss)
    assert metrics.RootMeanSquaredError in classes_in(metrics, metrics.Metric)
    assert losses.mean_squared_error in LOSS_FUNCTIONS
    assert activations.relu in ACTIVATIONS and activations.swish in ACTIVATIONS
