"""fit/evaluate/predict on Python generators, keras.utils.PyDataset and dicts of arrays
(the adapters themselves are tested in test_data_adapters.py)."""
import math

import numpy as np
import pytest

import glassnet as keras


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 5)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    return x, y


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


class Batches(keras.utils.PyDataset):
    """The guide's ExamplePyDataset, counting its epochs."""

    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, idx):
        low = idx * self.batch_size
        high = min(low + self.batch_size, len(self.x))
        return self.x[low:high], self.y[low:high]

    def on_epoch_end(self):
        self.epochs_ended += 1


def _generator(x, y, batch_size, repeat=True):
    while True:
        for start in range(0, len(x), batch_size):
            yield x[start:start + batch_size], y[start:start + batch_size]
        if not repeat:
            return


def test_pydataset_and_generator_train_exactly_like_the_same_arrays():
    x, y = _data()
    arrays = _model()
    expected = arrays.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0).history
    dataset = Batches(x, y, 16)
    from_dataset = _model()
    history = from_dataset.fit(dataset, epochs=3, shuffle=False, verbose=0).history
    from_generator = _model()
    generated = from_generator.fit(_generator(x, y, 16), steps_per_epoch=4, epochs=3,
                                   shuffle=False, verbose=0).history
    assert history == expected and generated == expected
    assert dataset.epochs_ended == 3
    for a, b, c in zip(arrays.get_weights(), from_dataset.get_weights(),
                       from_generator.get_weights()):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_pydataset_as_validation_data_and_in_evaluate_and_predict():
    x, y = _data()
    model = _model()
    validation = Batches(x[:32], y[:32], 8)
    history = model.fit(Batches(x, y, 16), validation_data=validation, epochs=2, verbose=0)
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    np.testing.assert_allclose(history.history["val_loss"][-1],
                               model.evaluate(x[:32], y[:32], verbose=0)[0], rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(validation, verbose=0),
                               model.evaluate(x[:32], y[:32], verbose=0), rtol=1e-6)
    np.testing.assert_array_equal(model.predict(Batches(x, y, 16), verbose=0),
                                  model.predict(x, verbose=0))


def test_generator_in_evaluate_and_predict_with_steps():
    x, y = _data()
    model = _model()
    np.testing.assert_allclose(
        model.evaluate(_generator(x, y, 16), steps=4, verbose=0),
        model.evaluate(x, y, batch_size=16, verbose=0), rtol=1e-6,
    )
    predicted = model.predict(_generator(x, y, 16), steps=2, verbose=0)
    np.testing.assert_array_equal(predicted, model.predict(x[:32], verbose=0))


def test_a_generator_that_runs_out_stops_training_with_keras_warning():
    x, y = _data()
    model = _model()
    with pytest.warns(UserWarning, match="Your input ran out of data"):
        history = model.fit(_generator(x, y, 16, repeat=False), epochs=3, verbose=0)
    assert len(history.history["loss"]) == 1  # one full pass, then nothing left


def test_generators_carry_their_targets_and_refuse_validation_split():
    x, y = _data()
    model = _model()
    with pytest.raises(ValueError, match="`y` should not be passed"):
        model.fit(_generator(x, y, 16), y, steps_per_epoch=2, verbose=0)
    with pytest.raises(ValueError, match="`validation_split` is only supported"):
        model.fit(_generator(x, y, 16), steps_per_epoch=2, validation_split=0.2, verbose=0)


def test_dicts_of_arrays_feed_named_inputs_and_outputs():
    keras.utils.set_random_seed(0)
    image = keras.Input(shape=(4,), name="image")
    meta = keras.Input(shape=(2,), name="meta")
    merged = keras.layers.concatenate([image, meta])
    score = keras.layers.Dense(1, name="score")(merged)
    label = keras.layers.Dense(3, activation="softmax", name="label")(merged)
    model = keras.Model(inputs=[image, meta], outputs=[score, label])
    model.compile(optimizer="adam",
                  loss={"score": "mse", "label": "sparse_categorical_crossentropy"},
                  loss_weights={"score": 1.0, "label": 0.5})
    rng = np.random.default_rng(1)
    inputs = {"meta": rng.random((24, 2)), "image": rng.random((24, 4))}
    targets = {"label": rng.integers(0, 3, 24), "score": rng.random((24, 1))}
    history = model.fit(inputs, targets, batch_size=8, epochs=2, verbose=0)
    assert {"loss", "score_loss", "label_loss"} <= set(history.history)
    as_list = model.predict([inputs["image"], inputs["meta"]], verbose=0)
    by_name = model.predict(inputs, verbose=0)
    for a, b in zip(as_list, by_name):
        np.testing.assert_array_equal(a, b)


def test_a_dict_of_outputs_is_named_by_its_keys():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,), name="x")
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    model = keras.Model(inputs, {"score": keras.layers.Dense(1)(hidden),
                                 "cls": keras.layers.Dense(3, activation="softmax")(hidden)})
    model.compile(optimizer="adam", metrics={"cls": ["accuracy"]},
                  loss={"score": "mse", "cls": "sparse_categorical_crossentropy"})
    rng = np.random.default_rng(0)
    x = rng.random((32, 4))
    y = {"score": rng.random((32, 1)), "cls": rng.integers(0, 3, 32)}
    history = model.fit(x, y, epochs=2, verbose=0)
    assert model.output_names == ["score", "cls"]
    assert list(history.history) == ["loss", "score_loss", "cls_loss", "cls_accuracy"]
    predicted = model.predict(x, verbose=0)
    assert predicted["score"].shape == (32, 1) and predicted["cls"].shape == (32, 3)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], logs["score_loss"] + logs["cls_loss"], rtol=1e-5)
