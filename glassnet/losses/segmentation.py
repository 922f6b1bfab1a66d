"""Image-segmentation losses: Dice and Tversky (overlap of a predicted mask with the true one)."""
import numbers

import numpy as np

from glassnet import config, validation
from glassnet.autodiff import primitives as P
from glassnet.autodiff import tracing
from glassnet.losses.common import _one_minus, _pair
from glassnet.losses.loss import LossFunctionWrapper


def dice(y_true, y_pred, axis=None):
    """One minus the Dice coefficient (F1 score) of the soft masks y and p = y_pred.

    Equations:
        dice = 1 - 2 sum(y p) / (sum(y) + sum(p) + eps)     sums over ``axis``

    ``axis=None`` sums over everything (one number for the batch, as in Keras);
    ``axis=(1, 2, 3)`` gives one loss per image.
    """
    name = "dice"
    axis = _check_axes(name, axis)
    y, p = _pair(name, y_true, y_pred)
    intersection = P.sum(P.multiply(y, p), axis=axis)
    denominator = P.add(P.sum(p, axis=axis), _label_sum(y, axis))  # sum(p) + sum(y) + eps
    return P.subtract(1.0, P.divide(P.multiply(intersection, 2.0), denominator))


@tracing.host  # label arithmetic: a compiled step computes it again for each batch
def _label_sum(y, axis):
    """sum(y) + eps over ``axis``."""
    return np.asarray(np.sum(y, axis=axis) + config.epsilon())  # a 0-d array for axis=None


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """One minus the Tversky index of the soft masks y and p = y_pred (Salehi et al., 2017).

    Equations (sums over ``axis``):
        I       = sum(y p)
        tversky = 1 - I / (I + alpha sum(y (1 - p)) + beta sum((1 - y) p) + eps)

    As in Keras, ``alpha`` weighs the true pixels the mask misses and ``beta`` the
    predicted pixels that are not true.  alpha = beta = 0.5 gives the Dice loss.
    """
    name = "tversky"
    validation.non_negative(name, "alpha", alpha)
    validation.non_negative(name, "beta", beta)
    axis = _check_axes(name, axis)
    y, p = _pair(name, y_true, y_pred)
    intersection = P.sum(P.multiply(y, p), axis=axis)
    missed = P.sum(P.multiply(y, P.subtract(1.0, p)), axis=axis)  # sum y (1 - p)
    extra = P.sum(P.multiply(_one_minus(y), p), axis=axis)  # sum (1 - y) p
    denominator = P.add(P.multiply(missed, alpha), P.multiply(extra, beta))
    denominator = P.add(P.add(intersection, denominator), config.epsilon())
    return P.subtract(1.0, P.divide(intersection, denominator))


def _check_axes(name, axis):
    """axis as None, an int or a tuple of ints (a JSON list becomes a tuple)."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, numbers.Integral) else axis
    if not isinstance(axes, (tuple, list)) or not all(
        isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axes
    ):
        raise ValueError(
            f"{name}: axis must be None, an integer or a tuple of integers. "
            f"Received: axis={axis!r}"
        )
    return tuple(int(a) for a in axes)


class Dice(LossFunctionWrapper):
    """Sample-weighted mean of ``dice``.

    Equations:
        dice = 1 - 2 sum(y p) / (sum(y) + sum(p) + eps)
    """

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        _check_axes("Dice", axis)
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype, axis=axis)


class Tversky(LossFunctionWrapper):
    """Sample-weighted mean of ``tversky``.

    Equations:
        tversky = 1 - I / (I + alpha sum(y (1 - p)) + beta sum((1 - y) p) + eps),
        I = sum(y p)
    """

    def __init__(
        self,
        alpha=0.5,
        beta=0.5,
        reduction="sum_over_batch_size",
        name="tversky",
        axis=None,
        dtype=None,
    ):
        validation.non_negative("Tversky", "alpha", alpha)
        validation.non_negative("Tversky", "beta", beta)
        _check_axes("Tversky", axis)
        super().__init__(
            tversky, reduction=reduction, name=name, dtype=dtype, alpha=alpha, beta=beta, axis=axis
        )
