"""Layers: shapes, weights, configs, gradients (finite differences and PyTorch), Keras' numbers."""
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import golden

from glassnet import layers, naming, ops
from glassnet.autodiff import Tensor, grad
from glassnet.autodiff.gradcheck import numerical_gradient

# --------------------------------------------------------------------------
# run_layer_test: build, shapes, weight counts, config round trip
# --------------------------------------------------------------------------

# id -> (factory, input shape, output shape, n trainable, n non-trainable weights)
LAYER_CASES = {
    "dense": (lambda: layers.Dense(4, activation="relu"), (3, 5), (3, 4), 2, 0),
    "dense_no_bias": (lambda: layers.Dense(4, use_bias=False), (3, 5), (3, 4), 1, 0),
    "dense_3d": (lambda: layers.Dense(4), (2, 3, 5), (2, 3, 4), 2, 0),
    "flatten": (layers.Flatten, (2, 3, 4), (2, 12), 0, 0),
    "reshape": (lambda: layers.Reshape((2, -1)), (3, 8), (3, 2, 4), 0, 0),
    "activation": (lambda: layers.Activation("tanh"), (3, 5), (3, 5), 0, 0),
    "dropout": (lambda: layers.Dropout(0.3, seed=1), (3, 5), (3, 5), 0, 0),
    "alpha_dropout": (lambda: layers.AlphaDropout(0.3, seed=1), (3, 5), (3, 5), 0, 0),
    "gaussian_noise": (lambda: layers.GaussianNoise(0.1, seed=1), (3, 5), (3, 5), 0, 0),
    "batch_normalization": (layers.BatchNormalization, (6, 5), (6, 5), 2, 2),
    "leaky_relu": (layers.LeakyReLU, (3, 5), (3, 5), 0, 0),
    "relu": (lambda: layers.ReLU(max_value=2.0), (3, 5), (3, 5), 0, 0),
    "elu": (layers.ELU, (3, 5), (3, 5), 0, 0),
    "prelu": (layers.PReLU, (3, 5), (3, 5), 1, 0),
    "softmax": (layers.Softmax, (3, 5), (3, 5), 0, 0),
    "lambda": (lambda: layers.Lambda(lambda x: x * 2.0), (3, 5), (3, 5), 0, 0),
}


@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_run_layer(case):
    factory, in_shape, out_shape, n_trainable, n_frozen = LAYER_CASES[case]
    layer = factory()
    x = np.random.default_rng(0).standard_normal(in_shape).astype(np.float32)
    y = layer(x)
    assert isinstance(y, np.ndarray) and y.dtype == np.float32
    assert y.shape == out_shape
    assert layer.built
    assert len(layer.trainable_weights) == n_trainable
    assert len(layer.non_trainable_weights) == n_frozen
    assert layer.count_params() == sum(w.size for w in layer.get_weights())
    symbolic = layer(layers.Input(shape=in_shape[1:]))
    assert symbolic.shape == (None,) + out_shape[1:]
    if case != "lambda":  # a Lambda's function cannot be rebuilt from its name
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config


@pytest.mark.parametrize("case", ["dropout", "alpha_dropout", "gaussian_noise"])
def test_noise_layers_act_only_in_training(case):
    layer = LAYER_CASES[case][0]()
    x = np.random.default_rng(0).standard_normal((4, 50)).astype(np.float32)
    np.testing.assert_array_equal(layer(x), x)
    np.testing.assert_array_equal(layer(x, training=False), x)
    assert not np.allclose(layer(x, training=True), x)


# --------------------------------------------------------------------------
# Gradients: finite differences and PyTorch, in float64
# --------------------------------------------------------------------------


def _fresh_randomness(layer):
    """Reseeds a noise layer so that every forward pass draws the same mask."""
    if hasattr(layer, "generator"):
        layer.generator = np.random.default_rng(7)


def check_layer_gradients(layer, x, training=False, rtol=1e-5, atol=1e-7):
    """d(sum(u * layer(x)))/d(x and each trainable weight) vs central differences."""
    x = np.array(x, dtype=np.float64)
    x_tensor = Tensor(x, requires_grad=True)
    _fresh_randomness(layer)
    out = layer(x_tensor, training=training)
    upstream = np.random.default_rng(3).standard_normal(out.shape)
    params = [x_tensor] + layer.trainable_weights
    analytic = grad(out, params, output_grad=upstream)

    def forward(*_):
        _fresh_randomness(layer)
        return layer(Tensor(x), training=training).data

    for param, g in zip(params, analytic):
        numeric = numerical_gradient(forward, [param.data], 0, upstream)
        name = getattr(param, "path", "input")
        np.testing.assert_allclose(g, numeric, rtol=rtol, atol=atol, err_msg=name)


GRADIENT_CASES = {
    "dense_relu": (lambda: layers.Dense(3, activation="relu", dtype="float64"), False),
    "dense_softmax": (lambda: layers.Dense(3, activation="softmax", dtype="float64"), False),
    "dense_elu_he": (
        lambda: layers.Dense(3, activation="elu", kernel_initializer="he_normal", dtype="float64"),
        False,
    ),
    "batch_norm_training": (lambda: layers.BatchNormalization(dtype="float64"), True),
    "batch_norm_inference": (lambda: layers.BatchNormalization(dtype="float64"), False),
    "dropout": (lambda: layers.Dropout(0.4, dtype="float64"), True),
    "alpha_dropout": (lambda: layers.AlphaDropout(0.4, dtype="float64"), True),
    "gaussian_noise": (lambda: layers.GaussianNoise(0.5, dtype="float64"), True),
    "leaky_relu": (lambda: layers.LeakyReLU(dtype="float64"), False),
    "relu_capped": (lambda: layers.ReLU(max_value=1.0, dtype="float64"), False),
    "elu": (lambda: layers.ELU(alpha=0.7, dtype="float64"), False),
    "prelu": (
        lambda: layers.PReLU(alpha_initializer=_constant_alpha, dtype="float64"),
        False,
    ),
    "softmax": (lambda: layers.Softmax(dtype="float64"), False),
    "flatten": (lambda: layers.Flatten(dtype="float64"), False),
    "reshape": (lambda: layers.Reshape((2, 2), dtype="float64"), False),
    "activation_selu": (lambda: layers.Activation("selu", dtype="float64"), False),
    "lambda": (lambda: layers.Lambda(lambda x: ops.square(x), dtype="float64"), False),
}


def _constant_alpha(shape, dtype=None):
    return np.full(shape, 0.25, dtype=dtype)


def _away_from_kinks(shape, seed=0):
    x = np.random.default_rng(seed).uniform(-2, 2, size=shape)
    return np.where(np.abs(x) < 0.1, x + 0.3, x)


@pytest.mark.parametrize("case", sorted(GRADIENT_CASES))
def test_layer_gradients_match_finite_differences(case):
    factory, training = GRADIENT_CASES[case]
    layer = factory()
    x = _away_from_kinks((5, 4))
    layer(x)  # build
    if isinstance(layer, layers.BatchNormalization):  # make gamma/beta/moving stats non-trivial
        rng = np.random.default_rng(5)
        layer.set_weights([rng.uniform(0.5, 2, 4), rng.normal(size=4),
                           rng.normal(size=4), rng.uniform(0.5, 2, 4)])
    check_layer_gradients(layer, x, training=training)


def _compare_with_torch(layer, torch_forward, x, training=False):
    """Forward output and gradients (input and weights) against PyTorch, float64."""
    x_ours = Tensor(np.array(x, dtype=np.float64), requires_grad=True)
    out = layer(x_ours, training=training)
    upstream = np.random.default_rng(11).standard_normal(out.shape)
    params = [x_ours] + layer.trainable_weights
    ours = grad(out, params, output_grad=upstream)
    torch_params = [torch.tensor(p.data, requires_grad=True) for p in params]
    out_torch = torch_forward(*torch_params)
    out_torch.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.data, out_torch.detach().numpy(), rtol=1e-5, atol=1e-10)
    for g, p in zip(ours, torch_params):
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-5, atol=1e-10)


def test_dense_matches_pytorch():
    layer = layers.Dense(6, activation="relu", dtype="float64")
    x = _away_from_kinks((4, 5))
    layer(x)
    layer.bias.assign(np.random.default_rng(2).normal(size=6))
    _compare_with_torch(layer, lambda x, w, b: F.relu(x @ w + b), x)


def test_batch_norm_training_matches_pytorch():
    layer = layers.BatchNormalization(dtype="float64")
    x = np.random.default_rng(4).normal(2.0, 3.0, size=(8, 5))
    layer(x)
    layer.gamma.assign(np.linspace(0.5, 2, 5))
    layer.beta.assign(np.linspace(-1, 1, 5))

    def torch_bn(x, gamma, beta):
        return F.batch_norm(x, None, None, gamma, beta, training=True, eps=1e-3)

    _compare_with_torch(layer, torch_bn, x, training=True)


@pytest.mark.parametrize(
    "factory, torch_forward",
    [
        (lambda: layers.LeakyReLU(dtype="float64"), lambda x: F.leaky_relu(x, 0.3)),
        (lambda: layers.ELU(alpha=0.5, dtype="float64"), lambda x: F.elu(x, 0.5)),
        (lambda: layers.ReLU(max_value=1.0, dtype="float64"), lambda x: torch.clamp(x, 0, 1)),
        (lambda: layers.Softmax(dtype="float64"), lambda x: F.softmax(x, dim=-1)),
        (lambda: layers.Activation("gelu", dtype="float64"), F.gelu),
        (lambda: layers.Flatten(dtype="float64"), lambda x: x.reshape(x.shape[0], -1)),
        (lambda: layers.Reshape((5, 1), dtype="float64"), lambda x: x.reshape(x.shape[0], 5, 1)),
        (lambda: layers.Activation("selu", dtype="float64"), F.selu),
        (lambda: layers.Lambda(lambda x: ops.square(x), dtype="float64"), lambda x: x * x),
    ],
)
def test_activation_like_layers_match_pytorch(factory, torch_forward):
    _compare_with_torch(factory(), torch_forward, _away_from_kinks((4, 5)))


def test_prelu_matches_pytorch():
    layer = layers.PReLU(alpha_initializer=_constant_alpha, dtype="float64")
    x = _away_from_kinks((4, 5))
    layer(x)
    layer.alpha.assign(np.linspace(0.1, 0.5, 5))
    _compare_with_torch(layer, F.prelu, x)


# --------------------------------------------------------------------------
# BatchNormalization
# --------------------------------------------------------------------------


def test_batch_norm_matches_keras_golden():
    case = golden("batch_normalization")
    x = np.array(case["x"], dtype=np.float32)
    layer = layers.BatchNormalization()
    layer.build(x.shape)
    layer.built = True
    layer.gamma.assign(case["gamma"])
    layer.beta.assign(case["beta"])
    np.testing.assert_allclose(layer(x, training=True), case["out_training"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        layer(0.5 * x, training=True), case["out_training_on_half_x"], rtol=1e-5, atol=1e-6
    )
    for ours, theirs in zip(layer.get_weights(), case["weights_after_two_training_calls"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(layer(x), case["out_inference_after"], rtol=1e-5, atol=1e-6)


def test_batch_norm_variables_as_in_the_lecture():
    layer = layers.BatchNormalization()
    layer(np.zeros((2, 784), dtype=np.float32))
    names = [(v.name, v.trainable) for v in layer.variables]
    assert names == [("gamma", True), ("beta", True), ("moving_mean", False),
                     ("moving_variance", False)]
    assert layer.variables[0].path.endswith("/gamma")
    assert layer.count_params() == 4 * 784
    assert len(layer.non_trainable_weights) == 2


def test_batch_norm_moving_statistics_follow_the_formula():
    layer = layers.BatchNormalization(momentum=0.9)
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(16, 3)).astype(np.float32)
    layer(x, training=True)
    np.testing.assert_allclose(layer.moving_mean.data, 0.1 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(
        layer.moving_variance.data, 0.9 + 0.1 * x.var(axis=0), rtol=1e-5
    )
    before = layer.get_weights()
    layer(x)  # inference: nothing moves
    layer(x, training=False)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_batch_norm_training_normalises_and_inference_uses_moving_stats():
    layer = layers.BatchNormalization()
    x = np.random.default_rng(1).normal(5.0, 4.0, size=(64, 3)).astype(np.float32)
    y = layer(x, training=True)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=0), np.sqrt(x.var(0) / (x.var(0) + 1e-3)), rtol=1e-4)
    expected = (x - layer.moving_mean.data) / np.sqrt(layer.moving_variance.data + 1e-3)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-5)


def test_frozen_batch_norm_runs_in_inference_mode_even_when_training():
    layer = layers.BatchNormalization()
    x = np.random.default_rng(2).normal(5.0, 4.0, size=(32, 3)).astype(np.float32)
    layer(x)
    layer.trainable = False
    before = layer.get_weights()
    np.testing.assert_allclose(layer(x, training=True), layer(x, training=False))
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == 4


def test_batch_norm_on_other_axis():
    layer = layers.BatchNormalization(axis=1, dtype="float64")
    x = np.random.default_rng(3).normal(size=(4, 3, 2))
    y = layer(x, training=True)
    assert layer.gamma.shape == (3,)
    np.testing.assert_allclose(y.mean(axis=(0, 2)), 0, atol=1e-10)


@pytest.mark.parametrize("momentum", [-0.1, 1.5])
def test_batch_norm_rejects_momentum_outside_unit_interval(momentum):
    with pytest.raises(ValueError, match=f"momentum.*Received: momentum={momentum}"):
        layers.BatchNormalization(momentum=momentum)


# --------------------------------------------------------------------------
# Dropout and friends
# --------------------------------------------------------------------------


def test_dropout_keeps_expected_value_with_inverted_scaling():
    layer = layers.Dropout(0.25, seed=3)
    x = np.ones((400, 500), dtype=np.float32)
    y = layer(x, training=True)
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.75)
    assert abs(kept.mean() - 0.75) < 0.005
    assert abs(y.mean() - 1.0) < 0.01


def test_dropout_noise_shape_shares_the_mask():
    layer = layers.Dropout(0.5, noise_shape=(None, 1, 4), seed=0)
    y = layer(np.ones((3, 5, 4), dtype=np.float32), training=True)
    assert (y == y[:, :1, :]).all()  # the same mask along axis 1


def test_dropout_seed_and_global_seed_are_reproducible():
    x = np.ones((4, 10), dtype=np.float32)
    a = layers.Dropout(0.5, seed=42)(x, training=True)
    b = layers.Dropout(0.5, seed=42)(x, training=True)
    np.testing.assert_array_equal(a, b)
    np.random.seed(45)
    c = layers.Dropout(0.5)(x, training=True)
    np.random.seed(45)
    d = layers.Dropout(0.5)(x, training=True)
    np.testing.assert_array_equal(c, d)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, "0.5"])
def test_dropout_rejects_rate_outside_zero_one(rate):
    with pytest.raises(ValueError, match=r"Dropout: rate must be a finite float in \[0, 1\)"):
        layers.Dropout(rate)


def test_alpha_dropout_keeps_selu_statistics():
    x = np.random.default_rng(0).standard_normal((1000, 200)).astype(np.float32)
    y = layers.AlphaDropout(0.2, seed=1)(x, training=True)
    assert abs(y.mean()) < 0.02
    assert abs(y.std() - 1.0) < 0.02


def test_gaussian_noise_has_the_requested_stddev():
    x = np.zeros((1000, 100), dtype=np.float32)
    y = layers.GaussianNoise(0.3, seed=0)(x, training=True)
    assert abs(y.std() - 0.3) < 0.005


# --------------------------------------------------------------------------
# The Layer base class
# --------------------------------------------------------------------------


def test_automatic_names_count_per_class():
    naming.reset_names()
    assert [layers.Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    assert layers.BatchNormalization().name == "batch_normalization"
    assert layers.LeakyReLU().name == "leaky_re_lu"
    assert layers.PReLU().name == "p_re_lu"
    assert layers.Dense(1, name="custom").name == "custom"
    naming.reset_names()
    assert layers.Dense(1).name == "dense"


def test_numpy_in_numpy_out_and_tensor_in_tensor_out():
    layer = layers.Dense(2)
    x = np.ones((1, 3))
    assert isinstance(layer(x), np.ndarray)
    assert layer(x).dtype == np.float32  # float64 input is cast to the layer's dtype
    out = layer(Tensor(x.astype(np.float32)))
    assert isinstance(out, Tensor) and out._fn is not None  # recorded for backprop


def test_weights_get_and_set_with_checks():
    layer = layers.Dense(3)
    layer(np.zeros((1, 2)))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (2, 3) and bias.shape == (3,)
    kernel[:] = 5  # a copy: the layer is unchanged
    assert not (layer.kernel.data == 5).any()
    same_array = layer.kernel.data
    layer.set_weights([np.ones((2, 3)), np.arange(3)])
    assert layer.kernel.data is same_array  # assigned in place
    np.testing.assert_array_equal(layer.bias.data, [0, 1, 2])
    with pytest.raises(ValueError, match=r"expected a list of 2 arrays.*Received: a list of 1"):
        layer.set_weights([np.ones((2, 3))])
    with pytest.raises(ValueError, match=r"dense.*/kernel has shape \(2, 3\).*\(3, 2\)"):
        layer.set_weights([np.ones((3, 2)), np.zeros(3)])


def test_count_params_requires_a_built_layer():
    with pytest.raises(ValueError, match="not built"):
        layers.Dense(3).count_params()


def test_input_with_a_new_last_dimension_is_rejected():
    layer = layers.Dense(3, name="hidden")
    layer(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r'"hidden".*\(None, 4\).*\(2, 5\)'):
        layer(np.zeros((2, 5)))


@pytest.mark.parametrize("units", [0, -3, 2.5, "3", None])
def test_dense_rejects_bad_units(units):
    message = f"Dense: units must be a positive integer. Received: units={units!r}"
    with pytest.raises(ValueError, match=re.escape(message)):
        layers.Dense(units)


def test_unknown_keyword_arguments_are_rejected():
    with pytest.raises(ValueError, match=r"Unrecognized keyword arguments passed to Dense.*unitz"):
        layers.Dense(3, unitz=4)


def test_unknown_activation_or_initializer_names_fail_clearly():
    with pytest.raises(ValueError, match=r"activation.*'rellu'.*Valid names"):
        layers.Dense(3, activation="rellu")
    with pytest.raises(ValueError, match=r"initializer.*'he_nromal'"):
        layers.Dense(3, kernel_initializer="he_nromal")


def test_input_shape_keyword_still_works_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match="Input"):
        layer = layers.Flatten(input_shape=[28, 28])
    assert layer._input_shape_arg == (28, 28)


def test_leaky_relu_accepts_the_keras2_alpha_with_a_warning():
    with pytest.warns(DeprecationWarning, match="negative_slope"):
        layer = layers.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1


def test_trainable_flag_freezes_the_weights():
    layer = layers.Dense(2)
    layer(np.zeros((1, 3)))
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert not layer.kernel.trainable
    layer.trainable = True
    assert len(layer.trainable_weights) == 2


def test_regularizers_penalties_appear_in_losses_and_are_differentiable():
    layer = layers.Dense(
        2, kernel_regularizer="l2", bias_regularizer=layers_l1(0.5),
        activity_regularizer="l1", dtype="float64",
    )
    x = Tensor(np.random.default_rng(0).normal(size=(3, 4)))
    out = layer(x)
    layer.bias.assign([1.0, -2.0])
    penalties = layer.losses
    assert len(penalties) == 3
    activity, kernel_penalty, bias_penalty = penalties
    np.testing.assert_allclose(float(activity), 0.01 * np.abs(out.data).sum())
    np.testing.assert_allclose(float(kernel_penalty), 0.01 * (layer.kernel.data ** 2).sum())
    np.testing.assert_allclose(float(bias_penalty), 0.5 * 3.0)
    (g,) = grad(kernel_penalty, [layer.kernel])
    np.testing.assert_allclose(g, 0.02 * layer.kernel.data)


def layers_l1(factor):
    from glassnet import regularizers

    return regularizers.L1(factor)


def test_constraints_are_attached_to_the_variables():
    layer = layers.Dense(2, kernel_constraint="non_neg", bias_constraint="max_norm")
    layer(np.zeros((1, 3)))
    assert layer.kernel.constraint is layer.kernel_constraint
    w = np.array([[-1.0, 2.0]], dtype=np.float32)
    np.testing.assert_array_equal(layer.kernel.constraint(w), [[0.0, 2.0]])


def test_subclassed_layer_with_sublayers_gets_gradients_automatically():
    class Residual(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.inner = layers.Dense(units, activation="tanh", dtype="float64")
            self.outer = layers.Dense(units, dtype="float64")

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

        def call(self, inputs):
            return inputs + self.scale * self.outer(self.inner(inputs))

    naming.reset_names()
    block = Residual(4, name="residual", dtype="float64")
    x = _away_from_kinks((3, 4))
    block(x)
    assert [v.path for v in block.weights] == [
        "residual/scale", "residual/dense/kernel", "residual/dense/bias",
        "residual/dense_1/kernel", "residual/dense_1/bias",
    ]
    assert block.count_params() == 1 + 2 * (16 + 4)
    check_layer_gradients(block, x)


def test_np_random_seed_makes_initial_weights_reproducible():
    def kernel():
        np.random.seed(45)
        layer = layers.Dense(5, kernel_initializer="he_normal")
        layer(np.zeros((1, 3)))
        return layer.kernel.numpy()

    np.testing.assert_array_equal(kernel(), kernel())


def test_calling_on_numpy_records_no_graph():
    layer = layers.Dense(2)
    x = np.ones((1, 3), dtype=np.float32)
    out = layer(Tensor(x))
    assert out._fn is not None
    from glassnet.autodiff import no_grad

    with no_grad():
        assert layer(Tensor(x))._fn is None


def test_input_layer_and_input():
    naming.reset_names()
    x = layers.Input(shape=(28, 28))
    assert x.shape == (None, 28, 28) and x.dtype == "float32"
    layer = layers.InputLayer(shape=(5,), batch_size=8)
    assert layer.batch_shape == (8, 5)
    with pytest.raises(ValueError, match="shape"):
        layers.InputLayer()
