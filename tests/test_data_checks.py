"""What fit/evaluate/predict accept as data, and the clear errors for what they refuse."""
import re

import numpy as np
import pytest

import glassnet as keras


def _data(n=64, features=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, features)).astype("float32"), rng.integers(0, classes, n)


def _sequential(features=4, classes=3):
    model = keras.Sequential([keras.Input((features,)), keras.layers.Dense(classes,
                                                                           activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    return model


def _twins():
    """Two identical models: what one does with arrays, the other does with another spelling."""
    keras.utils.set_random_seed(3)
    first = _sequential()
    second = _sequential()
    second.set_weights(first.get_weights())
    return first, second


# --- 1. nested Python lists are data ------------------------------------------------------
def test_fit_on_python_lists_equals_fit_on_arrays():
    x, y = _data()
    arrays, lists = _twins()
    expected = arrays.fit(x, y, shuffle=False, verbose=0).history["loss"]
    received = lists.fit(x.tolist(), y.tolist(), shuffle=False, verbose=0).history["loss"]
    assert received == expected
    for a, b in zip(arrays.get_weights(), lists.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_lists_in_validation_data_evaluate_and_predict():
    x, y = _data()
    model = _sequential()
    history = model.fit(x, y, validation_data=(x.tolist(), y.tolist()), verbose=0)
    assert np.isfinite(history.history["val_loss"][0])
    assert model.evaluate(x.tolist(), y.tolist(), verbose=0) == model.evaluate(x, y, verbose=0)
    np.testing.assert_array_equal(model.predict(x.tolist(), verbose=0),
                                  model.predict(x, verbose=0))


def test_a_ragged_list_is_a_clear_error():
    with pytest.raises(ValueError, match="fit: x is a nested list that is not rectangular"):
        _sequential().fit([[0.0, 1.0, 2.0, 3.0], [0.0]], [0, 1], verbose=0)


def test_a_list_of_arrays_stays_several_inputs():
    a, b = keras.Input((2,)), keras.Input((3,))
    out = keras.layers.Dense(1)(keras.layers.Concatenate()([a, b]))
    model = keras.Model([a, b], out)
    x1, x2 = np.ones((5, 2), "float32"), np.ones((5, 3), "float32")
    assert model.predict([x1, x2], verbose=0).shape == (5, 1)


# --- 2. one input wrapped in a list, tuple or dict ------------------------------------------
@pytest.mark.parametrize("wrap", [lambda x: [x], lambda x: (x,), lambda x: {"features": x}],
                         ids=["list", "tuple", "dict"])
def test_sequential_accepts_its_single_input_wrapped(wrap):
    x, y = _data()
    plain, wrapped = _twins()
    np.testing.assert_array_equal(wrapped.predict(wrap(x), verbose=0), plain.predict(x, verbose=0))
    expected = plain.fit(x, y, shuffle=False, verbose=0).history["loss"]
    assert wrapped.fit(wrap(x), [y], shuffle=False, verbose=0).history["loss"] == expected
    assert wrapped.evaluate(wrap(x), y, verbose=0) == plain.evaluate(x, y, verbose=0)


def test_sequential_refuses_two_inputs():
    x, _ = _data()
    with pytest.raises(ValueError, match=r"takes exactly one input. Received: list of 2 inputs"):
        _sequential().predict([x, x], verbose=0)


# --- 10. epochs ------------------------------------------------------------------------------
@pytest.mark.parametrize("epochs", [-1, 0, 1.5, None, "2", True])
def test_fit_rejects_epochs_that_are_not_positive_integers(epochs):
    x, y = _data()
    with pytest.raises(ValueError, match=f"fit: epochs must be a positive integer. "
                                         f"Received: epochs={epochs!r}"):
        _sequential().fit(x, y, epochs=epochs, verbose=0)


def test_fit_rejects_epochs_not_beyond_initial_epoch():
    x, y = _data()
    with pytest.raises(ValueError, match="Received: epochs=3, initial_epoch=3"):
        _sequential().fit(x, y, epochs=3, initial_epoch=3, verbose=0)
    with pytest.raises(ValueError, match="Received: initial_epoch=-1"):
        _sequential().fit(x, y, epochs=3, initial_epoch=-1, verbose=0)


def test_numpy_integer_epochs_are_accepted():
    x, y = _data()
    history = _sequential().fit(x, y, epochs=np.int64(2), verbose=0)
    assert len(history.history["loss"]) == 2


# --- 11. text and objects as data ----------------------------------------------------------
@pytest.mark.parametrize("argument", ["x", "y"])
def test_text_data_names_the_argument_and_dtype(argument):
    x, y = _data()
    data = {"x": x, "y": y}
    data[argument] = data[argument].astype(str)
    with pytest.raises(ValueError, match=rf"fit: {argument} must hold numbers .*Received: "
                                         rf"{argument} of dtype <U\d+ \(text\)"):
        _sequential().fit(data["x"], data["y"], verbose=0)


def test_text_in_predict_and_evaluate_names_the_method():
    x, y = _data()
    model = _sequential()
    with pytest.raises(ValueError, match="predict: x must hold numbers"):
        model.predict(x.astype(str), verbose=0)
    with pytest.raises(ValueError, match="evaluate: y must hold numbers"):
        model.evaluate(x, y.astype(str), verbose=0)


def test_object_arrays_of_numbers_are_converted():
    x, y = _data()
    first, second = _twins()
    expected = first.fit(x, y, shuffle=False, verbose=0).history["loss"]
    received = second.fit(x.astype(object), y.astype(object), shuffle=False, verbose=0)
    assert received.history["loss"] == expected


def test_object_arrays_of_other_things_are_refused():
    x, y = _data()
    x = x.astype(object)
    x[3, 1] = {"not": "a number"}
    with pytest.raises(ValueError, match=r"x of dtype object \(Python objects\)"):
        _sequential().fit(x, y, verbose=0)


# --- 12. Input shapes ------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(-1,), (0,), (2.5,), (4, "3"), ("4",), 0])
def test_input_rejects_invalid_shapes_at_once(shape):
    expected = "InputLayer: shape must be a tuple of positive integers"
    with pytest.raises(ValueError, match=re.escape(expected)) as error:
        keras.Input(shape=shape)
    assert str(error.value).endswith(f"Received: shape={shape!r}")


def test_input_accepts_none_sizes_and_an_int():
    assert keras.Input(shape=(None, 3)).shape == (None, None, 3)
    assert keras.Input(shape=5).shape == (None, 5)
    with pytest.raises(ValueError, match="Received: batch_size=0"):
        keras.Input(shape=(3,), batch_size=0)


# --- 13. NaN outside x -----------------------------------------------------------------------
def _with_nan(array, row):
    array = np.array(array, dtype="float32")
    array[row] = np.nan
    return array


def test_nan_in_y_is_reported_before_training():
    x, _ = _data()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    y = _with_nan(np.zeros(64), 9)
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"fit: y holds NaN or infinite values .*row 9"):
        model.fit(x, y, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("part", ["x", "y", "sample_weight"])
def test_nan_in_validation_data_is_reported(part):
    x, _ = _data()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    parts = {"x": x, "y": np.zeros(64, "float32"), "sample_weight": np.ones(64, "float32")}
    parts[part] = _with_nan(parts[part], 5)
    validation = (parts["x"], parts["y"], parts["sample_weight"])
    with pytest.raises(ValueError, match=f"fit: validation_data {part} holds NaN .*row 5"):
        model.fit(x, np.zeros(64), validation_data=validation, verbose=0)


def test_inf_in_sample_weight_is_reported():
    x, y = _data()
    with pytest.raises(ValueError, match="fit: sample_weight holds NaN or infinite"):
        _sequential().fit(x, y, sample_weight=_with_nan(np.ones(64), 0) * 0 + np.inf,
                          verbose=0)
