"""Pooling: ops.max_pool / ops.average_pool and the pooling layers.

References:
- a naive implementation with plain Python loops over the output positions (forward and
  backward), for every option combination, 1-D to 3-D;
- PyTorch (F.max_pool1d/2d, F.avg_pool1d/2d) on "valid" configurations, and on "same"
  ones through explicit padding (TensorFlow pads asymmetrically, PyTorch symmetrically);
- Keras' own outputs (tests/data/keras-golden/convolution.json, "pooling");
- float64 central differences with a random upstream gradient.
"""
import itertools
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import golden
from helpers import assert_gradients, assert_no_graph, random_inputs, torch_reference

import glassnet as keras
from glassnet import config, layers, ops
from glassnet.autodiff import Tensor, grad, no_grad, pooling, sliding_windows

# --------------------------------------------------------------------------
# The naive reference: loops over output positions, channels_last
# --------------------------------------------------------------------------


def naive_windows(sizes, pool, strides, padding):
    """For every output position, the window's slices over the REAL pixels (TF's rule)."""
    starts = []
    for n, p, s in zip(sizes, pool, strides):
        o = (n - p) // s + 1 if padding == "valid" else math.ceil(n / s)
        pad_before = max((o - 1) * s + p - n, 0) // 2 if padding == "same" else 0
        starts.append([i * s - pad_before for i in range(o)])
    for position in itertools.product(*[range(len(axis)) for axis in starts]):
        window = tuple(
            slice(max(axis[i], 0), min(axis[i] + p, n))
            for axis, i, p, n in zip(starts, position, pool, sizes)
        )
        yield position, window


def naive_pool(x, kind, pool, strides, padding):
    """y at every output position: the max or the mean of the window's real pixels."""
    batch, *sizes, channels = x.shape
    positions = list(naive_windows(sizes, pool, strides, padding))
    out_shape = tuple(np.max([p for p, _ in positions], axis=0) + 1)
    y = np.zeros((batch, *out_shape, channels), dtype=x.dtype)
    for position, window in positions:
        patch = x[(slice(None), *window, slice(None))].reshape(batch, -1, channels)
        reduced = patch.max(axis=1) if kind == "max" else patch.sum(axis=1) / patch.shape[1]
        y[(slice(None), *position, slice(None))] = reduced
    return y


def naive_pool_backward(x, g, kind, pool, strides, padding):
    """dL/dx: each window sends g to its first arg-max (max) or g / count to every pixel."""
    batch, *sizes, channels = x.shape
    dx = np.zeros_like(x)
    for position, window in naive_windows(sizes, pool, strides, padding):
        region = (slice(None), *window, slice(None))
        patch = x[region].reshape(batch, -1, channels)  # row-major window order
        g_here = g[(slice(None), *position, slice(None))]  # (N, C)
        dpatch = np.zeros_like(patch)
        if kind == "max":
            first = patch.argmax(axis=1)  # the first maximum on ties
            np.put_along_axis(dpatch, first[:, None, :], g_here[:, None, :], axis=1)
        else:
            dpatch[:] = g_here[:, None, :] / patch.shape[1]
        dx[region] += dpatch.reshape(x[region].shape)
    return dx


OPS = {"max": ops.max_pool, "average": ops.average_pool}

# (input shape channels_last, pool_size, strides, padding)
CONFIGS = [
    ((2, 9, 3), 2, None, "valid"),  # 1-D, tiles with a remainder
    ((2, 9, 3), 3, 2, "same"),  # 1-D, overlapping
    ((1, 7, 2), 2, 3, "same"),  # 1-D, gaps between windows
    ((2, 7, 6, 3), 2, None, "valid"),  # reshape path, the odd row dropped
    ((2, 7, 6, 3), 2, None, "same"),  # 2x2 "same": padding at the bottom only
    ((2, 8, 6, 3), 2, 2, "same"),  # reshape path with "same" (no padding needed)
    ((2, 7, 6, 3), 3, 2, "valid"),  # overlapping windows
    ((2, 7, 6, 3), 3, 2, "same"),
    ((2, 7, 6, 3), (3, 2), (1, 2), "same"),  # a different window and step per axis
    ((1, 6, 7, 2), (2, 3), (3, 1), "valid"),  # gaps along height, overlap along width
    ((1, 5, 5, 2), 4, 3, "same"),  # padding on both sides (total 2)
    ((1, 3, 4, 2), 5, 1, "same"),  # a window larger than the image: fine with "same"
    ((1, 4, 5, 3, 2), 2, (2, 1, 2), "same"),  # 3-D, as keras.ops allows
]
CONFIG_IDS = [f"{len(s) - 2}d-{p}-{st}-{pad}" for s, p, st, pad in CONFIGS]


def _tuple(value, dims):
    return (value,) * dims if isinstance(value, int) else tuple(value)


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("shape", "pool_size", "strides", "padding"), CONFIGS, ids=CONFIG_IDS)
def test_forward_and_backward_match_naive_loops(kind, dtype, shape, pool_size, strides,
                                                padding):
    dims = len(shape) - 2
    pool, steps = _tuple(pool_size, dims), _tuple(strides or pool_size, dims)
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape).astype(dtype)
    x_tensor = Tensor(x, requires_grad=True)
    y = OPS[kind](x_tensor, pool_size, strides=strides, padding=padding)
    g = rng.standard_normal(y.shape).astype(dtype)
    (dx,) = grad(y, [x_tensor], output_grad=g)

    assert y.dtype == np.dtype(dtype) and dx.dtype == np.dtype(dtype)
    expected = naive_pool(x, kind, pool, steps, padding)
    expected_dx = naive_pool_backward(x, g, kind, pool, steps, padding)
    overlapping = any(s < p for s, p in zip(steps, pool))
    if kind == "max":  # a max is exact, so is a routed gradient unless windows overlap
        np.testing.assert_array_equal(y.data, expected)
        if not overlapping:
            np.testing.assert_array_equal(dx, expected_dx)
        np.testing.assert_allclose(dx, expected_dx, rtol=1e-6, atol=1e-7)  # sums of g
    else:  # sums in another order: the last float32 bit may differ
        np.testing.assert_allclose(y.data, expected, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(dx, expected_dx, rtol=1e-6, atol=1e-7)


def test_max_pool_ties_send_the_gradient_to_the_first_maximum():
    x = np.array([[[1.0], [3.0], [3.0], [0.0], [2.0], [2.0]]])  # (1, 6, 1): windows of 3
    x_tensor = Tensor(x, requires_grad=True)
    y = ops.max_pool(x_tensor, 3)
    (dx,) = grad(y, [x_tensor], output_grad=np.array([[[10.0], [20.0]]]))
    np.testing.assert_array_equal(y.data.ravel(), [3.0, 2.0])
    np.testing.assert_array_equal(dx.ravel(), [0, 10, 0, 0, 20, 0])

    flat = Tensor(np.full((1, 2, 2, 1), 5.0), requires_grad=True)  # one 2x2 window, all equal
    (d_flat,) = grad(ops.max_pool(flat, 2), [flat], output_grad=np.ones((1, 1, 1, 1)))
    np.testing.assert_array_equal(d_flat.ravel(), [1, 0, 0, 0])  # row-major first


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize(("strides", "expected_dx"), [
    # tiled: window 0 is [[1, 3], [3, 2]] -> (0, 1); window 1 is all 3s -> its (0, 0)
    (2, [[0, 10, 20, 0],
         [0, 0, 0, 0]]),
    # overlapping, 3 windows: [[1, 3], [3, 2]] -> (0, 1); [[3, 3], [2, 3]] -> (0, 1) again;
    # [[3, 3], [3, 3]] -> its (0, 0), pixel (0, 2)
    (1, [[0, 10 + 20, 30, 0],
         [0, 0, 0, 0]]),
])
def test_max_pool_2d_ties_send_the_gradient_to_the_first_maximum_in_row_major_order(
        data_format, strides, expected_dx):
    image = np.array([[1.0, 3.0, 3.0, 3.0],
                      [3.0, 2.0, 3.0, 3.0]])
    x = image[None, :, :, None] if data_format == "channels_last" else image[None, None]
    x_tensor = Tensor(x, requires_grad=True)
    y = ops.max_pool(x_tensor, 2, strides=strides, data_format=data_format)
    g = np.array([10.0, 20.0, 30.0][: y.size]).reshape(y.shape)
    (dx,) = grad(y, [x_tensor], output_grad=g)
    np.testing.assert_array_equal(y.data.ravel(), [3.0] * y.size)
    np.testing.assert_array_equal(dx.reshape(image.shape), expected_dx)


def test_max_pool_ties_in_a_window_of_more_than_256_pixels():
    # offsets beyond 255 need an arg-max wider than uint8: k* = 16 * 17 = 272, not 288
    x = np.zeros((1, 17, 17, 1))
    x[0, 16, 0] = x[0, 16, 16] = 1.0
    x_tensor = Tensor(x, requires_grad=True)
    (dx,) = grad(ops.max_pool(x_tensor, 17), [x_tensor], output_grad=np.ones((1, 1, 1, 1)))
    expected = np.zeros_like(x)
    expected[0, 16, 0] = 1.0
    np.testing.assert_array_equal(dx, expected)


def test_same_padding_never_wins_a_max_and_is_not_counted_in_an_average():
    x = -np.arange(1.0, 4.0).reshape(1, 3, 1)  # [-1, -2, -3]: a 0 pad would win the max
    np.testing.assert_array_equal(ops.max_pool(x, 2, padding="same").data.ravel(), [-1, -3])
    spec = np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1)  # keras-spec.md: [1.5, 3]
    np.testing.assert_array_equal(ops.average_pool(spec, 2, padding="same").data.ravel(),
                                  [1.5, 3.0])


# --------------------------------------------------------------------------
# PyTorch
# --------------------------------------------------------------------------

TORCH = {("max", 1): F.max_pool1d, ("max", 2): F.max_pool2d,
         ("average", 1): F.avg_pool1d, ("average", 2): F.avg_pool2d}


def _torch_same(kind, x, pool, strides, sizes):
    """TensorFlow's "same" in PyTorch: explicit asymmetric padding; an average divides by
    the real pixels (the mean of the padded input over the mean of a padded mask)."""
    widths = []
    for n, p, s in reversed(list(zip(sizes, pool, strides))):  # F.pad lists the last axis first
        widths += sliding_windows.padding_amounts(n, p, s, "same")
    pool_fn = TORCH[(kind, len(pool))]
    if kind == "max":
        return pool_fn(F.pad(x, widths, value=-math.inf), pool, strides)
    real = F.pad(torch.ones_like(x), widths)
    return pool_fn(F.pad(x, widths), pool, strides) / pool_fn(real, pool, strides)


TORCH_CONFIGS = [
    ((2, 3, 9), 2, None), ((2, 3, 9), 3, 2), ((1, 2, 8), 2, 3),  # channels_first 1-D
    ((2, 3, 7, 6), 2, None), ((2, 3, 7, 6), 3, 2), ((1, 2, 6, 7), (2, 3), (3, 1)),
    ((1, 2, 5, 5), 4, 3),
]


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize(("shape", "pool_size", "strides"), TORCH_CONFIGS,
                         ids=[f"{len(c[0]) - 2}d-{c[1]}-{c[2]}" for c in TORCH_CONFIGS])
def test_matches_pytorch_forward_and_gradient(kind, padding, shape, pool_size, strides):
    dims = len(shape) - 2
    pool, steps = _tuple(pool_size, dims), _tuple(strides or pool_size, dims)

    def ours(x):
        return OPS[kind](x, pool_size, strides, padding, data_format="channels_first")

    def theirs(x):
        if padding == "same":
            return _torch_same(kind, x, pool, steps, shape[2:])
        return TORCH[(kind, dims)](x, pool, steps)

    (x,) = random_inputs([shape], "distinct", seed=dims)  # no ties: one arg-max per window
    torch_reference(ours, theirs, [x], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dims", [1, 2])
def test_max_pool_ties_match_pytorch(dims):
    # integer values: many ties; both send the gradient to the first maximum of each window
    shape = (2, 3) + (6,) * dims
    x = np.random.default_rng(0).integers(0, 3, shape).astype(np.float64)
    torch_reference(lambda t: ops.max_pool(t, 3, 1, data_format="channels_first"),
                    lambda t: TORCH[("max", dims)](t, 3, 1), [x])


# --------------------------------------------------------------------------
# Keras' golden values
# --------------------------------------------------------------------------

GOLDEN_LAYERS = {
    "MaxPooling2D(2, padding='valid')": lambda: layers.MaxPooling2D(2, padding="valid"),
    "AveragePooling2D(2, padding='valid')": lambda: layers.AveragePooling2D(2, padding="valid"),
    "MaxPooling2D(2, padding='same')": lambda: layers.MaxPooling2D(2, padding="same"),
    "AveragePooling2D(2, padding='same')": lambda: layers.AveragePooling2D(2, padding="same"),
    "MaxPooling2D(3, strides=2)": lambda: layers.MaxPooling2D(3, strides=2),
    "GlobalAveragePooling2D()": layers.GlobalAveragePooling2D,
    "GlobalMaxPooling2D()": layers.GlobalMaxPooling2D,
}


def test_golden_file_has_the_expected_entries():
    assert set(golden("convolution")["pooling"]) == set(GOLDEN_LAYERS)


@pytest.mark.parametrize("name", sorted(GOLDEN_LAYERS))
def test_matches_keras_golden_values(name):
    data = golden("convolution")
    images = np.array(data["images_nhwc"], dtype=np.float32)  # (2, 7, 6, 3)
    expected = np.array(data["pooling"][name], dtype=np.float32)
    out = GOLDEN_LAYERS[name]()(images)
    assert out.dtype == np.float32 and out.shape == expected.shape
    if "Max" in name:
        np.testing.assert_array_equal(out, expected)
    else:
        np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-7)


# --------------------------------------------------------------------------
# Gradients: central differences for every option combination
# --------------------------------------------------------------------------

GRADIENT_GEOMETRIES = {  # spatial sizes, pool_size, strides
    "tiled": ((5, 4), 2, None),
    "overlapping": ((5, 4), (3, 2), 1),
    "gapped": ((5, 6), 2, (3, 3)),
}


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("dims", [1, 2])
@pytest.mark.parametrize("geometry", sorted(GRADIENT_GEOMETRIES))
def test_gradients_match_finite_differences(kind, padding, data_format, dims, geometry):
    sizes, pool_size, strides = GRADIENT_GEOMETRIES[geometry]
    sizes = sizes[:dims]
    if dims == 1:
        pool_size, strides = _tuple(pool_size, 2)[0], strides and _tuple(strides, 2)[0]
    shape = (2, *sizes, 2) if data_format == "channels_last" else (2, 2, *sizes)
    (x,) = random_inputs([shape], "distinct", seed=dims)  # values >= 0.15 apart: no ties

    def f(t):
        return OPS[kind](t, pool_size, strides, padding, data_format)

    assert_gradients(f, [x])


# --------------------------------------------------------------------------
# The reshape fast path, data formats, dtypes, no_grad
# --------------------------------------------------------------------------


def _run(function, windows, x, g):
    x_tensor = Tensor(x, requires_grad=True)
    y = function(windows).apply(x_tensor)
    return y.data, grad(y, [x_tensor], output_grad=g)[0]


@pytest.mark.parametrize("function", [pooling.MaxPool, pooling.AveragePool])
@pytest.mark.parametrize(("shape", "pool", "axes", "padding"), [
    ((2, 8, 6, 3), (2, 2), (1, 2), "valid"),
    ((2, 7, 9, 3), (2, 3), (1, 2), "valid"),  # remainders dropped
    ((2, 3, 8, 6), (2, 2), (2, 3), "same"),  # channels_first; "same" without padding
    ((3, 10, 4), (5,), (1,), "valid"),
])
def test_reshape_path_matches_the_strided_path(function, shape, pool, axes, padding):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    tiled = pooling.Windows(shape, pool, pool, padding, axes)
    strided = pooling.Windows(shape, pool, pool, padding, axes)
    strided.tiled = False  # force the sliding-window view
    assert tiled.tiled
    g = rng.standard_normal(tiled.unfold(x).shape[: len(shape)]).astype(np.float32)
    y_fast, dx_fast = _run(function, tiled, x, g)
    y_slow, dx_slow = _run(function, strided, x, g)
    np.testing.assert_array_equal(y_fast, y_slow)
    np.testing.assert_array_equal(dx_fast, dx_slow)


def test_windows_take_the_reshape_path_only_when_they_tile():
    assert pooling.Windows((2, 26, 26, 32), (2, 2), (2, 2), "valid", (1, 2)).tiled
    assert pooling.Windows((2, 11, 11, 64), (2, 2), (2, 2), "valid", (1, 2)).tiled  # crops
    assert not pooling.Windows((2, 11, 11, 64), (2, 2), (2, 2), "same", (1, 2)).tiled  # pads
    assert not pooling.Windows((2, 8, 8, 1), (3, 3), (2, 2), "valid", (1, 2)).tiled
    tiles = pooling.Windows((2, 8, 6, 3), (2, 2), (2, 2), "valid", (1, 2))
    x = np.zeros((2, 8, 6, 3))
    assert np.shares_memory(tiles.unfold(x), x)  # a view, no copy


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize(("shape", "pool_size", "strides", "padding"), CONFIGS[:-1],
                         ids=CONFIG_IDS[:-1])
def test_channels_first_agrees_with_channels_last(kind, shape, pool_size, strides, padding):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(np.float32)
    first = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    last_t, first_t = Tensor(x, requires_grad=True), Tensor(first, requires_grad=True)
    y_last = OPS[kind](last_t, pool_size, strides, padding, "channels_last")
    y_first = OPS[kind](first_t, pool_size, strides, padding, "channels_first")
    np.testing.assert_array_equal(np.moveaxis(y_first.data, 1, -1), y_last.data)
    g = rng.standard_normal(y_last.shape).astype(np.float32)
    (dx_last,) = grad(y_last, [last_t], output_grad=g)
    (dx_first,) = grad(y_first, [first_t], output_grad=np.moveaxis(g, -1, 1))
    np.testing.assert_array_equal(np.moveaxis(dx_first, 1, -1), dx_last)


def test_data_format_none_follows_the_global_image_data_format():
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 6)).astype(np.float32)
    config.set_image_data_format("channels_first")
    try:
        layer = layers.MaxPooling2D()
        assert layer.data_format == "channels_first"
        assert ops.max_pool(x, 2).shape == (1, 2, 2, 3)
        assert layers.GlobalAveragePooling2D()(x).shape == (1, 2)
    finally:
        config.set_image_data_format("channels_last")
    assert layers.MaxPooling2D().data_format == "channels_last"


@pytest.mark.parametrize("op", [ops.max_pool, ops.average_pool])
def test_no_graph_under_no_grad_and_plain_arrays_in(op):
    x = np.random.default_rng(0).standard_normal((2, 6, 6, 3)).astype(np.float32)
    with no_grad():
        out = op(Tensor(x, requires_grad=True), 3, 2)
    assert_no_graph(out)
    recorded = op(Tensor(x, requires_grad=True), 3, 2)
    np.testing.assert_array_equal(out.data, recorded.data)
    np.testing.assert_array_equal(op(x, 3, 2).data, recorded.data)  # an ndarray works too
    assert out.dtype == np.float32


# --------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------

SHAPE_CASES = [
    (lambda: layers.MaxPooling2D(2), (None, 26, 26, 32), (None, 13, 13, 32)),
    (lambda: layers.MaxPooling2D(2), (None, 11, 11, 64), (None, 5, 5, 64)),
    (lambda: layers.MaxPooling2D(), (None, 28, 28, 1), (None, 14, 14, 1)),
    (lambda: layers.MaxPooling2D(3, strides=2), (None, 7, 6, 3), (None, 3, 2, 3)),
    (lambda: layers.MaxPooling2D(2, padding="same"), (None, 7, 6, 3), (None, 4, 3, 3)),
    (lambda: layers.MaxPooling2D((2, 3), data_format="channels_first"), (None, 3, 8, 9),
     (None, 3, 4, 3)),
    (lambda: layers.AveragePooling2D(2, strides=1, padding="same"), (None, 5, 5, 4),
     (None, 5, 5, 4)),
    (lambda: layers.MaxPooling1D(), (None, 10, 4), (None, 5, 4)),
    (lambda: layers.MaxPooling1D(3, strides=2, padding="same"), (None, 10, 4), (None, 5, 4)),
    (lambda: layers.AveragePooling1D(4), (None, 10, 4), (None, 2, 4)),
    (lambda: layers.AveragePooling1D(2, data_format="channels_first"), (None, 4, 10),
     (None, 4, 5)),
    (layers.GlobalAveragePooling2D, (None, 7, 7, 64), (None, 64)),
    (lambda: layers.GlobalAveragePooling2D(keepdims=True), (None, 7, 7, 64), (None, 1, 1, 64)),
    (lambda: layers.GlobalMaxPooling2D(data_format="channels_first"), (None, 64, 7, 7),
     (None, 64)),
    (lambda: layers.GlobalMaxPooling2D(data_format="channels_first", keepdims=True),
     (None, 64, 7, 7), (None, 64, 1, 1)),
    (layers.GlobalAveragePooling1D, (None, 10, 8), (None, 8)),
    (lambda: layers.GlobalMaxPooling1D(keepdims=True), (None, 10, 8), (None, 1, 8)),
]


@pytest.mark.parametrize(("make", "input_shape", "expected"), SHAPE_CASES)
def test_layer_output_shapes_as_keras(make, input_shape, expected):
    layer = make()
    assert tuple(layer.compute_output_shape(input_shape)) == expected
    symbolic = layer(keras.Input(shape=input_shape[1:]))
    assert symbolic.shape == expected
    assert layer.count_params() == 0 and layer.weights == []
    out = layer(np.zeros((2, *input_shape[1:]), dtype=np.float32))
    assert out.shape == (2, *expected[1:]) and out.dtype == np.float32


def test_compute_output_shape_keeps_unknown_sizes():
    assert layers.MaxPooling2D(2).compute_output_shape((None, None, 8, 3)) == (None, None, 4, 3)
    assert layers.AveragePooling1D(2, padding="same").compute_output_shape((4, None, 3)) == (
        4, None, 3)


def test_a_cnn_head_with_pooling_layers_trains():
    keras.utils.set_random_seed(0)
    model = keras.models.Sequential([
        keras.Input(shape=(8, 8, 2)),
        layers.MaxPool2D(2),
        layers.AvgPool2D(2, strides=1, padding="same"),
        layers.GlobalAvgPool2D(),
        layers.Dense(3, activation="softmax"),
    ])
    assert [layer.output_shape for layer in model.layers[:3]] == [
        (None, 4, 4, 2), (None, 4, 4, 2), (None, 2)]
    assert model.count_params() == 9
    x = np.random.default_rng(0).standard_normal((16, 8, 8, 2)).astype(np.float32)
    y = np.arange(16) % 3
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
    np.testing.assert_allclose(model.predict(x, verbose=0), model(x), rtol=1e-6)


def test_aliases_are_the_keras_classes():
    assert layers.MaxPool1D is layers.MaxPooling1D and layers.MaxPool2D is layers.MaxPooling2D
    assert layers.AvgPool1D is layers.AveragePooling1D
    assert layers.AvgPool2D is layers.AveragePooling2D
    assert layers.GlobalAvgPool1D is layers.GlobalAveragePooling1D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D
    assert layers.GlobalMaxPool1D is layers.GlobalMaxPooling1D
    assert layers.GlobalMaxPool2D is layers.GlobalMaxPooling2D


def test_get_config_as_keras_and_round_trip():
    layer = layers.MaxPooling2D(3, strides=(2, 1), padding="SAME", name="pool")
    config_ = layer.get_config()
    assert config_ == {"name": "pool", "trainable": True, "dtype": "float32",
                       "pool_size": (3, 3), "padding": "same", "strides": (2, 1),
                       "data_format": "channels_last"}
    assert layers.MaxPooling2D.from_config(config_).get_config() == config_
    assert layers.MaxPooling1D(3).get_config()["strides"] == (3,)  # None -> pool_size
    g = layers.GlobalMaxPooling1D(keepdims=True, data_format="channels_first").get_config()
    assert (g["keepdims"], g["data_format"]) == (True, "channels_first")
    assert layers.GlobalMaxPooling1D.from_config(g).get_config() == g


def test_average_pooling_without_pool_size_is_keras2_with_a_warning():
    with pytest.warns(DeprecationWarning, match="pool_size is required in Keras 3"):
        assert layers.AveragePooling2D().pool_size == (2, 2)
    with pytest.warns(DeprecationWarning):
        assert layers.AvgPool1D().pool_size == (2,)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layers.AveragePooling2D(2)


def test_global_average_pooling_1d_with_a_mask():
    x = np.arange(12, dtype=np.float32).reshape(1, 4, 3)
    mask = np.array([[True, True, False, True]])
    out = layers.GlobalAveragePooling1D()(Tensor(x), mask=mask)
    np.testing.assert_allclose(out.data, x[:, [0, 1, 3]].mean(axis=1))
    first = layers.GlobalAveragePooling1D(data_format="channels_first", keepdims=True)
    out = first(Tensor(np.ascontiguousarray(x.transpose(0, 2, 1))), mask=mask)
    np.testing.assert_allclose(out.data[..., 0], x[:, [0, 1, 3]].mean(axis=1))


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("make", "message"), [
    (lambda: layers.MaxPooling2D(0),
     r"MaxPooling2D: pool_size must be a positive integer or a tuple of 2 positive integers\. "
     r"Received: pool_size=0"),
    (lambda: layers.MaxPooling2D((2, -1)), r"Received: pool_size=\(2, -1\)"),
    (lambda: layers.MaxPooling2D((2, 2, 2)), r"Received: pool_size=\(2, 2, 2\)"),
    (lambda: layers.MaxPooling2D(2.5), r"Received: pool_size=2\.5"),
    (lambda: layers.AveragePooling2D(2, strides=0),
     r"AveragePooling2D: strides must be .*Received: strides=0"),
    (lambda: layers.MaxPooling1D(2, strides=-1),
     r"MaxPooling1D: strides must be a positive integer\. Received: strides=-1"),
    (lambda: layers.AveragePooling1D((2, 2)), r"AveragePooling1D: pool_size .*\(2, 2\)"),
    (lambda: layers.MaxPooling2D(padding="full"),
     r"MaxPooling2D: padding must be one of 'valid', 'same'\. Received: padding='full'"),
    (lambda: layers.MaxPooling2D(data_format="NHWC"),
     r"MaxPooling2D: data_format must be one of 'channels_last', 'channels_first'\. "
     r"Received: data_format='NHWC'"),
    (lambda: layers.GlobalAveragePooling2D(data_format="nchw"),
     r"GlobalAveragePooling2D: data_format must be .*Received: data_format='nchw'"),
])
def test_bad_arguments_raise_keras_style_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(("layer", "shape", "message"), [
    (layers.MaxPooling2D(3), (2, 2, 5, 4),
     r"MaxPooling2D: the pooling window pool_size=\(3, 3\) is larger than the input's spatial "
     r"size \(2, 5\) with padding='valid'.*Received: inputs\.shape=\(2, 2, 5, 4\)"),
    (layers.AveragePooling1D(4), (2, 3, 4),
     r"AveragePooling1D: .*pool_size=\(4,\) is larger .*\(3,\).*inputs\.shape=\(2, 3, 4\)"),
    (layers.MaxPooling2D(2), (2, 8, 8),
     r"MaxPooling2D: expected an input of rank 4 \(batch, height, width, channels\)\. "
     r"Received: inputs\.shape=\(2, 8, 8\)"),
    (layers.MaxPooling1D(2, data_format="channels_first"), (2, 3, 8, 8),
     r"MaxPooling1D: expected an input of rank 3 \(batch, channels, steps\)\. "
     r"Received: inputs\.shape=\(2, 3, 8, 8\)"),
    (layers.GlobalAveragePooling2D(), (2, 8, 3),
     r"GlobalAveragePooling2D: expected an input of rank 4 .*Received: inputs\.shape=\(2, 8, 3\)"),
    (layers.GlobalMaxPooling1D(), (2, 8, 8, 3),
     r"GlobalMaxPooling1D: expected an input of rank 3 .*inputs\.shape=\(2, 8, 8, 3\)"),
])
def test_bad_inputs_name_the_layer_and_the_shapes(layer, shape, message):
    with pytest.raises(ValueError, match=message):
        layer(np.zeros(shape, dtype=np.float32))


def test_a_window_larger_than_the_input_fails_when_the_model_is_built():
    with pytest.raises(ValueError, match=r"MaxPooling2D: .*\(3, 3\) is larger .*\(2, 2\)"):
        keras.models.Sequential([keras.Input(shape=(2, 2, 1)), layers.MaxPooling2D(3)])
    with pytest.raises(ValueError, match=r"inputs\.shape=\(None, 2, 2, 1\)"):
        layers.MaxPooling2D(3).compute_output_shape((None, 2, 2, 1))


def test_ops_check_their_arguments():
    x = np.zeros((1, 4, 4, 1), dtype=np.float32)
    with pytest.raises(ValueError, match=r"max_pool: inputs must have rank 3, 4 or 5 .*"
                                         r"Received: inputs\.shape=\(4, 4\)"):
        ops.max_pool(np.zeros((4, 4)), 2)
    with pytest.raises(ValueError, match=r"average_pool: pool_size must be .*2 positive.*"
                                         r"Received: pool_size=\(2, 2, 2\)"):
        ops.average_pool(x, (2, 2, 2))
    with pytest.raises(ValueError, match=r"max_pool: the pooling window .*\(5, 5\)"):
        ops.max_pool(x, 5)
    with pytest.raises(ValueError, match=r"average_pool: padding must be one of"):
        ops.average_pool(x, 2, padding="causal")
    assert ops.max_pool(x, 5, padding="same").shape == (1, 1, 1, 1)  # fits with "same"
