"""Fused ops against the composites they replace (forward and backward), and gradient checks."""
import numpy as np
import pytest

from glassnet import ops
from glassnet.autodiff import Tensor, fused, grad
from glassnet.autodiff import primitives as P
from glassnet.autodiff.gradcheck import check_gradients
from glassnet.ops import nn

LABELS = np.array([2, 0, 3, 3, 1])


def _sparse_ce_composite(z):
    log_p = nn.log_softmax(z)  # (5, 4)
    return P.negative(log_p[np.arange(len(LABELS)), LABELS])


def _batch_norm_fused(x, gamma, beta, axes=(0,)):
    return fused.batch_norm_training(x, gamma, beta, axes, 1e-3)[0]


def _conv_bias(relu, **arguments):
    """(fused conv + bias [+ ReLU], the same from ops.conv, add and the composite ReLU)."""
    first = arguments.get("data_format") == "channels_first"

    def composite(x, w, b):
        z = P.add(ops.conv(x, w, **arguments), P.reshape(b, (-1, 1, 1)) if first else b)
        return nn.relu_composite(z) if relu else z

    return (lambda x, w, b: fused.conv_bias(x, w, b, relu=relu, **arguments)), composite


# name -> (fused function, composite reference, input shapes)
CASES = {
    "linear": (fused.linear, lambda x, w, b: P.add(P.matmul(x, w), b), [(5, 3), (3, 4), (4,)]),
    "linear_3d": (
        fused.linear, lambda x, w, b: P.add(P.matmul(x, w), b), [(2, 5, 3), (3, 4), (4,)]
    ),
    "linear_relu": (fused.linear_relu,
                    lambda x, w, b: nn.relu_composite(P.add(P.matmul(x, w), b)),
                    [(5, 3), (3, 4), (4,)]),
    "conv_bias": (*_conv_bias(False), [(2, 5, 4, 3), (3, 2, 3, 4), (4,)]),
    "conv_bias_relu_same_strided": (
        *_conv_bias(True, strides=2, padding="same"), [(2, 5, 6, 3), (3, 3, 3, 4), (4,)]
    ),
    "conv_bias_relu_grouped_dilated": (
        *_conv_bias(True, dilation_rate=2), [(2, 6, 6, 4), (2, 2, 2, 6), (6,)]
    ),
    "conv_bias_relu_channels_first": (
        *_conv_bias(True, data_format="channels_first"), [(2, 3, 5, 4), (2, 2, 3, 4), (4,)]
    ),
    "conv_bias_relu_1d_causal": (
        *_conv_bias(True, padding="causal"), [(2, 7, 3), (3, 3, 5), (5,)]
    ),
    "relu": (fused.relu, nn.relu_composite, [(5, 4)]),
    "elu": (fused.elu, nn.elu_composite, [(5, 4)]),
    "elu_alpha": (lambda x: fused.elu(x, 0.5), lambda x: nn.elu_composite(x, 0.5), [(5, 4)]),
    "softmax": (fused.softmax, nn.softmax_composite, [(5, 4)]),
    "softmax_axis0": (lambda z: fused.softmax(z, axis=0),
                      lambda z: nn.softmax_composite(z, axis=0), [(5, 4)]),
    "batch_norm_training": (
        _batch_norm_fused, lambda x, g, b: nn.batch_norm_composite(x, g, b, (0,), 1e-3),
        [(6, 4), (4,), (4,)],
    ),
    "batch_norm_training_axis1": (
        lambda x, g, b: _batch_norm_fused(x, g, b, axes=(0, 2)),
        lambda x, g, b: nn.batch_norm_composite(x, g, b, (0, 2), 1e-3),
        [(3, 4, 2), (4, 1), (4, 1)],
    ),
    "sparse_softmax_cross_entropy_mean": (
        lambda z: fused.sparse_softmax_cross_entropy(z, LABELS, mean=True),
        lambda z: P.mean(_sparse_ce_composite(z)), [(5, 4)]
    ),
    "sparse_softmax_cross_entropy": (
        lambda z: fused.sparse_softmax_cross_entropy(z, LABELS), _sparse_ce_composite, [(5, 4)]
    ),
}


def _inputs(shapes, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-2, 2, size=shape) for shape in shapes]
    return [np.where(np.abs(a) < 0.05, a + 0.2, a) for a in arrays]  # off ReLU's kink


@pytest.mark.parametrize("name", sorted(CASES))
def test_fused_matches_its_composite(name):
    fused_fn, composite_fn, shapes = CASES[name]
    arrays = _inputs(shapes)
    results = []
    for fn in (fused_fn, composite_fn):
        tensors = [Tensor(a, requires_grad=True) for a in arrays]
        out = fn(*tensors)
        upstream = np.random.default_rng(1).standard_normal(out.shape)
        results.append((out.data, grad(out, tensors, output_grad=upstream)))
    (out_f, grads_f), (out_c, grads_c) = results
    np.testing.assert_allclose(out_f, out_c, rtol=1e-12, atol=1e-12)
    for g_f, g_c in zip(grads_f, grads_c):
        np.testing.assert_allclose(g_f, g_c, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fused_gradients_match_finite_differences(name):
    fused_fn, _, shapes = CASES[name]
    check_gradients(fused_fn, _inputs(shapes, seed=2))


@pytest.mark.parametrize("name", sorted(CASES))
def test_fused_keeps_float32(name):
    fused_fn, _, shapes = CASES[name]
    arrays = [a.astype(np.float32) for a in _inputs(shapes)]
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = fused_fn(*tensors)
    assert out.dtype == np.float32
    grads = grad(out, tensors, output_grad=np.ones(out.shape, dtype=np.float32))
    assert all(g.dtype == np.float32 for g in grads)


def test_linear_skips_the_input_gradient_when_not_needed():
    x = Tensor(np.ones((2, 3)))  # data: no gradient wanted
    w = Tensor(np.ones((3, 4)), requires_grad=True)
    b = Tensor(np.zeros(4), requires_grad=True)
    out = fused.linear(x, w, b)
    assert out._fn.needs_grad == (False, True, True)
    assert out._fn.backward(np.ones((2, 4)))[0] is None


@pytest.mark.parametrize("activation, node", [("relu", fused.ConvBiasRelu),
                                              ("linear", fused.ConvBias)])
def test_conv_layers_fuse_their_bias_and_relu(activation, node):
    from glassnet import layers

    for layer, shape in ((layers.Conv2D(4, 3, activation=activation), (2, 6, 6, 3)),
                         (layers.Conv1D(4, 3, activation=activation), (2, 6, 3))):
        out = layer(Tensor(np.ones(shape, dtype=np.float32), requires_grad=True))
        assert type(out._fn) is node, type(layer).__name__
