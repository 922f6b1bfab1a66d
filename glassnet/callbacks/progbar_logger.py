"""ProgbarLogger: the progress bar of fit, evaluate and predict."""
from glassnet.callbacks.callback import Callback
from glassnet.utils.progbar import Progbar, print_msg, resolve_verbosity


class ProgbarLogger(Callback):
    """Prints a Progbar per epoch (fit), per evaluate and per predict call.

    verbose=1 draws the bar (with an ``Epoch i/N`` header when epochs > 1), verbose=2
    prints one line at the end of each epoch, verbose=0 prints nothing.  The values in
    the logs are already running averages, so the bar shows them as given.  Inside fit
    the validation pass is silent: its results appear as the epoch line's ``val_`` keys.
    """

    def __init__(self, count_mode="steps"):
        super().__init__()
        if count_mode != "steps":
            raise ValueError(
                "ProgbarLogger: only count_mode='steps' is supported (as in Keras 3). "
                f"Received: count_mode={count_mode!r}"
            )
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.seen = 0
        self.progbar = None
        self._in_fit = False

    def set_params(self, params):
        super().set_params(params)
        self.verbose = resolve_verbosity(params.get("verbose", 1))
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    # --- fit ------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")
        self._start()

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    # --- evaluate (silent inside fit) -----------------------------------------------
    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._start()

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            self._finalize(logs)

    # --- predict --------------------------------------------------------------------
    def on_predict_begin(self, logs=None):
        self._start()

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)  # the predictions are not shown

    def on_predict_end(self, logs=None):
        self._finalize(None)

    # --- the bar --------------------------------------------------------------------
    def _start(self):
        self.seen = 0
        self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step")

    def _update(self, batch, logs):
        if self.progbar is None:
            self._start()
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, self._values(logs), finalize=False)

    def _finalize(self, logs):
        """The last line: the steps actually run (the target unless stopped early)."""
        if self.progbar is None:
            self._start()
        if self.progbar.target is None:
            self.progbar.target = self.seen
        current = self.seen or self.progbar.target
        self.progbar.update(current, self._values(logs), finalize=True)

    def _values(self, logs):
        logs = logs or {}
        self.progbar.stateful_metrics.update(logs)  # running averages: shown as given
        return list(logs.items())
