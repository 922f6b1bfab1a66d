"""LearningRateScheduler: set the learning rate at the start of every epoch."""
import inspect
import numbers

import numpy as np

from glassnet.autodiff import Tensor
from glassnet.callbacks.callback import Callback
from glassnet.utils.progbar import print_msg


class LearningRateScheduler(Callback):
    """Sets the optimizer's learning rate from a function of the epoch.

    Equations (e = epoch index from 0, eta = the optimizer's learning rate):

        eta <- schedule(e, eta)        or  schedule(e)  for a one-argument function

    The learning rate in use is written to ``logs["learning_rate"]`` at each epoch end,
    so it appears in the History and on the progress bar.

    Arguments:
        schedule: a function (epoch, lr) -> float, or (epoch) -> float.
        verbose: 1 prints the new learning rate every epoch.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                "LearningRateScheduler: schedule must be a function (epoch, lr) -> float. "
                f"Received: schedule={schedule!r}"
            )
        self.schedule = schedule
        self.verbose = verbose
        self._passes_lr = _accepts_two_arguments(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if self._passes_lr:
            lr = float(optimizer.learning_rate)
            eta = self.schedule(epoch, lr)
            call = f"schedule({epoch}, {lr!r})"
        else:
            eta = self.schedule(epoch)
            call = f"schedule({epoch})"
        optimizer.learning_rate = _check_learning_rate(eta, call)
        if self.verbose > 0:
            print_msg(
                f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {eta}."
            )

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


def _accepts_two_arguments(function):
    """True when ``function(epoch, lr)`` is a valid call (Keras 3's form)."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # some builtins have no signature
        return True
    try:
        signature.bind(0, 0.0)
    except TypeError:
        return False
    return True


def _check_learning_rate(eta, call):
    """The schedule's result as a number, else a ValueError naming the call."""
    if isinstance(eta, (Tensor, np.ndarray, np.generic)) and np.size(eta) == 1:
        eta = np.asarray(eta).item()
    if isinstance(eta, bool) or not isinstance(eta, numbers.Real):
        raise ValueError(
            "LearningRateScheduler: the schedule must return a float learning rate. "
            f"Received: {call} returned {eta!r}"
        )
    return eta
