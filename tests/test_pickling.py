"""Models travel between processes (issue 14 §2): a compiled, trained model pickles, and
in a new Python process it predicts bit-for-bit as the original and trains on to exactly
the same weights, its optimizer's state carried over."""
import copy
import json
import os
import pathlib
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import glassnet as keras
from glassnet.saving import pickling

TESTS = pathlib.Path(__file__).resolve().parent
pickle_models = pytest.importorskip("pickle_models")  # tests/ is on the path under pytest

BATCH = 16


def _data(seed=0, n=96, features=5, classes=3):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype("float32")
    y = (np.abs(x[:, 0] * 2 + x[:, 1]).astype("int64")) % classes
    return x, y


def _sequential():
    return keras.Sequential([
        keras.Input((5,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(3, activation="softmax"),
    ])


def _functional():
    inputs = keras.Input((5,))
    hidden = keras.layers.Dense(8, activation="tanh")(inputs)
    skip = keras.layers.Concatenate()([inputs, hidden])
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(skip))


def _subclassed():
    return pickle_models.TwoLayerNet(hidden=8, classes=3)


BUILDERS = {"sequential": _sequential, "functional": _functional, "subclassed": _subclassed}


def _trained(builder, x, y):
    model = builder()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=2)],
    )
    model.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    return model


def _continue(model, x, y):
    """What the child process does too: predict, one more epoch, evaluate."""
    predictions = model.predict(x, verbose=0)
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    return predictions, model.evaluate(x, y, verbose=0, return_dict=True)


CHILD = textwrap.dedent("""
    import json, pickle, sys
    import numpy as np

    folder = sys.argv[1]
    with open(f"{folder}/model.pkl", "rb") as file:
        model = pickle.load(file)
    data = np.load(f"{folder}/data.npz")
    x, y = data["x"], data["y"]
    iterations_loaded = int(np.asarray(model.optimizer.iterations))
    predictions = model.predict(x, verbose=0)
    model.fit(x, y, batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    weights = model.get_weights()
    np.savez(f"{folder}/result.npz", predictions=predictions,
             iterations=int(np.asarray(model.optimizer.iterations)),
             iterations_loaded=iterations_loaded,
             **{f"weight_{i}": w for i, w in enumerate(weights)})
    with open(f"{folder}/logs.json", "w") as file:
        json.dump({"logs": logs, "class": type(model).__name__,
                   "optimizer": type(model.optimizer).__name__,
                   "metrics": model.metrics_names}, file)
""").replace("BATCH_SIZE", str(BATCH))


def _run_child(folder):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(TESTS), str(TESTS.parent), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder)], env=env, capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    with np.load(folder / "result.npz") as saved:
        result = {key: saved[key] for key in saved.files}
    result.update(json.loads((folder / "logs.json").read_text()))
    return result


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_unpickled_in_a_new_process_predicts_and_trains_on_identically(kind, tmp_path):
    x, y = _data()
    model = _trained(BUILDERS[kind], x, y)
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(model))
    np.savez(tmp_path / "data.npz", x=x, y=y)

    child = _run_child(tmp_path)
    predictions, logs = _continue(model, x, y)

    assert child["class"] == type(model).__name__
    assert child["optimizer"] == "Adam"
    assert int(child["iterations_loaded"]) == 2 * len(x) // BATCH  # optimizer state carried
    assert int(child["iterations"]) == int(np.asarray(model.optimizer.iterations)) == 18
    np.testing.assert_array_equal(child["predictions"], predictions)
    weights = model.get_weights()
    assert len(weights) == sum(key.startswith("weight_") for key in child)
    for i, weight in enumerate(weights):
        np.testing.assert_array_equal(child[f"weight_{i}"], weight)
    assert child["metrics"] == model.metrics_names  # loss and metrics compiled as saved
    assert child["logs"] == logs


def test_optimizer_moments_survive_a_pickle_round_trip():
    x, y = _data(seed=1)
    model = _trained(_sequential, x, y)
    clone = pickle.loads(pickle.dumps(model))
    names = [v.path for v in model.optimizer.variables]
    assert names == [v.path for v in clone.optimizer.variables]
    assert len(names) > 2  # iteration, learning rate and Adam's moments
    for original, copied in zip(model.optimizer.variables, clone.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(copied), np.asarray(original))
    assert clone.optimizer.get_config() == model.optimizer.get_config()


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_cloudpickle_round_trip(kind):
    cloudpickle = pytest.importorskip("cloudpickle")
    x, y = _data(seed=2)
    model = _trained(BUILDERS[kind], x, y)
    clone = cloudpickle.loads(cloudpickle.dumps(model))
    assert clone is not model and type(clone) is type(model)
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    _, logs = _continue(model, x, y)
    _, clone_logs = _continue(clone, x, y)
    assert clone_logs == logs
    for a, b in zip(clone.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_cloudpickle_ships_a_class_defined_in_main_by_value(tmp_path):
    """A subclass defined in a script (``__main__``) cannot be imported by name elsewhere:
    cloudpickle ships it by value, so the other process rebuilds it anyway."""
    pytest.importorskip("cloudpickle")
    script = textwrap.dedent("""
        import sys
        import cloudpickle, numpy as np
        import glassnet as keras

        class Scaled(keras.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.dense = keras.layers.Dense(2)
            def build(self, input_shape):
                self.call(np.zeros((1, *input_shape[1:]), dtype="float32"))
            def call(self, inputs):
                return 2.0 * self.dense(inputs)

        model = Scaled()
        model.compile(optimizer="sgd", loss="mse")
        x = np.linspace(-1, 1, 24, dtype="float32").reshape(8, 3)
        model.fit(x, x[:, :2], epochs=1, batch_size=4, verbose=0)
        np.save(sys.argv[1] + "/expected.npy", model.predict(x, verbose=0))
        np.save(sys.argv[1] + "/x.npy", x)
        with open(sys.argv[1] + "/model.pkl", "wb") as file:
            cloudpickle.dump(model, file)
    """)
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, timeout=120)
    loader = ("import sys, pickle, numpy as np; d = sys.argv[1]; "
              "m = pickle.load(open(d + '/model.pkl', 'rb')); "
              "np.save(d + '/got.npy', m.predict(np.load(d + '/x.npy'), verbose=0)); "
              "print(type(m).__name__)")
    result = subprocess.run([sys.executable, "-c", loader, str(tmp_path)], check=True,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "Scaled"
    np.testing.assert_array_equal(np.load(tmp_path / "got.npy"),
                                  np.load(tmp_path / "expected.npy"))


def test_deepcopy_is_an_independent_trained_copy():
    x, y = _data(seed=3)
    model = _trained(_functional, x, y)
    copied = copy.deepcopy(model)
    np.testing.assert_array_equal(copied.predict(x, verbose=0), model.predict(x, verbose=0))
    copied.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    assert not np.array_equal(copied.get_weights()[0], model.get_weights()[0])


def test_uncompiled_model_pickles_uncompiled():
    model = _sequential()
    clone = pickle.loads(pickle.dumps(model))
    assert not clone.compiled
    x, _ = _data(seed=4)
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_custom_classes_are_recorded_by_name():
    model = _trained(_subclassed, *_data(seed=5))
    assert pickling.custom_objects_of(model) == {"TwoLayerNet": pickle_models.TwoLayerNet}
    assert pickling.custom_objects_of(_trained(_sequential, *_data(seed=5))) == {}


def test_a_custom_layer_travels_by_its_importable_class():
    x, y = _data(seed=7)
    model = _trained(lambda: keras.Sequential([
        keras.Input((5,)), pickle_models.Scale(0.5), keras.layers.Dense(3, activation="softmax"),
    ]), x, y)
    assert pickling.custom_objects_of(model) == {"Scale": pickle_models.Scale}
    clone = pickle.loads(pickle.dumps(model))
    assert isinstance(clone.layers[0], pickle_models.Scale)
    factor = np.asarray(model.layers[0].factor)
    assert not np.allclose(factor, 0.5)  # trained away from its initial value
    np.testing.assert_array_equal(np.asarray(clone.layers[0].factor), factor)
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_load_from_bytes_refuses_what_is_not_bytes():
    with pytest.raises(TypeError, match="Received: data of type str"):
        pickling.load_from_bytes("model.keras")


@pytest.mark.xfail(strict=True, reason=(
    "loading does not build a subclassed model that has no build(): glassnet's "
    "build_from_config calls Layer.build, which creates no weights for the layers the "
    "model holds (Keras' Model.build runs the model once). Affects model.save too."))
@pytest.mark.filterwarnings("ignore:Skipping variable loading:UserWarning")
def test_subclassed_model_without_build_method():
    x, y = _data(seed=6)
    model = _trained(lambda: pickle_models.NoBuildNet(hidden=4, classes=3), x, y)
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))
