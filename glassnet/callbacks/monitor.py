"""What EarlyStopping and ReduceLROnPlateau share: the monitored value and its direction.

Equations (d = min_delta >= 0):

    mode "min":  current improves on best  <=>  current < best - d
    mode "max":  current improves on best  <=>  current > best + d
"""
import math
import warnings

from glassnet import validation

# Substrings of a metric name that tell its direction in mode="auto".
_MAX_NAME_PARTS = ("acc", "auc", "precision", "recall", "f1", "fbeta", "iou", "r2_score",
                   "similarity")
_MIN_NAME_PARTS = ("loss", "error", "mae", "mse", "mape", "msle", "crossentropy", "hinge",
                   "divergence", "logcosh", "poisson")


def resolve_mode(owner, monitor, mode):
    """``"min"`` or ``"max"``; in mode "auto" guessed from the metric's name.

    A name containing "loss" is minimized; then accuracy-like names (acc, auc,
    precision, recall, ...) are maximized and error-like names (error, mae, mse,
    crossentropy, ...) minimized.  Any other name needs an explicit mode.
    """
    if not isinstance(monitor, str):
        raise TypeError(f"{owner}: monitor must be a metric name. Received: monitor={monitor!r}")
    validation.one_of(owner, "mode", mode, ("auto", "min", "max"))
    if mode != "auto":
        return mode
    name = monitor.removeprefix("val_").lower()
    if "loss" in name:
        return "min"
    if any(part in name for part in _MAX_NAME_PARTS):
        return "max"
    if any(part in name for part in _MIN_NAME_PARTS):
        return "min"
    raise ValueError(
        f"{owner}: cannot tell from its name whether monitor={monitor!r} should be "
        "minimized or maximized; pass mode='min' (lower is better) or mode='max' "
        f"(higher is better). Received: monitor={monitor!r}, mode='auto'"
    )


def worst_value(mode):
    """The starting ``best``: every finite value improves on it."""
    return math.inf if mode == "min" else -math.inf


def is_improvement(current, reference, mode, min_delta):
    """True when ``current`` beats ``reference`` by more than ``min_delta``."""
    if mode == "min":
        return current < reference - min_delta
    return current > reference + min_delta


def monitored_value(owner, monitor, logs):
    """``logs[monitor]``, or None with a warning that lists the available keys."""
    logs = logs or {}
    value = logs.get(monitor)
    if value is None:
        hint = ""
        if monitor.startswith("val_"):
            hint = " (val_ metrics need validation_data or validation_split in fit)"
        warnings.warn(
            f"{owner}: the monitored metric {monitor!r} is not in the logs, so it is "
            f"skipped this epoch{hint}. Available metrics are: {', '.join(logs)}",
            stacklevel=3,
        )
    return value



