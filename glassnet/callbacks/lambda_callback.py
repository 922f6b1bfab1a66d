"""LambdaCallback: a callback made of plain functions."""
from glassnet.callbacks.callback import Callback

HOOK_NAMES = tuple(sorted(name for name in vars(Callback) if name.startswith("on_")))


class LambdaCallback(Callback):
    """A Callback whose hooks are the functions given (``keras.callbacks.LambdaCallback``).

    Each function takes the hook's arguments without ``self``: ``on_epoch_end(epoch,
    logs)``, ``on_train_begin(logs)``, ``on_train_batch_end(batch, logs)``.  Any other
    hook can be passed by name, e.g. ``on_batch_end=`` or ``on_predict_end=``.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        unknown = sorted(set(kwargs) - set(HOOK_NAMES))
        if unknown:
            raise ValueError(
                f"LambdaCallback: unknown hook(s) {', '.join(unknown)}; expected callback "
                f"hook names ({', '.join(HOOK_NAMES)}). Received: {unknown[0]}="
                f"{kwargs[unknown[0]]!r}"
            )
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
            **kwargs,
        }
        for name, function in hooks.items():
            if function is None:
                continue
            if not callable(function):
                raise TypeError(
                    f"LambdaCallback: {name} must be a function. Received: {name}={function!r}"
                )
            setattr(self, name, function)
