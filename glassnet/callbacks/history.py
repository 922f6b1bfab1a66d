"""History: the per-epoch logs that fit returns."""
from glassnet.callbacks.callback import Callback


class History(Callback):
    """Records every epoch's logs; fit adds one and returns it (``keras.callbacks.History``).

    Attributes:
        history: ``{key: [value at epoch 0, value at epoch 1, ...]}`` with the keys in
            the order of the logs: ``loss``, the compiled metrics, then the ``val_`` keys.
        epoch: the indices of the recorded epochs (``[0, 1, ...]``).
        params: ``{"verbose", "epochs", "steps"}`` of the fit.
        model: the trained model (which keeps this object as ``model.history``).
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self
