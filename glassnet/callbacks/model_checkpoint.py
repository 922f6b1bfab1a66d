"""ModelCheckpoint: save the model (or its weights) during training, as Keras 3 does."""
import os
import warnings

from glassnet import validation
from glassnet.callbacks import monitor as monitoring
from glassnet.callbacks.callback import Callback
from glassnet.callbacks.save_frequency import SaveFrequency
from glassnet.utils.progbar import print_msg

_WEIGHTS_SUFFIX = ".weights.h5"
# Keras also accepts a legacy ".h5" whole-model path here; glassnet cannot write that
# format (model.save rejects it), so it is refused now rather than after an epoch.
_MODEL_SUFFIXES = (".keras",)


class ModelCheckpoint(Callback):
    """Saves the model, or only its weights, every epoch or every ``save_freq`` batches.

    The file name is ``filepath.format(epoch=epoch + 1, **logs)`` (plus ``batch=batch + 1``
    when saving on batches), so ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"`` names each
    checkpoint after its epoch and validation loss.  The folder is created if needed.

    With ``save_best_only`` a checkpoint is written only when ``monitor`` improves on the
    best value seen so far (``initial_value_threshold`` is the value to beat first):

        mode "min":  save  <=>  current < best          mode "max":  save  <=>  current > best

    Arguments:
        filepath: where to save; must end in ``.keras`` (whole model) or, with
            ``save_weights_only=True``, in ``.weights.h5``.  May hold ``{epoch}``,
            ``{batch}`` and any logs key as format fields.
        monitor: the logs key that ``save_best_only`` compares (``"val_loss"``).
        verbose: 1 prints one line per decision (``Epoch 3: val_loss improved from ...``).
        save_best_only: save only the improvements on ``monitor``.
        save_weights_only: ``model.save_weights`` instead of ``model.save``.
        mode: "min", "max", or "auto" (guessed from the name; see ``monitor.resolve_mode``).
        save_freq: "epoch", or a positive int: save after every that many batches.
        initial_value_threshold: the starting "best" for ``save_best_only``.

    Attributes: ``best`` (None until something was saved with ``save_best_only``).
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__()
        owner = type(self).__name__
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.save_freq = _check_save_freq(owner, save_freq)
        self._frequency = SaveFrequency(self.save_freq)
        _check_suffix(self.filepath, self.save_weights_only)
        validation.one_of(owner, "mode", mode, ("auto", "min", "max"))
        # Only save_best_only needs a direction; an unguessable name is an error only then.
        self.mode = monitoring.resolve_mode(owner, monitor, mode) if save_best_only else mode
        self.initial_value_threshold = (
            None if initial_value_threshold is None
            else validation.real(owner, "initial_value_threshold", initial_value_threshold)
        )
        self.best = self.initial_value_threshold
        self._current_epoch = 0

    # --- hooks ----------------------------------------------------------------------
    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self._frequency.every_epoch:
            self._save(epoch, None, logs or {})

    def on_train_batch_end(self, batch, logs=None):
        if self._frequency.batch_ends():
            self._save(self._current_epoch, batch, logs or {})

    # --- saving ---------------------------------------------------------------------
    def _save(self, epoch, batch, logs):
        """Writes the checkpoint for (epoch, batch) if ``_should_save`` agrees."""
        filepath = self._file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise IsADirectoryError(
                "Please specify a non-directory filepath for ModelCheckpoint. Filepath used "
                f"is an existing directory: {filepath}"
            )
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def _should_save(self, epoch, logs, filepath):
        """True to save; with ``save_best_only``, updates ``best`` and says why (verbose)."""
        if not self.save_best_only:
            self._say(f"Epoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Can save best model only with {self.monitor} available. The logs hold: "
                f"{', '.join(logs) or 'nothing'}",
                stacklevel=4,
            )
            return True  # as Keras: without the metric, every checkpoint is saved
        best_text = "None" if self.best is None else f"{self.best:.5f}"
        if self.best is None or monitoring.is_improvement(current, self.best, self.mode, 0):
            self._say(
                f"Epoch {epoch + 1}: {self.monitor} improved from {best_text} to "
                f"{current:.5f}, saving model to {filepath}"
            )
            self.best = current
            return True
        self._say(f"Epoch {epoch + 1}: {self.monitor} did not improve from {best_text}")
        return False

    def _file_path(self, epoch, batch, logs):
        """``filepath`` with its format fields filled from epoch, batch and the logs."""
        fields = dict(logs)
        if batch is not None and "batch" not in fields:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(epoch=epoch + 1, **fields)
        except KeyError as error:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: '
                f"{error}. Available fields: epoch, {', '.join(fields)}"
            ) from None

    def _say(self, message):
        if self.verbose > 0:
            print_msg(message)


def _check_save_freq(owner, save_freq):
    """``"epoch"`` or a positive int."""
    if save_freq == "epoch":
        return save_freq
    if isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1:
        raise ValueError(
            f"{owner}: Unrecognized save_freq: {save_freq!r}. Expected save_freq are "
            "'epoch' or integer values (a number of batches, at least 1)"
        )
    return save_freq


def _check_suffix(filepath, save_weights_only):
    """Keras 3's rule: ``.weights.h5`` for weights only, ``.keras`` for a whole model."""
    if save_weights_only:
        if not filepath.endswith(_WEIGHTS_SUFFIX):
            raise ValueError(
                "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                "provided must end in `.weights.h5` (Keras weights format). Received: "
                f"filepath={filepath}"
            )
    elif not filepath.endswith(_MODEL_SUFFIXES):
        raise ValueError(
            "The filepath provided must end in `.keras` (Keras model format). Received: "
            f"filepath={filepath}"
        )
