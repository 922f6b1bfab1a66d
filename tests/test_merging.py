"""Merge layers and their functional shortcuts; SpatialDropout2D."""
import numpy as np
import pytest
from helpers import assert_gradients, random_inputs

import glassnet as keras
from glassnet import layers
from glassnet.autodiff import Tensor

MERGES = {  # layer class, functional shortcut, NumPy reference
    "add": (layers.Add, layers.add, lambda xs: xs[0] + xs[1] + xs[2]),
    "multiply": (layers.Multiply, layers.multiply, lambda xs: xs[0] * xs[1] * xs[2]),
    "average": (layers.Average, layers.average, lambda xs: (xs[0] + xs[1] + xs[2]) / 3),
    "maximum": (layers.Maximum, layers.maximum, lambda xs: np.maximum.reduce(xs)),
    "minimum": (layers.Minimum, layers.minimum, lambda xs: np.minimum.reduce(xs)),
    "concatenate": (layers.Concatenate, layers.concatenate,
                    lambda xs: np.concatenate(xs, axis=-1)),
}


@pytest.mark.parametrize("name", sorted(MERGES))
def test_merge_values_and_gradients(name):
    cls, _, reference = MERGES[name]
    xs = random_inputs([(4, 3)] * 3, "distinct" if name in ("maximum", "minimum") else "real",
                       seed=1)
    layer = cls(dtype="float64")
    np.testing.assert_allclose(layer([Tensor(x) for x in xs]).data, reference(xs), rtol=1e-15)
    assert_gradients(lambda a, b, c: layer([a, b, c]), xs)


def test_subtract_takes_exactly_two_inputs():
    a, b = random_inputs([(2, 3), (2, 3)], seed=2)
    layer = layers.Subtract(dtype="float64")
    np.testing.assert_array_equal(layer([Tensor(a), Tensor(b)]).data, a - b)
    assert_gradients(lambda x, y: layer([x, y]), [a, b])
    with pytest.raises(ValueError, match=r"expected exactly 2 inputs. Received: 3 inputs"):
        layer([Tensor(a)] * 3)


@pytest.mark.parametrize("name", sorted(MERGES) + ["subtract"])
def test_functional_shortcut_builds_the_layer_in_a_model(name):
    shortcut = layers.subtract if name == "subtract" else MERGES[name][1]
    a, b = keras.Input((3,)), keras.Input((3,))
    out = shortcut([a, b], name=f"my_{name}")
    model = keras.Model([a, b], out)
    layer = model.get_layer(f"my_{name}")
    assert type(layer).__name__.lower() == name
    x, y = np.ones((2, 3), np.float32), np.full((2, 3), 2, np.float32)
    expected = layer([Tensor(x), Tensor(y)]).data
    np.testing.assert_array_equal(model.predict([x, y], verbose=0), expected)


def test_concatenate_shortcut_takes_the_axis():
    a, b = keras.Input((2, 3)), keras.Input((4, 3))
    assert layers.concatenate([a, b], axis=1).shape == (None, 6, 3)


# --- SpatialDropout2D --------------------------------------------------------------------------
def test_spatial_dropout_drops_whole_feature_maps():
    x = Tensor(np.ones((8, 5, 4, 6), np.float32))
    layer = layers.SpatialDropout2D(0.5, seed=3)
    y = layer(x, training=True).data
    per_map = y.reshape(8, 20, 6)
    assert np.all(per_map == per_map[:, :1, :])  # one decision per (image, channel)
    assert set(np.unique(y)) <= {0.0, 2.0} and 0 < (y == 0).mean() < 1
    np.testing.assert_array_equal(layer(x, training=False).data, x.data)


def test_spatial_dropout_channels_first_and_expectation():
    x = Tensor(np.ones((400, 3, 2, 2), np.float32))
    y = layers.SpatialDropout2D(0.25, data_format="channels_first", seed=4)(x, training=True).data
    assert np.all(y == y[:, :, :1, :1])
    assert abs(y.mean() - 1.0) < 0.05  # inverted dropout keeps the mean (1,200 maps)


def test_spatial_dropout_is_reproducible_configurable_and_checked():
    x = Tensor(np.ones((4, 3, 3, 2), np.float32))
    first = layers.SpatialDropout2D(0.5, seed=5)(x, training=True).data
    second = layers.SpatialDropout2D(0.5, seed=5)(x, training=True).data
    np.testing.assert_array_equal(first, second)
    config = layers.SpatialDropout2D(0.3, seed=1).get_config()
    assert config["rate"] == 0.3 and config["data_format"] == "channels_last"
    assert layers.SpatialDropout2D.from_config(config).get_config() == config
    with pytest.raises(ValueError, match=r"expected a 4-D input .*Received: input shape \(4, 3\)"):
        layers.SpatialDropout2D(0.5)(Tensor(np.ones((4, 3), np.float32)), training=True)
    with pytest.raises(ValueError, match="SpatialDropout2D: rate must be"):
        layers.SpatialDropout2D(1.5)
