"""The .keras file: Keras-saved models load with Keras' predictions, glassnet models round-trip,
training resumes exactly, damaged files are refused by name."""
import json
import os
import pathlib
import zipfile

import numpy as np
import pytest

import glassnet as keras
from glassnet import layers

pytest.importorskip("h5py")

FILES = pathlib.Path(__file__).parent / "data" / "keras-files"
MANIFEST = json.loads((FILES / "manifest.json").read_text())["models"]


def _inputs(name):
    x = MANIFEST[name]["x"]
    if name == "wide_and_deep":
        return [np.array(a, dtype=np.float32) for a in x]
    return np.array(x, dtype=np.float32)


def _max_error(y, reference):
    if isinstance(y, (list, tuple)):
        return max(float(np.max(np.abs(a - np.asarray(b)))) for a, b in zip(y, reference))
    return float(np.max(np.abs(y - np.asarray(reference))))


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_models_saved_by_keras_predict_what_keras_predicted(name):
    model = keras.models.load_model(FILES / f"{name}.keras")
    assert model.count_params() == MANIFEST[name]["count_params"]
    assert _max_error(model.predict(_inputs(name), verbose=0), MANIFEST[name]["y"]) < 1e-5
    assert type(model.optimizer).__name__ == MANIFEST[name]["optimizer"]


@pytest.mark.parametrize("name", ["lecture_bn_dropout", "small_cnn", "wide_and_deep"])
def test_models_trained_in_keras_resume_with_their_optimizer_state(name):
    model = keras.models.load_model(FILES / f"{name}.keras")
    steps = MANIFEST[name]["optimizer_iterations"]
    assert int(model.optimizer.iterations.numpy()) == steps
    before = [w.copy() for w in model.get_weights()]
    x = _inputs(name)
    y = model.predict(x, verbose=0)  # targets: class labels, or the values themselves
    y = [a + 0.5 for a in y] if isinstance(y, list) else np.argmax(y, axis=-1)
    model.fit(x, y, epochs=1, batch_size=len(x[0]) if isinstance(x, list) else len(x),
              verbose=0)
    assert int(model.optimizer.iterations.numpy()) == steps + 1
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_a_keras_file_without_compile_gives_an_uncompiled_model():
    model = keras.models.load_model(FILES / "lecture_mlp.keras", compile=False)
    assert not model.compiled
    assert _max_error(model.predict(_inputs("lecture_mlp"), verbose=0),
                      MANIFEST["lecture_mlp"]["y"]) < 1e-5


# --------------------------------------------------------------------------
# glassnet -> file -> glassnet
# --------------------------------------------------------------------------


def _mlp(dropout=0.2):
    return keras.Sequential([
        keras.Input(shape=(6,)),
        layers.Dense(8, activation="relu"),
        layers.BatchNormalization(),
        layers.Dropout(dropout),
        layers.Dense(3, activation="softmax"),
    ])


def _deterministic_mlp():  # no dropout: the random masks are not part of a .keras file
    return _mlp(dropout=0.0)


def _cnn():
    return keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        layers.Rescaling(1 / 2),
        layers.Conv2D(4, 3, padding="same", activation="relu"),
        layers.MaxPool2D(),
        layers.Conv2D(4, 3, activation="relu"),
        layers.GlobalAvgPool2D(),
        layers.Dense(3, activation="softmax"),
    ])


def _two_inputs_two_outputs():
    wide, deep = keras.Input(shape=(5,), name="wide"), keras.Input(shape=(6,), name="deep")
    hidden = layers.Dense(8, activation="relu")(deep)
    concat = layers.concatenate([wide, hidden])
    main = layers.Dense(3, activation="softmax", name="main")(concat)
    aux = layers.Dense(3, activation="softmax", name="aux")(hidden)
    return keras.Model(inputs=[wide, deep], outputs=[main, aux])


def _data(model, n=24, seed=0):
    rng = np.random.default_rng(seed)
    x = [rng.random((n, *s), dtype=np.float32) for s in _input_shapes(model)]
    y = rng.integers(0, 3, n)
    outputs = len(model.outputs)
    return (x if len(x) > 1 else x[0]), ([y] * outputs if outputs > 1 else y)


def _input_shapes(model):
    return [tuple(t.shape[1:]) for t in model.inputs]


MODELS = {"mlp": _mlp, "cnn": _cnn, "two_inputs_two_outputs": _two_inputs_two_outputs}


def _compiled(build, optimizer="adam", jit_compile="auto"):
    keras.utils.set_random_seed(1)
    model = build()
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=jit_compile)
    return model


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_a_trained_model_round_trips_through_a_keras_file(kind, tmp_path):
    model = _compiled(MODELS[kind])
    x, y = _data(model)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    for a, b in zip(_as_list(model.predict(x, verbose=0)), _as_list(loaded.predict(x, verbose=0))):
        np.testing.assert_array_equal(a, b)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert int(loaded.optimizer.iterations.numpy()) == int(model.optimizer.iterations.numpy())
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def _as_list(y):
    return list(y) if isinstance(y, (list, tuple)) else [y]


@pytest.mark.parametrize("optimizer", ["adam", "nadam", "rmsprop", "sgd"])
def test_training_resumed_from_a_keras_file_equals_training_in_one_go(optimizer, tmp_path):
    """Eager steps (the file keeps ``jit_compile=False``): a resumed compiled model runs
    its first steps eagerly while tracing, and with batch normalization eager and
    compiled steps round differently (tests/test_compiled_steps.py)."""
    model = _compiled(_deterministic_mlp, optimizer, jit_compile=False)
    x, y = _data(model, n=32)
    model.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0)

    first = _compiled(_deterministic_mlp, optimizer, jit_compile=False)
    first.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    first.save(tmp_path / "half.keras")
    resumed = keras.models.load_model(tmp_path / "half.keras")
    assert resumed._jit_compile is False
    resumed.fit(x, y, epochs=4, initial_epoch=2, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_the_file_is_keras_zip_layout(tmp_path):
    model = _compiled(_mlp)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
        config = json.loads(archive.read("config.json"))
        metadata = json.loads(archive.read("metadata.json"))
    assert (config["module"], config["class_name"]) == ("keras", "Sequential")
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert config["compile_config"]["loss"] == "sparse_categorical_crossentropy"
    dense = config["config"]["layers"][1]
    assert (dense["module"], dense["class_name"]) == ("keras.layers", "Dense")
    assert set(metadata) >= {"keras_version", "date_saved"}


def test_json_round_trip_keeps_the_architecture():
    model = _two_inputs_two_outputs()
    clone = keras.models.model_from_json(model.to_json())
    assert [type(layer) for layer in clone.layers] == [type(layer) for layer in model.layers]
    assert clone.count_params() == model.count_params()
    assert json.loads(clone.to_json()) == json.loads(model.to_json())


def test_model_from_config_rebuilds_a_functional_model():
    model = _two_inputs_two_outputs()
    clone = keras.Model.from_config(model.get_config())
    assert isinstance(clone, keras.models.Functional)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]


def test_transfer_learning_recipe(tmp_path):
    base = _compiled(_mlp)
    x, y = _data(base)
    base.fit(x, y, epochs=1, batch_size=8, verbose=0)
    base.save(tmp_path / "base.keras")

    loaded = keras.models.load_model(tmp_path / "base.keras")
    clone = keras.models.clone_model(loaded)
    clone.set_weights(loaded.get_weights())
    for layer in clone.layers[:-1]:
        layer.trainable = False
    frozen = [w.copy() for w in clone.get_weights()[:-2]]
    head = [w.copy() for w in clone.get_weights()[-2:]]
    clone.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    clone.fit(x, y, epochs=1, batch_size=8, verbose=0)
    for a, b in zip(frozen, clone.get_weights()[:-2]):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(head, clone.get_weights()[-2:]))


# --------------------------------------------------------------------------
# never lose a file, never half-load one
# --------------------------------------------------------------------------


def test_saving_without_the_keras_suffix_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"\.keras.*Received: filepath=.*model\.h5"):
        _mlp().save(tmp_path / "model.h5")


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ValueError, match=r"File not found: filepath=.*nowhere\.keras"):
        keras.models.load_model(tmp_path / "nowhere.keras")


def test_a_truncated_file_is_refused_and_named(tmp_path):
    _compiled(_mlp).save(tmp_path / "m.keras")
    data = (tmp_path / "m.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"cut\.keras is not a valid \.keras file"):
        keras.models.load_model(tmp_path / "cut.keras")


def _rewrite_config(source, target, change):
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "config.json":
                config = json.loads(data)
                change(config)
                data = json.dumps(config)
            new.writestr(info.filename, data)


def test_an_unknown_class_is_named(tmp_path):
    _compiled(_mlp).save(tmp_path / "m.keras")

    def rename(config):
        config["config"]["layers"][1]["class_name"] = "NoSuchLayer"

    _rewrite_config(tmp_path / "m.keras", tmp_path / "odd.keras", rename)
    with pytest.raises((ValueError, TypeError), match=r"(?s)odd\.keras.*NoSuchLayer"):
        keras.models.load_model(tmp_path / "odd.keras")


def test_weights_that_do_not_fit_the_architecture_are_refused(tmp_path):
    _compiled(_mlp).save(tmp_path / "m.keras")

    def widen(config):
        config["config"]["layers"][1]["config"]["units"] = 9

    _rewrite_config(tmp_path / "m.keras", tmp_path / "wide.keras", widen)
    expected = r"(?s)wide\.keras.*'kernel'\) has shape \(6, 9\), but the file stores shape \(6, 8"
    with pytest.raises(ValueError, match=expected):
        keras.models.load_model(tmp_path / "wide.keras")


def test_a_foreign_zip_is_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "other.keras", "w") as archive:
        archive.writestr("hello.txt", "not a model")
    with pytest.raises(ValueError, match=r"other\.keras is not a valid \.keras file.*lacks"):
        keras.models.load_model(tmp_path / "other.keras")


def test_a_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    model = _compiled(_mlp)
    path = tmp_path / "m.keras"
    model.save(path)
    before = path.read_bytes()
    from glassnet.saving import keras_file

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(keras_file.json, "dumps", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.keras"]
