"""Hinge losses: hinge and squared hinge for labels in {-1, 1} (labels in {0, 1} are
mapped to {-1, 1} first, as Keras does), categorical hinge for one-hot labels."""
import numpy as np

from glassnet import ops
from glassnet.autodiff import primitives as P
from glassnet.autodiff import tracing
from glassnet.losses.common import _one_minus, _pair
from glassnet.losses.loss import LossFunctionWrapper


@tracing.host  # a data-dependent choice: a compiled step makes it again for each batch
def _hinge_labels(y):
    """Labels in {-1, 1}: all-binary {0, 1} labels become 2y - 1, others stay as they are.

    As in Keras the test covers the whole batch: one label outside {0, 1} keeps them all.
    """
    if np.all((y == 0) | (y == 1)):
        return 2 * y - 1
    return y


def hinge(y_true, y_pred):
    """Equations:  hinge = mean over the last axis of max(1 - y y_pred, 0),
                   with labels in {-1, 1} (labels in {0, 1} are mapped to 2y - 1).
    """
    y, y_pred = _pair("hinge", y_true, y_pred)
    y = _hinge_labels(y)
    return P.mean(ops.relu(P.subtract(1.0, P.multiply(y, y_pred))), axis=-1)


def squared_hinge(y_true, y_pred):
    """The hinge, squared: large margin violations cost quadratically.

    Equations:
        squared_hinge = mean over the last axis of max(1 - y y_pred, 0)^2,
        with labels in {-1, 1} (labels in {0, 1} are mapped to 2y - 1).

    Returns:
        A Tensor of shape ``y_pred.shape[:-1]``.
    """
    y, y_pred = _pair("squared_hinge", y_true, y_pred)
    y = _hinge_labels(y)
    margin = ops.relu(P.subtract(1.0, P.multiply(y, y_pred)))  # max(1 - y y_pred, 0)
    return P.mean(ops.square(margin), axis=-1)


def categorical_hinge(y_true, y_pred):
    """Multi-class hinge for one-hot labels: the best wrong class must score at least 1
    below the true class.

    Equations:
        pos = sum over the last axis of y y_pred          (the true class's score)
        neg = max over the last axis of (1 - y) y_pred    (the best other score)
        categorical_hinge = max(neg - pos + 1, 0)

    Labels are used as given (no {0, 1} -> {-1, 1} mapping), as in Keras.

    Returns:
        A Tensor of shape ``y_pred.shape[:-1]``.
    """
    y, y_pred = _pair("categorical_hinge", y_true, y_pred)
    pos = P.sum(P.multiply(y, y_pred), axis=-1)
    neg = P.max(P.multiply(_one_minus(y), y_pred), axis=-1)
    return ops.relu(P.add(P.subtract(neg, pos), 1.0))


class Hinge(LossFunctionWrapper):
    """Sample-weighted mean of ``hinge``.

    Equations:
        hinge = mean over the last axis of max(1 - y y_pred, 0)
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """Sample-weighted mean of ``squared_hinge``.

    Equations:
        squared_hinge = mean over the last axis of max(1 - y y_pred, 0)^2
    """

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """Sample-weighted mean of ``categorical_hinge``.

    Equations:
        categorical_hinge = max(max_k (1 - y_k) y_pred_k - sum_k y_k y_pred_k + 1, 0)
    """

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)
