"""TensorBoard: training curves and weight histograms as TensorBoard event files."""
import os
import time

import numpy as np

from glassnet.callbacks.callback import Callback
from glassnet.callbacks.tensorboard.event_writer import EventFileWriter


class TensorBoard(Callback):
    """Logs metrics and weight histograms for TensorBoard (``keras.callbacks.TensorBoard``).

    Writes event files TensorBoard reads (``tensorboard --logdir=LOG_DIR``) with Keras 3's
    layout and tag names:

    * ``LOG_DIR/train``: ``epoch_<name>`` for each training log at each epoch's end (step =
      the 0-based epoch), including ``epoch_learning_rate`` when the model has an
      optimizer, and ``epoch_steps_per_second`` if asked for; ``batch_<name>`` every
      ``update_freq`` batches when that is an integer (step = batches since fit began,
      counting from 1); ``<weight path>/histogram`` for every layer weight every
      ``histogram_freq`` epochs (epochs 0, f, 2f, ...), the path relative to the model,
      e.g. ``dense/kernel/histogram``.
    * ``LOG_DIR/validation``: ``epoch_<name>`` for each ``val_<name>`` log (the prefix
      dropped), and ``evaluation_<name>_vs_iterations`` (step = optimizer iterations)
      when ``model.evaluate`` is given this callback.

    Scalars are stored as float32, as TensorBoard stores them.  Files are opened when first
    written, flushed each epoch and closed when training ends.  The event files come from
    glassnet's own small writer (``event_writer``), so no TensorFlow, tensorboard or
    protobuf package is needed to write them.

    Differences from Keras 3: histogram tags use the weight's path (``dense/kernel``)
    where Keras uses its bare name (``kernel``), which repeats across layers;
    ``write_graph=True`` writes nothing (glassnet has no graph to export, and the Keras
    model-summary text is not written); glassnet's ``fit`` does not pass its validation
    pass's test hooks to callbacks, so ``evaluation_*_vs_iterations`` appears only for
    an explicit ``evaluate(..., callbacks=[tensorboard])``.

    Arguments:
        log_dir: the directory the ``train`` and ``validation`` subdirectories go in.
        histogram_freq: every how many epochs to write weight histograms; 0 for never.
        write_graph: accepted for compatibility; writes nothing (see above).
        write_images: must be False: weights as images are not supported.
        write_steps_per_second: also log training steps per second (``epoch_`` and,
            with an integer ``update_freq``, ``batch_steps_per_second``).
        update_freq: ``"epoch"`` for epoch scalars only, ``"batch"`` (= 1) or a positive
            integer N to also write the running batch logs every N batches.
        profile_batch: must be 0: glassnet has no profiler to trace with.
        embeddings_freq: must be 0: the embedding projector is not supported.
        embeddings_metadata: must be None, for the same reason.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        _refuse_unsupported(write_images, profile_batch, embeddings_freq, embeddings_metadata)
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = _check_histogram_freq(histogram_freq)
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = bool(write_steps_per_second)
        self.update_freq = _check_update_freq(update_freq)
        self.profile_batch = profile_batch
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers = {}
        self._global_train_batch = 0
        self._epoch_start_time = 0.0
        self._epoch_start_batch = 0
        self._batch_start_time = 0.0

    # --- writers --------------------------------------------------------------------
    def set_model(self, model):
        super().set_model(model)
        self._close_writers()

    def _writer(self, kind):
        """The ``train`` or ``validation`` writer, created on first use."""
        if kind not in self._writers:
            self._writers[kind] = EventFileWriter(os.path.join(self.log_dir, kind))
        return self._writers[kind]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # --- hooks ------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start_time = time.time()
        self._epoch_start_batch = self._global_train_batch

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        self._batch_start_time = time.time()

    def on_train_batch_end(self, batch, logs=None):
        step = self._global_train_batch
        if self.update_freq == "epoch" or step % self.update_freq != 0:
            return
        scalars = dict(logs or {})
        if self.write_steps_per_second:
            scalars["steps_per_second"] = 1.0 / max(time.time() - self._batch_start_time, 1e-9)
        self._write_scalars("train", "batch_", scalars, step)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[len("val_"):]: v for k, v in logs.items() if k.startswith("val_")}
        train_logs.update(self._learning_rate())
        if self.write_steps_per_second:
            train_logs["steps_per_second"] = self._epoch_steps_per_second()
        self._write_scalars("train", "epoch_", train_logs, epoch)
        self._write_scalars("validation", "epoch_", val_logs, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_weight_histograms(epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if not logs or getattr(optimizer, "iterations", None) is None:
            return
        step = int(np.asarray(optimizer.iterations))
        writer = self._writer("validation")
        for name, value in logs.items():
            writer.scalar(f"evaluation_{name}_vs_iterations", value, step)
        writer.flush()

    # --- what gets written ------------------------------------------------------------
    def _write_scalars(self, kind, prefix, scalars, step):
        if not scalars:
            return  # no empty event file for a run without validation
        writer = self._writer(kind)
        for name, value in scalars.items():
            writer.scalar(prefix + name, value, step)

    def _learning_rate(self):
        """``{"learning_rate": lr}`` read from the model's optimizer; ``{}`` without one."""
        optimizer = getattr(self.model, "optimizer", None)
        rate = getattr(optimizer, "learning_rate", None)  # a schedule's current value
        return {} if rate is None else {"learning_rate": float(np.asarray(rate))}

    def _epoch_steps_per_second(self):
        batches = self._global_train_batch - self._epoch_start_batch
        return batches / max(time.time() - self._epoch_start_time, 1e-9)

    def _write_weight_histograms(self, epoch):
        writer = self._writer("train")
        for tag, values in _weight_histogram_tags(self.model):
            writer.histogram(tag, values, epoch)


def _weight_histogram_tags(model):
    """``(tag, array)`` per distinct layer weight; tags are paths minus the model's name."""
    prefix = f"{model.name}/"
    seen = set()
    for layer in model.layers:
        for weight in layer.weights:
            if id(weight) in seen:
                continue  # a weight shared by two layers is drawn once
            seen.add(id(weight))
            path = getattr(weight, "path", None) or weight.name
            path = path[len(prefix):] if path.startswith(prefix) else path
            yield f"{path.replace(':', '_')}/histogram", np.asarray(weight)


# --- argument checks ---------------------------------------------------------------------


def _refuse_unsupported(write_images, profile_batch, embeddings_freq, embeddings_metadata):
    """Raises for the options glassnet cannot honour unless they are at their defaults."""
    unsupported = [
        ("write_images", write_images, False, "weights are not written as images"),
        ("profile_batch", profile_batch, 0, "glassnet has no profiler"),
        ("embeddings_freq", embeddings_freq, 0, "the embedding projector is not supported"),
        ("embeddings_metadata", embeddings_metadata, None,
         "the embedding projector is not supported"),
    ]
    for name, value, default, reason in unsupported:
        if not _is_default(value, default):
            raise ValueError(
                f"TensorBoard: `{name}` must be {default!r} in glassnet ({reason}). "
                f"Received: {name}={value!r}"
            )


def _is_default(value, default):
    if default is None:
        return value is None
    if isinstance(value, (bool, int, np.integer)):
        return value == default
    return False


def _check_histogram_freq(histogram_freq):
    if isinstance(histogram_freq, bool) or not isinstance(histogram_freq, (int, np.integer)) \
            or histogram_freq < 0:
        raise ValueError(
            "TensorBoard: `histogram_freq` must be a non-negative integer (0 for no "
            f"histograms). Received: histogram_freq={histogram_freq!r}"
        )
    return int(histogram_freq)


def _check_update_freq(update_freq):
    if update_freq == "batch":
        return 1
    if update_freq == "epoch":
        return "epoch"
    if isinstance(update_freq, (int, np.integer)) and not isinstance(update_freq, bool) \
            and update_freq > 0:
        return int(update_freq)
    raise ValueError(
        "TensorBoard: `update_freq` must be 'epoch', 'batch' or a positive integer. "
        f"Received: update_freq={update_freq!r}"
    )
