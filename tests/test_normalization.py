"""Normalization: Keras' documented values, adapt() against NumPy, gradients, configs, errors."""
import numpy as np
import pytest
from helpers import assert_gradients, random_inputs

import glassnet as keras
from glassnet import layers
from glassnet.autodiff import Tensor

ADAPT = np.array([[0., 7., 4.], [2., 9., 6.], [0., 7., 4.], [2., 9., 6.]], np.float32)


def _numpy(layer, x):
    return np.asarray(layer(Tensor(np.asarray(x, np.float32))).data)


# --- the examples of Keras' documentation, with Keras' printed results --------------------
def test_keras_documented_examples():
    layer = layers.Normalization(axis=None)
    layer.adapt(np.array([1., 2., 3., 4., 5.], np.float32))
    np.testing.assert_allclose(_numpy(layer, [1., 2., 3.]), [-1.4142135, -0.70710677, 0.],
                               rtol=1e-6)
    layer = layers.Normalization(axis=-1)
    layer.adapt(ADAPT)
    np.testing.assert_allclose(_numpy(layer, [[0., 7., 4.]]), [[-1., -1., -1.]], rtol=1e-6)
    layer = layers.Normalization(mean=3., variance=2.)
    np.testing.assert_allclose(_numpy(layer, [[1.], [2.], [3.]]),
                               [[-1.4142135], [-0.70710677], [0.]], rtol=1e-6)
    layer = layers.Normalization(axis=-1, invert=True)
    layer.adapt(ADAPT)
    np.testing.assert_allclose(_numpy(layer, [[1., 2., 3.]]), [[2., 10., 8.]], rtol=1e-6)


# --- adapt ------------------------------------------------------------------------------------
@pytest.mark.parametrize("axis, reduce", [(-1, (0, 1, 2)), ((1, 3), (0, 2)), (None, None),
                                          (2, (0, 1, 3))])
def test_adapt_matches_numpy_and_batches_pool_exactly(axis, reduce):
    rng = np.random.default_rng(0)
    data = (rng.standard_normal((12, 4, 3, 2)) * 5 + 100).astype(np.float32)
    whole, pieces = layers.Normalization(axis=axis), layers.Normalization(axis=axis)
    whole.adapt(data)
    pieces.adapt([data[:5], data[5:6], data[6:]])
    expected_mean = data.astype(np.float64).mean(axis=reduce)
    expected_var = data.astype(np.float64).var(axis=reduce)
    for layer in (whole, pieces):
        np.testing.assert_allclose(layer.mean.numpy(), expected_mean, rtol=1e-6)
        np.testing.assert_allclose(layer.variance.numpy(), expected_var, rtol=1e-5)
    out = _numpy(whole, data).astype(np.float64)
    np.testing.assert_allclose(out.mean(axis=reduce), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=reduce), 1, rtol=1e-4)


def test_weights_are_keras_non_trainable_statistics():
    layer = layers.Normalization()
    layer.adapt(np.arange(12, dtype=np.uint8).reshape(4, 3))
    assert [(w.name, w.shape, w.trainable) for w in layer.weights] == [
        ("mean", (3,), False), ("variance", (3,), False), ("count", (), False)]
    assert int(layer.count.numpy()) == 4 and layer.trainable_weights == []


def test_gradient_flows_to_the_input():
    (x,) = random_inputs([(3, 4)], seed=1)
    layer = layers.Normalization(mean=[1., 2., 3., 4.], variance=[1., 4., 9., 0.25],
                                 dtype="float64")
    assert_gradients(lambda t: layer(t), [x])


def test_a_constant_feature_divides_by_epsilon_not_zero():
    layer = layers.Normalization()
    layer.adapt(np.array([[1.0, 5.0], [3.0, 5.0]], np.float32))  # feature 2 never varies
    np.testing.assert_array_equal(_numpy(layer, [[2.0, 5.0]]), [[0.0, 0.0]])


def test_in_a_regression_model_with_input_shape():
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((64, 3)) * [1, 10, 100] + [0, 50, -500]).astype(np.float32)
    y = x @ np.array([1.0, 0.1, 0.01], np.float32)
    norm = layers.Normalization(input_shape=[3], axis=-1)
    norm.adapt(x)
    model = keras.Sequential([norm, layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=20, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
    assert model.layers[0].count_params() == 7  # mean 3 + variance 3 + count 1, as Keras


@pytest.mark.parametrize("layer", [
    layers.Normalization(), layers.Normalization(axis=(1, 2), invert=True),
    layers.Normalization(mean=[1.0, 2.0], variance=[3.0, 4.0]),
])
def test_config_round_trip(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


@pytest.mark.parametrize("make, message", [
    (lambda: layers.Normalization(mean=1.0), r"give both mean and variance.*variance=None"),
    (lambda: layers.Normalization(mean=[1., 2.], variance=1.0),
     r"same shape. Received: mean shape \(2,\), variance shape \(\)"),
])
def test_bad_constructor_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_adapt_data():
    layer = layers.Normalization()
    with pytest.raises(ValueError, match="received no data"):
        layer.adapt([])
    layer.adapt(ADAPT)
    with pytest.raises(ValueError, match=r"have \(3,\) on the kept axes \(1,\). "
                                         r"Received: a batch of shape \(2, 4\)"):
        layer.adapt(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="must hold numbers"):
        layer.adapt(np.array([["a", "b", "c"]]))
    with pytest.raises(ValueError, match=r"axis \(5,\) is out of range for 2-D inputs"):
        layers.Normalization(axis=5).adapt(ADAPT)
    with pytest.raises(ValueError, match="was given mean and variance"):
        layers.Normalization(mean=0.0, variance=1.0).adapt(ADAPT)
