"""The fused ops of compiled steps (``glassnet.compiler.fused``) against the eager
composites they replace: the same numbers (float64 to 1e-12; float32 bit for bit, but
for batch normalization's closed-form gradient), and finite-difference gradients."""
import numpy as np
import pytest

from glassnet import losses, ops
from glassnet.autodiff import Tensor, grad
from glassnet.autodiff import primitives as P
from glassnet.autodiff.gradcheck import check_gradients
from glassnet.compiler import fused
from glassnet.ops import nn

LABELS = np.array([2, 0, 3, 3, 1])


def _sparse_ce_composite(z):
    return losses.sparse_categorical_crossentropy(LABELS, z, from_logits=True)


def _batch_norm_composite(x, gamma, beta, axes=(0,)):
    """What BatchNormalization.call computes in training."""
    mu, sigma2 = ops.moments(x, axes, keepdims=True)
    return (x - mu) / ops.sqrt(sigma2 + 1e-3) * gamma + beta


def _batch_norm_fused(x, gamma, beta, axes=(0,)):
    return fused.BatchNormTraining(axes, 1e-3).apply(x, gamma, beta)


def _conv_bias(relu, **arguments):
    """(fused conv + bias [+ ReLU], the same from ops.conv, add and ops.relu)."""
    def composite(x, w, b):
        z = P.add(ops.conv(x, w, **arguments), b)
        return nn.relu(z) if relu else z

    return (lambda x, w, b: fused.conv_bias(x, w, b, relu=relu, **arguments)), composite


# name -> (fused function, composite reference, input shapes)
CASES = {
    "linear": (fused.linear, lambda x, w, b: P.add(P.matmul(x, w), b), [(5, 3), (3, 4), (4,)]),
    "linear_relu": (fused.linear_relu, lambda x, w, b: nn.relu(P.add(P.matmul(x, w), b)),
                    [(5, 3), (3, 4), (4,)]),
    "conv_bias": (*_conv_bias(False), [(2, 5, 4, 3), (3, 2, 3, 4), (4,)]),
    "conv_bias_relu_same_strided": (
        *_conv_bias(True, strides=2, padding="same"), [(2, 5, 6, 3), (3, 3, 3, 4), (4,)]
    ),
    "conv_bias_relu_grouped_dilated": (
        *_conv_bias(True, dilation_rate=2), [(2, 6, 6, 4), (2, 2, 2, 6), (6,)]
    ),
    "conv_bias_relu_1d_causal": (
        *_conv_bias(True, padding="causal"), [(2, 7, 3), (3, 3, 5), (5,)]
    ),
    "relu": (fused.relu, nn.relu, [(5, 4)]),
    "elu": (fused.elu, nn.elu, [(5, 4)]),
    "elu_alpha": (lambda x: fused.elu(x, 0.5), lambda x: nn.elu(x, 0.5), [(5, 4)]),
    "softmax": (fused.softmax, nn.softmax, [(5, 4)]),
    "softmax_axis0": (lambda z: fused.softmax(z, axis=0), lambda z: nn.softmax(z, axis=0),
                      [(5, 4)]),
    "batch_norm_training": (_batch_norm_fused, _batch_norm_composite, [(6, 4), (4,), (4,)]),
    "batch_norm_training_axis1": (
        lambda x, g, b: _batch_norm_fused(x, g, b, axes=(0, 2)),
        lambda x, g, b: _batch_norm_composite(x, g, b, axes=(0, 2)),
        [(3, 4, 2), (4, 1), (4, 1)],
    ),
    "sparse_softmax_cross_entropy": (
        lambda z: fused.sparse_softmax_cross_entropy(z, LABELS), _sparse_ce_composite, [(5, 4)]
    ),
}
CLOSED_FORM_GRADIENTS = {"batch_norm_training", "batch_norm_training_axis1"}


def _inputs(shapes, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-2, 2, size=shape) for shape in shapes]
    return [np.where(np.abs(a) < 0.05, a + 0.2, a).astype(dtype) for a in arrays]  # off kinks


def _forward_backward(fn, arrays):
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    upstream = np.random.default_rng(1).standard_normal(out.shape).astype(out.dtype)
    return out.data, grad(out, tensors, output_grad=upstream)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fused_matches_its_composite(name):
    fused_fn, composite_fn, shapes = CASES[name]
    arrays = _inputs(shapes)
    (out_f, grads_f), (out_c, grads_c) = (_forward_backward(fn, arrays)
                                          for fn in (fused_fn, composite_fn))
    np.testing.assert_allclose(out_f, out_c, rtol=1e-12, atol=1e-12)
    for g_f, g_c in zip(grads_f, grads_c):
        np.testing.assert_allclose(g_f, g_c, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fused_gives_the_composites_float32_numbers_bit_for_bit(name):
    """The same NumPy operations in the same order: the same float32 results (batch
    normalization's gradient excepted: the closed form rounds differently)."""
    fused_fn, composite_fn, shapes = CASES[name]
    arrays = _inputs(shapes, seed=3, dtype=np.float32)
    (out_f, grads_f), (out_c, grads_c) = (_forward_backward(fn, arrays)
                                          for fn in (fused_fn, composite_fn))
    assert out_f.dtype == np.float32
    np.testing.assert_array_equal(out_f, out_c)
    for g_f, g_c in zip(grads_f, grads_c):
        assert g_f.dtype == np.float32
        if name in CLOSED_FORM_GRADIENTS:
            np.testing.assert_allclose(g_f, g_c, rtol=1e-5, atol=1e-6)
        else:
            np.testing.assert_array_equal(g_f, g_c)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fused_gradients_match_finite_differences(name):
    fused_fn, _, shapes = CASES[name]
    check_gradients(fused_fn, _inputs(shapes, seed=2))


def test_linear_skips_the_input_gradient_when_not_needed():
    x = Tensor(np.ones((2, 3)))  # data: no gradient wanted
    w = Tensor(np.ones((3, 4)), requires_grad=True)
    b = Tensor(np.zeros(4), requires_grad=True)
    out = fused.linear(x, w, b)
    assert out._fn.needs_grad == (False, True, True)
    assert out._fn.backward(np.ones((2, 4)))[0] is None
