"""Do glassnet's files open in real Keras 3, and Keras 3's in glassnet, with the same
predictions?  Not a unit test (it needs Keras): run it by hand, like bench/.

    python scripts/check_keras_interop.py [--cache DIR] [--keep DIR]

Keras 3 on JAX runs in its own virtualenv, the benchmark's (``bench/setup_peers.py``:
``<cache>/venvs/jax``, made on first use; ``--cache`` as in bench/run.py).  Each model
kind below is written once against the Keras API, so the same lines build it in both
libraries:

1. glassnet builds and trains every kind (one epoch on random data, so the optimizer
   state is not the initial one) and saves ``<kind>.keras`` and ``<kind>.weights.h5``;
2. Keras loads each ``.keras`` (and the ``.weights.h5`` into the model it loaded) and
   predicts on the same inputs; then it builds, trains and saves its own files;
3. glassnet loads Keras' files and predicts.

Every prediction is compared with the saving library's own (atol 1e-5); the script
prints one line per file and direction and exits 1 if any differs or fails to load.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

import numpy as np

ATOL = 1e-5
REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------
# the model kinds, in the Keras API (``keras`` is glassnet or Keras)
# --------------------------------------------------------------------------


def mlp(keras):
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(28, 28)), layers.Flatten(),
        layers.Dense(30, activation="relu"), layers.Dense(10, activation="softmax"),
    ]), "sparse_categorical_crossentropy", "sgd"


def bn_dropout(keras):
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(20,)), layers.BatchNormalization(), layers.Dropout(0.2),
        layers.Dense(16, activation="elu", kernel_initializer="he_normal"),
        layers.BatchNormalization(), layers.Dense(4, activation="softmax"),
    ]), "sparse_categorical_crossentropy", "adam"


def cnn(keras):
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(12, 12, 1)), layers.Rescaling(0.5),
        layers.Conv2D(6, 3, padding="same", activation="relu"), layers.MaxPool2D(),
        layers.Conv2D(8, 3), layers.BatchNormalization(), layers.Activation("relu"),
        layers.AveragePooling2D(2), layers.GlobalAvgPool2D(), layers.Dropout(0.1),
        layers.Dense(4, activation="softmax"),
    ]), "sparse_categorical_crossentropy", "nadam"


def conv_variants(keras):
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(10, 10, 3)),
        layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same"),
        layers.SeparableConv2D(5, 3, activation="relu"),
        layers.Conv2DTranspose(4, 3, strides=2), layers.ZeroPadding2D(1),
        layers.Cropping2D(2), layers.UpSampling2D(), layers.Conv2D(2, 1, groups=2),
        layers.GlobalMaxPool2D(), layers.Dense(3, activation="softmax"),
    ]), "sparse_categorical_crossentropy", "rmsprop"


def sequence(keras):
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(16, 4)), layers.Conv1D(6, 3, padding="causal", activation="relu"),
        layers.MaxPooling1D(2), layers.Conv1D(6, 3, dilation_rate=2),
        layers.GlobalAveragePooling1D(), layers.Dense(2, activation="softmax"),
    ]), "sparse_categorical_crossentropy", "adamax"


def wide_and_deep(keras):
    layers = keras.layers
    wide, deep = keras.Input(shape=(5,), name="wide"), keras.Input(shape=(6,), name="deep")
    hidden1 = layers.Dense(8, activation="relu", name="hidden1")(deep)
    hidden2 = layers.Dense(8, activation="relu", name="hidden2")(hidden1)
    concat = layers.concatenate([wide, hidden2])
    main = layers.Dense(1, name="main_output")(concat)
    aux = layers.Dense(1, name="aux_output")(hidden2)
    return keras.Model(inputs=[wide, deep], outputs=[main, aux]), ["mse", "mse"], "adagrad"


def merges(keras):
    layers = keras.layers
    a, b = keras.Input(shape=(6,)), keras.Input(shape=(6,))
    shared = layers.Dense(6, activation="tanh")
    x = layers.add([shared(a), shared(b)])
    x = layers.maximum([x, layers.multiply([a, b])])
    x = layers.LeakyReLU(negative_slope=0.1)(layers.subtract([x, layers.average([a, b])]))
    out = layers.Dense(3, activation="softmax")(x)
    return keras.Model([a, b], out), "sparse_categorical_crossentropy", "adamw"


KINDS = {f.__name__: f for f in (mlp, bn_dropout, cnn, conv_variants, sequence,
                                 wide_and_deep, merges)}


def build(keras, kind):
    model, loss, optimizer = KINDS[kind](keras)
    model.compile(optimizer=optimizer, loss=loss)
    return model


def data(model, kind, n=32):
    """Inputs (one array per model input) and targets, the same in both libraries."""
    rng = np.random.default_rng(len(kind))
    shapes = [tuple(t.shape[1:]) for t in _as_list(model.inputs)]
    x = [rng.random((n, *shape), dtype=np.float32) for shape in shapes]
    if kind == "wide_and_deep":
        y = [rng.random((n, 1), dtype=np.float32) for _ in range(2)]
    else:
        y = rng.integers(0, _as_list(model.outputs)[0].shape[-1], n)
    return (x if len(x) > 1 else x[0]), y


def _as_list(tensors):
    return list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]


def predictions(model, x):
    y = model.predict(x, verbose=0)
    return [np.asarray(a) for a in (y if isinstance(y, (list, tuple)) else [y])]


def save_all(keras, folder, library):
    """Builds, trains (one epoch) and saves every kind; records inputs and predictions."""
    records = {}
    for kind in KINDS:
        keras.utils.set_random_seed(0)
        model = build(keras, kind)
        x, y = data(model, kind)
        model.fit(x, y, epochs=1, batch_size=8, verbose=0)
        model.save(folder / f"{library}-{kind}.keras")
        model.save_weights(folder / f"{library}-{kind}.weights.h5")
        arrays = {"x": x if isinstance(x, list) else [x], "y": predictions(model, x)}
        np.savez(folder / f"{library}-{kind}.npz",
                 **{f"{key}{i}": a for key, values in arrays.items()
                    for i, a in enumerate(values)})
        records[kind] = len(arrays["x"])
    return records


def check_all(keras, folder, library):
    """Loads the other library's files and compares predictions; one result per file."""
    results = []
    for kind in KINDS:
        stored = np.load(folder / f"{library}-{kind}.npz")
        x = [stored[k] for k in sorted(stored.files) if k.startswith("x")]
        x = x if len(x) > 1 else x[0]
        expected = [stored[k] for k in sorted(stored.files) if k.startswith("y")]
        for suffix in (".keras", ".weights.h5"):
            name = f"{library}-{kind}{suffix}"
            try:
                if suffix == ".keras":
                    model = keras.models.load_model(folder / name)
                else:
                    keras.utils.set_random_seed(1)
                    model = build(keras, kind)
                    model.load_weights(folder / name)
                error = max(float(np.max(np.abs(a - b)))
                            for a, b in zip(predictions(model, x), expected))
                results.append((name, error, None))
            except Exception as failure:  # reported, not raised: check every file
                results.append((name, None, "".join(traceback.format_exception_only(
                    type(failure), failure)).strip()))
    return results


# --------------------------------------------------------------------------
# the two sides
# --------------------------------------------------------------------------


def keras_side(folder):
    """Runs inside the Keras virtualenv: checks glassnet's files, then saves Keras' own."""
    import keras

    results = check_all(keras, folder, "glassnet")
    save_all(keras, folder, "keras")
    print(json.dumps({"keras_version": keras.__version__, "results": results}))


def keras_python(cache):
    sys.path.insert(0, str(REPO / "bench"))
    import setup_peers

    setup_peers.ensure_peer(Path(cache), "jax")
    return setup_peers.venv_python(setup_peers.peer_venv(Path(cache), "jax"))


def report(direction, results):
    failed = 0
    for name, error, failure in results:
        ok = failure is None and error <= ATOL
        failed += not ok
        detail = f"max |difference| {error:.2e}" if failure is None else failure
        print(f"{'ok  ' if ok else 'FAIL'}  {direction:18s} {name:34s} {detail}")
    return failed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "glassnet-bench"))
    parser.add_argument("--keep", help="folder for the files (default: a temporary one)")
    parser.add_argument("--keras-side", help=argparse.SUPPRESS)  # internal: in Keras' venv
    args = parser.parse_args(argv)
    if args.keras_side:
        return keras_side(Path(args.keras_side))

    import glassnet

    folder = Path(args.keep or tempfile.mkdtemp(prefix="keras-interop-"))
    folder.mkdir(parents=True, exist_ok=True)
    save_all(glassnet, folder, "glassnet")
    python = keras_python(args.cache)
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    child = subprocess.run([str(python), __file__, "--keras-side", str(folder)], env=env,
                           capture_output=True, text=True)
    if child.returncode != 0:
        print(child.stderr[-4000:])
        return 1
    keras_report = json.loads(child.stdout.strip().splitlines()[-1])
    failed = report("Keras reads", keras_report["results"])
    failed += report("glassnet reads", check_all(glassnet, folder, "keras"))
    total = 2 * 2 * len(KINDS)
    print(f"\nKeras {keras_report['keras_version']} (JAX) and glassnet "
          f"{glassnet.__version__}: {total - failed}/{total} files load with the same "
          f"predictions (atol {ATOL}); files in {folder}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
