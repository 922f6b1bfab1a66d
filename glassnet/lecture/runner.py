"""Running the lecture's experiments: data, training, saving, resuming.

Every experiment writes its own folder ``<out>/<name>/``::

    result.json       history, test loss/accuracy, the lecture's number, timing, seed,
                      options, config, machine and library versions
    summary.txt       model.summary()
    weights.npz       model.get_weights(), in order (names in result.json)
    predictions.npz   y_true, y_pred on the test set and the first test images
    diagnostics.json  per-layer gradient records (monitored experiments only)

The folder appears only when the experiment has finished: its files are written into a
staging folder that then replaces ``<out>/<name>`` by renaming, so an interrupted run
loses nothing already finished and never leaves a half-written result behind.  A rerun
reuses a result whose options (quick, seed, epochs, data size) and config match.
"""
import dataclasses
import datetime
import io
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import glassnet as keras
from glassnet.callbacks import Callback
from glassnet.datasets import fashion_mnist
from glassnet.lecture import experiments as registry
from glassnet.utils import progbar

QUICK_TRAIN_SIZE = 5000  # --quick: the first 5,000 training images
QUICK_EPOCHS = 2  # --quick: at most this many epochs per experiment
BATCH_SIZE = 32  # Keras' default, as in the lecture (fit and evaluate)
PREDICT_BATCH_SIZE = 1024  # the predicted classes do not depend on it; fewer steps
SAMPLE_IMAGES = 40  # test images kept for the report's grid (In [8]: 4 x 10)
RESULT_FILE = "result.json"


class LectureError(Exception):
    """A problem the user can fix (output folder, dataset); the CLI prints it, exit code 2."""


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
        return {
            "quick": self.quick,
            "seed": self.seed,
            "epochs": epochs_of(experiment, self.quick),
            "train_size": QUICK_TRAIN_SIZE if self.quick else None,
            "batch_size": BATCH_SIZE,
        }


def epochs_of(experiment, quick):
    return min(experiment.epochs, QUICK_EPOCHS) if quick else experiment.epochs


# --- checks before training ---------------------------------------------------------------
def check_output_folder(out):
    """Creates ``out`` if needed and proves it is writable, else raises LectureError."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=out, prefix=".write-test-")
        os.close(handle)
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


# --- the run ------------------------------------------------------------------------------
def run(options, stream=None):
    """Trains (or reuses) every chosen experiment, in the registry's order.

    Returns ``{name: result}`` for the chosen experiments that have a result.
    Raises LectureError before any training when the output folder or the data is unusable.
    """
    stream = sys.stdout if stream is None else stream
    out = Path(options.out)
    check_output_folder(out)
    chosen = [registry.get(name) for name in registry.NAMES if name in options.names]
    pending = [e for e in chosen if options.force or reusable(out, e, options) is None]
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
        if experiment not in pending:
            results[experiment.name] = reusable(out, experiment, options)
            say(stream, f"  reusing the finished result in {out / experiment.name}")
            continue
        explain_rerun(stream, out, experiment, options)
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


def explain_rerun(stream, out, experiment, options):
    previous = load_result(out / experiment.name)
    if previous is None:
        return
    stored = previous.get("options")
    if options.force:
        say(stream, "  --force: retraining")
    elif stored != options.for_experiment(experiment):
        say(stream, f"  the saved result was made with other options ({_options_text(stored)})"
                    ": retraining")
    else:
        say(stream, "  the experiment's definition changed since the saved result: retraining")


def _options_text(options):
    if not isinstance(options, dict):
        return "unknown"
    return ", ".join(f"{key}={value}" for key, value in options.items())


def run_experiment(experiment, data, options, verbose, out):
    """Trains one experiment, saves its folder and returns its result dict."""
    started = time.perf_counter()
    keras.backend.clear_session()  # layer names dense, dense_1, ... as in the lecture
    keras.utils.set_random_seed(options.seed)
    model = registry.build_model(experiment)
    summary = summary_text(model)  # before fit, as in the lecture (no optimizer state yet)
    timer = EpochTimer()
    callbacks = [timer]
    if experiment.monitor:
        callbacks.append(keras.callbacks.GradientMonitor())
    X_train, y_train = data["train"]
    history = model.fit(X_train, y_train, epochs=epochs_of(experiment, options.quick),
                        batch_size=BATCH_SIZE, validation_data=data["valid"],
                        callbacks=callbacks, verbose=verbose)
    fit_seconds = time.perf_counter() - started
    X_test, y_test = data["test"]
    test = model.evaluate(X_test, y_test, batch_size=BATCH_SIZE, verbose=0, return_dict=True)
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
        "weights.npz": _npz({f"w{i:03d}": w for i, w in enumerate(model.get_weights())}),
        "predictions.npz": _npz({"y_true": y_test, "y_pred": y_pred.astype(np.uint8),
                                 "images": data["test_images"]}),
    }
    diagnostics = getattr(history, "diagnostics", None)
    if diagnostics is not None:
        files["diagnostics.json"] = _json_bytes(diagnostics.to_dict())
    files[RESULT_FILE] = _json_bytes(result)  # last: the folder is complete
    save_folder(out / experiment.name, files)
    return result


def make_result(experiment, options, model, history, test, timing):
    """The JSON-ready record of one finished experiment (its result.json)."""
    return _plain({
        "name": experiment.name,
        "title": experiment.title,
        "group": experiment.group,
        "options": options.for_experiment(experiment),
        "config": experiment.config(),
        "lecture": experiment.lecture,
        "history": {key: [float(v) for v in values] for key, values in history.history.items()},
        "test": {"loss": float(test["loss"]), "accuracy": float(test["accuracy"])},
        "params": int(model.count_params()),
        "weight_names": [w.path for w in model.weights],
        "timing": timing,
        "environment": environment(),
        "finished_at": datetime.datetime.now().isoformat(timespec="seconds"),
    })


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


# --- results on disk ------------------------------------------------------------------------
def load_result(folder):
    """The result.json of ``folder`` as a dict, or None when absent or unreadable."""
    try:
        with open(Path(folder) / RESULT_FILE, encoding="utf-8") as file:
            return json.load(file)
    except (OSError, ValueError):
        return None


def reusable(out, experiment, options):
    """The stored result of ``experiment`` if it was made with the same options and config."""
    result = load_result(Path(out) / experiment.name)
    if result is None:
        return None
    same = (result.get("options") == options.for_experiment(experiment)
            and result.get("config") == _plain(experiment.config()))
    return result if same else None


def saved_results(out):
    """{name: result} of every finished experiment in ``out``, in the registry's order."""
    found = {}
    for name in registry.NAMES:
        result = load_result(Path(out) / name)
        if result is not None:
            found[name] = result
    return found


def save_folder(folder, files):
    """Writes ``files`` ({name: bytes}) as ``folder``, replacing it only once all are written."""
    folder = Path(folder)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.partial-"))
    try:
        for name, data in files.items():
            write_atomic(staging / name, data)
        old = None
        if folder.exists():
            old = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.old-"))
            os.replace(folder, old / folder.name)
        os.replace(staging, folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def write_atomic(path, data):
    """Writes bytes to ``path`` through a temporary file and ``os.replace``."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _npz(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _json_bytes(value):
    return (json.dumps(value, indent=1) + "\n").encode("utf-8")


def _plain(value):
    """``value`` as it reads back from JSON (tuples become lists)."""
    return json.loads(json.dumps(value))


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
    }
