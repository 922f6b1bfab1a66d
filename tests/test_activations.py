"""Activations: Keras' golden values, PyTorch forward+backward, gradient checks, names."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import golden

from glassnet import activations
from glassnet.autodiff import Tensor, grad
from glassnet.autodiff.gradcheck import check_gradients
from glassnet.layers import ELU, LeakyReLU, ReLU

# name -> (glassnet call, torch call); None where torch has no such function
ACTIVATIONS = {
    "relu": (activations.relu, F.relu),
    "leaky_relu": (activations.leaky_relu, lambda x: F.leaky_relu(x, 0.2)),
    "elu": (activations.elu, F.elu),
    "selu": (activations.selu, F.selu),
    "sigmoid": (activations.sigmoid, torch.sigmoid),
    "hard_sigmoid": (activations.hard_sigmoid, F.hardsigmoid),
    "tanh": (activations.tanh, torch.tanh),
    "softplus": (activations.softplus, F.softplus),
    "softsign": (activations.softsign, F.softsign),
    "swish": (activations.swish, F.silu),
    "silu": (activations.silu, F.silu),
    "gelu": (activations.gelu, lambda x: F.gelu(x, approximate="none")),
    "gelu(approximate=True)": (
        lambda x: activations.gelu(x, approximate=True),
        lambda x: F.gelu(x, approximate="tanh"),
    ),
    "exponential": (activations.exponential, torch.exp),
    "linear": (activations.linear, lambda x: x),
    "softmax": (activations.softmax, lambda x: F.softmax(x, dim=-1)),
    "log_softmax": (activations.log_softmax, lambda x: F.log_softmax(x, dim=-1)),
}

GOLDEN = golden("activations")


@pytest.mark.parametrize("name", sorted(GOLDEN["functions"]))
def test_matches_keras_golden_values(name):
    fn = ACTIVATIONS[name][0] if name in ACTIVATIONS else activations.get(name)
    x = np.array(GOLDEN["x"], dtype=np.float32)
    out = fn(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, GOLDEN["functions"][name], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_batch_matches_keras(name):
    case = GOLDEN["softmax_case"]
    out = activations.get(name)(np.array(case["x"], dtype=np.float32))
    np.testing.assert_allclose(out.data, case[name], rtol=1e-6, atol=1e-7)


LAYERS = {
    "LeakyReLU()": LeakyReLU,
    "LeakyReLU(negative_slope=0.01)": lambda: LeakyReLU(negative_slope=0.01),
    "ELU()": ELU,
    "ReLU(max_value=1.0)": lambda: ReLU(max_value=1.0),
}


@pytest.mark.parametrize("name", sorted(GOLDEN["layers"]))
def test_activation_layers_match_keras(name):
    out = LAYERS[name]()(np.array(GOLDEN["x"], dtype=np.float32))
    np.testing.assert_allclose(out, GOLDEN["layers"][name], rtol=1e-6, atol=1e-7)


def _inputs(name):
    """Float64 inputs away from the kinks, where finite differences are exact enough."""
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    x = rng.uniform(-3, 3, size=(3, 5))
    return np.where(np.abs(x) < 0.05, x + 0.2, x)  # stay off the kink at 0


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_gradient_matches_finite_differences(name):
    fn = ACTIVATIONS[name][0]
    x = _inputs(name)
    if name == "hard_sigmoid":
        x = np.where(np.abs(np.abs(x) - 3) < 0.05, x * 0.9, x)  # off the kinks at +-3
    check_gradients(fn, [x], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_forward_and_backward_match_pytorch(name):
    ours, theirs = ACTIVATIONS[name]
    x = _inputs(name)
    upstream = np.random.default_rng(1).standard_normal(x.shape)
    x_ours = Tensor(x, requires_grad=True)
    out = ours(x_ours)
    (g_ours,) = grad(out, [x_ours], output_grad=upstream)
    x_torch = torch.tensor(x, requires_grad=True)
    out_torch = theirs(x_torch)
    out_torch.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.data, out_torch.detach().numpy(), rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(g_ours, x_torch.grad.numpy(), rtol=1e-5, atol=1e-12)


def test_float32_stays_float32():
    x = np.linspace(-2, 2, 7, dtype=np.float32)
    for name, (fn, _) in ACTIVATIONS.items():
        assert fn(x).dtype == np.float32, name


def test_relu_options():
    x = np.array([-2.0, -0.5, 0.5, 1.5, 3.0])
    np.testing.assert_allclose(activations.relu(x, max_value=1.0).data, [0, 0, 0.5, 1, 1])
    np.testing.assert_allclose(
        activations.relu(x, negative_slope=0.1).data, [-0.2, -0.05, 0.5, 1.5, 3.0]
    )
    np.testing.assert_allclose(activations.relu(x, threshold=1.0).data, [0, 0, 0, 1.5, 3.0])


def test_softmax_and_sigmoid_tag_their_logits():
    logits = Tensor(np.array([[1.0, 2.0, 3.0]]))
    assert activations.softmax(logits)._keras_logits is logits
    assert activations.sigmoid(logits)._keras_logits is logits
    assert activations.relu(logits)._keras_logits is None


def test_sigmoid_does_not_overflow():
    with np.errstate(all="raise"):
        out = activations.sigmoid(np.array([-1000.0, 0.0, 1000.0], dtype=np.float32))
    np.testing.assert_allclose(out.data, [0.0, 0.5, 1.0])


def test_get_by_name_function_and_none():
    assert activations.get("relu") is activations.relu
    assert activations.get("ReLU") is activations.relu
    assert activations.get(None) is activations.linear
    custom = lambda x: x * 2  # noqa: E731
    assert activations.get(custom) is custom
    assert activations.serialize(activations.get("swish")) in ("silu", "swish")
    assert activations.deserialize(activations.serialize(activations.elu)) is activations.elu


def test_unknown_name_lists_the_valid_ones():
    message = r"Could not interpret activation.*'relux'.*Valid names.*relu"
    with pytest.raises(ValueError, match=message):
        activations.get("relux")


def test_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="activation"):
        activations.get(3)
