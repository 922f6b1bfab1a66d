"""CallbackList: calls every hook on each callback in turn."""
from glassnet.callbacks.callback import Callback
from glassnet.callbacks.history import History
from glassnet.callbacks.progbar_logger import ProgbarLogger


class CallbackList(Callback):
    """The callbacks of one fit/evaluate/predict call, run in order.

    Order: the user's callbacks, then History (``add_history``), then ProgbarLogger
    (``add_progbar``); neither is added twice if the user already passed one.  Every
    callback receives the same ``logs`` dict, so a value one callback writes (e.g.
    ``learning_rate``) reaches the History and the progress bar after it.

    Arguments:
        callbacks: None, a Callback or a (nested) list of Callbacks.
        add_history: append a History, which the model keeps as ``model.history``.
        add_progbar: append a ProgbarLogger.
        model: passed to every callback's ``set_model``.
        **params: passed to every callback's ``set_params`` (verbose, epochs, steps).
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        super().__init__()
        self.callbacks = _flatten_callbacks(callbacks)
        self._history = _first_of_type(self.callbacks, History)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if _first_of_type(self.callbacks, ProgbarLogger) is None and add_progbar:
            self.callbacks.append(ProgbarLogger())
        self.set_model(model)
        self.set_params(params)

    def append(self, callback):
        self.callbacks.append(_check_callback(callback))

    def set_params(self, params):
        super().set_params(params)
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model):
        super().set_model(model)
        if model is not None and self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def implements(self, *hooks):
        """Whether any callback overrides one of ``hooks`` (or its older alias).

        The loops skip batch hooks nobody overrides, and the per-batch logs they
        would build (as Keras does).
        """
        names = set(hooks)
        names |= {_ALIASES[hook] for hook in hooks if hook in _ALIASES}
        return any(_overrides(callback, name) for callback in self.callbacks for name in names)

    def _call(self, hook, logs, *args):
        """Calls ``hook(*args, logs)`` on every callback, all sharing one logs dict."""
        logs = {} if logs is None else logs
        for callback in self.callbacks:
            getattr(callback, hook)(*args, logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", logs, epoch)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", logs, epoch)

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", logs, batch)

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", logs, batch)

    def on_batch_begin(self, batch, logs=None):
        self.on_train_batch_begin(batch, logs)

    def on_batch_end(self, batch, logs=None):
        self.on_train_batch_end(batch, logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", logs, batch)

    def on_test_batch_end(self, batch, logs=None):
        self._call("on_test_batch_end", logs, batch)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", logs, batch)

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", logs, batch)


_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


def _overrides(callback, hook):
    """Whether ``callback.hook`` is anything but the base class's do-nothing method
    (a subclass's method, or a function set on the instance as LambdaCallback does)."""
    method = getattr(callback, hook)
    return getattr(method, "__func__", None) is not getattr(Callback, hook)


def _flatten_callbacks(callbacks):
    if callbacks is None:
        return []
    if isinstance(callbacks, (list, tuple)):
        return [cb for item in callbacks for cb in _flatten_callbacks(item)]
    return [_check_callback(callbacks)]


def _check_callback(callback):
    if isinstance(callback, Callback):
        return callback
    hint = ""
    if isinstance(callback, type) and issubclass(callback, Callback):
        hint = f" (a class: create an instance, e.g. {callback.__name__}())"
    raise TypeError(
        "callbacks must be keras.callbacks.Callback instances. "
        f"Received: callback={callback!r}{hint}"
    )


def _first_of_type(callbacks, cls):
    return next((cb for cb in callbacks if isinstance(cb, cls)), None)
