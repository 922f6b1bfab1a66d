"""Running the lecture's experiments: data, training, saving, resuming.

Every experiment writes its own folder ``<out>/<name>/``::

    result.json       history, test loss/accuracy, the lecture's number, timing, seed,
                      options, config, machine and library versions
    summary.txt       model.summary()
    weights.npz       model.get_weights(), in order (names in result.json)
    predictions.npz   y_true, y_pred on the test set and the first test images
    diagnostics.json  per-layer gradient records (monitored experiments only)
    feature_maps.npz  the CNNs (``inspect``): one test image and its feature maps after
                      each convolution block
    saliency.npz      the CNNs (``inspect``): one test image per class, its predicted
                      class and its saliency map (``glassnet.diagnostics.saliency``)

The folder appears only when the experiment has finished (saved atomically, see
``storage``).  A rerun reuses a result whose options (quick, seed, epochs, data size) and
config match and whose files are all there and readable; a damaged or incomplete folder is
trained again.  ``glassnet lecture`` holds the output folder's lock (``lock.output_lock``)
around all this and first clears what runs that died left behind
(``storage.remove_leftovers``).

``run(options, executor=...)`` trains the experiments in other processes instead, through
any ``concurrent.futures`` executor (``glassnet lecture --workers N`` or ``--scheduler``,
see ``parallel``): a worker trains one experiment and returns its result and files; this
process stays the only one writing into the output folder.  Every experiment seeds itself
(``keras.utils.set_random_seed``) and clears the session before building its model, so it
gives the same numbers whatever ran before it in the same process.
"""
import contextlib
import dataclasses
import datetime
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import glassnet as keras
from glassnet import diagnostics
from glassnet.callbacks import Callback
from glassnet.compiler import threads
from glassnet.datasets import fashion_mnist
from glassnet.lecture import experiments as registry
from glassnet.lecture import storage
from glassnet.utils import progbar

QUICK_TRAIN_SIZE = 5000  # --quick: the first 5,000 training images (or an experiment's own)
QUICK_EPOCHS = 2  # --quick: at most this many epochs per experiment
PREDICT_BATCH_SIZE = 256  # the predicted classes do not depend on it; fewer steps than
#                          32, and a CNN's activations of 256 images stay ~0.1 GB
SAMPLE_IMAGES = 40  # test images kept for the report's grid (In [8]: 4 x 10)
BLOCK_LAYERS = ("BatchNormalization", "Activation", "ReLU")  # what follows a Conv in a block


class LectureError(Exception):
    """A problem the user can fix (output folder, dataset); the CLI prints it, exit code 2."""


class ExperimentsFailed(Exception):
    """Experiments trained in workers failed (``run`` with an executor).

    Attributes:
        failed: ``{name: why}`` of the experiments that failed.
        results: ``{name: result}`` of those that finished (saved, or reused).
    """

    def __init__(self, failed, results):
        self.failed, self.results = dict(failed), dict(results)
        super().__init__(f"{len(self.failed)} experiment(s) failed: "
                         f"{', '.join(self.failed)}")


@dataclasses.dataclass
class Options:
    """What ``glassnet lecture`` was asked to do."""

    out: Path
    names: list
    quick: bool = False
    seed: int = 42
    force: bool = False

    def for_experiment(self, experiment):
        """The options a stored result must match to be reused."""
        sizes = sizes_of(experiment, self.quick)
        options = {
            "quick": self.quick,
            "seed": self.seed,
            "epochs": epochs_of(experiment, self.quick),
            "train_size": sizes["train"],
            "batch_size": experiment.batch_size,
        }
        for part in ("valid", "test"):  # only where an experiment cuts them (--quick CNNs)
            if sizes[part] is not None:
                options[f"{part}_size"] = sizes[part]
        return options


def epochs_of(experiment, quick):
    return min(experiment.epochs, QUICK_EPOCHS) if quick else experiment.epochs


def sizes_of(experiment, quick):
    """How many training, validation and test images ``experiment`` uses (None: all)."""
    if not quick:
        return {"train": None, "valid": None, "test": None}
    if experiment.quick_sizes is None:
        return {"train": QUICK_TRAIN_SIZE, "valid": None, "test": None}
    return dict(experiment.quick_sizes)


# --- checks before training ---------------------------------------------------------------
def check_output_folder(out):
    """Creates ``out`` if needed and proves it is writable, else raises LectureError."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=out, prefix=".write-test-")
        os.close(handle)
        with contextlib.suppress(FileNotFoundError):  # a locked run cleared it as a leftover
            os.remove(probe)
    except OSError as error:
        reason = "it is a file" if out.is_file() else (error.strerror or str(error))
        raise LectureError(
            f"the output folder {out} is not writable ({reason}). "
            "Choose another one with --out DIR."
        ) from None


def load_data(quick):
    """The lecture's split (In [4]): the first 5,000 training images validate, /255.0.

    Returns ``{"train": (X, y), "valid": (X, y), "test": (X, y), "test_images": uint8}``.
    Raises LectureError with the loader's own message when the dataset cannot be read.
    """
    try:
        (X_train_full, y_train_full), (X_test, y_test) = fashion_mnist.load_data()
    except (OSError, ValueError) as error:  # DatasetNotFoundError, CorruptFileError
        raise LectureError(str(error)) from None
    X_valid, X_train = X_train_full[:5000] / 255.0, X_train_full[5000:] / 255.0
    y_valid, y_train = y_train_full[:5000], y_train_full[5000:]
    if quick:
        X_train, y_train = X_train[:QUICK_TRAIN_SIZE], y_train[:QUICK_TRAIN_SIZE]
    return {
        "train": (X_train, y_train),
        "valid": (X_valid, y_valid),
        "test": (X_test / 255.0, y_test),
        "test_images": X_test[:SAMPLE_IMAGES],
    }


def data_for(experiment, data, quick):
    """``data`` cut to the experiment's sizes (``sizes_of``), images shaped as its Input
    declares them: (N, 28, 28) for the MLPs, (N, 28, 28, 1) for the CNNs (views)."""
    sizes = sizes_of(experiment, quick)
    shaped = dict(data)
    for part in ("train", "valid", "test"):
        X, y = data[part]
        X, y = X[:sizes[part]], y[:sizes[part]]  # [:None] keeps all
        shaped[part] = (X.reshape((len(X), *experiment.input_shape)), y)  # (N, 28, 28[, 1])
    return shaped


# --- the run ------------------------------------------------------------------------------
def run(options, stream=None, executor=None):
    """Trains (or reuses) every chosen experiment, in the registry's order.

    Without ``executor``, one after another in this process (with progress bars).  With
    one (any ``concurrent.futures.Executor``: a ``parallel.LocalPool``, Dask's
    ``client.get_executor()``), the experiments to train are submitted to it and saved
    here as they finish (see ``parallel.train_all``).

    Returns ``{name: result}`` for the chosen experiments that have a result.
    Raises LectureError before any training when the output folder or the data is unusable,
    ExperimentsFailed after the others finished when experiments failed in workers.
    The caller holds the folder's lock (``lock.output_lock``), as ``glassnet lecture`` does.
    """
    stream = sys.stdout if stream is None else stream
    out = Path(options.out)
    check_output_folder(out)
    chosen = [registry.get(name) for name in registry.NAMES if name in options.names]
    assessed = {e.name: assess(out, e, options) for e in chosen}  # (result, note)
    pending = [e for e in chosen if assessed[e.name][0] is None]
    if executor is not None:
        from glassnet.lecture import parallel  # it imports this module

        return parallel.run_on(executor, chosen, assessed, options, stream)
    data = None
    if pending:
        say(stream, "Loading Fashion-MNIST ...")
        data = load_data(options.quick)
        say(stream, _data_line(data, options.quick))
    verbose = progbar.resolve_verbosity("auto")
    started = time.perf_counter()
    results = {}
    for index, experiment in enumerate(chosen, start=1):
        epochs = epochs_of(experiment, options.quick)
        say(stream, f"Experiment {index}/{len(chosen)}: {experiment.name} — "
                    f"{experiment.title} ({epochs} epoch{'s' if epochs != 1 else ''})")
        reused, note = assessed[experiment.name]
        if reused is not None:
            results[experiment.name] = reused
            say(stream, f"  reusing the finished result in {out / experiment.name}")
            continue
        if note:
            say(stream, "  " + note)
        if options.quick and experiment.quick_sizes:
            say(stream, "  --quick: " + sizes_text(experiment.quick_sizes))
        result = run_experiment(experiment, data, options, verbose, out)
        say(stream, "  " + outcome_line(result))
        results[experiment.name] = result
    minutes = (time.perf_counter() - started) / 60
    say(stream, f"{len(chosen)} experiments done in {minutes:.1f} min "
                f"({len(pending)} trained, {len(chosen) - len(pending)} reused)")
    return results


def _data_line(data, quick):
    n_train = len(data["train"][1])
    subset = f" (--quick: the first {n_train:,})" if quick else ""
    return (f"  {n_train:,} training images{subset}, {len(data['valid'][1]):,} validation, "
            f"{len(data['test'][1]):,} test")


def sizes_text(sizes):
    return (f"the first {sizes['train']:,} training, {sizes['valid']:,} validation and "
            f"{sizes['test']:,} test images")


def assess(out, experiment, options):
    """``(result, None)`` when the saved result of ``experiment`` can be reused, else
    ``(None, why it is trained again)``, or ``(None, None)`` when it never finished."""
    folder = Path(out) / experiment.name
    result, problem = storage.read_result(folder, experiment.name)
    if result is None and problem is None:
        return None, None
    if options.force:
        return None, "--force: retraining"
    if problem is None:
        mismatch = _mismatch(result, experiment, options)
        if mismatch is not None:
            return None, mismatch
        problem = storage.files_problem(folder, experiment, result)
    if problem is not None:
        return None, f"{experiment.name}: {problem}; running it again"
    return result, None


def _mismatch(result, experiment, options):
    """Why ``result`` was made differently from what ``options`` ask, or None."""
    stored = result["options"]
    if stored != options.for_experiment(experiment):
        return (f"the saved result was made with other options ({_options_text(stored)})"
                ": retraining")
    if result["config"] != storage.plain(experiment.config()):
        return "the experiment's definition changed since the saved result: retraining"
    return None


def _options_text(options):
    if not isinstance(options, dict):
        return "unknown"
    return ", ".join(f"{key}={value}" for key, value in options.items())


def run_experiment(experiment, data, options, verbose, out):
    """Trains one experiment, saves its folder and returns its result dict."""
    result, files = train_experiment(experiment, data, options, verbose)
    storage.save_folder(out / experiment.name, files)
    return result


def train_experiment(experiment, data, options, verbose=0, callbacks=()):
    """Trains one experiment; returns its result dict and its folder's files.

    ``files`` is ``{file name: bytes}``, result.json last (what ``storage.save_folder``
    writes).  Nothing is written to disk, so a worker process can run it and send both
    back.  ``callbacks`` are added to the fit's own.
    """
    started = time.perf_counter()
    data = data_for(experiment, data, options.quick)
    keras.backend.clear_session()  # layer names dense, dense_1, ... as in the lecture
    keras.utils.set_random_seed(options.seed)
    model = registry.build_model(experiment)
    summary = summary_text(model)  # before fit, as in the lecture (no optimizer state yet)
    timer = EpochTimer()
    callbacks = [timer, *callbacks]
    if experiment.monitor:
        callbacks.append(keras.callbacks.GradientMonitor())
    X_train, y_train = data["train"]
    # a GradientMonitor's hooks keep the steps eager: on one BLAS thread, so that the
    # numbers do not depend on --workers (compiled steps see to it themselves)
    eager_on_one_thread = threads.one_thread() if experiment.monitor else contextlib.nullcontext()
    with eager_on_one_thread:
        history = model.fit(X_train, y_train, epochs=epochs_of(experiment, options.quick),
                            batch_size=experiment.batch_size, validation_data=data["valid"],
                            callbacks=callbacks, verbose=verbose)
    fit_seconds = time.perf_counter() - started
    X_test, y_test = data["test"]
    test = model.evaluate(X_test, y_test, batch_size=experiment.batch_size, verbose=0,
                          return_dict=True)
    y_pred = np.argmax(model.predict(X_test, batch_size=PREDICT_BATCH_SIZE, verbose=0), axis=-1)
    timing = {
        "seconds_per_epoch": timer.seconds,
        "mean_seconds_per_epoch": float(np.mean(timer.seconds)) if timer.seconds else None,
        "fit_seconds": fit_seconds,
        "total_seconds": time.perf_counter() - started,
    }
    result = make_result(experiment, options, model, history, test, timing)
    files = {
        "summary.txt": summary.encode("utf-8"),
        "weights.npz": storage.npz_bytes(
            {f"w{i:03d}": w for i, w in enumerate(model.get_weights())}
        ),
        "predictions.npz": storage.npz_bytes(
            {"y_true": y_test, "y_pred": y_pred.astype(np.uint8), "images": data["test_images"]}
        ),
    }
    diagnostics = getattr(history, "diagnostics", None)
    if diagnostics is not None:
        files["diagnostics.json"] = storage.json_bytes(diagnostics.to_dict())
    if experiment.inspect:
        files["feature_maps.npz"] = storage.npz_bytes(feature_map_arrays(model, X_test, y_test))
        files["saliency.npz"] = storage.npz_bytes(saliency_arrays(model, X_test, y_test))
    files[storage.RESULT_FILE] = storage.json_bytes(result)  # last: the folder is complete
    return result, files


def make_result(experiment, options, model, history, test, timing):
    """The JSON-ready record of one finished experiment (its result.json)."""
    return storage.plain({
        "name": experiment.name,
        "title": experiment.title,
        "group": experiment.group,
        "options": options.for_experiment(experiment),
        "config": experiment.config(),
        "lecture": experiment.lecture,
        "goal": experiment.goal,
        "history": {key: [float(v) for v in values] for key, values in history.history.items()},
        "test": {"loss": float(test["loss"]), "accuracy": float(test["accuracy"])},
        "params": int(model.count_params()),
        "weight_names": [w.path for w in model.weights],
        "timing": timing,
        "environment": environment(),
        "finished_at": datetime.datetime.now().isoformat(timespec="seconds"),
    })


# --- inside a CNN (inspect) --------------------------------------------------------------
def block_outputs(model):
    """The layers that end each convolution block: a Conv2D and the BatchNormalization /
    Activation / ReLU layers right after it (the feature maps of the report)."""
    ends, previous = [], None
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            ends.append(layer.name)
        elif kind in BLOCK_LAYERS and ends and ends[-1] == previous:
            ends[-1] = layer.name  # the block goes on
        previous = layer.name
    return ends


def feature_map_arrays(model, X_test, y_test):
    """The first test image, its class, and its feature maps after each conv block."""
    image = X_test[:1]  # (1, 28, 28, 1)
    names = block_outputs(model)
    maps = diagnostics.feature_maps(model, image, names)
    predicted = int(np.argmax(model.predict(image, verbose=0), axis=-1)[0])
    arrays = {"image": image[0].astype(np.float32), "label": np.int64(y_test[0]),
              "predicted": np.int64(predicted), "layers": np.array(names)}
    for index, name in enumerate(names):
        arrays[f"map_{index:02d}"] = maps[name][0]  # (H, W, C)
    return arrays


def saliency_arrays(model, X_test, y_test):
    """The first test image of each class, the class predicted and the saliency map of
    that class's score (``glassnet.diagnostics.saliency``)."""
    _, first = np.unique(y_test, return_index=True)  # one image per class, in class order
    images = X_test[first].astype(np.float32)  # (classes, 28, 28, 1)
    predicted = np.argmax(model.predict(images, verbose=0), axis=-1)
    return {"images": images, "labels": y_test[first].astype(np.uint8),
            "predicted": predicted.astype(np.uint8),
            "maps": diagnostics.saliency(model, images, predicted)}


class EpochTimer(Callback):
    """Seconds of each epoch (training and validation)."""

    def __init__(self):
        super().__init__()
        self.seconds = []
        self._start = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def outcome_line(result):
    test, timing = result["test"], result["timing"]
    line = f"test: loss {test['loss']:.4f} - accuracy {test['accuracy']:.4f}"
    lecture = result.get("lecture")
    if lecture:
        diff = 100 * (test["accuracy"] - lecture["accuracy"])
        line += f" (lecture {lecture['accuracy']:.4f}, {diff:+.2f} pp)"
    mean = timing["mean_seconds_per_epoch"] or 0.0
    return line + f" - {mean:.1f} s/epoch, {timing['total_seconds']:.0f} s in all"


def say(stream, message):
    progbar.print_msg(message, stream=stream)


# --- context ----------------------------------------------------------------------------
def summary_text(model):
    lines = []
    model.summary(print_fn=lambda text, *args, **kwargs: lines.append(text))
    return "\n".join(lines)


def environment():
    """The machine and the library versions a result was made with."""
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "glassnet": keras.__version__,
        "blas_threads": blas_threads(),  # their number changes the sums' rounding
    }


def blas_threads():
    """The threads of the BLAS library NumPy uses (threadpoolctl), or None without it."""
    try:
        import threadpoolctl
    except ImportError:
        return None
    counts = [info["num_threads"] for info in threadpoolctl.threadpool_info()
              if info.get("user_api") == "blas"]
    return max(counts) if counts else None
