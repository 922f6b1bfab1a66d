"""Compiled steps of the layers and losses that prepare data with NumPy (random image
augmentation, recurrent dropout masks, label arithmetic in the losses): each is trained
eagerly (``jit_compile=False``) and compiled (``jit_compile=True``, which raises if the
step falls back to eager) from the same seeds, and must give the same history, weights,
evaluation and predictions, bit for bit."""
import numpy as np
import pytest

import glassnet as keras
from glassnet import ops

L = keras.layers


def _compiled(model_fn, compile_kwargs, jit_compile, data, fit_kwargs):
    keras.utils.set_random_seed(7)
    model = model_fn()
    model.compile(jit_compile=jit_compile, **{"optimizer": "adam", **compile_kwargs})
    keras.utils.set_random_seed(8)  # the shuffles
    history = model.fit(*data, batch_size=16, epochs=3, verbose=0, **fit_kwargs).history
    evaluation = model.evaluate(*data, batch_size=16, verbose=0)
    predictions = model.predict(data[0], batch_size=16, verbose=0)
    return model, history, evaluation, predictions


def _assert_identical(eager, compiled):
    (m1, h1, e1, p1), (m2, h2, e2, p2) = eager, compiled
    assert h1 == h2
    assert e1 == e2
    np.testing.assert_array_equal(p1, p2)
    for a, b in zip(m1.get_weights(), m2.get_weights()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(m1.optimizer.variables, m2.optimizer.variables):
        np.testing.assert_array_equal(a.data, b.data)


def _check(model_fn, compile_kwargs, data, fit_kwargs=None):
    fit_kwargs = fit_kwargs or {}
    eager = _compiled(model_fn, compile_kwargs, False, data, fit_kwargs)
    compiled = _compiled(model_fn, compile_kwargs, True, data, fit_kwargs)  # True: no fallback
    _assert_identical(eager, compiled)
    assert compiled[0].compiled_functions_ready() == {"train", "test", "predict"}


# --------------------------------------------------------------------------
# image augmentation
# --------------------------------------------------------------------------


def _images(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 8, 8, 2)).astype("float32")
    y = (x[:, :4].mean(axis=(1, 2, 3)) > 0).astype("int64") + (x[:, 0, 0, 0] > 1)
    return x, y


AUGMENTATIONS = {
    "translation reflect": lambda: L.RandomTranslation(0.3, 0.2, seed=1),
    "translation constant fill": lambda: L.RandomTranslation(
        (-0.2, 0.3), 0.25, fill_mode="constant", fill_value=0.5, seed=2),
    "translation nearest interpolation wrap": lambda: L.RandomTranslation(
        0.2, 0.2, fill_mode="wrap", interpolation="nearest", seed=3),
    "rotation": lambda: L.RandomRotation(0.2, seed=4),
    "rotation constant fill": lambda: L.RandomRotation(
        0.1, fill_mode="constant", fill_value=-1.0, seed=5),
    "zoom": lambda: L.RandomZoom(0.3, seed=6),
    "zoom two factors nearest": lambda: L.RandomZoom(
        (-0.3, 0.1), (0.0, 0.4), fill_mode="nearest", seed=7),
    "flip": lambda: L.RandomFlip(seed=8),
    "flip horizontal": lambda: L.RandomFlip("horizontal", seed=9),
    "crop": lambda: L.RandomCrop(6, 5, seed=10),
    "crop channels first": lambda: L.RandomCrop(5, 1, seed=11, data_format="channels_first"),
    "resizing crop to aspect ratio": lambda: L.Resizing(6, 5, crop_to_aspect_ratio=True),
    "resizing nearest pad": lambda: L.Resizing(10, 6, interpolation="nearest",
                                               pad_to_aspect_ratio=True, fill_value=0.5),
}


@pytest.mark.parametrize("name", list(AUGMENTATIONS))
def test_image_augmentation_compiles_to_the_same_numbers(name):
    def model():
        return keras.Sequential([
            keras.Input((8, 8, 2)), AUGMENTATIONS[name](),
            L.Conv2D(3, 3, activation="relu"), L.Flatten(), L.Dense(3, activation="softmax")])

    _check(model, {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]},
           _images())


def test_augmentation_chain_with_gradient_to_the_images():
    """Several augmentations in a row; the sampling plans feed a trainable layer before them."""
    def model():
        return keras.Sequential([
            keras.Input((8, 8, 2)), L.Conv2D(2, 1), L.RandomFlip(seed=1),
            L.RandomRotation(0.1, fill_mode="constant", fill_value=0.25, seed=2),
            L.RandomZoom(0.2, seed=3), L.RandomTranslation(0.1, 0.1, seed=4),
            L.RandomCrop(7, 7, seed=5), L.Flatten(), L.Dense(3, activation="softmax")])

    _check(model, {"loss": "sparse_categorical_crossentropy"}, _images())


def test_ops_image_affine_transform_with_a_traced_transform():
    """A transform computed in the step (from the batch) is planned again at every replay."""
    class Warp(keras.Model):
        def __init__(self):
            super().__init__()
            self.shift = L.Dense(8, kernel_initializer="zeros")
            self.out = L.Dense(3, activation="softmax")

        def call(self, x):
            first = ops.mean(x, axis=(2, 3))  # (N, 8)
            transform = ops.convert_to_tensor(np.eye(3, dtype="float32").reshape(-1)[:8])
            transform = transform + ops.stop_gradient(ops.tanh(first))  # batch-dependent
            warped = ops.image.affine_transform(x, transform, fill_mode="constant",
                                                fill_value=0.3)
            return self.out(ops.reshape(warped, (-1, 128)))

    _check(Warp, {"loss": "sparse_categorical_crossentropy"}, _images())


# --------------------------------------------------------------------------
# recurrent layers
# --------------------------------------------------------------------------


def _sequences(n=96, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 5, 3)).astype("float32")
    y = (x.sum(axis=(1, 2)) > 0).astype("int64") + (x[:, 0, 0] > 1)
    return x, y


RECURRENT = {
    "simple rnn": lambda: L.SimpleRNN(6, dropout=0.2, recurrent_dropout=0.3, seed=1),
    "lstm": lambda: L.LSTM(6, dropout=0.25, recurrent_dropout=0.1, seed=2),
    "gru sequences": lambda: L.GRU(6, dropout=0.1, recurrent_dropout=0.2, seed=3,
                                   return_sequences=True),
    "lstm backwards no dropout": lambda: L.LSTM(4, go_backwards=True),
}


@pytest.mark.parametrize("name", list(RECURRENT))
def test_recurrent_dropout_compiles_to_the_same_numbers(name):
    def model():
        return keras.Sequential([keras.Input((5, 3)), RECURRENT[name](), L.Flatten(),
                                 L.Dense(3, activation="softmax")])

    _check(model, {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]},
           _sequences())


# --------------------------------------------------------------------------
# losses
# --------------------------------------------------------------------------


def _features(n=96, seed=2):
    return np.random.default_rng(seed).standard_normal((n, 4)).astype("float32")


def _head(units, activation):
    def model():
        return keras.Sequential([keras.Input((4,)), L.Dense(8, activation="tanh"),
                                 L.Dense(units, activation=activation)])

    return model


def _binary(x):
    return (x[:, :1] + x[:, 1:2] > 0).astype("float32")  # (N, 1)


def _one_hot(x):
    return np.eye(3, dtype="float32")[x[:, :3].argmax(axis=1)]  # (N, 3)


def _labels(x):
    return x[:, :3].argmax(axis=1).astype("int64")  # (N,)


def _positive(x):
    return (np.abs(x[:, :2]) + 0.1).astype("float32")  # (N, 2)


def _masks(x):
    return (x > 0).astype("float32")  # (N, 4)


losses = keras.losses
LOSSES = {
    "binary focal": (_head(1, "sigmoid"), losses.BinaryFocalCrossentropy(gamma=1.5), _binary),
    "binary focal balanced smoothed logits": (
        _head(1, None), losses.BinaryFocalCrossentropy(
            apply_class_balancing=True, alpha=0.3, from_logits=True, label_smoothing=0.1),
        _binary),
    "binary focal gamma 0": (_head(1, "sigmoid"), losses.BinaryFocalCrossentropy(gamma=0.0),
                             _binary),
    "categorical focal": (_head(3, "softmax"), losses.CategoricalFocalCrossentropy(
        alpha=[0.2, 0.3, 0.5], label_smoothing=0.1), _one_hot),
    "categorical focal logits": (_head(3, None), losses.CategoricalFocalCrossentropy(
        from_logits=True), _one_hot),
    "binary crossentropy smoothed": (_head(1, "sigmoid"), losses.BinaryCrossentropy(
        label_smoothing=0.2), _binary),
    "binary crossentropy probabilities": (_head(1, "hard_sigmoid"), losses.BinaryCrossentropy(
        label_smoothing=0.1), _binary),
    "categorical crossentropy smoothed": (_head(3, "softmax"), losses.CategoricalCrossentropy(
        label_smoothing=0.1), _one_hot),
    "categorical crossentropy probabilities": (_head(3, "softplus"),
                                               losses.CategoricalCrossentropy(), _one_hot),
    "sparse crossentropy probabilities": (_head(3, "softplus"),
                                          losses.SparseCategoricalCrossentropy(), _labels),
    "sparse crossentropy ignore class": (_head(3, "softmax"),
                                         losses.SparseCategoricalCrossentropy(ignore_class=2),
                                         _labels),
    "sparse crossentropy ignore class logits": (
        _head(3, None), losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
        _labels),
    "kl divergence": (_head(3, "softmax"), losses.KLDivergence(), _one_hot),
    "poisson": (_head(2, "softplus"), losses.Poisson(), _positive),
    "mape": (_head(2, None), losses.MeanAbsolutePercentageError(), _positive),
    "msle": (_head(2, None), losses.MeanSquaredLogarithmicError(), _positive),
    "cosine similarity": (_head(2, None), losses.CosineSimilarity(), _positive),
    "huber": (_head(2, None), losses.Huber(delta=0.5), _positive),
    "log cosh": (_head(2, None), losses.LogCosh(), _positive),
    "hinge": (_head(1, "tanh"), losses.Hinge(), _binary),
    "squared hinge": (_head(1, "tanh"), losses.SquaredHinge(), _binary),
    "categorical hinge": (_head(3, None), losses.CategoricalHinge(), _one_hot),
    "dice": (_head(4, "sigmoid"), losses.Dice(), _masks),
    "dice per sample": (_head(4, "sigmoid"), losses.Dice(axis=1), _masks),
    "tversky": (_head(4, "sigmoid"), losses.Tversky(alpha=0.7, beta=0.3), _masks),
    "mse mean with sample weight": (
        _head(2, None), losses.MeanSquaredError(reduction="mean_with_sample_weight"),
        _positive),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_losses_compile_to_the_same_numbers(name):
    model_fn, loss, target = LOSSES[name]
    x = _features()
    fit_kwargs = {}
    if "sample weight" in name:
        weights = np.linspace(0.0, 2.0, len(x)).astype("float32")
        weights[:20] = 0  # batches of weight 0 after a shuffle are possible
        fit_kwargs = {"sample_weight": weights}
    _check(model_fn, {"loss": loss}, (x, target(x)), fit_kwargs)


# --------------------------------------------------------------------------
# Softmax with a mask made from the batch
# --------------------------------------------------------------------------


class _MaskedSoftmax(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = L.Dense(3)
        self.softmax = L.Softmax()

    def call(self, x):
        mask = ops.greater(x[:, :3], -0.5)  # (N, 3), from the batch
        return self.softmax(self.hidden(x), mask=mask)


def test_softmax_with_a_mask_from_the_batch_compiles_to_the_same_numbers():
    x = _features()
    _check(_MaskedSoftmax, {"loss": "sparse_categorical_crossentropy"}, (x, _labels(x)))
