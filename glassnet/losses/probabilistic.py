"""Probabilistic losses: the cross-entropies, the focal cross-entropies, KL divergence
and Poisson.

Logits shortcut (Keras' TensorFlow backend): a softmax or sigmoid activation tags its
output with ``out._keras_logits = logits``.  The cross-entropies then compute the loss
from those logits, exactly and without clipping.  The tag does not say which activation
set it: categorical and sparse cross-entropy assume a softmax, binary cross-entropy
assumes a sigmoid (as Keras' TF backend does for the tag).
"""
import warnings

import numpy as np

from glassnet import config, ops, validation
from glassnet.autodiff import primitives as P
from glassnet.autodiff import tracing
from glassnet.autodiff.tensor import convert_to_numpy
from glassnet.losses.common import (
    _check_class_axis,
    _check_smoothing,
    _logits_of,
    _one_minus,
    _pair,
    _prediction,
    _smooth_labels,
)
from glassnet.losses.loss import LossFunctionWrapper


def _log_probabilities(output, from_logits, axis):
    """log p along ``axis``: log_softmax of logits, or log of clipped probabilities.

    Equations:
        logits z:         log p_k = z_k - log sum_j e^(z_j)
        probabilities q:  p_k = clip(q_k / sum_j q_j, eps, 1 - eps)
    """
    if from_logits:
        return ops.log_softmax(output, axis=axis)
    eps = config.epsilon()
    p = P.divide(output, P.sum(output, axis=axis, keepdims=True))
    return P.log(P.clip(p, eps, 1 - eps))


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Cross-entropy for integer class labels y in {0, ..., K-1}.

    Equations:
        CE = -log p_y
        p  = softmax(z)                          if from_logits (or y_pred is tagged)
        p  = clip(q / sum_k q_k, eps, 1 - eps)   for probabilities q

    Labels of shape (..., 1) are squeezed to (...).  Samples whose label equals
    ``ignore_class`` get a loss of 0 (and are left out of the class's mean).

    Returns:
        A Tensor of shape ``y_pred.shape[:-1]``.
    """
    name = "sparse_categorical_crossentropy"
    output, from_logits = _logits_of(name, _prediction(y_pred), from_logits, "softmax")
    if axis not in (-1, output.ndim - 1):
        raise ValueError(f"{name}: only axis=-1 is supported. Received: axis={axis}")
    _check_class_axis(name, output, axis)
    y = _sparse_labels(name, y_true, output.shape, ignore_class)
    valid = None if ignore_class is None else _not_ignored(y, ignore_class)
    positions = _label_positions(y, output.shape[-1], ignore_class)  # (M,)
    log_p = P.reshape(_log_probabilities(output, from_logits, axis=-1), (-1,))  # (M * K,)
    log_p_y = P.take(log_p, positions, axis=0)  # (M,) gathered at the labels
    ce = P.negative(P.reshape(log_p_y, y.shape))
    if valid is not None:
        ce = P.where(valid, ce, 0.0)
    return ce


@tracing.host  # label arithmetic: a compiled step computes it again for each batch
def _not_ignored(y, ignore_class):
    """The mask of the labels that count: y != ignore_class."""
    return y != ignore_class


@tracing.host  # label arithmetic: a compiled step computes it again for each batch
def _label_positions(y, num_classes, ignore_class):
    """Where p_y sits in the flattened (M, K) log-probabilities: m K + y_m, (M,).

    An ignored label reads class 0 (any class works: its loss is zeroed afterwards)."""
    labels = y.reshape(-1)  # (M,)
    if ignore_class is not None:
        labels = np.where(labels != ignore_class, labels, 0)
    return np.arange(labels.size) * num_classes + labels  # (M,)


@tracing.host  # a compiled step checks and converts each batch's labels again
def _sparse_labels(name, y_true, pred_shape, ignore_class):
    """The labels as an integer array of shape ``pred_shape[:-1]``, checked."""
    y = convert_to_numpy(y_true)
    if y.ndim == len(pred_shape) and y.ndim > 0 and y.shape[-1] == 1:
        y = y[..., 0]  # (..., 1) -> (...)
    if y.shape == tuple(pred_shape) and pred_shape[-1] > 1:
        raise ValueError(
            f"{name}: y_true has the shape of y_pred, so it looks one-hot encoded; this "
            "loss expects integer class labels. Use categorical_crossentropy for one-hot "
            f"labels. Received: y_true.shape={y.shape}, y_pred.shape={tuple(pred_shape)}"
        )
    if y.shape != tuple(pred_shape[:-1]):
        raise ValueError(
            f"{name}: y_true must have the shape of y_pred without its last (class) axis. "
            f"Received: y_true.shape={y.shape}, y_pred.shape={tuple(pred_shape)}"
        )
    if y.dtype.kind == "f":
        not_integer = y != np.round(y)
        if not_integer.any():
            index = _first_index(not_integer)
            raise ValueError(
                f"{name}: labels must be integer class indices; label {y[index]} at index "
                f"{_format_index(index)} is not. Received: y_true{list(index)}={y[index]}"
            )
    y = y.astype(np.intp)
    num_classes = pred_shape[-1]
    if ignore_class is None and y.size and y.min() >= 0 and y.max() < num_classes:
        return y  # the common case: two reductions, no masks
    out_of_range = (y < 0) | (y >= num_classes)
    if ignore_class is not None:
        out_of_range &= y != ignore_class
    if out_of_range.any():
        index = _first_index(out_of_range)
        raise ValueError(
            f"{name}: label {y[index]} at index {_format_index(index)} is out of range for "
            f"{num_classes} classes (expected 0 <= label < {num_classes}). "
            f"Received: y_true{list(index)}={y[index]}"
        )
    return y


def _first_index(mask):
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _format_index(index):
    return str(index[0]) if len(index) == 1 else str(index)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Cross-entropy for one-hot (or soft) labels y along ``axis``.

    Equations:
        y  = y (1 - label_smoothing) + label_smoothing / K   (K classes)
        CE = -sum_k y_k log p_k
        p  = softmax(z)                          if from_logits (or y_pred is tagged)
        p  = clip(q / sum_k q_k, eps, 1 - eps)   for probabilities q

    From logits Keras computes log p_k = z_k - logsumexp(z): the same value,
    without overflow.

    Returns:
        A Tensor with ``axis`` reduced away.
    """
    name = "categorical_crossentropy"
    _check_smoothing(name, label_smoothing)
    output, from_logits = _logits_of(name, _prediction(y_pred), from_logits, "softmax")
    y, output = _pair(name, y_true, output)
    _check_class_axis(name, output, axis)
    num_classes = output.shape[axis]
    if num_classes == 1:
        warnings.warn(
            f"{name}: y_pred has 1 class along axis {axis}, so the loss is always 0. "
            f"Received: y_pred.shape={output.shape}",
            stacklevel=2,
        )
    if label_smoothing:
        y = _smooth_labels(y, label_smoothing, num_classes)
    log_p = _log_probabilities(output, from_logits, axis)
    return P.negative(P.sum(P.multiply(y, log_p), axis=axis))


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Cross-entropy of independent yes/no outputs, averaged over ``axis``.

    Equations:
        y   = y (1 - label_smoothing) + label_smoothing / 2
        BCE = -[y log p + (1 - y) log(1 - p)],   p = clip(p, eps, 1 - eps)
        from logits z (or a sigmoid-tagged y_pred), exactly and stably:
        BCE = max(z, 0) - z y + log(1 + e^-|z|)
        loss = mean over ``axis`` of BCE

    The logits form is the probability form with p = sigmoid(z): log p = -log(1 + e^-z)
    and log(1 - p) = -z - log(1 + e^-z), rearranged so that e^x never overflows.
    """
    name = "binary_crossentropy"
    _check_smoothing(name, label_smoothing)
    output, from_logits = _logits_of(name, _prediction(y_pred), from_logits, "sigmoid")
    y, output = _pair(name, y_true, output)
    if label_smoothing:
        y = _smooth_labels(y, label_smoothing, 2)  # y (1 - ls) + ls / 2
    if from_logits:
        z = output
        softplus_neg_abs = P.log1p(P.exp(P.negative(P.abs(z))))  # log(1 + e^-|z|)
        bce = P.add(P.subtract(ops.relu(z), P.multiply(z, y)), softplus_neg_abs)
    else:
        bce = _clipped_bce(y, output)
    return P.mean(bce, axis=axis)


def _clipped_bce(y, p):
    """Equations:  BCE = -[y log p + (1 - y) log(1 - p)],   p = clip(p, eps, 1 - eps)"""
    eps = config.epsilon()
    p = P.clip(p, eps, 1 - eps)
    log_p, log_1_minus_p = P.log(p), P.log(P.subtract(1.0, p))
    return P.negative(P.add(P.multiply(y, log_p), P.multiply(_one_minus(y), log_1_minus_p)))


def categorical_focal_crossentropy(
    y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1
):
    """Categorical cross-entropy that down-weights well-classified classes (Lin et al., 2017).

    Equations:
        y  = y (1 - label_smoothing) + label_smoothing / K   (K classes)
        p  = softmax(z)  if from_logits, else the probabilities q
        p  = clip(p / sum_k p_k, eps, 1 - eps)
        FL = sum over ``axis`` of  alpha (1 - p_k)^gamma (-y_k log p_k)

    With gamma = 0 and alpha = 1 this is categorical cross-entropy.  ``alpha`` is a
    number or a list with one weight per class (along ``axis``).  As in Keras the
    logits go through a softmax and the clip (no logits shortcut, no logits tag), so
    ``from_logits=True`` with z equals probabilities softmax(z) exactly.

    Returns:
        A Tensor with ``axis`` reduced away.
    """
    name = "categorical_focal_crossentropy"
    _check_focal(name, gamma, label_smoothing, axis)
    y, output = _pair(name, y_true, _prediction(y_pred))
    _check_class_axis(name, output, axis)
    num_classes = output.shape[axis]
    alpha = _class_weights(name, alpha, output, axis)
    if num_classes == 1:
        warnings.warn(
            f"{name}: y_pred has 1 class along axis {axis}; use binary_focal_crossentropy "
            f"for one yes/no output. Received: y_pred.shape={output.shape}",
            stacklevel=2,
        )
    if label_smoothing:
        y = _smooth_labels(y, label_smoothing, num_classes)
    if from_logits:
        output = ops.softmax(output, axis=axis)
    eps = config.epsilon()
    p = P.clip(P.divide(output, P.sum(output, axis=axis, keepdims=True)), eps, 1 - eps)
    ce = P.negative(P.multiply(y, P.log(p)))  # -y_k log p_k
    modulating_factor = _focal_factor(P.subtract(1.0, p), gamma)  # (1 - p_k)^gamma
    return P.sum(P.multiply(P.multiply(modulating_factor, alpha), ce), axis=axis)


def binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing=False,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
):
    """Binary cross-entropy that down-weights well-classified outputs (Lin et al., 2017).

    Equations:
        y    = y (1 - label_smoothing) + label_smoothing / 2
        p    = sigmoid(z)  if from_logits, else the probabilities
        BCE  = -[y log p + (1 - y) log(1 - p)],   p clipped to [eps, 1 - eps] here only
        p_t  = y p + (1 - y)(1 - p)               (the probability of the true answer)
        FL   = (1 - p_t)^gamma BCE
        FL   = (y alpha + (1 - y)(1 - alpha)) FL   if apply_class_balancing
        loss = mean over ``axis`` of FL

    With gamma = 0 (and no balancing) this is binary cross-entropy.  As in Keras the
    logits go through a sigmoid and the clipped BCE (no logits shortcut, no logits tag),
    so ``from_logits=True`` with z equals probabilities sigmoid(z) exactly.
    """
    name = "binary_focal_crossentropy"
    _check_focal(name, gamma, label_smoothing, axis)
    if not isinstance(apply_class_balancing, (bool, np.bool_)):
        raise ValueError(
            f"{name}: apply_class_balancing must be True or False. "
            f"Received: apply_class_balancing={apply_class_balancing!r}"
        )
    validation.real(name, "alpha", alpha, 0, 1)
    y, output = _pair(name, y_true, _prediction(y_pred))
    if label_smoothing:
        y = _smooth_labels(y, label_smoothing, 2)  # y (1 - ls) + ls / 2
    p = ops.sigmoid(output) if from_logits else output
    bce = _clipped_bce(y, p)
    p_t = P.add(P.multiply(y, p), P.multiply(_one_minus(y), P.subtract(1.0, p)))
    focal_bce = P.multiply(_focal_factor(P.subtract(1.0, p_t), gamma), bce)
    if apply_class_balancing:
        weight = _class_balance(y, alpha)  # y alpha + (1 - y)(1 - alpha)
        focal_bce = P.multiply(weight, focal_bce)
    return P.mean(focal_bce, axis=axis)


@tracing.host  # label arithmetic: a compiled step computes it again for each batch
def _class_balance(y, alpha):
    """y alpha + (1 - y)(1 - alpha): alpha for the positives, 1 - alpha for the negatives."""
    return y * alpha + (1 - y) * (1 - alpha)


def _focal_factor(x, gamma):
    """x^gamma; exactly 1 for gamma = 0 (where x^0 would have the gradient 0 * x^-1)."""
    if gamma == 0:
        return np.ones(x.shape, dtype=x.dtype)  # a constant: no x^-1 in a gradient
    return P.power(x, float(gamma))


def _check_focal(name, gamma, label_smoothing, axis):
    validation.non_negative(name, "gamma", gamma)
    _check_smoothing(name, label_smoothing)
    validation.integer(name, "axis", axis, minimum=-(2**63))


def _class_weights(name, alpha, output, axis):
    """alpha as a number, or an array of per-class weights shaped to broadcast along axis."""
    is_sequence = hasattr(alpha, "__len__") and getattr(alpha, "ndim", 1) > 0
    if not is_sequence or isinstance(alpha, (str, bytes)):
        return validation.non_negative(name, "alpha", alpha)
    num_classes = output.shape[axis]
    try:
        weights = np.asarray(alpha, dtype=np.float64)
    except (TypeError, ValueError):
        weights = np.full(0, np.nan)  # not a list of numbers: refused below
    if weights.shape != (num_classes,) or not np.all((weights >= 0) & np.isfinite(weights)):
        raise ValueError(
            f"{name}: alpha must be a number >= 0 or a list of {num_classes} weights >= 0, "
            f"one per class. Received: alpha={alpha!r}"
        )
    shape = [1] * output.ndim
    shape[axis] = num_classes
    return weights.astype(output.dtype).reshape(shape)  # (1, ..., K, ..., 1)


def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence of y_pred from y.

    Equations:
        y = clip(y, eps, 1),  p = clip(y_pred, eps, 1)
        KL = sum over the last axis of y log(y / p)
    """
    y, y_pred = _pair("kl_divergence", y_true, y_pred)
    eps = config.epsilon()
    y = _clip_labels(y, eps)
    p = P.clip(y_pred, eps, 1.0)
    return P.sum(P.multiply(y, P.log(P.divide(y, p))), axis=-1)


@tracing.host  # label arithmetic: a compiled step computes it again for each batch
def _clip_labels(y, eps):
    """clip(y, eps, 1)"""
    return np.clip(y, eps, 1)


def poisson(y_true, y_pred):
    """Equations:  poisson = mean over the last axis of y_pred - y log(y_pred + eps)"""
    y, y_pred = _pair("poisson", y_true, y_pred)
    log_rate = P.log(P.add(y_pred, config.epsilon()))
    return P.mean(P.subtract(y_pred, P.multiply(y, log_rate)), axis=-1)


kld = KLD = kullback_leibler_divergence = kl_divergence
bce = BCE = binary_crossentropy


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for integer labels; see ``sparse_categorical_crossentropy``.

    Equations:
        CE = -log p_y
    With ``ignore_class`` those samples weigh 0 and the mean runs over the others.
    """

    takes_labels = True

    def __init__(
        self,
        from_logits=False,
        ignore_class=None,
        reduction="sum_over_batch_size",
        name="sparse_categorical_crossentropy",
        dtype=None,
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
        )

    def _valid_mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        return _valid_labels(y_true, y_pred.ndim, self.ignore_class)


@tracing.host  # label arithmetic: a compiled step computes it again for each batch
def _valid_labels(y_true, pred_ndim, ignore_class):
    """The mask of the labels that count (y != ignore_class), of y_pred's rank - 1."""
    y = convert_to_numpy(y_true)
    if y.ndim == pred_ndim and y.shape[-1] == 1:
        y = y[..., 0]  # (..., 1) -> (...)
    return y != ignore_class


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for one-hot labels; see ``categorical_crossentropy``.

    Equations:
        CE = -sum_k y_k log p_k
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_crossentropy",
        dtype=None,
    ):
        _check_smoothing(name, label_smoothing)
        super().__init__(
            categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy; see ``binary_crossentropy``.

    Equations:
        BCE = -[y log p + (1 - y) log(1 - p)]
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_crossentropy",
        dtype=None,
    ):
        _check_smoothing(name, label_smoothing)
        super().__init__(
            binary_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Focal cross-entropy for one-hot labels; see ``categorical_focal_crossentropy``.

    Equations:
        FL = sum over ``axis`` of alpha (1 - p_k)^gamma (-y_k log p_k)
    """

    def __init__(
        self,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_focal_crossentropy",
        dtype=None,
    ):
        _check_focal(name, gamma, label_smoothing, axis)
        super().__init__(
            categorical_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Focal binary cross-entropy; see ``binary_focal_crossentropy``.

    Equations:
        FL = (1 - p_t)^gamma BCE,   p_t = y p + (1 - y)(1 - p)
        times y alpha + (1 - y)(1 - alpha) if apply_class_balancing
    """

    def __init__(
        self,
        apply_class_balancing=False,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_focal_crossentropy",
        dtype=None,
    ):
        _check_focal(name, gamma, label_smoothing, axis)
        validation.real(name, "alpha", alpha, 0, 1)
        super().__init__(
            binary_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class KLDivergence(LossFunctionWrapper):
    """Sample-weighted mean of ``kl_divergence``.

    Equations:
        KL = sum over the last axis of y log(y / y_pred)
    """

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """Sample-weighted mean of ``poisson``.

    Equations:
        poisson = mean over the last axis of y_pred - y log(y_pred + eps)
    """

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)
