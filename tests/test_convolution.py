"""Convolution: ``ops.conv`` and the Conv1D/Conv2D layers.

References: a naive loop over output pixels (forward, and its adjoint for the backward),
PyTorch (conv1d/conv2d; TensorFlow's asymmetric "same" emulated by F.pad first), Keras'
own numbers (tests/data/keras-golden/convolution.json) and float64 central differences
with a random upstream gradient, for every option combination.
"""
import re
from dataclasses import dataclass

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import golden
from helpers import (
    assert_bad_input_rejected,
    assert_gradients,
    assert_no_graph,
    escaped,
    torch_reference,
)

import glassnet as keras
from glassnet import layers, ops
from glassnet.autodiff import Tensor, grad, no_grad
from glassnet.autodiff.gradcheck import numerical_gradient


@pytest.fixture(autouse=True, scope="module")
def torch_on_one_thread():
    """PyTorch's thread pool costs ~0.1 s per tiny conv on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# --------------------------------------------------------------------------
# The references
# --------------------------------------------------------------------------


def tf_pads(n, k, s, d, padding):
    """(before, after) zeros of one axis, as TensorFlow pads (the extra one at the end)."""
    if padding == "valid":
        return (0, 0)
    if padding == "causal":
        return (d * (k - 1), 0)
    out = -(-n // s)  # ceil(n / s)
    total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return (total // 2, total - total // 2)


def naive_conv(x, w, g, strides, padding, dilation):
    """z = conv(x, w), dL/dx and dL/dw for the upstream gradient g, by plain loops.

    x (N, *spatial, C) channels last, w (*kernel, C / G, F); g is drawn by the caller
    for z's shape (``naive_output_shape``).  For every output pixel, filter and kernel
    offset: z += x . w (the lecture's sum), and its adjoint dx += w g, dw += x g.
    """
    rank = w.ndim - 2
    kernel, per_group, filters = w.shape[:rank], w.shape[-2], w.shape[-1]
    groups = x.shape[-1] // per_group
    pads = [tf_pads(n, k, s, d, padding)
            for n, k, s, d in zip(x.shape[1:-1], kernel, strides, dilation)]
    xp = np.pad(x, [(0, 0), *pads, (0, 0)])
    out = naive_output_shape(x.shape, w.shape, strides, padding, dilation)[1:-1]
    z = np.zeros(g.shape)
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for n in range(x.shape[0]):
        for pixel in np.ndindex(*out):
            for f in range(filters):
                group = f // (filters // groups)
                channels = slice(group * per_group, (group + 1) * per_group)
                for offset in np.ndindex(*kernel):
                    at = tuple(i * s + u * d for i, u, s, d in
                               zip(pixel, offset, strides, dilation))
                    z[(n, *pixel, f)] += xp[(n, *at, channels)] @ w[(*offset, slice(None), f)]
                    dxp[(n, *at, channels)] += w[(*offset, slice(None), f)] * g[(n, *pixel, f)]
                    dw[(*offset, slice(None), f)] += xp[(n, *at, channels)] * g[(n, *pixel, f)]
    inside = tuple(slice(before, before + size) for (before, _), size in
                   zip(pads, x.shape[1:-1]))
    return z, dxp[(slice(None), *inside)], dw


def naive_output_shape(x_shape, w_shape, strides, padding, dilation):
    rank = len(w_shape) - 2
    out = []
    for n, k, s, d in zip(x_shape[1:-1], w_shape[:rank], strides, dilation):
        before, after = tf_pads(n, k, s, d, padding)
        out.append((n + before + after - d * (k - 1) - 1) // s + 1)
    return (x_shape[0], *out, w_shape[-1])


def torch_conv(x, w, strides, padding, dilation):
    """PyTorch's conv1d/conv2d on channels-last x and a Keras kernel (*kernel, C / G, F)."""
    rank = w.dim() - 2
    groups = x.shape[-1] // w.shape[-2]
    x = x.movedim(-1, 1)  # (N, C, *spatial)
    w = w.permute(rank + 1, rank, *range(rank))  # (F, C / G, *kernel)
    pads = [tf_pads(n, k, s, d, padding)
            for n, k, s, d in zip(x.shape[2:], w.shape[2:], strides, dilation)]
    x = F.pad(x, [p for pair in reversed(pads) for p in pair])  # last axis first
    conv = {1: F.conv1d, 2: F.conv2d}[rank]
    return conv(x, w, stride=strides, dilation=dilation, groups=groups).movedim(1, -1)


# --------------------------------------------------------------------------
# Every option combination
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    rank: int
    padding: str
    strides: tuple
    dilation: tuple
    groups: int
    data_format: str

    @property
    def id(self):
        s, d = self.strides[0], self.dilation[0]
        return f"{self.rank}d-{self.padding}-s{s}-d{d}-g{self.groups}-{self.data_format[9:]}"

    def shapes(self, small=False):
        """Input (channels last) and kernel shapes: odd and even sizes, a non-square kernel."""
        channels, filters = 4, 6
        spatial, kernel = ((9,), (3,)) if self.rank == 1 else ((7, 6), (3, 2))
        if small:
            spatial = (7,) if self.rank == 1 else (5, 4)
        return (2, *spatial, channels), (*kernel, channels // self.groups, filters)

    def arrays(self, seed=0, small=False):
        x_shape, w_shape = self.shapes(small)
        rng = np.random.default_rng(seed)
        return rng.standard_normal(x_shape), rng.standard_normal(w_shape)

    def conv(self, x, w):
        """ops.conv on channels-last x; channels first goes through transposes."""
        if self.data_format == "channels_last":
            return ops.conv(x, w, self.strides, self.padding, "channels_last", self.dilation)
        last_to_first = (0, self.rank + 1, *range(1, self.rank + 1))
        first_to_last = (0, *range(2, self.rank + 2), 1)
        z = ops.conv(ops.transpose(x, last_to_first), w, self.strides, self.padding,
                     "channels_first", self.dilation)
        return ops.transpose(z, first_to_last)


STEPS = [(1, 1), (2, 1), (3, 1), (1, 2), (2, 2)]  # (strides, dilation); ops.conv takes both
CASES = [
    Case(rank, padding, (s,) * rank, (d,) * rank, groups, data_format)
    for rank in (1, 2)
    for padding in (("valid", "same", "causal") if rank == 1 else ("valid", "same"))
    for s, d in STEPS
    for groups in (1, 2)
    for data_format in ("channels_last", "channels_first")
]
by_case = pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)


@by_case
def test_conv_matches_the_naive_loops_forward_and_backward(case):
    x, w = case.arrays()
    out_shape = naive_output_shape(x.shape, w.shape, case.strides, case.padding, case.dilation)
    g = np.random.default_rng(1).standard_normal(out_shape)
    z_ref, dx_ref, dw_ref = naive_conv(x, w, g, case.strides, case.padding, case.dilation)

    X, W = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    z = case.conv(X, W)
    dx, dw = grad(z, [X, W], output_grad=g)
    np.testing.assert_allclose(z.data, z_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw, dw_ref, rtol=1e-12, atol=1e-12)


@by_case
def test_conv_matches_pytorch_forward_and_gradients(case):
    torch_reference(
        case.conv,
        lambda x, w: torch_conv(x, w, case.strides, case.padding, case.dilation),
        case.arrays(seed=2),
        rtol=1e-10,
        atol=1e-10,
        seed=3,
    )


@by_case
def test_conv_gradients_match_finite_differences(case):
    assert_gradients(case.conv, case.arrays(seed=4, small=True), seed=5)


@by_case
def test_conv_float32_in_float32_out_close_to_float64(case):
    """float32 vs the float64 result: within 1e-5 of the output's scale, on any BLAS kernel."""
    x, w = case.arrays(seed=6)
    X32 = Tensor(x.astype(np.float32), requires_grad=True)
    W32 = Tensor(w.astype(np.float32), requires_grad=True)
    X64, W64 = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    z32, z64 = case.conv(X32, W32), case.conv(X64, W64)
    g = np.random.default_rng(7).standard_normal(z64.shape)
    grads32 = grad(z32, [X32, W32], output_grad=g.astype(np.float32))
    grads64 = grad(z64, [X64, W64], output_grad=g)
    assert z32.dtype == np.float32
    assert all(a.dtype == np.float32 for a in grads32)
    for ours, reference in zip([z32.data, *grads32], [z64.data, *grads64]):
        scale = np.abs(reference).max()
        np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-5 * scale)


@pytest.mark.parametrize("rank", [1, 2])
def test_channels_first_and_channels_last_agree(rank):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 4) + (7,) * rank).astype(np.float32)  # channels first
    w = rng.standard_normal((3,) * rank + (2, 6)).astype(np.float32)
    to_last = (0, *range(2, rank + 2), 1)
    first = ops.conv(x, w, 2, "same", "channels_first")
    last = ops.conv(np.transpose(x, to_last), w, 2, "same", "channels_last")
    np.testing.assert_allclose(np.transpose(first.data, to_last), last.data, rtol=1e-6,
                               atol=1e-6)

    cls = layers.Conv2D if rank == 2 else layers.Conv1D
    conv_last = cls(6, 3, groups=2)
    conv_first = cls(6, 3, groups=2, data_format="channels_first")
    conv_last(np.transpose(x, to_last))  # build both
    conv_first(x)
    weights = [w, rng.standard_normal(6).astype(np.float32)]
    conv_last.set_weights(weights)
    conv_first.set_weights(weights)
    np.testing.assert_allclose(np.transpose(conv_first(x), to_last),
                               conv_last(np.transpose(x, to_last)), rtol=1e-6, atol=1e-6)


def test_same_padding_puts_the_extra_zero_at_the_end():
    # keras-spec: kernel [1, 10] over [1, 2, 3, 4] with "same" gives [21, 32, 43, 4]
    x = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 4, 1)
    w = np.array([1.0, 10.0]).reshape(2, 1, 1)
    np.testing.assert_array_equal(ops.conv(x, w, padding="same").data.ravel(), [21, 32, 43, 4])
    np.testing.assert_array_equal(ops.conv(x, w, padding="valid").data.ravel(), [21, 32, 43])


def test_causal_conv1d_sees_only_the_past():
    layer = layers.Conv1D(1, 3, padding="causal", dilation_rate=2, use_bias=False,
                          kernel_initializer="ones")
    x = np.zeros((1, 8, 1), dtype=np.float32)
    x[0, 5, 0] = 1.0  # an impulse at t = 5 reaches t = 5, 7 only
    np.testing.assert_array_equal(layer(x).ravel(), [0, 0, 0, 0, 0, 1, 0, 1])


def test_conv_accepts_arrays_and_records_no_graph_under_no_grad():
    x, w = Case(2, "same", (1, 1), (1, 1), 1, "channels_last").arrays()
    with no_grad():
        out = ops.conv(Tensor(x, requires_grad=True), Tensor(w, requires_grad=True))
    assert_no_graph(out)
    plain = ops.conv(x, w)  # NumPy in: a Tensor out, no gradient wanted
    assert isinstance(plain, Tensor)
    np.testing.assert_array_equal(plain.data, out.data)


def test_kernel_gradient_without_an_input_gradient():
    x, w = Case(2, "valid", (2, 2), (1, 1), 2, "channels_last").arrays()
    W = Tensor(w, requires_grad=True)
    g = np.random.default_rng(9).standard_normal((2, 3, 3, 6))
    (dw,) = grad(ops.conv(x, W, strides=2), [W], output_grad=g)
    _, _, dw_ref = naive_conv(x, w, g, (2, 2), "valid", (1, 1))
    np.testing.assert_allclose(dw, dw_ref, rtol=1e-12, atol=1e-12)


def test_conv3d_matches_pytorch():
    rng = np.random.default_rng(10)
    x, w = rng.standard_normal((2, 5, 4, 6, 4)), rng.standard_normal((2, 3, 2, 2, 6))

    def torch_conv3d(x, w):
        x = F.pad(x.movedim(-1, 1), [0, 1, 1, 1, 0, 1])  # "same", strides (2, 1, 2)
        out = F.conv3d(x, w.permute(4, 3, 0, 1, 2), stride=(2, 1, 2), groups=2)
        return out.movedim(1, -1)

    torch_reference(lambda x, w: ops.conv(x, w, (2, 1, 2), "same"), torch_conv3d, [x, w],
                    rtol=1e-10, atol=1e-10)


# --------------------------------------------------------------------------
# Keras' own numbers
# --------------------------------------------------------------------------

KERAS_CONV2D = sorted(golden("convolution")["conv2d"])


@pytest.mark.parametrize("name", KERAS_CONV2D)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv2d_matches_keras_golden(name, data_format):
    data = golden("convolution")
    images = np.array(data["images_nhwc"], dtype=np.float32)
    kernel = np.array(data["kernel_hwio"], dtype=np.float32)
    bias = np.array(data["bias"], dtype=np.float32)
    expected = np.array(data["conv2d"][name], dtype=np.float32)
    strides = int(re.search(r"strides=(\d)", name).group(1))
    padding = re.search(r"padding='(\w+)'", name).group(1)
    layer = layers.Conv2D(4, 3, strides=strides, padding=padding, data_format=data_format)
    if data_format == "channels_first":
        images = images.transpose(0, 3, 1, 2)
    layer(images)
    layer.set_weights([kernel, bias])
    out = layer(images)
    if data_format == "channels_first":
        out = out.transpose(0, 2, 3, 1)
    assert out.dtype == np.float32 and out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------
# The layers
# --------------------------------------------------------------------------

# id -> (layer, input shape without batch, Keras' output shape, Keras' parameter count)
LAYER_SHAPES = {
    "conv2d_mnist": (lambda: layers.Conv2D(32, 3), (28, 28, 1), (None, 26, 26, 32), 320),
    "conv2d_7_same": (lambda: layers.Conv2D(64, 7, padding="same"), (28, 28, 1),
                      (None, 28, 28, 64), 3200),
    "conv2d_64_on_32": (lambda: layers.Conv2D(64, 3, activation="relu"), (13, 13, 32),
                        (None, 11, 11, 64), 18496),
    "conv2d_strided_same": (lambda: layers.Conv2D(8, 3, strides=2, padding="same"), (7, 6, 3),
                            (None, 4, 3, 8), 224),
    "conv2d_rect_groups": (lambda: layers.Conv2D(6, (3, 2), groups=3, use_bias=False),
                           (8, 8, 6), (None, 6, 7, 6), 72),
    "conv2d_dilated": (lambda: layers.Conv2D(4, 3, dilation_rate=2), (9, 9, 2), (None, 5, 5, 4),
                       76),
    "conv2d_channels_first": (lambda: layers.Conv2D(5, 3, data_format="channels_first"),
                              (3, 9, 9), (None, 5, 7, 7), 140),
    "conv1d": (lambda: layers.Conv1D(16, 5), (100, 8), (None, 96, 16), 656),
    "conv1d_causal": (lambda: layers.Conv1D(4, 3, padding="causal", dilation_rate=2), (10, 3),
                      (None, 10, 4), 40),
    "conv1d_strided_same": (lambda: layers.Conv1D(4, 4, strides=3, padding="same"), (10, 2),
                            (None, 4, 4), 36),
}


@pytest.mark.parametrize("case", sorted(LAYER_SHAPES))
def test_layer_shapes_and_parameter_counts_as_keras(case):
    factory, in_shape, out_shape, n_params = LAYER_SHAPES[case]
    layer = factory()
    assert layer.compute_output_shape((None, *in_shape)) == out_shape
    symbolic = layer(layers.Input(shape=in_shape))
    assert symbolic.shape == out_shape
    assert layer.count_params() == n_params
    names = ["kernel", "bias"] if layer.use_bias else ["kernel"]
    assert [w.name for w in layer.weights] == names
    channels = in_shape[0] if layer.data_format == "channels_first" else in_shape[-1]
    assert layer.kernel.shape == layer.kernel_size + (channels // layer.groups, layer.filters)
    x = np.random.default_rng(0).standard_normal((3, *in_shape)).astype(np.float32)
    out = layer(x)
    assert out.dtype == np.float32 and out.shape == (3, *out_shape[1:])


def test_textbook_cnn_summary_counts():
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.Conv2D(64, 3, activation="relu"),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    assert [layer.count_params() for layer in model.layers] == [320, 18496, 0, 368650]
    assert model.count_params() == 387466
    assert model.output_shape == (None, 10)
    assert model.layers[1].output_shape == (None, 24, 24, 64)


def test_layer_defaults_and_config_round_trip_as_keras():
    layer = layers.Conv2D(8, 3)
    config = layer.get_config()
    assert {k: config[k] for k in ("filters", "kernel_size", "strides", "padding", "data_format",
                                   "dilation_rate", "groups", "activation", "use_bias")} == {
        "filters": 8, "kernel_size": (3, 3), "strides": (1, 1), "padding": "valid",
        "data_format": "channels_last", "dilation_rate": (1, 1), "groups": 1,
        "activation": "linear", "use_bias": True,
    }
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert config["bias_initializer"]["class_name"] == "Zeros"
    assert layers.Conv1D(4, 5).get_config()["strides"] == (1,)

    full = layers.Conv1D(
        6, [4], strides=2, padding="SAME", data_format="channels_first", groups=2,
        activation="tanh", use_bias=False, kernel_initializer="he_normal",
        kernel_regularizer="l2", activity_regularizer="l1", kernel_constraint="max_norm",
        name="c1",
    )
    config = full.get_config()
    assert config["padding"] == "same" and config["kernel_size"] == (4,)
    clone = layers.Conv1D.from_config(config)
    assert clone.get_config() == config
    assert layers.Convolution2D is layers.Conv2D and layers.Convolution1D is layers.Conv1D


def test_spatial_size_may_change_between_calls():
    layer = layers.Conv2D(3, 3, padding="same")
    assert layer(np.zeros((1, 8, 8, 2))).shape == (1, 8, 8, 3)
    assert layer(np.zeros((2, 5, 11, 2))).shape == (2, 5, 11, 3)


def test_regularizers_and_constraints_reach_the_weights():
    layer = layers.Conv2D(2, 2, kernel_regularizer="l2", bias_regularizer="l1",
                          activity_regularizer="l2", kernel_constraint="non_neg",
                          bias_initializer="ones", dtype="float64")
    out = layer(Tensor(np.random.default_rng(0).standard_normal((1, 3, 3, 2))))
    activity, kernel_penalty, bias_penalty = layer.losses
    np.testing.assert_allclose(float(activity), 0.01 * (out.data**2).sum())
    np.testing.assert_allclose(float(kernel_penalty), 0.01 * (layer.kernel.data**2).sum())
    np.testing.assert_allclose(float(bias_penalty), 0.01 * 2)
    assert layer.kernel.constraint is layer.kernel_constraint


LAYER_GRADIENT_CASES = [
    (cls, data_format, padding, use_bias)
    for cls in (layers.Conv1D, layers.Conv2D)
    for data_format in ("channels_last", "channels_first")
    for padding in ("valid", "same")
    for use_bias in (True, False)
]


@pytest.mark.parametrize(
    "cls, data_format, padding, use_bias", LAYER_GRADIENT_CASES,
    ids=[f"{c.__name__}-{f[9:]}-{p}-{'bias' if b else 'nobias'}"
         for c, f, p, b in LAYER_GRADIENT_CASES],
)
def test_layer_gradients_match_finite_differences(cls, data_format, padding, use_bias):
    rank = 2 if cls is layers.Conv2D else 1
    layer = cls(4, 2, strides=2 if padding == "same" else 1, padding=padding,
                data_format=data_format, groups=2, activation="tanh", use_bias=use_bias,
                dtype="float64")
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 4) + (5,) * rank)
    if data_format == "channels_last":
        x = np.moveaxis(x, 1, -1).copy()
    layer(x)  # build
    layer.set_weights([rng.standard_normal(w.shape) for w in layer.weights])
    inputs = Tensor(x, requires_grad=True)
    out = layer(inputs)
    upstream = rng.standard_normal(out.shape)
    params = [inputs, *layer.trainable_weights]
    for param, g in zip(params, grad(out, params, output_grad=upstream)):
        numeric = numerical_gradient(lambda *_: layer(x), [param.data], 0, upstream)
        np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-8)


def test_sequential_cnn_trains():
    rng = np.random.default_rng(12)
    images = rng.uniform(0, 0.3, (64, 8, 8, 1)).astype(np.float32)
    labels = rng.integers(0, 2, 64)
    rows = rng.integers(1, 7, 64)
    for i, (label, row) in enumerate(zip(labels, rows)):  # a horizontal or a vertical bar
        if label:
            images[i, :, row, 0] += 1.0
        else:
            images[i, row, :, 0] += 1.0
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        layers.Conv2D(4, 3, activation="relu", padding="same"),
        layers.Conv2D(4, 3, strides=2, activation="relu"),
        layers.Flatten(),
        layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    before = model.evaluate(images, labels, verbose=0)[0]
    history = model.fit(images, labels, epochs=8, batch_size=16, verbose=0)
    after = model.evaluate(images, labels, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert after[0] < 0.5 * before and after[1] >= 0.9


# --------------------------------------------------------------------------
# Bad input: clear errors naming the layer (or op) and both shapes
# --------------------------------------------------------------------------


BAD_ARGUMENTS = [
    (lambda: layers.Conv2D(0, 3), "Conv2D: filters must be a positive integer. Received: "
     "filters=0"),
    (lambda: layers.Conv2D(4, 0), "Conv2D: kernel_size must be a positive integer or a tuple "
     "of 2 positive integers. Received: kernel_size=0"),
    (lambda: layers.Conv2D(4, (3, 3, 3)), "Received: kernel_size=(3, 3, 3)"),
    (lambda: layers.Conv2D(4, 3, strides=0), "Conv2D: strides must be .* Received: strides=0"),
    (lambda: layers.Conv2D(4, 3, strides=(1, -2)), "Received: strides=(1, -2)"),
    (lambda: layers.Conv1D(4, 3, strides=-1), "Conv1D: strides must be a positive integer. "
     "Received: strides=-1"),
    (lambda: layers.Conv2D(4, 3, dilation_rate=0), "Received: dilation_rate=0"),
    (lambda: layers.Conv2D(4, 3, strides=2, dilation_rate=2), "Conv2D: strides > 1 cannot be "
     "combined with dilation_rate > 1. Received: strides=(2, 2), dilation_rate=(2, 2)"),
    (lambda: layers.Conv2D(5, 3, groups=2), "Conv2D: filters must be divisible by groups .* "
     "Received: filters=5, groups=2"),
    (lambda: layers.Conv2D(4, 3, groups=0), "Conv2D: groups must be a positive integer"),
    (lambda: layers.Conv2D(4, 3, padding="causal"), "Conv2D: padding must be one of 'valid', "
     "'same'. Received: padding='causal'"),
    (lambda: layers.Conv1D(4, 3, padding="full"), "Conv1D: padding must be one of 'valid', "
     "'same', 'causal'. Received: padding='full'"),
    (lambda: layers.Conv2D(4, 3, data_format="NHWC"), "Conv2D: data_format must be one "
     "of 'channels_last', 'channels_first'. Received: data_format='NHWC'"),
]


@pytest.mark.parametrize("factory, message", BAD_ARGUMENTS)
def test_bad_arguments_are_rejected(factory, message):
    with pytest.raises(ValueError, match=escaped(message)):
        factory()


BAD_INPUTS = [
    ("kernel_larger", lambda: layers.Conv2D(4, 5, name="c"), [(1, 3, 3, 1)],
     'Conv2D layer "c": with padding=\'valid\' the (dilated) kernel (5, 5) must fit in the '
     "input's spatial size (3, 3). Received: inputs.shape=(1, 3, 3, 1), "
     "kernel.shape=(5, 5, 1, 4), dilation_rate=(1, 1)"),
    ("dilated_kernel_larger", lambda: layers.Conv1D(2, 3, dilation_rate=3, name="c"),
     [(1, 6, 2)], "the (dilated) kernel (7,) must fit in the input's spatial size (6,)"),
    ("channels_first_kernel_larger",
     lambda: layers.Conv2D(2, (2, 4), data_format="channels_first", name="c"),
     [(1, 3, 5, 3)], "kernel (2, 4) must fit in the input's spatial size (5, 3). "
     "Received: inputs.shape=(1, 3, 5, 3), kernel.shape=(2, 4, 3, 2)"),
    ("smaller_second_input", lambda: layers.Conv2D(4, 3, name="c"), [(1, 5, 5, 1), (1, 5, 2, 1)],
     "kernel (3, 3) must fit in the input's spatial size (5, 2). Received: "
     "inputs.shape=(1, 5, 2, 1), kernel.shape=(3, 3, 1, 4)"),
    ("wrong_rank", lambda: layers.Conv2D(4, 3, name="c"), [(2, 28, 28)],
     'Conv2D layer "c": expected an input of rank 4, (batch, height, width, channels). '
     "Received: input shape (2, 28, 28) of rank 3"),
    ("wrong_rank_1d", lambda: layers.Conv1D(4, 3, name="c", data_format="channels_first"),
     [(2, 3, 8, 8)], 'Conv1D layer "c": expected an input of rank 3, (batch, channels, steps). '
     "Received: input shape (2, 3, 8, 8) of rank 4"),
    ("channels_not_divisible", lambda: layers.Conv2D(4, 3, groups=2, name="c"), [(1, 5, 5, 3)],
     'Conv2D layer "c": the input\'s channels (3) must be divisible by groups (2). '
     "Received: input shape (1, 5, 5, 3)"),
    ("channels_changed", lambda: layers.Conv2D(4, 3, name="c"), [(1, 5, 5, 3), (1, 5, 5, 4)],
     'Conv2D layer "c": the layer was built for inputs with 3 channels (kernel shape '
     "(3, 3, 3, 4)), but this input has 4. Received: input shape (1, 5, 5, 4)"),
    ("channels_first_changed", lambda: layers.Conv1D(4, 3, data_format="channels_first",
                                                     name="c"),
     [(1, 2, 9), (1, 3, 9)], "built for inputs with 2 channels (kernel shape (3, 2, 4)), but "
     "this input has 3. Received: input shape (1, 3, 9)"),
]


@pytest.mark.parametrize("factory, shapes, message", [case[1:] for case in BAD_INPUTS],
                         ids=[case[0] for case in BAD_INPUTS])
def test_bad_inputs_are_rejected_naming_the_layer_and_both_shapes(factory, shapes, message):
    assert_bad_input_rejected(factory(), shapes, message)


def test_bad_input_is_rejected_in_a_symbolic_model_too():
    with pytest.raises(ValueError, match=escaped("kernel (5, 5) must fit in the input's "
                                                  "spatial size (4, 4)")):
        layers.Conv2D(3, 5)(keras.Input(shape=(4, 4, 1)))
    with pytest.raises(ValueError, match="expected an input of rank 4"):
        layers.Conv2D(3, 3).compute_output_shape((None, 8, 8))


BAD_OPS = [
    ((2, 5, 5, 3), (3, 3, 4), {}, "conv: inputs and kernel must have the same rank, 3, 4 or 5: "
     "(batch, *spatial, channels) and (*kernel_size, in_channels / groups, filters). "
     "Received: inputs.shape=(2, 5, 5, 3), kernel.shape=(3, 3, 4)"),
    ((2, 5), (5, 3), {}, "conv: inputs and kernel must have the same rank"),
    ((2, 5, 5, 5), (3, 3, 2, 4), {}, "conv: the input's channels (5) must be a multiple of the "
     "kernel's input channels (2); their ratio is the number of groups. "
     "Received: inputs.shape=(2, 5, 5, 5), kernel.shape=(3, 3, 2, 4)"),
    ((2, 5, 5, 4), (3, 3, 2, 3), {}, "conv: the kernel's filters (3) must be a multiple of the "
     "number of groups (2 = 4 input channels / 2)."),
    ((2, 5, 5, 1), (3, 3, 1, 2), {"dilation_rate": 3}, "conv: with padding='valid' the "
     "(dilated) kernel (7, 7) must fit in the input's spatial size (5, 5). Received: "
     "inputs.shape=(2, 5, 5, 1), kernel.shape=(3, 3, 1, 2), dilation_rate=(3, 3)"),
    ((2, 5, 5, 1), (3, 3, 1, 2), {"strides": 0}, "conv: strides must be a positive integer or "
     "a tuple of 2 positive integers. Received: strides=0"),
    ((2, 5, 5, 1), (3, 3, 1, 2), {"strides": (1, 2, 1)}, "Received: strides=(1, 2, 1)"),
    ((2, 5, 5, 1), (3, 3, 1, 2), {"padding": "full"}, "conv: padding must be one of"),
    ((2, 5, 5, 1), (3, 3, 1, 2), {"data_format": "NCHW"}, "conv: data_format must be"),
]


@pytest.mark.parametrize("x_shape, w_shape, kwargs, message", BAD_OPS)
def test_bad_op_arguments_are_rejected(x_shape, w_shape, kwargs, message):
    with pytest.raises(ValueError, match=escaped(message)):
        ops.conv(np.zeros(x_shape), np.zeros(w_shape), **kwargs)


def test_unknown_image_sizes_stay_unknown_in_a_functional_model():
    """Input((None, None, 3)) as in Keras: shapes known only when data arrives."""
    inputs = keras.Input((None, None, 3))
    x = layers.Conv2D(8, 3, padding="same")(inputs)
    assert x.shape == (None, None, None, 8)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(16, 3)(x)
    assert x.shape == (None, None, None, 16)
    x = layers.GlobalAveragePooling2D()(x)
    assert x.shape == (None, 16)
    model = keras.Model(inputs, layers.Dense(10, activation="softmax")(x))
    assert model.predict(np.zeros((2, 32, 40, 3)), verbose=0).shape == (2, 10)
    assert model.predict(np.zeros((1, 20, 20, 3)), verbose=0).shape == (1, 10)
    assert model.get_layer(index=1).output_shape == (None, None, None, 8)
