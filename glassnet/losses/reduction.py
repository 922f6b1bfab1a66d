"""Sample weighting and reduction of per-sample losses to a scalar (Keras' Loss reduction)."""
import warnings

import numpy as np

from glassnet import config, validation
from glassnet.autodiff import primitives as P
from glassnet.autodiff import tracing
from glassnet.autodiff.tensor import convert_to_tensor
from glassnet.losses.common import _reshape_array, _target, squeeze_or_expand_to_same_rank

REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def standardize_reduction(reduction):
    if reduction == "auto":
        warnings.warn(
            'reduction="auto" is Keras 2; use reduction="sum_over_batch_size" (the same).',
            DeprecationWarning,
            stacklevel=3,
        )
        return "sum_over_batch_size"
    return validation.one_of("Loss", "reduction", reduction, REDUCTIONS)


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size"):
    """Weights per-sample losses and reduces them to a scalar (Keras' Loss reduction).

    Equations (l_i the per-sample losses, w_i the weights, n the number of l_i):
        "sum_over_batch_size", "mean":  sum_i w_i l_i / n   (weights do not change n)
        "sum":                          sum_i w_i l_i
        "mean_with_sample_weight":      sum_i w_i l_i / sum_i w_i
        None, "none":                   w_i l_i, not reduced
    A boolean ``mask`` becomes weights total/valid on the valid entries (0 elsewhere).
    """
    return _reduce_weighted("reduce_weighted_values", values, sample_weight, mask, reduction)


def _reduce_weighted(name, values, sample_weight, mask, reduction):
    reduction = standardize_reduction(reduction)
    values = convert_to_tensor(values)
    w = _merge_mask(sample_weight, mask, reduction, values.dtype)
    if w is not None:
        values, w = _align_weights(name, values, w)
        values = P.multiply(values, w)
    if reduction in (None, "none") or values.ndim == 0 or values.shape == (0,):
        return values
    if w is None and reduction in ("sum_over_batch_size", "mean"):
        return P.mean(values)  # sum / n in one node
    total = P.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and w is not None:
        return P.divide(total, _weight_total(w, values.dtype))  # sum_i w_i l_i / sum_i w_i
    divisor = values.size
    return P.divide(total, divisor) if divisor != 0 else P.multiply(total, 0.0)


@tracing.host  # data: a compiled step sums each batch's weights again
def _weight_total(w, dtype):
    """sum_i w_i as a 0-d array of ``dtype``; inf when it is 0 (total / inf = total * 0: a
    batch that weighs nothing contributes a loss of 0, as Keras' divide_no_nan)."""
    total = np.sum(w)
    return np.asarray(np.inf if total == 0 else total, dtype=dtype)


@tracing.host  # data: a compiled step prepares each batch's weights again
def _merge_mask(sample_weight, mask, reduction, dtype):
    """Sample weights (an array, or None) with a mask folded in as in Keras."""
    w = None if sample_weight is None else _target(sample_weight, dtype)
    if mask is None:
        return w
    m = np.asarray(mask, dtype=dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        m = m * (m.size / (np.sum(m) + config.epsilon()))  # valid entries weigh total/valid
    if w is None:
        return m
    m, w = squeeze_or_expand_to_same_rank(m, w)
    return w * m


def _align_weights(name, values, w):
    """Sample weights shaped to multiply the per-sample losses (trailing axes added)."""
    values, w = squeeze_or_expand_to_same_rank(values, w)
    if w.ndim < values.ndim:
        w = _reshape_array(w, w.shape + (1,) * (values.ndim - w.ndim))  # (N,) -> (N, 1, ...)
    try:
        np.broadcast_shapes(values.shape, w.shape)
    except ValueError:
        raise ValueError(
            f"{name}: sample_weight must broadcast to the per-sample losses. Received: "
            f"sample_weight.shape={w.shape}, losses.shape={values.shape}"
        ) from None
    return values, w
