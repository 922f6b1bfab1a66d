"""The Loss base class and LossFunctionWrapper (a Loss made from a per-sample function)."""
import numpy as np

from glassnet import config
from glassnet.autodiff import primitives as P
from glassnet.autodiff import tracing
from glassnet.autodiff.tensor import Tensor, convert_to_numpy, convert_to_tensor
from glassnet.losses.common import squeeze_or_expand_to_same_rank
from glassnet.losses.reduction import _reduce_weighted, standardize_reduction
from glassnet.naming import to_snake_case


class Loss:
    """Base class: ``call`` gives per-sample losses, ``__call__`` weights and reduces them.

    Arguments:
        name: defaults to the snake_case class name.
        reduction: "sum_over_batch_size" (default), "sum", "mean",
            "mean_with_sample_weight", or None/"none" (see ``reduce_weighted_values``).
        dtype: the float type of the computation.  None (glassnet's default)
            keeps a Tensor y_pred's dtype and uses floatx (float32) for other
            input; Keras casts everything to floatx.

    Subclass it and implement ``call(y_true, y_pred)`` with ``glassnet.ops``.
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self.dtype = None if dtype is None else str(np.dtype(dtype))

    takes_labels = False  # True: y_true holds class indices, kept as integers

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = self._convert_prediction(y_pred)
        y_true = _as_target(y_true, y_pred.dtype, self.takes_labels)
        losses = self.call(y_true, y_pred)
        mask = self._valid_mask(y_true, y_pred)
        return _reduce_weighted(self.name, losses, sample_weight, mask, self.reduction)

    def call(self, y_true, y_pred):
        """The per-sample losses; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def _valid_mask(self, y_true, y_pred):
        """A boolean mask of the losses that count, or None (all count)."""
        return None

    def _convert_prediction(self, y_pred):
        if isinstance(y_pred, Tensor) and self.dtype is None:
            return y_pred
        dtype = self.dtype or config.floatx()
        out = P.cast(convert_to_tensor(y_pred), dtype)
        logits = getattr(y_pred, "_keras_logits", None)
        if out is not y_pred and isinstance(logits, Tensor):
            out._keras_logits = P.cast(logits, dtype)
        return out

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """A Loss made from a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    The keyword arguments become attributes (``loss.from_logits``) and config entries.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or fn.__name__, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_arg_names = tuple(kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        kwargs = {key: getattr(self, key) for key in self._fn_arg_names}
        return self.fn(y_true, y_pred, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({key: getattr(self, key) for key in self._fn_arg_names})
        if type(self) is LossFunctionWrapper:
            config["fn"] = self.fn.__name__
        return config

    @classmethod
    def from_config(cls, config):
        if cls is LossFunctionWrapper:
            from glassnet.losses.lookup import get  # lookup imports this module

            config = dict(config, fn=get(config["fn"]))
        return cls(**config)


@tracing.host  # data preparation: a compiled step converts each batch's targets again
def _as_target(y_true, dtype, takes_labels):
    """y_true as ``call`` reads it: integer labels kept as they are when the loss takes
    class indices, else a Tensor of the prediction's dtype."""
    y_true = convert_to_numpy(y_true)
    if takes_labels and y_true.dtype.kind in "iu":
        return y_true
    return Tensor(y_true, dtype=dtype)
