"""The other convolutions: ``ops.conv_transpose``, ``ops.depthwise_conv``,
``ops.separable_conv`` and the layers Conv2DTranspose, DepthwiseConv2D, SeparableConv2D.

References:
- naive loops (forward, and its adjoint for the backward), written the other way round
  from glassnet: the transposed convolution as x spread s pixels apart, zero-padded and
  correlated with the flipped kernel (glassnet stamps the kernel instead, col2im);
- PyTorch: F.conv_transpose1d/2d (its full output, then cut as Keras does: TensorFlow's
  "same" and output_padding), F.conv1d/2d with groups = C for depthwise, then a 1x1
  F.conv2d for separable;
- the adjoint identity <conv(y, w), x> = <y, conv_transpose(x, w)> with glassnet's own
  ``ops.conv``;
- float64 central differences with a random upstream gradient, for every option
  combination; float32 against float64;
- Keras' output shapes and parameter counts (from its documentation and its own tests).
"""
from dataclasses import dataclass

import numpy as np
import pytest
import torch
import torch.nn.functional as F
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


def keras_transpose_pads(k, s, d, padding, output_padding):
    """(left, right): the zeros Keras puts around x spread s apart (its JAX form, the one
    its backend tests use), with K = d (k - 1) + 1 the dilated kernel."""
    K = d * (k - 1) + 1
    if padding == "valid":
        extra = max(K, s) - K if output_padding is None else output_padding
        return K - 1, K - 1 + extra
    total = s + K - 2 if output_padding is None else K + K % 2 - 2 + output_padding
    left = min(total // 2 + total % 2, K - 1)
    return left, total - left


def tf_pads(n, k, s, d, padding):
    """(before, after) zeros of one axis of a convolution, as TensorFlow pads."""
    if padding == "valid":
        return (0, 0)
    out = -(-n // s)  # ceil(n / s)
    total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return (total // 2, total - total // 2)


def naive_conv_transpose(x, w, g, strides, padding, output_padding, dilation):
    """y = conv_transpose(x, w), dL/dx and dL/dw for the upstream gradient g, by loops.

    x (N, *spatial, C) channels last, w (*kernel, F, C); output_padding one value (or None)
    per axis.  x is spread out (s - 1 zeros between neighbours), padded as Keras pads it,
    and correlated with the flipped, dilated kernel:
        y[n, t, f] = sum_u sum_c x_spread[n, t + u d, c] w[k - 1 - u, f, c]
    g is drawn by the caller for y's shape (``naive_transpose_shape``).
    """
    rank = w.ndim - 2
    kernel, filters = w.shape[:rank], w.shape[-2]
    spread = np.zeros((x.shape[0], *((n - 1) * s + 1 for n, s in zip(x.shape[1:-1], strides)),
                       x.shape[-1]))
    spread[(slice(None), *(slice(None, None, s) for s in strides))] = x
    pads = [keras_transpose_pads(k, s, d, padding, p)
            for k, s, d, p in zip(kernel, strides, dilation, output_padding)]
    xp = np.pad(spread, [(0, 0), *pads, (0, 0)])
    out = g.shape[1:-1]
    y, dxp, dw = np.zeros(g.shape), np.zeros_like(xp), np.zeros_like(w)
    for n in range(x.shape[0]):
        for pixel in np.ndindex(*out):
            for f in range(filters):
                for offset in np.ndindex(*kernel):
                    at = tuple(t + u * d for t, u, d in zip(pixel, offset, dilation))
                    flipped = tuple(k - 1 - u for k, u in zip(kernel, offset))
                    y[(n, *pixel, f)] += xp[(n, *at)] @ w[(*flipped, f)]
                    dxp[(n, *at)] += w[(*flipped, f)] * g[(n, *pixel, f)]
                    dw[(*flipped, f)] += xp[(n, *at)] * g[(n, *pixel, f)]
    inside = tuple(slice(left, left + (n - 1) * s + 1, s)
                   for (left, _), n, s in zip(pads, x.shape[1:-1], strides))
    return y, dxp[(slice(None), *inside)], dw


def naive_transpose_shape(x_shape, w_shape, strides, padding, output_padding, dilation):
    rank = len(w_shape) - 2
    out = []
    for n, k, s, d, p in zip(x_shape[1:-1], w_shape[:rank], strides, dilation, output_padding):
        left, right = keras_transpose_pads(k, s, d, padding, p)
        out.append((n - 1) * s + 1 + left + right - d * (k - 1))
    return (x_shape[0], *out, w_shape[-2])


def torch_conv_transpose(x, w, strides, padding, output_padding, dilation):
    """PyTorch's full transposed convolution, cut (or zero-extended) to Keras' output."""
    rank = w.dim() - 2
    full = {1: F.conv_transpose1d, 2: F.conv_transpose2d}[rank](
        x.movedim(-1, 1), w.permute(rank + 1, rank, *range(rank)),  # (C, F, *kernel)
        stride=strides, dilation=dilation)  # (N, F, *((n - 1) s + K))
    cuts = []
    for k, s, d, p in zip(w.shape[:rank], strides, dilation, output_padding):
        left, right = keras_transpose_pads(k, s, d, padding, p)
        K = d * (k - 1) + 1
        cuts.append((-(K - 1 - left), -(K - 1 - right)))  # negative: F.pad crops
    full = F.pad(full, [amount for pair in reversed(cuts) for amount in pair])
    return full.movedim(1, -1)


def naive_depthwise(x, w, g, strides, padding, dilation):
    """z = depthwise_conv(x, w), dL/dx, dL/dw by loops (x channels last, w (*k, C, M)):
        z[n, i, c*M + q] = sum_u x[n, i s + u d, c] w[u, c, q]"""
    rank = w.ndim - 2
    kernel, channels, multiplier = w.shape[:rank], w.shape[-2], w.shape[-1]
    pads = [tf_pads(n, k, s, d, padding)
            for n, k, s, d in zip(x.shape[1:-1], kernel, strides, dilation)]
    xp = np.pad(x, [(0, 0), *pads, (0, 0)])
    z, dxp, dw = np.zeros(g.shape), np.zeros_like(xp), np.zeros_like(w)
    for n in range(x.shape[0]):
        for pixel in np.ndindex(*g.shape[1:-1]):
            for c in range(channels):
                for q in range(multiplier):
                    for offset in np.ndindex(*kernel):
                        at = tuple(i * s + u * d for i, u, s, d in
                                   zip(pixel, offset, strides, dilation))
                        z[(n, *pixel, c * multiplier + q)] += xp[(n, *at, c)] * w[(*offset, c, q)]
                        upstream = g[(n, *pixel, c * multiplier + q)]
                        dxp[(n, *at, c)] += w[(*offset, c, q)] * upstream
                        dw[(*offset, c, q)] += xp[(n, *at, c)] * upstream
    inside = tuple(slice(before, before + size) for (before, _), size in
                   zip(pads, x.shape[1:-1]))
    return z, dxp[(slice(None), *inside)], dw


def depthwise_shape(x_shape, w_shape, strides, padding, dilation):
    rank = len(w_shape) - 2
    out = []
    for n, k, s, d in zip(x_shape[1:-1], w_shape[:rank], strides, dilation):
        before, after = tf_pads(n, k, s, d, padding)
        out.append((n + before + after - d * (k - 1) - 1) // s + 1)
    return (x_shape[0], *out, w_shape[-2] * w_shape[-1])


def torch_depthwise(x, w, strides, padding, dilation):
    """PyTorch's conv with groups = C, the kernel (*k, C, M) as (C M, 1, *k)."""
    rank = w.dim() - 2
    channels = w.shape[-2]
    x = x.movedim(-1, 1)  # (N, C, *spatial)
    pads = [tf_pads(n, k, s, d, padding)
            for n, k, s, d in zip(x.shape[2:], w.shape[:rank], strides, dilation)]
    x = F.pad(x, [p for pair in reversed(pads) for p in pair])
    grouped = w.reshape(*w.shape[:rank], 1, -1).permute(rank + 1, rank, *range(rank))
    conv = {1: F.conv1d, 2: F.conv2d}[rank]
    return conv(x, grouped, stride=strides, dilation=dilation, groups=channels).movedim(1, -1)


def torch_separable(x, depthwise, pointwise, strides, padding, dilation):
    h = torch_depthwise(x, depthwise, strides, padding, dilation).movedim(-1, 1)
    rank = depthwise.dim() - 2
    conv = {1: F.conv1d, 2: F.conv2d}[rank]
    return conv(h, pointwise.permute(rank + 1, rank, *range(rank))).movedim(1, -1)


def to_first(a, rank):
    return ops.transpose(a, (0, rank + 1, *range(1, rank + 1)))


def to_last(a, rank):
    return ops.transpose(a, (0, *range(2, rank + 2), 1))


# --------------------------------------------------------------------------
# ops.conv_transpose: every option combination
# --------------------------------------------------------------------------

STEPS = [(1, 1), (2, 1), (3, 1), (1, 2), (2, 2)]  # (strides, dilation); the ops take both


@dataclass(frozen=True)
class TransposeCase:
    rank: int
    padding: str
    strides: tuple
    dilation: tuple
    output_padding: object  # None or one int per axis
    data_format: str

    @property
    def id(self):
        s, d = self.strides[0], self.dilation[0]
        p = "" if self.output_padding is None else f"-p{self.output_padding[0]}"
        return f"{self.rank}d-{self.padding}-s{s}-d{d}{p}-{self.data_format[9:]}"

    @property
    def paddings(self):
        return self.output_padding or (None,) * self.rank

    def arrays(self, seed=0):
        """x (channels last) and a kernel (*kernel, F, C): odd and even sizes."""
        spatial, kernel = ((4,), (3,)) if self.rank == 1 else ((3, 4), (3, 2))
        rng = np.random.default_rng(seed)
        return rng.standard_normal((2, *spatial, 2)), rng.standard_normal((*kernel, 3, 2))

    def conv_transpose(self, x, w):
        """ops.conv_transpose on channels-last x; channels first goes through transposes."""
        args = (self.strides, self.padding, self.output_padding)
        if self.data_format == "channels_last":
            return ops.conv_transpose(x, w, *args, "channels_last", self.dilation)
        y = ops.conv_transpose(to_first(x, self.rank), w, *args, "channels_first",
                               self.dilation)
        return to_last(y, self.rank)


OUTPUT_PADDINGS = {1: [None, 0], 2: [None, 0, 1], 3: [None, 0, 2]}  # per stride, p < s
TRANSPOSE_CASES = [
    TransposeCase(rank, padding, (s,) * rank, (d,) * rank,
                  None if p is None else (p,) * rank, data_format)
    for rank in (1, 2)
    for padding in ("valid", "same")
    for s, d in STEPS
    for p in OUTPUT_PADDINGS[s]
    for data_format in ("channels_last", "channels_first")
    if p is None or rank == 2 or data_format == "channels_last"  # 1-D: fewer repeats
]
by_transpose_case = pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=lambda case: case.id)


@by_transpose_case
def test_conv_transpose_matches_the_naive_loops_forward_and_backward(case):
    x, w = case.arrays()
    shape = naive_transpose_shape(x.shape, w.shape, case.strides, case.padding, case.paddings,
                                  case.dilation)
    g = np.random.default_rng(1).standard_normal(shape)
    y_ref, dx_ref, dw_ref = naive_conv_transpose(x, w, g, case.strides, case.padding,
                                                 case.paddings, case.dilation)
    X, W = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    y = case.conv_transpose(X, W)
    assert y.shape == shape
    dx, dw = grad(y, [X, W], output_grad=g)
    np.testing.assert_allclose(y.data, y_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw, dw_ref, rtol=1e-12, atol=1e-12)


@by_transpose_case
def test_conv_transpose_matches_pytorch_forward_and_gradients(case):
    torch_reference(
        case.conv_transpose,
        lambda x, w: torch_conv_transpose(x, w, case.strides, case.padding, case.paddings,
                                          case.dilation),
        case.arrays(seed=2),
        rtol=1e-10,
        atol=1e-10,
        seed=3,
    )


@by_transpose_case
def test_conv_transpose_gradients_match_finite_differences(case):
    assert_gradients(case.conv_transpose, case.arrays(seed=4), seed=5)


@by_transpose_case
def test_conv_transpose_float32_close_to_float64(case):
    assert_float32_close_to_float64(case.conv_transpose, case.arrays(seed=6))


def assert_float32_close_to_float64(f, arrays, seed=7):
    """float32 in, float32 out (and gradients), within 1e-5 of the float64 result's scale:
    a few roundings of sums of ~20 products, on any BLAS kernel."""
    t32 = [Tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
    t64 = [Tensor(a, requires_grad=True) for a in arrays]
    z32, z64 = f(*t32), f(*t64)
    g = np.random.default_rng(seed).standard_normal(z64.shape)
    grads32 = grad(z32, t32, output_grad=g.astype(np.float32))
    grads64 = grad(z64, t64, output_grad=g)
    assert z32.dtype == np.float32
    assert all(a.dtype == np.float32 for a in grads32)
    for ours, reference in zip([z32.data, *grads32], [z64.data, *grads64]):
        scale = np.abs(reference).max()
        np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-5 * scale)


ADJOINT_CASES = [
    (padding, s, d, k)
    for padding in ("valid", "same")
    for s, d in STEPS
    for k in (1, 2, 3)
]


@pytest.mark.parametrize("padding, s, d, k", ADJOINT_CASES)
def test_conv_transpose_is_the_adjoint_of_conv(padding, s, d, k):
    """<conv(y, w), x> = <y, conv_transpose(x, w)>: with output_padding=None the transposed
    output has the size that ops.conv (same strides, padding, dilation) maps back to x's."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 4, 3, 3))  # the shape of a conv's output
    w = rng.standard_normal((k, k, 2, 3))  # conv: 2 channels -> 3 filters
    y = ops.conv_transpose(x, w, s, padding, dilation_rate=d).data
    probe = rng.standard_normal(y.shape)
    z = ops.conv(probe, w, s, padding, dilation_rate=d).data
    assert z.shape == x.shape
    np.testing.assert_allclose((z * x).sum(), (probe * y).sum(), rtol=1e-12)


def test_conv_transpose_stamps_the_kernel_by_hand():
    # x = [1, 2], w = [1, 10, 100], strides 2: x[0] w at 0..2, x[1] w at 2..4
    x = np.array([1.0, 2.0]).reshape(1, 2, 1)
    w = np.array([1.0, 10.0, 100.0]).reshape(3, 1, 1)
    full = [1, 10, 102, 20, 200]
    np.testing.assert_array_equal(ops.conv_transpose(x, w, 2).data.ravel(), full)
    # "same": n s = 4 outputs; TensorFlow's conv pads (0, 1) here, so the end is cut
    np.testing.assert_array_equal(ops.conv_transpose(x, w, 2, "same").data.ravel(), full[:4])
    # output_padding 1: (n - 1) s + K + 1 = 6, one more zero row at the end
    np.testing.assert_array_equal(ops.conv_transpose(x, w, 2, output_padding=1).data.ravel(),
                                  full + [0])
    # strides 1, "same": the conv pads (1, 1), so one row is cut from each end
    np.testing.assert_array_equal(ops.conv_transpose(x, w, 1, "same").data.ravel(), [12, 120])
    # strides 4 > kernel 3, "valid": (n - 1) s + max(K, s) = 8, gaps of zeros
    np.testing.assert_array_equal(ops.conv_transpose(x, w, 4).data.ravel(),
                                  [1, 10, 100, 0, 2, 20, 200, 0])


def test_conv_transpose_3d_matches_pytorch():
    rng = np.random.default_rng(9)
    x, w = rng.standard_normal((2, 3, 2, 3, 2)), rng.standard_normal((2, 3, 2, 3, 2))

    def torch_3d(x, w):
        full = F.conv_transpose3d(x.movedim(-1, 1), w.permute(4, 3, 0, 1, 2), stride=(2, 1, 2))
        return full.movedim(1, -1)  # "valid": the full output, (4, 4, 5) -> (5, 4, 6)

    torch_reference(lambda x, w: ops.conv_transpose(x, w, (2, 1, 2)), torch_3d, [x, w],
                    rtol=1e-10, atol=1e-10)


def test_conv_transpose_kernel_gradient_only_and_no_graph_under_no_grad():
    x, w = TransposeCase(2, "same", (2, 2), (1, 1), None, "channels_last").arrays()
    W = Tensor(w, requires_grad=True)
    g = np.random.default_rng(10).standard_normal((2, 6, 8, 3))
    (dw,) = grad(ops.conv_transpose(x, W, 2, "same"), [W], output_grad=g)
    _, _, dw_ref = naive_conv_transpose(x, w, g, (2, 2), "same", (None, None), (1, 1))
    np.testing.assert_allclose(dw, dw_ref, rtol=1e-12, atol=1e-12)
    with no_grad():
        out = ops.conv_transpose(Tensor(x, requires_grad=True), W, 2)
    assert_no_graph(out)


# --------------------------------------------------------------------------
# ops.depthwise_conv and ops.separable_conv: every option combination
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class DepthwiseCase:
    rank: int
    padding: str
    strides: tuple
    dilation: tuple
    multiplier: int
    data_format: str

    @property
    def id(self):
        s, d = self.strides[0], self.dilation[0]
        return (f"{self.rank}d-{self.padding}-s{s}-d{d}-m{self.multiplier}-"
                f"{self.data_format[9:]}")

    def arrays(self, seed=0, small=False):
        """x (channels last), a depthwise kernel (*k, C, M) and a pointwise (1.., C M, F)."""
        spatial, kernel = ((9,), (3,)) if self.rank == 1 else ((7, 6), (3, 2))
        batch, channels = 2, 3
        if small:  # for finite differences: two evaluations per entry
            batch, spatial = 1, (7,) if self.rank == 1 else (5, 4)
        rng = np.random.default_rng(seed)
        return (rng.standard_normal((batch, *spatial, channels)),
                rng.standard_normal((*kernel, channels, self.multiplier)),
                rng.standard_normal((1,) * self.rank + (channels * self.multiplier, 4)))

    def _channels(self, f, x, *kernels):
        args = (self.strides, self.padding)
        if self.data_format == "channels_last":
            return f(x, *kernels, *args, "channels_last", self.dilation)
        z = f(to_first(x, self.rank), *kernels, *args, "channels_first", self.dilation)
        return to_last(z, self.rank)

    def depthwise(self, x, w):
        return self._channels(ops.depthwise_conv, x, w)

    def separable(self, x, depthwise, pointwise):
        return self._channels(ops.separable_conv, x, depthwise, pointwise)


DEPTHWISE_CASES = [
    DepthwiseCase(rank, padding, (s,) * rank, (d,) * rank, multiplier, data_format)
    for rank in (1, 2)
    for padding in ("valid", "same")
    for s, d in STEPS
    for multiplier in (1, 2)
    for data_format in ("channels_last", "channels_first")
]
by_depthwise_case = pytest.mark.parametrize("case", DEPTHWISE_CASES, ids=lambda case: case.id)


@by_depthwise_case
def test_depthwise_conv_matches_the_naive_loops_forward_and_backward(case):
    x, w, _ = case.arrays()
    shape = depthwise_shape(x.shape, w.shape, case.strides, case.padding, case.dilation)
    g = np.random.default_rng(11).standard_normal(shape)
    z_ref, dx_ref, dw_ref = naive_depthwise(x, w, g, case.strides, case.padding, case.dilation)
    X, W = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    z = case.depthwise(X, W)
    dx, dw = grad(z, [X, W], output_grad=g)
    np.testing.assert_allclose(z.data, z_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw, dw_ref, rtol=1e-12, atol=1e-12)


@by_depthwise_case
def test_depthwise_and_separable_conv_match_pytorch(case):
    x, depthwise, pointwise = case.arrays(seed=12)
    step = (case.strides, case.padding, case.dilation)
    torch_reference(case.depthwise, lambda x, w: torch_depthwise(x, w, *step), [x, depthwise],
                    rtol=1e-10, atol=1e-10, seed=13)
    torch_reference(case.separable, lambda x, d, p: torch_separable(x, d, p, *step),
                    [x, depthwise, pointwise], rtol=1e-10, atol=1e-10, seed=14)


@by_depthwise_case
def test_depthwise_and_separable_gradients_match_finite_differences(case):
    x, depthwise, pointwise = case.arrays(seed=15, small=True)
    assert_gradients(case.depthwise, [x, depthwise], seed=16)
    assert_gradients(case.separable, [x, depthwise, pointwise], seed=17)


@by_depthwise_case
def test_depthwise_and_separable_float32_close_to_float64(case):
    x, depthwise, pointwise = case.arrays(seed=18)
    assert_float32_close_to_float64(case.depthwise, [x, depthwise])
    assert_float32_close_to_float64(case.separable, [x, depthwise, pointwise])


def test_separable_conv_is_depthwise_then_a_1x1_conv():
    x, depthwise, pointwise = DepthwiseCase(2, "same", (2, 2), (1, 1), 2,
                                            "channels_last").arrays(seed=19)
    h, _, _ = naive_depthwise(x, depthwise, np.zeros((2, 4, 3, 6)), (2, 2), "same", (1, 1))
    expected = np.einsum("nijm,mf->nijf", h, pointwise[0, 0])  # (N, 4, 3, filters)
    np.testing.assert_allclose(ops.separable_conv(x, depthwise, pointwise, 2, "same").data,
                               expected, rtol=1e-12, atol=1e-12)


def test_depthwise_conv_is_a_grouped_conv_with_one_group_per_channel():
    x, w, _ = DepthwiseCase(2, "valid", (1, 1), (1, 1), 2, "channels_last").arrays(seed=20)
    grouped = w.reshape(3, 2, 1, 6)  # (*k, 1, C M): filter c M + q sees channel c only
    np.testing.assert_array_equal(ops.depthwise_conv(x, w).data, ops.conv(x, grouped).data)


# --------------------------------------------------------------------------
# The layers: Keras' shapes, parameter counts, weights and config
# --------------------------------------------------------------------------

# id -> (layer, input shape without batch, Keras' output shape, Keras' parameter count)
LAYER_SHAPES = {
    "transpose_same_s2": (lambda: layers.Conv2DTranspose(16, 3, strides=2, padding="same"),
                          (7, 7, 32), (None, 14, 14, 16), 4624),
    "transpose_valid": (lambda: layers.Conv2DTranspose(8, 3), (5, 6, 4), (None, 7, 8, 8), 296),
    # Keras' own layer tests (keras/src/layers/convolutional/conv_transpose_test.py)
    "transpose_same_output_padding": (
        lambda: layers.Conv2DTranspose(6, 2, strides=3, padding="same", output_padding=2),
        (8, 8, 4), (None, 23, 23, 6), 102),
    "transpose_channels_first": (
        lambda: layers.Conv2DTranspose(6, (2, 3), strides=(2, 1),
                                       data_format="channels_first"),
        (4, 8, 8), (None, 6, 16, 10), 150),
    "transpose_strides_beyond_kernel": (lambda: layers.Conv2DTranspose(2, 7, strides=16),
                                        (14, 14, 2), (None, 224, 224, 2), 198),
    "transpose_dilated": (lambda: layers.Conv2DTranspose(3, 3, dilation_rate=2, use_bias=False),
                          (4, 4, 2), (None, 8, 8, 3), 54),
    "depthwise": (lambda: layers.DepthwiseConv2D(3), (28, 28, 8), (None, 26, 26, 8), 80),
    "depthwise_multiplier_same": (
        lambda: layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=3),
        (7, 6, 4), (None, 4, 3, 12), 120),
    "depthwise_channels_first": (
        lambda: layers.DepthwiseConv2D((3, 2), data_format="channels_first", use_bias=False),
        (5, 9, 9), (None, 5, 7, 8), 30),
    "separable": (lambda: layers.SeparableConv2D(16, 3), (28, 28, 8), (None, 26, 26, 16), 216),
    "separable_multiplier_same": (
        lambda: layers.SeparableConv2D(8, 3, strides=2, padding="same", depth_multiplier=2),
        (7, 7, 3), (None, 4, 4, 8), 110),
    "separable_channels_first": (
        lambda: layers.SeparableConv2D(4, 3, dilation_rate=2, data_format="channels_first"),
        (2, 9, 9), (None, 4, 5, 5), 30),
}
WEIGHTS = {
    layers.Conv2DTranspose: lambda k, c, layer: [("kernel", k + (layer.filters, c))],
    layers.DepthwiseConv2D: lambda k, c, layer: [("kernel", k + (c, layer.depth_multiplier))],
    layers.SeparableConv2D: lambda k, c, layer: [
        ("depthwise_kernel", k + (c, layer.depth_multiplier)),
        ("pointwise_kernel", (1, 1, c * layer.depth_multiplier, layer.filters))],
}


@pytest.mark.parametrize("case", sorted(LAYER_SHAPES))
def test_layer_shapes_parameter_counts_and_weights_as_keras(case):
    factory, in_shape, out_shape, n_params = LAYER_SHAPES[case]
    layer = factory()
    assert layer.compute_output_shape((None, *in_shape)) == out_shape
    assert layer(layers.Input(shape=in_shape)).shape == out_shape
    assert layer.count_params() == n_params
    channels = in_shape[0] if layer.data_format == "channels_first" else in_shape[-1]
    expected = WEIGHTS[type(layer)](layer.kernel_size, channels, layer)
    if layer.use_bias:
        expected.append(("bias", (out_shape[1 if layer.data_format == "channels_first"
                                             else -1],)))
    assert [(w.name, w.shape) for w in layer.weights] == expected
    x = np.random.default_rng(0).standard_normal((2, *in_shape)).astype(np.float32)
    out = layer(x)
    assert out.dtype == np.float32 and out.shape == (2, *out_shape[1:])


def test_unknown_spatial_sizes_stay_unknown_in_a_summary():
    model = keras.Sequential([
        keras.Input(shape=(None, None, 3)),
        layers.SeparableConv2D(4, 3, padding="same"),
        layers.DepthwiseConv2D(3, depth_multiplier=2),
        layers.Conv2DTranspose(2, 3, strides=2),
    ])
    assert [layer.output_shape for layer in model.layers] == [
        (None, None, None, 4), (None, None, None, 8), (None, None, None, 2)]
    assert [layer.count_params() for layer in model.layers] == [43, 80, 146]
    assert model.predict(np.zeros((1, 5, 6, 3)), verbose=0).shape == (1, 7, 9, 2)


def test_layers_compute_with_their_ops_plus_bias():
    rng = np.random.default_rng(21)
    x = rng.standard_normal((2, 5, 5, 3))
    transpose = layers.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1,
                                       activation="tanh", dtype="float64")
    depthwise = layers.DepthwiseConv2D(3, depth_multiplier=2, activation="relu",
                                       dtype="float64")
    separable = layers.SeparableConv2D(4, 2, strides=2, activation="sigmoid", dtype="float64")
    for layer in (transpose, depthwise, separable):
        layer(x)
        layer.set_weights([rng.standard_normal(w.shape) for w in layer.weights])
    kernel, bias = transpose.get_weights()
    np.testing.assert_allclose(
        transpose(x), np.tanh(ops.conv_transpose(x, kernel, 2, "same", 1).data + bias))
    kernel, bias = depthwise.get_weights()
    np.testing.assert_allclose(depthwise(x),
                               np.maximum(ops.depthwise_conv(x, kernel).data + bias, 0))
    depthwise_kernel, pointwise_kernel, bias = separable.get_weights()
    z = ops.separable_conv(x, depthwise_kernel, pointwise_kernel, 2).data + bias
    np.testing.assert_allclose(separable(x), 1 / (1 + np.exp(-z)))


@pytest.mark.parametrize("cls", [layers.Conv2DTranspose, layers.DepthwiseConv2D,
                                 layers.SeparableConv2D], ids=lambda cls: cls.__name__)
def test_channels_first_and_channels_last_agree(cls):
    rng = np.random.default_rng(22)
    x = rng.standard_normal((2, 4, 7, 6)).astype(np.float32)  # channels first
    args = {"kernel_size": 3, "strides": 2, "padding": "same"}
    if cls is not layers.DepthwiseConv2D:
        args["filters"] = 5
    last, first = cls(**args), cls(**args, data_format="channels_first")
    x_last = np.transpose(x, (0, 2, 3, 1))
    last(x_last)
    first(x)
    weights = [rng.standard_normal(w.shape).astype(np.float32) for w in last.weights]
    last.set_weights(weights)
    first.set_weights(weights)
    np.testing.assert_allclose(np.transpose(first(x), (0, 2, 3, 1)), last(x_last),
                               rtol=1e-5, atol=1e-5)


def test_defaults_and_config_round_trip_as_keras():
    config = layers.Conv2DTranspose(8, 3).get_config()
    assert {k: config[k] for k in ("filters", "kernel_size", "strides", "padding",
                                   "output_padding", "data_format", "dilation_rate",
                                   "activation", "use_bias")} == {
        "filters": 8, "kernel_size": (3, 3), "strides": (1, 1), "padding": "valid",
        "output_padding": None, "data_format": "channels_last", "dilation_rate": (1, 1),
        "activation": "linear", "use_bias": True,
    }
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    config = layers.DepthwiseConv2D(3).get_config()
    assert {k: config[k] for k in ("kernel_size", "strides", "padding", "depth_multiplier",
                                   "dilation_rate", "use_bias")} == {
        "kernel_size": (3, 3), "strides": (1, 1), "padding": "valid", "depth_multiplier": 1,
        "dilation_rate": (1, 1), "use_bias": True,
    }
    assert config["depthwise_initializer"]["class_name"] == "GlorotUniform"
    assert "kernel_initializer" not in config
    config = layers.SeparableConv2D(4, 3).get_config()
    assert config["pointwise_initializer"]["class_name"] == "GlorotUniform"
    assert config["bias_initializer"]["class_name"] == "Zeros"
    assert config["depth_multiplier"] == 1 and config["filters"] == 4

    full = [
        layers.Conv2DTranspose(6, [4, 2], strides=(2, 3), padding="SAME", output_padding=(1, 2),
                               data_format="channels_first", activation="relu",
                               use_bias=False, kernel_regularizer="l2", name="t"),
        layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2, dilation_rate=2,
                               depthwise_initializer="he_normal", depthwise_regularizer="l1",
                               depthwise_constraint="non_neg", bias_regularizer="l2",
                               activity_regularizer="l2", name="d"),
        layers.SeparableConv2D(5, (3, 1), strides=2, depth_multiplier=3,
                               pointwise_initializer="ones", pointwise_regularizer="l2",
                               pointwise_constraint="max_norm", activation="tanh", name="s"),
    ]
    for layer in full:
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config
    assert full[0].get_config()["output_padding"] == (1, 2)
    assert full[0].get_config()["padding"] == "same"
    assert layers.Convolution2DTranspose is layers.Conv2DTranspose
    assert layers.SeparableConvolution2D is layers.SeparableConv2D


def test_regularizers_and_constraints_reach_the_weights():
    layer = layers.SeparableConv2D(2, 2, depthwise_regularizer="l2", pointwise_regularizer="l1",
                                   bias_regularizer="l2", depthwise_constraint="non_neg",
                                   bias_initializer="ones", dtype="float64")
    layer(np.random.default_rng(23).standard_normal((1, 3, 3, 2)))
    depthwise_penalty, pointwise_penalty, bias_penalty = layer.losses
    np.testing.assert_allclose(float(depthwise_penalty),
                               0.01 * (layer.depthwise_kernel.data**2).sum())
    np.testing.assert_allclose(float(pointwise_penalty),
                               0.01 * np.abs(layer.pointwise_kernel.data).sum())
    np.testing.assert_allclose(float(bias_penalty), 0.01 * 2)
    assert layer.depthwise_kernel.constraint is layer.depthwise_constraint


LAYER_GRADIENT_CASES = [
    (cls, data_format, padding, use_bias)
    for cls in (layers.Conv2DTranspose, layers.DepthwiseConv2D, layers.SeparableConv2D)
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
    args = {"kernel_size": 2, "strides": 2 if padding == "same" else 1, "padding": padding,
            "data_format": data_format, "activation": "tanh", "use_bias": use_bias,
            "dtype": "float64"}
    if cls is layers.Conv2DTranspose:
        args["filters"] = 3
        args["output_padding"] = 1 if padding == "same" else None
    elif cls is layers.SeparableConv2D:
        args.update(filters=3, depth_multiplier=2)
    else:
        args["depth_multiplier"] = 2
    layer = cls(**args)
    rng = np.random.default_rng(24)
    x = rng.standard_normal((2, 2, 4, 5))
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


def test_a_small_convolutional_autoencoder_trains():
    rng = np.random.default_rng(25)
    images = np.zeros((32, 8, 8, 1), dtype=np.float32)
    for image, (row, col) in zip(images, rng.integers(1, 6, (32, 2))):
        image[row : row + 2, col : col + 2, 0] = 1.0  # a 2x2 square somewhere
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        layers.SeparableConv2D(8, 3, strides=2, padding="same", activation="relu"),
        layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2, activation="relu"),
        layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy")
    assert model.output_shape == (None, 8, 8, 1)
    history = model.fit(images, images, epochs=15, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < 0.6 * history.history["loss"][0]


# --------------------------------------------------------------------------
# Bad input: clear errors naming the layer (or op) and both shapes
# --------------------------------------------------------------------------



BAD_ARGUMENTS = [
    (lambda: layers.Conv2DTranspose(0, 3), "Conv2DTranspose: filters must be a positive "
     "integer. Received: filters=0"),
    (lambda: layers.Conv2DTranspose(4, 3, strides=-1), "Conv2DTranspose: strides must be a "
     "positive integer or a tuple of 2 positive integers. Received: strides=-1"),
    (lambda: layers.Conv2DTranspose(4, 3, strides=2, output_padding=2), "Conv2DTranspose: "
     "output_padding must be smaller than strides on every axis. Received: "
     "output_padding=(2, 2), strides=(2, 2)"),
    (lambda: layers.Conv2DTranspose(4, 3, output_padding=(0, 1)), "Received: "
     "output_padding=(0, 1), strides=(1, 1)"),
    (lambda: layers.Conv2DTranspose(4, 3, strides=3, output_padding=-1), "Conv2DTranspose: "
     "output_padding must be None, a non-negative integer or a tuple of 2 non-negative "
     "integers. Received: output_padding=-1"),
    (lambda: layers.Conv2DTranspose(4, 3, strides=2, dilation_rate=2), "Conv2DTranspose: "
     "strides > 1 cannot be combined with dilation_rate > 1. Received: strides=(2, 2), "
     "dilation_rate=(2, 2)"),
    (lambda: layers.Conv2DTranspose(4, 3, padding="causal"), "Conv2DTranspose: padding must "
     "be one of 'valid', 'same'. Received: padding='causal'"),
    (lambda: layers.DepthwiseConv2D(3, strides=(1, 0)), "DepthwiseConv2D: strides must be .* "
     "Received: strides=(1, 0)"),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), "DepthwiseConv2D: "
     "depth_multiplier must be a positive integer. Received: depth_multiplier=0"),
    (lambda: layers.DepthwiseConv2D((3, 3, 3)), "DepthwiseConv2D: kernel_size must be a "
     "positive integer or a tuple of 2 positive integers. Received: kernel_size=(3, 3, 3)"),
    (lambda: layers.DepthwiseConv2D(3, strides=2, dilation_rate=(1, 2)), "DepthwiseConv2D: "
     "strides > 1 cannot be combined with dilation_rate > 1"),
    (lambda: layers.SeparableConv2D(4, 3, strides=-2), "SeparableConv2D: strides must be .* "
     "Received: strides=-2"),
    (lambda: layers.SeparableConv2D(-1, 3), "SeparableConv2D: filters must be a positive "
     "integer. Received: filters=-1"),
    (lambda: layers.SeparableConv2D(4, 3, depth_multiplier=1.5), "SeparableConv2D: "
     "depth_multiplier must be a positive integer. Received: depth_multiplier=1.5"),
    (lambda: layers.SeparableConv2D(4, 3, data_format="NHWC"), "SeparableConv2D: "
     "data_format must be one of 'channels_last', 'channels_first'. "
     "Received: data_format='NHWC'"),
]


@pytest.mark.parametrize("factory, message", BAD_ARGUMENTS)
def test_bad_arguments_are_rejected(factory, message):
    with pytest.raises(ValueError, match=escaped(message)):
        factory()


BAD_INPUTS = [
    ("transpose_wrong_rank", lambda: layers.Conv2DTranspose(4, 3, name="t"), [(2, 28, 28)],
     'Conv2DTranspose layer "t": expected an input of rank 4, (batch, height, width, '
     "channels). Received: input shape (2, 28, 28) of rank 3"),
    ("transpose_channels_changed", lambda: layers.Conv2DTranspose(4, 3, name="t"),
     [(1, 5, 5, 3), (1, 5, 5, 2)], 'Conv2DTranspose layer "t": the layer was built for inputs '
     "with 3 channels (kernel shape (3, 3, 4, 3)), but this input has 2. "
     "Received: input shape (1, 5, 5, 2)"),
    ("depthwise_wrong_rank", lambda: layers.DepthwiseConv2D(3, name="d",
                                                            data_format="channels_first"),
     [(2, 3, 8, 8, 1)], 'DepthwiseConv2D layer "d": expected an input of rank 4, (batch, '
     "channels, height, width). Received: input shape (2, 3, 8, 8, 1) of rank 5"),
    ("depthwise_channels_changed", lambda: layers.DepthwiseConv2D(3, depth_multiplier=2,
                                                                  name="d"),
     [(1, 5, 5, 3), (1, 5, 5, 4)], 'DepthwiseConv2D layer "d": the layer was built for inputs '
     "with 3 channels (kernel shape (3, 3, 3, 2)), but this input has 4. "
     "Received: input shape (1, 5, 5, 4)"),
    ("depthwise_kernel_larger", lambda: layers.DepthwiseConv2D(5, name="d"), [(1, 3, 4, 2)],
     'DepthwiseConv2D layer "d": with padding=\'valid\' the (dilated) kernel (5, 5) must fit '
     "in the input's spatial size (3, 4). Received: inputs.shape=(1, 3, 4, 2), "
     "kernel.shape=(5, 5, 2, 1), dilation_rate=(1, 1)"),
    ("separable_channels_changed", lambda: layers.SeparableConv2D(4, 3, name="s"),
     [(1, 5, 5, 2), (1, 5, 5, 1)], 'SeparableConv2D layer "s": the layer was built for inputs '
     "with 2 channels (kernel shape (3, 3, 2, 1)), but this input has 1."),
    ("separable_dilated_kernel_larger",
     lambda: layers.SeparableConv2D(4, 3, dilation_rate=3, name="s"), [(1, 6, 8, 2)],
     "with padding='valid' the (dilated) kernel (7, 7) must fit in the input's spatial size "
     "(6, 8). Received: inputs.shape=(1, 6, 8, 2), depthwise_kernel.shape=(3, 3, 2, 1), "
     "dilation_rate=(3, 3)"),
]


@pytest.mark.parametrize("factory, shapes, message", [case[1:] for case in BAD_INPUTS],
                         ids=[case[0] for case in BAD_INPUTS])
def test_bad_inputs_are_rejected_naming_the_layer_and_both_shapes(factory, shapes, message):
    assert_bad_input_rejected(factory(), shapes, message)


def test_bad_input_is_rejected_in_a_symbolic_model_too():
    with pytest.raises(ValueError, match=escaped("kernel (5, 5) must fit in the input's "
                                                  "spatial size (4, 4)")):
        layers.SeparableConv2D(3, 5)(keras.Input(shape=(4, 4, 1)))
    with pytest.raises(ValueError, match="expected an input of rank 4"):
        layers.Conv2DTranspose(3, 3).compute_output_shape((None, 8, 8))


BAD_OPS = [
    (ops.conv_transpose, [(2, 5, 5, 3), (3, 3, 4)], {}, "conv_transpose: inputs and kernel "
     "must have the same rank, 3, 4 or 5: (batch, *spatial, channels) and (*kernel_size, "
     "filters, in_channels). Received: inputs.shape=(2, 5, 5, 3), kernel.shape=(3, 3, 4)"),
    (ops.conv_transpose, [(2, 5, 5, 3), (3, 3, 3, 4)], {}, "conv_transpose: the input's "
     "channels (3) must equal the kernel's in_channels (its last axis, 4). "
     "Received: inputs.shape=(2, 5, 5, 3), kernel.shape=(3, 3, 3, 4)"),
    (ops.conv_transpose, [(2, 3, 5, 5), (3, 3, 4, 2)], {"data_format": "channels_first"},
     "conv_transpose: the input's channels (3) must equal the kernel's in_channels"),
    (ops.conv_transpose, [(2, 5, 5, 3), (3, 3, 4, 3)], {"strides": (2, 0)}, "conv_transpose: "
     "strides must be a positive integer or a tuple of 2 positive integers. "
     "Received: strides=(2, 0)"),
    (ops.conv_transpose, [(2, 5, 5, 3), (3, 3, 4, 3)], {"strides": 2, "output_padding": 2},
     "conv_transpose: output_padding must be smaller than strides on every axis. "
     "Received: output_padding=(2, 2), strides=(2, 2)"),
    (ops.conv_transpose, [(2, 5, 5, 3), (3, 3, 4, 3)], {"padding": "causal"},
     "conv_transpose: padding must be one of 'valid', 'same'. Received: padding='causal'"),
    (ops.depthwise_conv, [(2, 5, 5, 3), (3, 3, 2, 1)], {}, "depthwise_conv: the input's "
     "channels (3) must equal the kernel's in_channels (its axis -2, 2). "
     "Received: inputs.shape=(2, 5, 5, 3), kernel.shape=(3, 3, 2, 1)"),
    (ops.depthwise_conv, [(2, 5, 3), (3, 3, 3, 1)], {}, "depthwise_conv: inputs and kernel "
     "must have the same rank, 3, 4 or 5: (batch, *spatial, channels) and (*kernel_size, "
     "in_channels, depth_multiplier). Received: inputs.shape=(2, 5, 3), "
     "kernel.shape=(3, 3, 3, 1)"),
    (ops.depthwise_conv, [(2, 5, 5, 3), (3, 3, 3, 1)], {"dilation_rate": 3}, "depthwise_conv: "
     "with padding='valid' the (dilated) kernel (7, 7) must fit in the input's spatial size "
     "(5, 5)."),
    (ops.depthwise_conv, [(2, 5, 5, 3), (3, 3, 3, 1)], {"strides": -1}, "depthwise_conv: "
     "strides must be a positive integer or a tuple of 2 positive integers. "
     "Received: strides=-1"),
    (ops.separable_conv, [(2, 5, 5, 3), (3, 3, 3, 2), (1, 1, 3, 4)], {}, "separable_conv: "
     "pointwise_kernel must have shape (1, 1) + (in_channels * depth_multiplier = 6, "
     "filters). Received: depthwise_kernel.shape=(3, 3, 3, 2), "
     "pointwise_kernel.shape=(1, 1, 3, 4)"),
    (ops.separable_conv, [(2, 5, 5, 4), (3, 3, 3, 2), (1, 1, 6, 4)], {}, "separable_conv: the "
     "input's channels (4) must equal the depthwise_kernel's in_channels (its axis -2, 3). "
     "Received: inputs.shape=(2, 5, 5, 4), depthwise_kernel.shape=(3, 3, 3, 2)"),
]


@pytest.mark.parametrize("op, shapes, kwargs, message", BAD_OPS)
def test_bad_op_arguments_are_rejected(op, shapes, kwargs, message):
    with pytest.raises(ValueError, match=escaped(message)):
        op(*[np.zeros(shape) for shape in shapes], **kwargs)
