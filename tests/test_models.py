"""Models: Sequential, functional and subclassed models, compile/fit/evaluate/predict."""
import io
from contextlib import redirect_stdout

import numpy as np
import pytest
from conftest import golden

import glassnet as keras
from glassnet import backend, layers, models


def _blobs(n=300, n_features=4, n_classes=3, seed=0):
    """Separable Gaussian blobs: a small classification problem that trains in a second."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 3, size=(n_classes, n_features))
    y = rng.integers(0, n_classes, size=n)
    x = centers[y] + rng.normal(size=(n, n_features))
    return x.astype(np.float32), y.astype(np.uint8)


def _mlp(n_features=4, n_classes=3):
    return models.Sequential([
        layers.Input(shape=(n_features,)),
        layers.Dense(16, activation="relu"),
        layers.Dense(n_classes, activation="softmax"),
    ])


# --------------------------------------------------------------------------
# structure
# --------------------------------------------------------------------------


def test_sequential_list_add_and_input_shape_are_equivalent():
    backend.clear_session()
    a = models.Sequential([layers.Flatten(input_shape=[28, 28]), layers.Dense(300)])
    b = models.Sequential()
    b.add(layers.Flatten(input_shape=[28, 28]))
    b.add(layers.Dense(300))
    c = models.Sequential([layers.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(300)])
    for model in (a, b, c):
        assert model.built
        assert len(model.layers) == 2  # the input layer is not listed
        assert model.count_params() == 784 * 300 + 300
        assert model.layers[1].output_shape == (None, 300)
    assert a.layers[1].kernel.path == "sequential/dense/kernel"


def test_sequential_builds_on_first_call_without_an_input_shape():
    model = models.Sequential([layers.Dense(4), layers.Dense(2)])
    assert not model.built
    out = model(np.ones((3, 5)))
    assert out.shape == (3, 2) and model.built
    assert model.count_params() == 5 * 4 + 4 + 4 * 2 + 2


def test_get_layer_by_name_and_index():
    model = _mlp()
    assert model.get_layer(index=0) is model.layers[0]
    assert model.get_layer(name=model.layers[1].name) is model.layers[1]
    with pytest.raises(ValueError, match="no such layer: nope"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="out of range"):
        model.get_layer(index=7)


def test_summary_matches_keras_for_the_lecture_models():
    backend.clear_session()
    expected = golden("summaries")
    mlp = models.Sequential([
        layers.Flatten(input_shape=[28, 28]),
        layers.Dense(300, activation="relu"),
        layers.Dense(100, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    bn = models.Sequential([
        layers.Flatten(input_shape=[28, 28]),
        layers.BatchNormalization(),
        layers.Dense(300, activation="relu"),
        layers.BatchNormalization(),
        layers.Dense(100, activation="relu"),
        layers.BatchNormalization(),
        layers.Dense(10, activation="softmax"),
    ])
    for model, key in ((mlp, "lecture_mlp"), (bn, "lecture_bn_mlp")):
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            model.summary()
        assert buffer.getvalue() == expected[key]


def test_summary_after_fit_shows_optimizer_params():
    x, y = _blobs()
    model = _mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    lines = []
    model.summary(print_fn=lines.append)
    text = "".join(lines)
    trainable = model.count_params()
    assert f"Optimizer params: {2 * trainable + 2:,}" in text
    assert f"Total params: {3 * trainable + 2:,}" in text


# --------------------------------------------------------------------------
# training
# --------------------------------------------------------------------------


def test_fit_learns_and_history_has_keras_keys():
    np.random.seed(0)
    x, y = _blobs()
    model = _mlp()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=5, validation_split=0.2, verbose=0)
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert history.epoch == [0, 1, 2, 3, 4]
    assert history.params == {"verbose": 0, "epochs": 5, "steps": 8}
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["val_accuracy"][-1] > 0.9
    assert model.history is history


def test_reported_epoch_metrics_are_running_averages():
    """Keras reports the mean over the epoch's batches while the weights change."""
    np.random.seed(1)
    x, y = _blobs(n=64)
    model = _mlp()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    batch_losses = []
    weights = model.get_weights()
    for start in range(0, 64, 16):
        batch_losses.append(model.train_on_batch(x[start:start + 16], y[start:start + 16])[0])
    model.set_weights(weights)
    model.optimizer = keras.optimizers.SGD(learning_rate=0.5)
    history = model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], np.mean(batch_losses), rtol=1e-5)


def test_evaluate_returns_scalar_list_or_dict():
    x, y = _blobs()
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", "sparse_top_k_categorical_accuracy"])
    values = model.evaluate(x, y, verbose=0)
    assert isinstance(values, list) and len(values) == 3
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "accuracy", "sparse_top_k_categorical_accuracy"]
    assert logs["sparse_top_k_categorical_accuracy"] == 1.0  # 3 classes, k=5


def test_predict_returns_probabilities_and_records_no_graph():
    x, _ = _blobs(n=70)
    model = _mlp()
    proba = model.predict(x, batch_size=32, verbose=0)
    assert proba.shape == (70, 3) and proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x[:5]), proba[:5], rtol=1e-6)
    np.testing.assert_allclose(model(x[:5]), proba[:5], rtol=1e-6)


def test_same_seed_gives_the_same_history_to_the_last_bit():
    def run():
        np.random.seed(45)
        x, y = _blobs()
        model = models.Sequential([
            layers.Input(shape=(4,)), layers.Dense(8, activation="relu"),
            layers.Dropout(0.3), layers.Dense(3, activation="softmax"),
        ])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        return model.fit(x, y, epochs=2, validation_split=0.1, verbose=0).history

    assert run() == run()


def test_float64_inputs_are_cast_once_and_train_in_float32():
    x, y = _blobs()
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x.astype(np.float64), y, epochs=1, verbose=0)
    assert all(w.dtype == np.float32 for w in model.get_weights())


def test_class_weight_and_sample_weight_change_the_loss():
    x, y = _blobs(n=64)
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    plain = model.evaluate(x, y, verbose=0)
    weights = np.where(y == 0, 2.0, 1.0).astype(np.float32)
    weighted = model.evaluate(x, y, sample_weight=weights, verbose=0)
    per_sample = keras.losses.sparse_categorical_crossentropy(y, model.predict(x, verbose=0))
    np.testing.assert_allclose(weighted, np.mean(per_sample.data * weights), rtol=1e-5)
    assert weighted != plain
    history = model.fit(x, y, epochs=1, class_weight={0: 2.0}, shuffle=False, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_regularization_penalty_is_added_to_the_loss():
    x, y = _blobs(n=32)
    model = models.Sequential([
        layers.Input(shape=(4,)),
        layers.Dense(3, activation="softmax", kernel_regularizer=keras.regularizers.L2(0.1)),
    ])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    data_loss = np.mean(
        keras.losses.sparse_categorical_crossentropy(y, model.predict(x, verbose=0)).data
    )
    penalty = 0.1 * np.sum(model.layers[0].kernel.data ** 2)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), data_loss + penalty, rtol=1e-5)


def test_stop_training_ends_fit():
    x, y = _blobs()
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")

    class StopAfterTwo(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    history = model.fit(x, y, epochs=10, callbacks=[StopAfterTwo()], verbose=0)
    assert history.epoch == [0, 1]


def test_early_stopping_restores_the_best_weights_of_a_real_model():
    np.random.seed(3)
    x, y = _blobs(n=200)
    model = _mlp()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5),
                  loss="sparse_categorical_crossentropy")
    snapshots = []

    class Snapshot(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append((logs["val_loss"], self.model.get_weights()))

    stopper = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    model.fit(x, y, epochs=30, validation_split=0.25, callbacks=[Snapshot(), stopper],
              verbose=0)
    best_loss, best_weights = min(snapshots, key=lambda item: item[0])
    for restored, best in zip(model.get_weights(), best_weights):
        np.testing.assert_array_equal(restored, best)
    np.testing.assert_allclose(
        model.evaluate(x[150:], y[150:], verbose=0), best_loss, rtol=1e-5
    )


def test_mc_dropout_calls_in_training_mode():
    model = models.Sequential([layers.Input(shape=(20,)), layers.Dropout(0.5)])
    x = np.ones((4, 20), dtype=np.float32)
    np.testing.assert_array_equal(model(x), x)
    assert not np.array_equal(model(x, training=True), x)


# --------------------------------------------------------------------------
# functional and subclassed models
# --------------------------------------------------------------------------


def test_functional_multi_input_multi_output_trains():
    np.random.seed(2)
    x, y = _blobs(n=256)
    wide = layers.Input(shape=(4,), name="wide")
    deep = layers.Input(shape=(4,), name="deep")
    hidden = layers.Dense(16, activation="relu")(deep)
    merged = layers.Concatenate()([wide, hidden])
    main = layers.Dense(3, activation="softmax", name="main")(merged)
    aux = layers.Dense(1, name="aux")(hidden)
    model = keras.Model(inputs=[wide, deep], outputs=[main, aux])
    assert isinstance(model, models.Functional)
    assert len(model.layers) == 6 and isinstance(model.layers[0], layers.InputLayer)
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=["sparse_categorical_crossentropy", "mse"],
                  loss_weights=[1.0, 0.1], metrics={"main": ["accuracy"]})
    target = y.astype(np.float32)
    history = model.fit([x, x], [y, target], epochs=8, verbose=0)
    assert set(history.history) == {"loss", "main_loss", "aux_loss", "main_accuracy"}
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["main_accuracy"][-1] > 0.8
    main_pred, aux_pred = model.predict([x, x], verbose=0)
    assert main_pred.shape == (256, 3) and aux_pred.shape == (256, 1)


def test_shared_layers_share_weights():
    shared = layers.Dense(4, name="shared")
    a = layers.Input(shape=(3,))
    b = layers.Input(shape=(3,))
    out = layers.Add()([shared(a), shared(b)])
    model = keras.Model([a, b], out)
    assert len(model.trainable_weights) == 2
    x = np.random.default_rng(0).normal(size=(2, 3)).astype(np.float32)
    expected = 2 * (x @ shared.kernel.data + shared.bias.data)
    np.testing.assert_allclose(model([x, x]), expected, rtol=1e-6)


@pytest.mark.parametrize("merge, fn", [
    (layers.Add, lambda a, b: a + b),
    (layers.Multiply, lambda a, b: a * b),
    (layers.Average, lambda a, b: (a + b) / 2),
    (layers.Concatenate, lambda a, b: np.concatenate([a, b], axis=-1)),
])
def test_merge_layers(merge, fn):
    a = np.random.default_rng(1).normal(size=(2, 3)).astype(np.float32)
    b = np.random.default_rng(2).normal(size=(2, 3)).astype(np.float32)
    np.testing.assert_allclose(merge()([a, b]), fn(a, b), rtol=1e-6)


def test_subclassed_model_with_tuple_outputs():
    class TwoHeads(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(8, activation="relu")
            self.head_a = layers.Dense(3, activation="softmax")
            self.head_b = layers.Dense(1)

        def call(self, inputs, training=None):
            h = self.hidden(inputs)
            return self.head_a(h), self.head_b(h)

    model = TwoHeads()
    a, b = model(np.ones((2, 4), dtype=np.float32))
    assert a.shape == (2, 3) and b.shape == (2, 1)
    assert len(model.trainable_weights) == 6
    x, y = _blobs(n=64)
    model.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"])
    history = model.fit(x, (y, y.astype(np.float32)), epochs=2, verbose=0)
    assert "loss" in history.history


def test_clone_model_has_fresh_weights_and_the_same_structure():
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    clone = models.clone_model(model)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert clone.compiled
    assert not np.allclose(clone.layers[0].kernel.data, model.layers[0].kernel.data)
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------


def test_fit_before_compile_is_a_clear_error():
    x, y = _blobs()
    with pytest.raises(ValueError, match="must call `compile\\(\\)` before `fit\\(\\)`"):
        _mlp().fit(x, y)


def test_x_and_y_of_different_lengths():
    x, y = _blobs()
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"x sizes: \[300\], y sizes: \[299\]"):
        model.fit(x, y[:-1], verbose=0)


def test_input_shape_not_matching_the_model():
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"expected shape \(None, 4\), found shape \(32, 5\)"):
        model.fit(np.zeros((40, 5), np.float32), np.zeros(40, np.uint8), verbose=0)


def test_one_hot_labels_with_a_sparse_loss_say_which_loss_to_use():
    x, y = _blobs()
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="categorical_crossentropy"):
        model.fit(x, keras.utils.to_categorical(y, 3), verbose=0)


def test_sparse_labels_with_a_categorical_loss_say_which_loss_to_use():
    x, y = _blobs()
    model = _mlp()
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        model.fit(x, y, verbose=0)


@pytest.mark.parametrize("split", [-0.1, 1.0, 1.5])
def test_validation_split_outside_zero_one(split):
    x, y = _blobs()
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    message = rf"validation_split must be a finite float in \(0, 1\).*{split}"
    with pytest.raises(ValueError, match=message):
        model.fit(x, y, validation_split=split, verbose=0)


def test_empty_dataset():
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="empty"):
        model.fit(np.zeros((0, 4), np.float32), np.zeros(0, np.uint8), verbose=0)


def test_nan_in_the_inputs_names_the_row():
    x, y = _blobs()
    x[17, 2] = np.nan
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="first at row 17"):
        model.fit(x, y, verbose=0)


def test_same_seed_same_machine_trains_bit_identically():
    """The README's promise: same seed, machine and thread count give the same bits
    (shuffling, dropout masks and initial weights all come from the seeded generators)."""

    def train():
        keras.utils.set_random_seed(11)
        x, y = _blobs()
        model = keras.Sequential([
            keras.Input((x.shape[1],)), layers.Dense(16, activation="relu"),
            layers.Dropout(0.3), layers.Dense(3, activation="softmax"),
        ])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=3, batch_size=8, shuffle=True, verbose=0)
        return model.get_weights()

    for first, second in zip(train(), train()):
        np.testing.assert_array_equal(first, second)


def test_a_sequential_model_with_an_input_has_inputs_and_outputs_as_in_keras():
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
    assert [t.shape for t in model.inputs] == [(None, 3)]
    assert [t.shape for t in model.outputs] == [(None, 2)]
    model.add(keras.layers.Dense(4))
    assert [t.shape for t in model.outputs] == [(None, 4)]
    model.pop()
    assert [t.shape for t in model.outputs] == [(None, 2)] and model.output_shape == (None, 2)
    with pytest.raises(AttributeError, match="has no defined inputs yet"):
        _ = keras.Sequential([keras.layers.Dense(2)]).inputs


def test_layers_have_input_and_output_as_in_keras():
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(2,))
    merged = keras.layers.Concatenate()([a, b])
    dense = keras.layers.Dense(2)
    model = keras.Model([a, b], dense(merged))
    concat = model.layers[2]
    assert concat.input == [a, b] and concat.output is merged
    assert dense.input is merged and model.output is dense.output
    assert model.layers[0].input is a and model.layers[0].output is a  # an InputLayer
    fresh = keras.layers.Dense(2)
    assert not hasattr(fresh, "output")
    with pytest.raises(ValueError, match="has never been called and thus has no defined input"):
        _ = fresh.input


def test_feature_extraction_from_every_layer_of_a_sequential_model():
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3), layers.Dense(2)])
    extractor = keras.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])
    x = np.ones((5, 4), dtype="float32")
    features = extractor.predict(x, verbose=0)
    assert [f.shape for f in features] == [(5, 3), (5, 2)]
    np.testing.assert_allclose(features[-1], model.predict(x, verbose=0), rtol=1e-6)
