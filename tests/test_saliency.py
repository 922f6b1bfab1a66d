"""glassnet.diagnostics.saliency and feature_maps: values against finite differences,
inference mode, shapes, dtypes and bad arguments.  Tiny models only."""
import numpy as np
import pytest

import glassnet as keras
from glassnet.autodiff import no_grad
from glassnet.diagnostics import feature_maps, saliency

L = keras.layers


@pytest.fixture
def float64():
    """floatx float64 for the test (finite differences need it), float32 again after."""
    keras.config.set_floatx("float64")
    yield
    keras.config.set_floatx("float32")


def tiny_cnn(seed=3, activation="softmax"):
    """A smooth CNN (tanh, average pooling) with everything saliency must handle in
    inference mode: BatchNormalization with non-trivial moving statistics, Dropout and
    a random augmentation layer (both must pass the input through)."""
    keras.backend.clear_session()  # layer names conv2d, batch_normalization, ...
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        L.Input((6, 6, 2)),
        L.RandomTranslation(0.3, 0.3),
        L.Conv2D(3, 3, activation="tanh"),
        L.BatchNormalization(),
        L.AveragePooling2D(2),
        L.Flatten(),
        L.Dropout(0.5),
        L.Dense(4, activation=activation),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(seed).random((16, 6, 6, 2))
    model.fit(x, np.arange(16) % 4, epochs=2, batch_size=8, verbose=0)  # moving stats move
    return model


def logits(model, x):
    """The model's scores before its softmax, in inference mode (NumPy, no graph)."""
    with no_grad():
        out = model(keras.Tensor(x), training=False)
    tagged = out._keras_logits
    return (tagged if tagged is not None else out).data


def finite_differences(model, x, classes, eps=1e-6):
    """|dS_c/dx| by central differences, one input entry at a time."""
    fd = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += eps
        down[index] -= eps
        n = index[0]
        fd[index] = (logits(model, up)[n, classes[n]] - logits(model, down)[n, classes[n]])
        fd[index] /= 2 * eps
    return np.abs(fd)


@pytest.mark.parametrize("activation", ["softmax", None], ids=["softmax", "linear"])
def test_saliency_matches_finite_differences_of_the_logit(float64, activation):
    model = tiny_cnn(activation=activation)
    x = np.random.default_rng(0).random((3, 6, 6, 2))
    classes = np.array([0, 2, 3])
    maps = saliency(model, x, classes)
    np.testing.assert_allclose(maps, finite_differences(model, x, classes), rtol=1e-6,
                               atol=1e-9)


def test_the_score_is_the_logit_not_the_probability(float64):
    """dp_c/dx = p_c (dz_c/dx - sum_j p_j dz_j/dx) differs from dz_c/dx."""
    model = tiny_cnn()
    x = np.random.default_rng(1).random((1, 6, 6, 2))
    maps = saliency(model, x, 1)
    probability = model.predict(x, verbose=0)[0, 1]
    assert 0.0 < probability < 1.0
    x_tensor = keras.Tensor(x, requires_grad=True)
    out = model(x_tensor, training=False)
    (dp,) = keras.autodiff.grad(out[:, 1].sum(), [x_tensor])
    assert not np.allclose(maps, np.abs(dp))


def test_shape_dtype_and_one_class_for_all(float64):
    model = tiny_cnn()
    keras.config.set_floatx("float32")
    x = np.random.default_rng(2).integers(0, 256, (5, 6, 6, 2)).astype(np.uint8)
    maps = saliency(model, x, 2)
    assert maps.shape == x.shape and maps.dtype == np.float32
    assert np.all(maps >= 0) and np.any(maps > 0)
    np.testing.assert_array_equal(maps, saliency(model, x, [2] * 5))


def test_inference_mode_is_deterministic_and_batches_do_not_matter():
    """Dropout and RandomTranslation are off (training=False): the same maps every call,
    whatever the batch size (the examples do not interact)."""
    model = tiny_cnn()
    x = np.random.default_rng(3).random((5, 6, 6, 2)).astype(np.float32)
    classes = [0, 1, 2, 3, 0]
    first = saliency(model, x, classes)
    np.testing.assert_array_equal(first, saliency(model, x, classes))
    np.testing.assert_allclose(saliency(model, x, classes, batch_size=2), first, rtol=1e-5,
                               atol=1e-7)


def test_works_inside_no_grad_and_leaves_no_graph():
    model = tiny_cnn()
    x = np.random.default_rng(4).random((2, 6, 6, 2)).astype(np.float32)
    expected = saliency(model, x, 1)
    with no_grad():
        np.testing.assert_array_equal(saliency(model, x, 1), expected)
    assert all(w.grad is None for w in model.weights)


@pytest.mark.parametrize("class_index, error, match", [
    (4, ValueError, r"class_index must be in \[0, 4\).*Received: class_index=4"),
    (-1, ValueError, r"Received: class_index=-1"),
    ([0, 1, 7], ValueError, r"Received: class_index=7"),
    ([0, 1], ValueError, r"one per example \(3\).*Received: class_index of shape \(2,\)"),
    (1.0, TypeError, r"integer.*Received: class_index=1.0"),
    (True, TypeError, r"Received: class_index=True"),
    ("cat", TypeError, r"Received: class_index='cat'"),
])
def test_bad_class_index_is_a_clear_error(class_index, error, match):
    model = tiny_cnn()
    x = np.zeros((3, 6, 6, 2), dtype=np.float32)
    with pytest.raises(error, match=match):
        saliency(model, x, class_index)


def test_bad_inputs_and_models_are_clear_errors():
    model = tiny_cnn()
    with pytest.raises(ValueError, match=r"batch axis first. Received: x.shape=\(6,\)"):
        saliency(model, np.zeros(6), 0)
    with pytest.raises(ValueError, match="Received: batch_size=0"):
        saliency(model, np.zeros((1, 6, 6, 2)), 0, batch_size=0)
    maps_model = keras.Sequential([L.Input((6, 6, 2)), L.Conv2D(2, 3)])
    with pytest.raises(ValueError, match=r"shape \(batch, classes\). Received: output shape "
                                         r"\(1, 4, 4, 2\)"):
        saliency(maps_model, np.zeros((1, 6, 6, 2)), 0)


def test_feature_maps_are_the_layer_outputs_in_inference_mode():
    model = tiny_cnn()
    x = np.random.default_rng(5).random((2, 6, 6, 2)).astype(np.float32)
    maps = feature_maps(model, x, ["conv2d", model.layers[2]])
    assert list(maps) == ["conv2d", "batch_normalization"]
    assert maps["conv2d"].shape == (2, 4, 4, 3)
    conv, bn = model.layers[1], model.layers[2]
    expected = bn(conv(x), training=False)  # NumPy in, NumPy out
    np.testing.assert_allclose(maps["batch_normalization"], expected, rtol=1e-6)
    assert not any(layer._forward_hooks for layer in model.layers)  # hooks removed
    everything = feature_maps(model, x)
    assert list(everything) == [layer.name for layer in model.layers]
    np.testing.assert_array_equal(everything["random_translation"], x)  # off in inference


def test_feature_maps_unknown_layer():
    model = tiny_cnn()
    with pytest.raises(ValueError, match=r"no layer 'conv9'.*Received: layers=\['conv9'\]"):
        feature_maps(model, np.zeros((1, 6, 6, 2)), ["conv9"])
    assert not any(layer._forward_hooks for layer in model.layers)
