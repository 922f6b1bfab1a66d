"""ReduceLROnPlateau: lower the learning rate when a metric stops improving."""
import numpy as np

from glassnet import validation
from glassnet.callbacks import monitor as monitoring
from glassnet.callbacks.callback import Callback
from glassnet.utils.progbar import print_msg


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by ``factor`` after ``patience`` epochs without progress.

    Equations (eta = learning rate; "improves" as in ``monitor.is_improvement``), at the
    end of each epoch with ``current = logs[monitor]``:

        if cooldown_counter > 0:  cooldown_counter -= 1;  wait <- 0
        if current improves on best:   best <- current;  wait <- 0
        elif cooldown_counter == 0:
            wait <- wait + 1
            if wait >= patience and eta > min_lr:
                eta <- max(eta * factor, min_lr)
                cooldown_counter <- cooldown;  wait <- 0

    ``logs["learning_rate"]`` records the rate used during the epoch.

    Arguments:
        monitor: the logs key to watch (``"val_loss"``).
        factor: the multiplier, in [0, 1).
        patience: the epochs without improvement before a reduction.
        verbose: 1 prints each reduction.
        mode: "min", "max" or "auto" (guessed from the name, as in EarlyStopping).
        min_delta: the smallest change that counts as an improvement.
        cooldown: the epochs after a reduction during which nothing is counted.
        min_lr: the lower bound of the learning rate.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__()
        owner = type(self).__name__
        self.monitor = monitor
        self.factor = validation.real(owner, "factor", factor, 0.0, 1.0, include_high=False)
        self.patience = validation.integer(owner, "patience", patience)
        self.verbose = verbose
        self.mode = monitoring.resolve_mode(owner, monitor, mode)
        self.min_delta = abs(validation.real(owner, "min_delta", min_delta))
        self.cooldown = validation.integer(owner, "cooldown", cooldown)
        self.min_lr = validation.real(owner, "min_lr", min_lr, low=0.0)
        self._reset()

    def _reset(self):
        self.best = monitoring.worst_value(self.mode)
        self.wait = 0
        self.cooldown_counter = 0

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        eta = float(self.model.optimizer.learning_rate)
        logs["learning_rate"] = eta
        current = monitoring.monitored_value(type(self).__name__, self.monitor, logs)
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if monitoring.is_improvement(current, self.best, self.mode, self.min_delta):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and eta > np.float32(self.min_lr):
                self._reduce(epoch, eta)

    def _reduce(self, epoch, eta):
        eta = max(eta * self.factor, self.min_lr)
        self.model.optimizer.learning_rate = eta
        if self.verbose > 0:
            print_msg(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {eta}.")
        self.cooldown_counter = self.cooldown
        self.wait = 0
