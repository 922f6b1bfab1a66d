"""Regression losses: squared, absolute, percentage, log, Huber and log-cosh errors, and
cosine similarity."""
import numpy as np

from glassnet import config, ops, validation
from glassnet.autodiff import primitives as P
from glassnet.autodiff import tracing
from glassnet.autodiff.tensor import Tensor
from glassnet.losses.common import _pair
from glassnet.losses.loss import LossFunctionWrapper


def mean_squared_error(y_true, y_pred):
    """Equations:  MSE = mean over the last axis of (y - y_pred)^2"""
    y, y_pred = _pair("mean_squared_error", y_true, y_pred)
    return P.mean(ops.square(P.subtract(y, y_pred)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Equations:  MAE = mean over the last axis of |y - y_pred|"""
    y, y_pred = _pair("mean_absolute_error", y_true, y_pred)
    return P.mean(P.abs(P.subtract(y, y_pred)), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """Equations:  MAPE = 100 * mean over the last axis of |y - y_pred| / max(|y|, eps)"""
    y, y_pred = _pair("mean_absolute_percentage_error", y_true, y_pred)
    scale = _percentage_scale(y)  # max(|y|, eps)
    return P.multiply(P.mean(P.abs(P.divide(P.subtract(y, y_pred), scale)), axis=-1), 100.0)


def mean_squared_logarithmic_error(y_true, y_pred):
    """Equations:  MSLE = mean over the last axis of
                          (log(max(y_pred, eps) + 1) - log(max(y, eps) + 1))^2
    """
    y, y_pred = _pair("mean_squared_logarithmic_error", y_true, y_pred)
    eps = config.epsilon()
    first_log = P.log(P.add(P.maximum(y_pred, eps), 1.0))
    second_log = _log_labels(y)  # log(max(y, eps) + 1)
    return P.mean(ops.square(P.subtract(first_log, second_log)), axis=-1)


@tracing.host  # label arithmetic: a compiled step computes it again for each batch
def _percentage_scale(y):
    """max(|y|, eps)"""
    return np.maximum(np.abs(y), config.epsilon())


@tracing.host  # label arithmetic: a compiled step computes it again for each batch
def _log_labels(y):
    """log(max(y, eps) + 1), in y's dtype."""
    return np.log(np.maximum(y, config.epsilon()) + 1).astype(y.dtype)


def huber(y_true, y_pred, delta=1.0):
    """Quadratic for small errors, linear for large ones.

    Equations:
        e = y_pred - y
        huber = mean over the last axis of  0.5 e^2                 if |e| <= delta
                                            delta |e| - 0.5 delta^2 otherwise
    """
    y, y_pred = _pair("huber", y_true, y_pred)
    e = P.subtract(y_pred, y)
    abs_e = P.abs(e)
    quadratic = P.multiply(ops.square(e), 0.5)
    linear = P.subtract(P.multiply(abs_e, delta), 0.5 * delta * delta)
    small = P.compare(np.less_equal, abs_e, delta)
    return P.mean(P.where(small, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """Logarithm of the hyperbolic cosine of the error: about e^2 / 2 for small errors and
    |e| - log 2 for large ones.

    Equations:
        e = y_pred - y
        log_cosh = mean over the last axis of log(cosh(e))
                 = mean over the last axis of e + softplus(-2 e) - log 2

    The second form is how Keras computes it: cosh(e) = e^e (1 + e^(-2e)) / 2, so
    log cosh e = e + log(1 + e^(-2e)) - log 2, and softplus never overflows (cosh(e)
    does at |e| > 89 in float32).
    """
    y, y_pred = _pair("log_cosh", y_true, y_pred)
    e = P.subtract(y_pred, y)
    log_cosh_e = P.subtract(P.add(e, ops.softplus(P.multiply(e, -2.0))), float(np.log(2.0)))
    return P.mean(log_cosh_e, axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Minus the cosine of the angle between y and y_pred along ``axis`` (-1 is best).

    Equations:
        l2_normalize(x) = x / max(||x||, eps) = x * min(1 / ||x||, 1 / eps)
        cosine_similarity = -sum over ``axis`` of l2_normalize(y) l2_normalize(y_pred)

    A zero vector gives 0.  Computed as x / sqrt(max(sum x^2, eps^2)): the same value as
    Keras' x * min(rsqrt(sum x^2), 1 / eps), and the same gradient, without dividing by 0.
    """
    name = "cosine_similarity"
    y, y_pred = _pair(name, y_true, y_pred)
    _check_axis(name, y_pred, axis)
    y_unit = _unit_labels(y, axis)  # l2_normalize(y)
    return P.negative(P.sum(P.multiply(y_unit, _l2_normalize(y_pred, axis)), axis=axis))


@tracing.host  # label arithmetic: a compiled step computes it again for each batch
def _unit_labels(y, axis):
    """l2_normalize(y) along ``axis``, in y's dtype."""
    return np.asarray(_l2_normalize(y, axis), dtype=y.dtype)


def _l2_normalize(x, axis):
    """x / max(||x||, eps) along ``axis`` for an array (NumPy) or a Tensor (differentiable)."""
    floor = config.epsilon() ** 2
    if not isinstance(x, Tensor):
        return x / np.sqrt(np.maximum(np.sum(x * x, axis=axis, keepdims=True), floor))
    square_sum = P.sum(ops.square(x), axis=axis, keepdims=True)  # (..., 1, ...)
    return P.divide(x, P.sqrt(P.maximum(square_sum, floor)))


def _check_axis(name, x, axis):
    validation.integer(name, "axis", axis, minimum=-(2**63))
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(
            f"{name}: axis must name an axis of y_pred. Received: axis={axis}, "
            f"y_pred.shape={x.shape}"
        )


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error


class Huber(LossFunctionWrapper):
    """Huber loss; see ``huber``.

    Equations:
        0.5 e^2 if |e| <= delta, else delta |e| - 0.5 delta^2
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        validation.real("Huber", "delta", delta, low=0, include_low=False)
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)


class MeanSquaredError(LossFunctionWrapper):
    """Sample-weighted mean of ``mean_squared_error``.

    Equations:
        MSE = mean over the last axis of (y - y_pred)^2
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Sample-weighted mean of ``mean_absolute_error``.

    Equations:
        MAE = mean over the last axis of |y - y_pred|
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Sample-weighted mean of ``mean_absolute_percentage_error``.

    Equations:
        MAPE = 100 * mean over the last axis of |y - y_pred| / max(|y|, eps)
    """

    def __init__(
        self,
        reduction="sum_over_batch_size",
        name="mean_absolute_percentage_error",
        dtype=None,
    ):
        super().__init__(
            mean_absolute_percentage_error, reduction=reduction, name=name, dtype=dtype
        )


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Sample-weighted mean of ``mean_squared_logarithmic_error``.

    Equations:
        MSLE = mean over the last axis of (log(y_pred + 1) - log(y + 1))^2
    """

    def __init__(
        self,
        reduction="sum_over_batch_size",
        name="mean_squared_logarithmic_error",
        dtype=None,
    ):
        super().__init__(
            mean_squared_logarithmic_error, reduction=reduction, name=name, dtype=dtype
        )


class LogCosh(LossFunctionWrapper):
    """Sample-weighted mean of ``log_cosh``.

    Equations:
        log_cosh = mean over the last axis of log(cosh(y_pred - y))
    """

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    """Sample-weighted mean of ``cosine_similarity`` (a loss: -1 when y_pred points along y).

    Equations:
        cosine_similarity = -sum over ``axis`` of y / ||y|| * y_pred / ||y_pred||

    ``axis`` is in the config (Keras leaves it out, so a Keras-saved loss gets axis=-1).
    """

    def __init__(
        self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None
    ):
        validation.integer("CosineSimilarity", "axis", axis, minimum=-(2**63))
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype, axis=axis)
