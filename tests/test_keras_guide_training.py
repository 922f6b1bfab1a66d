"""Keras guide "Training & evaluation with the built-in methods"
(keras.io/guides/training_with_built_in_methods/), run on glassnet.

One test per guide section. The guide's code is kept as written; the only changes are
marked with a ``# glassnet:`` comment.
"""
import os

import numpy as np
import pytest

import glassnet as keras  # glassnet: instead of `import keras`
from glassnet import layers, ops


def to_np(x):
    return keras.ops.convert_to_numpy(x)


@pytest.fixture(scope="module")
def mnist():
    # glassnet: synthetic, learnable stand-in for MNIST (keras.datasets.mnist.load_data()):
    # 640 train (of which 128 for validation) and 128 test images, 28x28 uint8.
    rng = np.random.default_rng(0)
    proj = rng.normal(size=(784, 10))

    def make(n):
        x = (rng.random((n, 28, 28)) * 255).astype("uint8")
        y = np.argmax((x.reshape(n, 784) / 255 - 0.5) @ proj, axis=1).astype("uint8")
        return x, y

    (x_train, y_train), (x_test, y_test) = make(640), make(128)

    # Preprocess the data (these are NumPy arrays)
    x_train = x_train.reshape(640, 784).astype("float32") / 255
    x_test = x_test.reshape(128, 784).astype("float32") / 255

    y_train = y_train.astype("float32")
    y_test = y_test.astype("float32")

    # Reserve 128 samples for validation  # glassnet: 128 instead of 10,000
    x_val = x_train[-128:]
    y_val = y_train[-128:]
    x_train = x_train[:-128]
    y_train = y_train[:-128]
    return x_train, y_train, x_val, y_val, x_test, y_test


def get_uncompiled_model():
    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


def get_compiled_model():
    model = get_uncompiled_model()
    model.compile(
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    return model


def sparse_cce(y, probs):
    probs = np.clip(probs / probs.sum(-1, keepdims=True), 1e-7, 1 - 1e-7)
    return -np.log(probs[np.arange(len(y)), y.astype(int)])


def test_api_overview_a_first_end_to_end_example(mnist, capsys):
    x_train, y_train, x_val, y_val, x_test, y_test = mnist
    model = get_uncompiled_model()
    model.compile(
        optimizer=keras.optimizers.RMSprop(),  # Optimizer
        # Loss function to minimize
        loss=keras.losses.SparseCategoricalCrossentropy(),
        # List of metrics to monitor
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )

    print("Fit model on training data")
    history = model.fit(
        x_train,
        y_train,
        batch_size=64,
        epochs=2,
        # We pass some validation for
        # monitoring validation loss and metrics
        # at the end of each epoch
        validation_data=(x_val, y_val),
    )
    assert sorted(history.history) == [
        "loss",
        "sparse_categorical_accuracy",
        "val_loss",
        "val_sparse_categorical_accuracy",
    ]
    assert history.history["loss"][1] < history.history["loss"][0]

    # Evaluate the model on the test data using `evaluate`
    print("Evaluate on test data")
    results = model.evaluate(x_test, y_test, batch_size=128)
    print("test loss, test acc:", results)

    # Generate predictions (probabilities -- the output of the last layer)
    # on new data using `predict`
    print("Generate predictions for 3 samples")
    predictions = model.predict(x_test[:3])
    print("predictions shape:", predictions.shape)
    assert "predictions shape: (3, 10)" in capsys.readouterr().out

    probs = to_np(model.predict(x_test, verbose=0))
    np.testing.assert_allclose(results[0], np.mean(sparse_cce(y_test, probs)), rtol=1e-4)
    np.testing.assert_allclose(results[1], np.mean(np.argmax(probs, 1) == y_test), atol=1e-6)

    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    model.compile(
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)


def test_custom_losses(mnist):
    x_train, y_train, _, _, _, _ = mnist

    def custom_mean_squared_error(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred), axis=-1)

    model = get_uncompiled_model()
    model.compile(optimizer=keras.optimizers.Adam(), loss=custom_mean_squared_error)

    # We need to one-hot encode the labels to use MSE
    y_train_one_hot = ops.one_hot(y_train, num_classes=10)
    history = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=1)
    assert list(history.history) == ["loss"]

    y1 = to_np(y_train_one_hot)
    np.testing.assert_array_equal(y1, np.eye(10)[y_train.astype(int)])
    loss = model.evaluate(x_train, y1, verbose=0)
    pred = to_np(model.predict(x_train, verbose=0))
    np.testing.assert_allclose(loss, np.mean((y1 - pred) ** 2), rtol=1e-4)

    class CustomMSE(keras.losses.Loss):
        def __init__(self, regularization_factor=0.1, name="custom_mse"):
            super().__init__(name=name)
            self.regularization_factor = regularization_factor

        def call(self, y_true, y_pred):
            mse = ops.mean(ops.square(y_true - y_pred), axis=-1)
            reg = ops.mean(ops.square(0.5 - y_pred), axis=-1)
            return mse + reg * self.regularization_factor

    model = get_uncompiled_model()
    model.compile(optimizer=keras.optimizers.Adam(), loss=CustomMSE())

    y_train_one_hot = ops.one_hot(y_train, num_classes=10)
    history = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=1)
    assert list(history.history) == ["loss"]

    loss = model.evaluate(x_train, y1, verbose=0)
    pred = to_np(model.predict(x_train, verbose=0))
    expected = np.mean((y1 - pred) ** 2) + 0.1 * np.mean((0.5 - pred) ** 2)
    np.testing.assert_allclose(loss, expected, rtol=1e-4)


class CategoricalTruePositives(keras.metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(
            shape=(), name="ctp", initializer="zeros"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        if sample_weight is not None:
            sample_weight = ops.cast(sample_weight, "float32")
            values = ops.multiply(values, sample_weight)
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        # The state of the metric will be reset at the start of each epoch.
        self.true_positives.assign(0.0)


def test_custom_metrics(mnist):
    x_train, y_train, x_val, y_val, _, _ = mnist

    model = get_uncompiled_model()
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[CategoricalTruePositives()],
    )
    history = model.fit(x_train, y_train, batch_size=64, epochs=3)

    assert sorted(history.history) == ["categorical_true_positives", "loss"]
    ctp = history.history["categorical_true_positives"]
    assert all(c >= 0 and c == int(c) for c in ctp)

    # glassnet: the metric's value against NumPy. As in Keras, y_true arrives with shape
    # (batch,) and the guide's argmax is reshaped to (batch, 1), so `==` broadcasts to a
    # (batch, batch) matrix: each batch adds the number of pairs (i, j) with
    # y_true[i] == argmax(y_pred[j]). evaluate() resets the state first.
    results = model.evaluate(x_val, y_val, batch_size=32, return_dict=True, verbose=0)
    probs = to_np(model.predict(x_val, verbose=0))
    pred = np.argmax(probs, axis=1)
    expected = sum(
        np.sum(y_val[i : i + 32].astype(int)[None, :] == pred[i : i + 32][:, None])
        for i in range(0, len(y_val), 32)
    )
    assert results["categorical_true_positives"] == expected
    again = model.evaluate(x_val, y_val, batch_size=32, return_dict=True, verbose=0)
    assert again["categorical_true_positives"] == expected
    # Reset at the start of each epoch: no epoch holds more than its own batches' pairs.
    assert all(c <= 8 * 64 * 64 for c in ctp)

    correct = pred == y_val
    metric = CategoricalTruePositives()
    sw = np.linspace(0.0, 1.0, len(y_val)).astype("float32")
    metric.update_state(y_val.reshape(-1, 1), probs, sample_weight=sw.reshape(-1, 1))
    np.testing.assert_allclose(float(metric.result()), np.sum(correct * sw), rtol=1e-5)
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_handling_losses_that_dont_fit_the_standard_signature(mnist):
    x_train, y_train, _, _, _, _ = mnist

    class ActivityRegularizationLayer(layers.Layer):
        def call(self, inputs):
            self.add_loss(ops.sum(inputs) * 0.1)
            return inputs  # Pass-through layer.

    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)

    # Insert activity regularization as a layer
    x = ActivityRegularizationLayer()(x)

    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, name="predictions")(x)

    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )

    # The displayed loss will be much higher than before
    # due to the regularization component.
    history = model.fit(x_train, y_train, batch_size=64, epochs=1)
    assert list(history.history) == ["loss"]

    # glassnet: evaluate's loss is the crossentropy plus the activity term.
    x, y = x_train[:64], y_train[:64]
    logits = to_np(model.predict(x, verbose=0))
    hidden = keras.Model(inputs, model.get_layer("dense_1").output).predict(x, verbose=0)
    log_probs = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    cce = -np.mean(log_probs[np.arange(64), y.astype(int)])
    loss = model.evaluate(x, y, batch_size=64, verbose=0)
    np.testing.assert_allclose(loss, cce + 0.1 * np.sum(to_np(hidden)), rtol=1e-4)

    class LogisticEndpoint(keras.layers.Layer):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

        def call(self, targets, logits, sample_weights=None):
            # Compute the training-time loss value and add it
            # to the layer using `self.add_loss()`.
            loss = self.loss_fn(targets, logits, sample_weights)
            self.add_loss(loss)

            # Return the inference-time prediction tensor (for `.predict()`).
            return ops.softmax(logits)

    inputs = keras.Input(shape=(3,), name="inputs")
    targets = keras.Input(shape=(10,), name="targets")
    logits = keras.layers.Dense(10)(inputs)
    predictions = LogisticEndpoint(name="predictions")(targets, logits)

    model = keras.Model(inputs=[inputs, targets], outputs=predictions)
    model.compile(optimizer="adam")  # No loss argument!

    data = {
        "inputs": np.random.random((3, 3)),
        "targets": np.random.random((3, 10)),
    }
    history = model.fit(data)
    assert list(history.history) == ["loss"]
    assert history.history["loss"][0] > 0

    preds = to_np(model.predict(data, verbose=0))
    assert preds.shape == (3, 10)
    np.testing.assert_allclose(preds.sum(axis=1), 1.0, rtol=1e-5)


def test_automatically_setting_apart_a_validation_holdout_set(mnist):
    x_train, y_train, _, _, _, _ = mnist
    model = get_compiled_model()
    history = model.fit(x_train, y_train, batch_size=64, validation_split=0.2, epochs=1)
    assert sorted(history.history) == [
        "loss",
        "sparse_categorical_accuracy",
        "val_loss",
        "val_sparse_categorical_accuracy",
    ]
    # The validation data is the last 20% of the arrays, taken before any shuffling.
    x_holdout, y_holdout = x_train[-103:], y_train[-103:]
    val_loss, _ = model.evaluate(x_holdout, y_holdout, verbose=0)
    np.testing.assert_allclose(history.history["val_loss"][0], val_loss, rtol=1e-4)


class ExamplePyDataset(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x = x
        self.y = y
        self.batch_size = batch_size

    def __len__(self):
        return int(np.ceil(len(self.x) / float(self.batch_size)))

    def __getitem__(self, idx):
        batch_x = self.x[idx * self.batch_size : (idx + 1) * self.batch_size]
        batch_y = self.y[idx * self.batch_size : (idx + 1) * self.batch_size]
        return batch_x, batch_y


def test_training_and_evaluation_using_pydataset_instances(mnist):
    x_train, y_train, x_val, y_val, _, _ = mnist

    train_py_dataset = ExamplePyDataset(x_train, y_train, batch_size=32)
    val_py_dataset = ExamplePyDataset(x_val, y_val, batch_size=32)
    assert len(train_py_dataset) == 16

    model = get_compiled_model()
    history = model.fit(
        train_py_dataset, batch_size=64, validation_data=val_py_dataset, epochs=1
    )
    assert sorted(history.history) == [
        "loss",
        "sparse_categorical_accuracy",
        "val_loss",
        "val_sparse_categorical_accuracy",
    ]

    results = model.evaluate(val_py_dataset)
    np.testing.assert_allclose(results, model.evaluate(x_val, y_val, verbose=0), rtol=1e-5)
    np.testing.assert_allclose(history.history["val_loss"][0], results[0], rtol=1e-5)

    train_py_dataset = ExamplePyDataset(x_train, y_train, batch_size=32, workers=4)
    val_py_dataset = ExamplePyDataset(x_val, y_val, batch_size=32, workers=4)

    model = get_compiled_model()
    history = model.fit(
        train_py_dataset, batch_size=64, validation_data=val_py_dataset, epochs=1
    )
    assert len(history.history["val_loss"]) == 1


def test_using_sample_weighting_and_class_weighting(mnist):
    x_train, y_train, x_val, y_val, _, _ = mnist
    class_weight = {
        0: 1.0,
        1: 1.0,
        2: 1.0,
        3: 1.0,
        4: 1.0,
        # Set weight "2" for class "5",
        # making this class 2x more important
        5: 2.0,
        6: 1.0,
        7: 1.0,
        8: 1.0,
        9: 1.0,
    }

    print("Fit with class weight")
    model = get_compiled_model()
    history = model.fit(x_train, y_train, class_weight=class_weight, batch_size=64, epochs=1)
    assert sorted(history.history) == ["loss", "sparse_categorical_accuracy"]

    sample_weight = np.ones(shape=(len(y_train),))
    sample_weight[y_train == 5] = 2.0

    print("Fit with sample weight")
    model = get_compiled_model()
    history = model.fit(x_train, y_train, sample_weight=sample_weight, batch_size=64, epochs=1)
    assert sorted(history.history) == ["loss", "sparse_categorical_accuracy"]

    # glassnet: the weighted loss against NumPy: sum(w * loss) / number of samples.
    sw = np.ones(shape=(len(y_val),))
    sw[y_val == 5] = 2.0
    loss, _ = model.evaluate(x_val, y_val, sample_weight=sw, batch_size=32, verbose=0)
    per_sample = sparse_cce(y_val, to_np(model.predict(x_val, verbose=0)))
    np.testing.assert_allclose(loss, np.mean(sw * per_sample), rtol=1e-4)

    # glassnet: the guide's `Dataset` of (x, y, sample_weight) as a generator of batches.
    def train_dataset():
        for i in range(0, len(x_train), 64):
            yield x_train[i : i + 64], y_train[i : i + 64], sample_weight[i : i + 64]

    model = get_compiled_model()
    history = model.fit(train_dataset(), epochs=1)
    assert sorted(history.history) == ["loss", "sparse_categorical_accuracy"]


def test_passing_data_to_multi_input_multi_output_models(tmp_path):
    image_input = keras.Input(shape=(32, 32, 3), name="img_input")
    timeseries_input = keras.Input(shape=(None, 10), name="ts_input")

    x1 = layers.Conv2D(3, 3)(image_input)
    x1 = layers.GlobalMaxPooling2D()(x1)

    x2 = layers.Conv1D(3, 3)(timeseries_input)
    x2 = layers.GlobalMaxPooling1D()(x2)

    x = layers.concatenate([x1, x2])

    score_output = layers.Dense(1, name="score_output")(x)
    class_output = layers.Dense(5, name="class_output")(x)

    model = keras.Model(
        inputs=[image_input, timeseries_input], outputs=[score_output, class_output]
    )

    # glassnet: the plot goes to tmp_path.
    keras.utils.plot_model(
        model, str(tmp_path / "multi_input_and_output_model.png"), show_shapes=True
    )

    # Generate dummy NumPy data
    img_data = np.random.random_sample(size=(100, 32, 32, 3))
    ts_data = np.random.random_sample(size=(100, 20, 10))
    score_targets = np.random.random_sample(size=(100, 1))
    class_targets = np.random.random_sample(size=(100, 5))

    def numpy_losses():
        score, cls = model.predict([img_data, ts_data], verbose=0)
        score, cls = to_np(score), to_np(cls)
        mse = np.mean((score_targets - score) ** 2)
        p = np.clip(cls / cls.sum(-1, keepdims=True), 1e-7, 1 - 1e-7)
        cce = np.mean(-np.sum(class_targets * np.log(p), axis=-1))
        return mse, cce

    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss=[
            keras.losses.MeanSquaredError(),
            keras.losses.CategoricalCrossentropy(),
        ],
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss=[
            keras.losses.MeanSquaredError(),
            keras.losses.CategoricalCrossentropy(),
        ],
        metrics=[
            [
                keras.metrics.MeanAbsolutePercentageError(),
                keras.metrics.MeanAbsoluteError(),
            ],
            [keras.metrics.CategoricalAccuracy()],
        ],
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={
            "score_output": keras.losses.MeanSquaredError(),
            "class_output": keras.losses.CategoricalCrossentropy(),
        },
        metrics={
            "score_output": [
                keras.metrics.MeanAbsolutePercentageError(),
                keras.metrics.MeanAbsoluteError(),
            ],
            "class_output": [keras.metrics.CategoricalAccuracy()],
        },
        loss_weights={"score_output": 2.0, "class_output": 1.0},
    )
    # glassnet: check the loss weights and the per-output metric names.
    results = model.evaluate(
        [img_data, ts_data], [score_targets, class_targets], return_dict=True, verbose=0
    )
    assert {
        "loss",
        "score_output_mean_absolute_percentage_error",
        "score_output_mean_absolute_error",
        "class_output_categorical_accuracy",
    } <= set(results)
    mse, cce = numpy_losses()
    np.testing.assert_allclose(results["loss"], 2.0 * mse + 1.0 * cce, rtol=1e-4)

    # List loss version
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss=[None, keras.losses.CategoricalCrossentropy()],
    )
    loss = model.evaluate([img_data, ts_data], [score_targets, class_targets], verbose=0)
    np.testing.assert_allclose(np.ravel(loss)[0], numpy_losses()[1], rtol=1e-4)

    # Or dict loss version
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={"class_output": keras.losses.CategoricalCrossentropy()},
    )
    history = model.fit(
        {"img_input": img_data, "ts_input": ts_data},
        {"class_output": class_targets},  # glassnet: only the output that has a loss
        batch_size=32,
        epochs=1,
    )
    assert "loss" in history.history

    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss=[
            keras.losses.MeanSquaredError(),
            keras.losses.CategoricalCrossentropy(),
        ],
    )

    # Fit on lists
    history = model.fit(
        [img_data, ts_data], [score_targets, class_targets], batch_size=32, epochs=1
    )
    assert "loss" in history.history

    # Alternatively, fit on dicts
    history = model.fit(
        {"img_input": img_data, "ts_input": ts_data},
        {"score_output": score_targets, "class_output": class_targets},
        batch_size=32,
        epochs=1,
    )
    assert "loss" in history.history
    loss = model.evaluate([img_data, ts_data], [score_targets, class_targets], verbose=0)
    np.testing.assert_allclose(np.ravel(loss)[0], sum(numpy_losses()), rtol=1e-4)

    # glassnet: the guide's `Dataset` of dict tuples as a generator of batches of 64.
    def train_dataset():
        for i in range(0, 100, 64):
            yield (
                {"img_input": img_data[i : i + 64], "ts_input": ts_data[i : i + 64]},
                {
                    "score_output": score_targets[i : i + 64],
                    "class_output": class_targets[i : i + 64],
                },
            )

    history = model.fit(train_dataset(), epochs=1)
    assert "loss" in history.history


def test_using_callbacks_early_stopping(mnist):
    x_train, y_train, _, _, _, _ = mnist
    model = get_compiled_model()

    callbacks = [
        keras.callbacks.EarlyStopping(
            # Stop training when `val_loss` is no longer improving
            monitor="val_loss",
            # "no longer improving" being defined as "no better than 1e-2 less"
            min_delta=1e-2,
            # "no longer improving" being further defined as "for at least 2 epochs"
            patience=2,
            verbose=1,
        )
    ]
    history = model.fit(
        x_train,
        y_train,
        epochs=20,
        batch_size=64,
        callbacks=callbacks,
        validation_split=0.2,
    )
    # glassnet: replay EarlyStopping's rule on the recorded val_loss.
    val_loss = history.history["val_loss"]
    best, wait, stop_at = np.inf, 0, None
    for epoch, value in enumerate(val_loss):
        if value < best - 1e-2:
            best, wait = value, 0
        else:
            wait += 1
            if wait >= 2:
                stop_at = epoch
                break
    assert len(val_loss) == (stop_at + 1 if stop_at is not None else 20)

    class LossHistory(keras.callbacks.Callback):
        def on_train_begin(self, logs):
            self.per_batch_losses = []

        def on_batch_end(self, batch, logs):
            self.per_batch_losses.append(logs.get("loss"))

    # glassnet: the guide only defines LossHistory; here it is used in a fit.
    loss_history = LossHistory()
    model.fit(x_train, y_train, epochs=1, batch_size=64, callbacks=[loss_history], verbose=0)
    assert len(loss_history.per_batch_losses) == 8
    assert all(np.isfinite(v) for v in loss_history.per_batch_losses)


def test_checkpointing_models(mnist, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # glassnet: the guide's relative paths, inside tmp_path.
    x_train, y_train, _, _, _, _ = mnist
    model = get_compiled_model()

    callbacks = [
        keras.callbacks.ModelCheckpoint(
            # Path where to save the model
            # The two parameters below mean that we will overwrite
            # the current checkpoint if and only if
            # the `val_loss` score has improved.
            # The saved model name will include the current epoch.
            filepath="mymodel_{epoch}.keras",
            save_best_only=True,  # Only save a model if `val_loss` has improved.
            monitor="val_loss",
            verbose=1,
        )
    ]
    history = model.fit(
        x_train,
        y_train,
        epochs=2,
        batch_size=64,
        callbacks=callbacks,
        validation_split=0.2,
    )
    assert os.path.exists("mymodel_1.keras")
    improved = history.history["val_loss"][1] < history.history["val_loss"][0]
    assert os.path.exists("mymodel_2.keras") == improved

    # Prepare a directory to store all the checkpoints.
    checkpoint_dir = "./ckpt"
    if not os.path.exists(checkpoint_dir):
        os.makedirs(checkpoint_dir)

    def make_or_restore_model():
        # Either restore the latest model, or create a fresh one
        # if there is no checkpoint available.
        checkpoints = [checkpoint_dir + "/" + name for name in os.listdir(checkpoint_dir)]
        if checkpoints:
            latest_checkpoint = max(checkpoints, key=os.path.getctime)
            print("Restoring from", latest_checkpoint)
            return keras.models.load_model(latest_checkpoint)
        print("Creating a new model")
        return get_compiled_model()

    model = make_or_restore_model()
    callbacks = [
        # This callback saves the model every 100 batches.
        # We include the training loss in the saved model name.
        keras.callbacks.ModelCheckpoint(
            filepath=checkpoint_dir + "/model-loss={loss:.2f}.keras", save_freq=100
        )
    ]
    # glassnet: 3200 samples (100 batches of 32) so that save_freq=100 fires once.
    x_big, y_big = np.tile(x_train, (7, 1))[:3200], np.tile(y_train, 7)[:3200]
    model.fit(x_big, y_big, epochs=1, callbacks=callbacks)
    saved = os.listdir(checkpoint_dir)
    assert len(saved) == 1 and saved[0].startswith("model-loss=")

    restored = make_or_restore_model()
    np.testing.assert_allclose(
        to_np(restored.predict(x_train[:8], verbose=0)),
        to_np(model.predict(x_train[:8], verbose=0)),
        rtol=1e-5,
    )
    assert restored.optimizer is not None  # restored compiled, ready to resume


def test_using_learning_rate_schedules(mnist):
    x_train, y_train, _, _, _, _ = mnist
    initial_learning_rate = 0.1
    lr_schedule = keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate, decay_steps=100000, decay_rate=0.96, staircase=True
    )

    optimizer = keras.optimizers.RMSprop(learning_rate=lr_schedule)

    assert float(lr_schedule(0)) == pytest.approx(0.1)
    assert float(lr_schedule(100000)) == pytest.approx(0.096)
    assert float(lr_schedule(150000)) == pytest.approx(0.096)  # staircase
    # glassnet: the guide only builds the optimizer; here it is also used in a fit.
    model = get_uncompiled_model()
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train, batch_size=64, epochs=1, verbose=0)
    assert int(to_np(model.optimizer.iterations)) == 8
