"""The lecture "Advances in CNN — Part A" (its Keras notebook), cell by cell, with
``import glassnet as keras`` in place of ``from tensorflow import keras``.

Epochs are reduced (1 instead of 30/20) so the suite stays fast; the accuracy
floors are the issue's: >= 0.80 validation accuracy for the SGD MLP and >= 0.82
for the BatchNormalization + Dropout model with Adam after one epoch.
"""
import io
from contextlib import redirect_stdout

import numpy as np
import pytest

import glassnet as keras

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandals", "Shirt", "Sneaker", "Bag", "Ankle boot"]


@pytest.fixture(scope="module")
def data():
    """In [1]-[7]: the seed, the data, the split and the scaling."""
    keras.backend.clear_session()
    np.random.seed(45)
    fashion_mnist = keras.datasets.fashion_mnist
    (X_train_full, y_train_full), (X_test, y_test) = fashion_mnist.load_data()
    assert X_train_full.shape == (60000, 28, 28)
    X_valid, X_train = X_train_full[:5000] / 255.0, X_train_full[5000:] / 255.0
    y_valid, y_train = y_train_full[:5000], y_train_full[5000:]
    X_test = X_test / 255.0
    assert CLASS_NAMES[y_train[0]] == "Coat"  # In [6]
    assert X_valid.shape == (5000, 28, 28) and X_test.shape == (10000, 28, 28)  # In [7]
    return X_train, y_train, X_valid, y_valid, X_test, y_test


def _summary_text(model):
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        model.summary()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def mlp(data, tmp_path_factory):
    """In [9]-[19]: build, inspect, plot, compile, fit (1 epoch), evaluate, predict."""
    X_train, y_train, X_valid, y_valid, X_test, y_test = data
    model = keras.models.Sequential()
    model.add(keras.layers.Flatten(input_shape=[28, 28]))
    model.add(keras.layers.Dense(300, activation="relu"))
    model.add(keras.layers.Dense(100, activation="relu"))
    model.add(keras.layers.Dense(10, activation="softmax"))

    assert [type(layer).__name__ for layer in model.layers] == [  # In [10]
        "Flatten", "Dense", "Dense", "Dense"]
    summary = _summary_text(model)  # In [11]
    assert "Total params: 266,610" in summary and "Trainable params: 266,610" in summary
    png = tmp_path_factory.mktemp("plot") / "my_fashion_mnist_model.png"
    keras.utils.plot_model(model, str(png), show_shapes=True)  # In [12]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    hidden1 = model.layers[1]  # In [13]-[14]
    weights, biases = hidden1.get_weights()
    assert weights.shape == (784, 300) and weights.dtype == np.float32
    assert np.all(biases == 0) and np.abs(weights).max() <= np.sqrt(6 / (784 + 300))

    model.compile(loss="sparse_categorical_crossentropy",  # In [15]
                  optimizer="sgd",
                  metrics=["accuracy"])
    history = model.fit(X_train, y_train, epochs=1,  # In [16] (30 epochs in the lecture)
                        validation_data=(X_valid, y_valid), verbose=0)
    return model, history


def test_mlp_history_and_accuracy(mlp):
    model, history = mlp
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert history.params["steps"] == 1719
    assert history.history["val_accuracy"][0] >= 0.80


def test_mlp_evaluate_and_predict(mlp, data):
    model, _ = mlp
    X_test, y_test = data[4], data[5]
    loss, accuracy = model.evaluate(X_test, y_test, verbose=0)  # In [18]
    assert isinstance(loss, float) and 0 < loss < 1 and accuracy >= 0.78
    X_new = X_test[:3]  # In [19]
    y_proba = model.predict(X_new, verbose=0)
    assert y_proba.shape == (3, 10) and y_proba.dtype == np.float32
    np.testing.assert_allclose(y_proba.sum(axis=1), 1, rtol=1e-5)
    y_pred = np.argmax(model.predict(X_new, verbose=0), axis=-1)  # In [21]
    assert np.array(CLASS_NAMES)[y_pred].shape == (3,)
    np.testing.assert_array_equal(y_test[:3], [9, 2, 1])  # In [22]


def test_the_equivalent_explicit_compile(data):
    """In [15]'s "This is equivalent to": functions and objects instead of strings."""
    X_train, y_train = data[0][:2000], data[1][:2000]
    model = keras.models.Sequential([
        keras.layers.Flatten(input_shape=[28, 28]),
        keras.layers.Dense(30, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss=keras.losses.sparse_categorical_crossentropy,
                  optimizer=keras.optimizers.SGD(),
                  metrics=[keras.metrics.sparse_categorical_accuracy])
    history = model.fit(X_train, y_train, epochs=1, verbose=0)
    assert list(history.history) == ["loss", "sparse_categorical_accuracy"]


def test_bn_model_summary_variables_and_training(data):
    """In [24]-[26] and In [45]-[46]: the BatchNormalization (+ Dropout) models."""
    X_train, y_train, X_valid, y_valid, X_test, y_test = data
    model = keras.models.Sequential([
        keras.layers.Flatten(input_shape=[28, 28]),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(300, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(100, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    summary = _summary_text(model)
    assert "Total params: 271,346" in summary
    assert "Trainable params: 268,978" in summary
    assert "Non-trainable params: 2,368" in summary
    bn1 = model.layers[1]
    assert [(var.name, var.trainable) for var in bn1.variables] == [
        ("gamma", True), ("beta", True), ("moving_mean", False), ("moving_variance", False)]
    assert bn1.variables[0].path.endswith("batch_normalization/gamma")

    model_do = keras.models.Sequential([
        keras.layers.Flatten(input_shape=[28, 28]),
        keras.layers.BatchNormalization(),
        keras.layers.Dropout(rate=0.2),
        keras.layers.Dense(300, activation="elu", kernel_initializer="he_normal"),
        keras.layers.BatchNormalization(),
        keras.layers.Dropout(rate=0.2),
        keras.layers.Dense(100, activation="elu", kernel_initializer="he_normal"),
        keras.layers.BatchNormalization(),
        keras.layers.Dropout(rate=0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model_do.compile(loss="sparse_categorical_crossentropy", optimizer="adam",
                     metrics=["accuracy"])
    history_do = model_do.fit(X_train, y_train, epochs=1,
                              validation_data=(X_valid, y_valid), verbose=0)
    assert history_do.history["val_accuracy"][0] >= 0.82
    loss, accuracy = model_do.evaluate(X_test, y_test, verbose=0)
    assert accuracy >= 0.80


def test_the_optimizer_cells_construct(data):
    """In [27]-[32]: every optimizer the lecture creates, with its arguments."""
    optimizers = [
        keras.optimizers.SGD(clipvalue=1.0),
        keras.optimizers.SGD(clipnorm=1.0),
        keras.optimizers.SGD(learning_rate=0.001, momentum=0.9),
        keras.optimizers.SGD(learning_rate=0.001, nesterov=True),
        keras.optimizers.Adagrad(learning_rate=0.001),
        keras.optimizers.RMSprop(learning_rate=0.001, rho=0.9),
        keras.optimizers.Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999),
    ]
    X_train, y_train = data[0][:512], data[1][:512]
    for optimizer in optimizers:
        model = keras.models.Sequential([
            keras.layers.Flatten(input_shape=[28, 28]),
            keras.layers.Dense(10, activation="softmax"),
        ])
        model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer,
                      metrics=["accuracy"])
        history = model.fit(X_train, y_train, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0])
