"""The regression and transfer-learning recipes of the textbook chapters on Keras (an MLP
for regression with a Normalization layer, wide & deep models with several inputs and
outputs, a subclassed model, reusing pretrained layers, MC dropout), written as the
chapters write them with only the import changed; synthetic data of the same shapes
stands in for the housing data set."""
import numpy as np
import pytest

import glassnet as keras


def _housing(n=600, seed=42):
    """Eight features on very different scales and a target that depends on them."""
    rng = np.random.default_rng(seed)
    scales = np.array([2.0, 12.0, 5.0, 1.0, 1400.0, 3.0, 35.0, -119.0])
    X = rng.standard_normal((n, 8)) * np.abs(scales) / 4 + scales
    y = (X[:, 0] - 0.05 * X[:, 1] + 0.3 * X[:, 3] + 0.1 * rng.standard_normal(n))
    X_train, X_valid, X_test = X[:400], X[400:500], X[500:]
    y_train, y_valid, y_test = y[:400], y[400:500], y[500:]
    return X_train, X_valid, X_test, y_train, y_valid, y_test


def test_regression_mlp_with_a_normalization_layer():
    keras.utils.set_random_seed(42)
    X_train, X_valid, X_test, y_train, y_valid, y_test = _housing()
    X_new = X_test[:3]
    norm_layer = keras.layers.Normalization(input_shape=X_train.shape[1:])
    model = keras.Sequential([
        norm_layer,
        keras.layers.Dense(50, activation="relu"),
        keras.layers.Dense(50, activation="relu"),
        keras.layers.Dense(50, activation="relu"),
        keras.layers.Dense(1)
    ])
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    model.compile(loss="mse", optimizer=optimizer, metrics=["RootMeanSquaredError"])
    norm_layer.adapt(X_train)
    history = model.fit(X_train, y_train, epochs=20, validation_data=(X_valid, y_valid),
                        verbose=0)
    mse_test, rmse_test = model.evaluate(X_test, y_test, verbose=0)
    y_pred = model.predict(X_new, verbose=0)
    # Keras 3 names a metric given as a string by that string (checked with Keras 3.15)
    assert list(history.history) == ["loss", "RootMeanSquaredError", "val_loss",
                                     "val_RootMeanSquaredError"]
    np.testing.assert_allclose(rmse_test, np.sqrt(mse_test), rtol=1e-5)
    assert mse_test < 0.5 * np.var(y_test)  # better than predicting the mean
    assert y_pred.shape == (3, 1)
    np.testing.assert_allclose(norm_layer.mean.numpy().ravel(), X_train.mean(axis=0),
                               rtol=1e-4)


def _wide_and_deep_data():
    X_train, X_valid, X_test, y_train, y_valid, y_test = _housing()
    X_train_wide, X_train_deep = X_train[:, :5], X_train[:, 2:]
    X_valid_wide, X_valid_deep = X_valid[:, :5], X_valid[:, 2:]
    X_test_wide, X_test_deep = X_test[:, :5], X_test[:, 2:]
    return ((X_train_wide, X_train_deep, y_train), (X_valid_wide, X_valid_deep, y_valid),
            (X_test_wide, X_test_deep, y_test))


def test_wide_and_deep_with_two_named_inputs_and_an_auxiliary_output():
    keras.utils.set_random_seed(42)
    train, valid, test = _wide_and_deep_data()
    (X_train_wide, X_train_deep, y_train), (X_valid_wide, X_valid_deep, y_valid) = train, valid
    X_test_wide, X_test_deep, y_test = test
    X_new_wide, X_new_deep = X_test_wide[:3], X_test_deep[:3]

    input_wide = keras.layers.Input(shape=[5], name="input_wide")
    input_deep = keras.layers.Input(shape=[6], name="input_deep")
    norm_layer_wide = keras.layers.Normalization()
    norm_layer_deep = keras.layers.Normalization()
    norm_wide = norm_layer_wide(input_wide)
    norm_deep = norm_layer_deep(input_deep)
    hidden1 = keras.layers.Dense(30, activation="relu")(norm_deep)
    hidden2 = keras.layers.Dense(30, activation="relu")(hidden1)
    concat = keras.layers.concatenate([norm_wide, hidden2])
    output = keras.layers.Dense(1)(concat)
    aux_output = keras.layers.Dense(1)(hidden2)
    model = keras.Model(inputs=[input_wide, input_deep], outputs=[output, aux_output])

    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    model.compile(loss=("mse", "mse"), loss_weights=(0.9, 0.1), optimizer=optimizer,
                  metrics=["RootMeanSquaredError"])
    norm_layer_wide.adapt(X_train_wide)
    norm_layer_deep.adapt(X_train_deep)
    history = model.fit(
        (X_train_wide, X_train_deep), (y_train, y_train), epochs=20,
        validation_data=((X_valid_wide, X_valid_deep), (y_valid, y_valid)), verbose=0,
    )
    eval_results = model.evaluate((X_test_wide, X_test_deep), (y_test, y_test), verbose=0)
    weighted_sum_of_losses, main_loss, aux_loss, main_rmse, aux_rmse = eval_results
    y_pred_main, y_pred_aux = model.predict((X_new_wide, X_new_deep), verbose=0)
    y_pred_tuple = model.predict((X_new_wide, X_new_deep), verbose=0)
    y_pred = dict(zip(model.output_names, y_pred_tuple))

    np.testing.assert_allclose(weighted_sum_of_losses, 0.9 * main_loss + 0.1 * aux_loss,
                               rtol=1e-5)
    np.testing.assert_allclose([main_rmse, aux_rmse], np.sqrt([main_loss, aux_loss]),
                               rtol=1e-4)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert y_pred_main.shape == y_pred_aux.shape == (3, 1)
    np.testing.assert_array_equal(y_pred[model.output_names[0]], y_pred_main)
    by_name = model.predict({"input_wide": X_new_wide, "input_deep": X_new_deep}, verbose=0)
    np.testing.assert_array_equal(by_name[0], y_pred_main)


class WideAndDeepModel(keras.Model):
    def __init__(self, units=30, activation="relu", **kwargs):
        super().__init__(**kwargs)  # needed to support naming the model
        self.norm_layer_wide = keras.layers.Normalization()
        self.norm_layer_deep = keras.layers.Normalization()
        self.hidden1 = keras.layers.Dense(units, activation=activation)
        self.hidden2 = keras.layers.Dense(units, activation=activation)
        self.main_output = keras.layers.Dense(1)
        self.aux_output = keras.layers.Dense(1)

    def call(self, inputs):
        input_wide, input_deep = inputs
        norm_wide = self.norm_layer_wide(input_wide)
        norm_deep = self.norm_layer_deep(input_deep)
        hidden1 = self.hidden1(norm_deep)
        hidden2 = self.hidden2(hidden1)
        concat = keras.layers.concatenate([norm_wide, hidden2])
        output = self.main_output(concat)
        aux_output = self.aux_output(hidden2)
        return output, aux_output


def test_subclassed_wide_and_deep_model():
    keras.utils.set_random_seed(42)
    train, valid, _ = _wide_and_deep_data()
    (X_train_wide, X_train_deep, y_train), (X_valid_wide, X_valid_deep, y_valid) = train, valid
    model = WideAndDeepModel(30, activation="relu", name="my_cool_model")
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    model.compile(loss="mse", loss_weights=[0.9, 0.1], optimizer=optimizer,
                  metrics=["RootMeanSquaredError"])
    model.norm_layer_wide.adapt(X_train_wide)
    model.norm_layer_deep.adapt(X_train_deep)
    history = model.fit(
        (X_train_wide, X_train_deep), (y_train, y_train), epochs=10,
        validation_data=((X_valid_wide, X_valid_deep), (y_valid, y_valid)), verbose=0,
    )
    assert model.name == "my_cool_model"
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert {"val_loss", "loss"} <= set(history.history)


def test_reusing_pretrained_layers_with_frozen_layers_and_recompiling():
    rng = np.random.default_rng(0)
    X_train = rng.random((200, 28, 28)).astype("float32")
    y_train_A = rng.integers(0, 8, 200)
    y_train_B = (y_train_A % 2).astype("float32")
    keras.utils.set_random_seed(42)
    model_A = keras.Sequential([
        keras.layers.Flatten(input_shape=[28, 28]),
        keras.layers.Dense(30, activation="relu", kernel_initializer="he_normal"),
        keras.layers.Dense(8, activation="softmax"),
    ])
    model_A.compile(loss="sparse_categorical_crossentropy", optimizer="sgd",
                    metrics=["accuracy"])
    model_A.fit(X_train, y_train_A, epochs=2, verbose=0)

    model_A_clone = keras.models.clone_model(model_A)
    model_A_clone.set_weights(model_A.get_weights())
    model_B_on_A = keras.Sequential(model_A_clone.layers[:-1])
    model_B_on_A.add(keras.layers.Dense(1, activation="sigmoid"))
    for layer in model_B_on_A.layers[:-1]:
        layer.trainable = False
    optimizer = keras.optimizers.SGD(learning_rate=0.001)
    model_B_on_A.compile(loss="binary_crossentropy", optimizer=optimizer,
                         metrics=["accuracy"])
    frozen = [w.copy() for w in model_B_on_A.get_weights()[:2]]
    model_B_on_A.fit(X_train, y_train_B, epochs=2, verbose=0)
    for before, after in zip(frozen, model_B_on_A.get_weights()[:2]):
        np.testing.assert_array_equal(before, after)

    for layer in model_B_on_A.layers[:-1]:
        layer.trainable = True
    # Keras 3, unlike the tf.keras of the book, wants a new optimizer for the new set of
    # trainable variables; glassnet says so the same way.
    model_B_on_A.compile(loss="binary_crossentropy", optimizer=optimizer,
                         metrics=["accuracy"])
    with pytest.raises(ValueError, match="create a new optimizer for new variables"):
        model_B_on_A.fit(X_train, y_train_B, epochs=1, verbose=0)
    optimizer = keras.optimizers.SGD(learning_rate=0.001)
    model_B_on_A.compile(loss="binary_crossentropy", optimizer=optimizer,
                         metrics=["accuracy"])
    model_B_on_A.fit(X_train, y_train_B, epochs=1, verbose=0)
    assert not np.array_equal(frozen[0], model_B_on_A.get_weights()[0])
    assert not np.array_equal(model_A.get_weights()[0], model_B_on_A.get_weights()[0])


def test_mc_dropout_averages_stochastic_predictions():
    keras.utils.set_random_seed(0)
    X_test = np.random.default_rng(1).random((20, 8)).astype("float32")
    model = keras.Sequential([
        keras.Input((8,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dropout(rate=0.5),
        keras.layers.Dense(3, activation="softmax"),
    ])
    y_probas = np.stack([model(X_test, training=True) for sample in range(100)])
    y_proba = y_probas.mean(axis=0)
    assert y_probas.shape == (100, 20, 3)
    assert y_probas.std(axis=0).max() > 0  # the masks differ from call to call
    np.testing.assert_allclose(y_proba.sum(axis=1), 1.0, rtol=1e-5)

    class MCDropout(keras.layers.Dropout):
        def call(self, inputs, training=False):
            return super().call(inputs, training=True)

    mc = MCDropout(0.5)
    assert not np.array_equal(mc(X_test), mc(X_test))
