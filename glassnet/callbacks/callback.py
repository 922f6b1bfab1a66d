"""Callback: the base class of everything fit/evaluate/predict call back into."""


class Callback:
    """Base class of callbacks (``keras.callbacks.Callback``); every hook does nothing.

    The training loop calls, in order::

        on_train_begin
          on_epoch_begin(epoch)                       epoch counts from 0
            on_train_batch_begin(batch) / on_train_batch_end(batch, logs)
          on_epoch_end(epoch, logs)                   logs include the val_ keys
        on_train_end

    and evaluate/predict call ``on_test_*`` / ``on_predict_*`` the same way.
    ``logs`` is a dict of floats: the running epoch averages in a batch hook, the epoch
    results in ``on_epoch_end``.  ``on_batch_begin``/``on_batch_end`` are the older
    names of the train-batch hooks; overriding either spelling works.

    Attributes:
        model: the model being trained (set by ``set_model``); setting
            ``model.stop_training = True`` ends training after the current epoch.
        params: ``{"verbose", "epochs", "steps"}`` of the running fit (``set_params``).
    """

    model = None
    params = None

    def __init__(self):
        self.model = None
        self.params = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    # --- fit ------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        """Called once at the start of fit."""

    def on_train_end(self, logs=None):
        """Called once at the end of fit with the last epoch's logs."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each epoch."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each epoch, after validation."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before each training step; by default calls ``on_batch_begin``."""
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after each training step; by default calls ``on_batch_end``."""
        self.on_batch_end(batch, logs)

    def on_batch_begin(self, batch, logs=None):
        """The older name of ``on_train_batch_begin``."""

    def on_batch_end(self, batch, logs=None):
        """The older name of ``on_train_batch_end``."""

    # --- evaluate -------------------------------------------------------------------
    def on_test_begin(self, logs=None):
        """Called at the start of evaluate."""

    def on_test_end(self, logs=None):
        """Called at the end of evaluate with its results."""

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each evaluation step."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each evaluation step."""

    # --- predict --------------------------------------------------------------------
    def on_predict_begin(self, logs=None):
        """Called at the start of predict."""

    def on_predict_end(self, logs=None):
        """Called at the end of predict."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each prediction step."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each prediction step."""
