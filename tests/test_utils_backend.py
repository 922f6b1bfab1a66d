"""keras.utils (to_categorical, normalize, set_random_seed) and keras.backend."""
import numpy as np
import pytest

import glassnet as keras


def test_to_categorical_matches_keras():
    one_hot = keras.utils.to_categorical([0, 2, 1], num_classes=4)
    assert one_hot.dtype == np.float64  # Keras 3 returns float64
    np.testing.assert_array_equal(one_hot, [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]])
    assert keras.utils.to_categorical(np.array([[1], [3]])).shape == (2, 4)  # (N, 1) squeezed
    np.testing.assert_array_equal(np.argmax(keras.utils.to_categorical([5, 7, 0]), axis=1),
                                  [5, 7, 0])


@pytest.mark.parametrize("labels, match", [
    ([0, 4], "out of range for num_classes=3"),
    ([-1, 2], ">= 0"),
    ([0.5, 1.0], "whole numbers"),
])
def test_to_categorical_rejects_bad_labels(labels, match):
    with pytest.raises(ValueError, match=match):
        keras.utils.to_categorical(labels, num_classes=3)


def test_normalize_gives_unit_rows_and_keeps_zero_rows():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(keras.utils.normalize(x), [[0.6, 0.8], [0.0, 0.0]])
    np.testing.assert_allclose(keras.utils.normalize(x, order=1), [[3 / 7, 4 / 7], [0, 0]])


def test_set_random_seed_reproduces_weights_and_rejects_non_integers():
    def kernel():
        keras.utils.set_random_seed(7)
        layer = keras.layers.Dense(3)
        layer(np.zeros((1, 2)))
        return layer.kernel.numpy()

    np.testing.assert_array_equal(kernel(), kernel())
    with pytest.raises(ValueError, match=r"Received: seed=1.5"):
        keras.utils.set_random_seed(1.5)


def test_backend_settings_and_values():
    assert keras.backend.floatx() == "float32"
    assert keras.backend.epsilon() == 1e-7
    assert keras.backend.image_data_format() == "channels_last"
    layer = keras.layers.Dense(2)
    layer(np.zeros((1, 3)))
    keras.backend.set_value(layer.bias, [1.0, 2.0])
    np.testing.assert_array_equal(keras.backend.get_value(layer.bias), [1.0, 2.0])
    with pytest.raises(TypeError, match="expected a Variable"):
        keras.backend.set_value(np.zeros(2), [1.0, 2.0])


def test_clear_session_resets_automatic_names():
    keras.backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"
    assert keras.layers.Dense(1).name == "dense_1"
    keras.backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"
