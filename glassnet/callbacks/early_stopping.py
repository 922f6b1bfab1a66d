"""EarlyStopping: stop training when a monitored metric stops improving."""

from glassnet import validation
from glassnet.callbacks import monitor as monitoring
from glassnet.callbacks.callback import Callback
from glassnet.utils.progbar import print_msg


class EarlyStopping(Callback):
    """Stops training once ``monitor`` has not improved for ``patience`` epochs.

    Equations (d = min_delta; "improves" as in ``monitor.is_improvement``), at the end
    of each epoch e >= start_from_epoch whose logs hold ``current = logs[monitor]``:

        wait <- wait + 1
        if current improves on best:
            best <- current                  (and remember the weights)
            if no baseline, or current improves on baseline:  wait <- 0
        elif wait >= patience and e > 0:
            stop training

    Arguments:
        monitor: the logs key to watch (``"val_loss"``).
        min_delta: the smallest change that counts as an improvement.
        patience: the epochs without improvement tolerated before stopping.
        verbose: 1 prints ``Epoch 7: early stopping`` (and the restore).
        mode: "min", "max", or "auto" (guessed from the name: loss -> min,
            accuracy -> max; see ``monitor.resolve_mode``).
        baseline: a value to beat: until it is beaten, ``wait`` is never reset.
        restore_best_weights: at the end of training, set the weights of the best epoch
            back (Keras 3: also when training ran to the end without stopping).
        start_from_epoch: epochs of warm-up during which nothing is monitored.

    Attributes: ``best``, ``best_epoch``, ``wait``, ``stopped_epoch`` (0 if not stopped),
    ``best_weights``.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        owner = type(self).__name__
        self.monitor = monitor
        self.mode = monitoring.resolve_mode(owner, monitor, mode)
        self.min_delta = abs(validation.real(owner, "min_delta", min_delta))
        self.patience = validation.integer(owner, "patience", patience)
        self.verbose = verbose
        self.baseline = (None if baseline is None
                         else validation.real(owner, "baseline", baseline))
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = validation.integer(owner, "start_from_epoch",
                                                       start_from_epoch)
        self._reset()

    def _reset(self):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = monitoring.worst_value(self.mode)
        self.best_epoch = 0
        self.best_weights = None

    def _improves(self, current, reference):
        return monitoring.is_improvement(current, reference, self.mode, self.min_delta)

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        current = monitoring.monitored_value(type(self).__name__, self.monitor, logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()  # nothing better seen yet
            self.best_epoch = epoch
        self.wait += 1
        if self._improves(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improves(current, self.baseline):
                self.wait = 0
        elif self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg(
                    f"Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)
