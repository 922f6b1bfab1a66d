"""Shared input helpers of the losses: y_pred to a float Tensor, y_true to an array of
its dtype, ranks reconciled, shapes and arguments checked."""
import warnings

import numpy as np

from glassnet import config, validation
from glassnet.autodiff import primitives as P
from glassnet.autodiff import tracing
from glassnet.autodiff.tensor import Tensor, convert_to_numpy, convert_to_tensor


def _reshape(x, shape):
    """Reshapes an array or a Tensor; a Tensor's logits tag is reshaped with it."""
    if not isinstance(x, Tensor):
        return _reshape_array(x, shape)
    out = P.reshape(x, shape)
    if x._keras_logits is not None:
        out._keras_logits = P.reshape(x._keras_logits, shape)
    return out


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Makes two ranks equal when they differ by a trailing axis of size 1.

    The rank-1 operand is expanded to (N, 1) (when ``expand_rank_1``); otherwise
    the (..., 1) operand is squeezed.  Anything else is returned unchanged.
    """
    rank1, rank2 = len(x1.shape), len(x2.shape)
    if rank1 == rank2 + 1 and x1.shape[-1] == 1:
        if rank2 == 1 and expand_rank_1:
            x2 = _reshape(x2, tuple(x2.shape) + (1,))  # (N,) -> (N, 1)
        else:
            x1 = _reshape(x1, tuple(x1.shape[:-1]))  # (..., 1) -> (...)
    elif rank2 == rank1 + 1 and x2.shape[-1] == 1:
        if rank1 == 1 and expand_rank_1:
            x1 = _reshape(x1, tuple(x1.shape) + (1,))  # (N,) -> (N, 1)
        else:
            x2 = _reshape(x2, tuple(x2.shape[:-1]))  # (..., 1) -> (...)
    return x1, x2


def _prediction(y_pred):
    """y_pred as a float Tensor (its graph and logits tag kept)."""
    y_pred = convert_to_tensor(y_pred)
    if y_pred.dtype.kind != "f":
        return P.cast(y_pred, config.floatx())
    return y_pred


@tracing.host  # data: a compiled step converts each batch's targets again
def _target(y_true, dtype):
    """y_true as a plain array of ``dtype``: labels are data, never differentiated."""
    return np.asarray(convert_to_numpy(y_true), dtype=dtype)


@tracing.host
def _reshape_array(x, shape):
    return np.reshape(x, shape)


@tracing.host  # label arithmetic: a compiled step computes it again for each batch
def _one_minus(y):
    """1 - y for a label array (the labels of the other class)."""
    return 1 - y


@tracing.host  # label arithmetic: a compiled step computes it again for each batch
def _smooth_labels(y, label_smoothing, num_classes):
    """y (1 - label_smoothing) + label_smoothing / K, K = num_classes."""
    return y * (1 - label_smoothing) + label_smoothing / num_classes


def _pair(name, y_true, y_pred):
    """(y_true array, y_pred Tensor) of one shape, or a ValueError naming both shapes."""
    y_pred = _prediction(y_pred)
    y_true = _target(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        hint = ""
        label_shapes = (y_pred.shape[:-1], y_pred.shape[:-1] + (1,))
        if name == "categorical_crossentropy" and y_true.shape in label_shapes:
            hint = " y_true looks like integer labels: use sparse_categorical_crossentropy."
        raise ValueError(
            f"{name}: y_true and y_pred must have the same shape (up to a trailing axis "
            f"of size 1).{hint} Received: y_true.shape={y_true.shape}, "
            f"y_pred.shape={y_pred.shape}"
        )
    return y_true, y_pred


def _logits_of(name, y_pred, from_logits, activation):
    """The logits behind a softmax/sigmoid output (its ``_keras_logits`` tag), if any.

    Returns ``(output, from_logits)``: the tagged logits and True, or the input
    unchanged.  As in Keras, a tag wins over ``from_logits=True`` (with a warning).
    """
    logits = getattr(y_pred, "_keras_logits", None)
    if not isinstance(logits, Tensor):
        return y_pred, from_logits
    if from_logits:
        warnings.warn(
            f"{name} received from_logits=True, but y_pred was produced by a {activation} "
            "activation and is not logits; the activation's input is used as the logits.",
            stacklevel=3,
        )
    return logits, True


def _check_class_axis(name, y_pred, axis):
    if y_pred.ndim < 1 or not -y_pred.ndim <= axis < y_pred.ndim:
        raise ValueError(
            f"{name}: axis must name an axis of y_pred (the class axis). "
            f"Received: axis={axis}, y_pred.shape={y_pred.shape}"
        )


def _check_smoothing(name, label_smoothing):
    validation.real(name, "label_smoothing", label_smoothing, 0, 1)
