"""Accuracy metrics: per-sample functions (1.0 right, 0.0 wrong) and their running means."""
import numpy as np

from glassnet import config
from glassnet.autodiff.tensor import Tensor
from glassnet.losses import squeeze_or_expand_to_same_rank
from glassnet.metrics.base import MeanMetricWrapper, _arrays


def _matches(equal):
    return Tensor(equal.astype(config.floatx()))


def accuracy(y_true, y_pred):
    """Equations:  acc_i = 1 if y_i == y_pred_i else 0  (exact equality, element-wise)"""
    y, y_hat = _arrays(y_true, y_pred)
    y, y_hat = squeeze_or_expand_to_same_rank(y, y_hat)
    return _matches(y == y_hat)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Equations:  acc_i = 1 if (y_pred_i > threshold) == y_i else 0"""
    y, y_hat = _arrays(y_true, y_pred)
    y, y_hat = squeeze_or_expand_to_same_rank(y, y_hat)
    return _matches((y_hat > threshold) == y)


def categorical_accuracy(y_true, y_pred):
    """Equations:  acc_i = 1 if argmax_k y_ik == argmax_k y_pred_ik else 0"""
    y, y_hat = _arrays(y_true, y_pred)
    return _matches(np.argmax(y, axis=-1) == np.argmax(y_hat, axis=-1))


def sparse_categorical_accuracy(y_true, y_pred):
    """Equations:  acc_i = 1 if y_i == argmax_k y_pred_ik else 0  (y of shape (N,) or (N, 1))"""
    y, y_hat = _arrays(y_true, y_pred)
    y = _squeeze_labels(y, y_hat)
    return _matches(y == np.argmax(y_hat, axis=-1))


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Equations:  acc_i = 1 if fewer than k classes score higher than argmax_k y_ik"""
    y, y_hat = _arrays(y_true, y_pred)
    return _matches(_in_top_k(np.argmax(y, axis=-1), y_hat, k))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Equations:  acc_i = 1 if fewer than k classes score higher than class y_i"""
    y, y_hat = _arrays(y_true, y_pred)
    return _matches(_in_top_k(_squeeze_labels(y, y_hat), y_hat, k))


def _squeeze_labels(y, y_hat):
    """Integer labels (N, 1) -> (N,) when y_pred is (N, K)."""
    if y.ndim == y_hat.ndim and y.shape[-1] == 1:
        y = y[..., 0]
    return y


def _in_top_k(labels, scores, k):
    """Whether each label's score is among the k highest (ties count as in, as in TF)."""
    labels = labels.astype(np.intp)
    label_scores = np.take_along_axis(scores, labels[..., None], axis=-1)  # (..., 1)
    higher = np.sum(scores > label_scores, axis=-1)  # classes that beat the label
    return higher < k


class Accuracy(MeanMetricWrapper):
    """Fraction of predictions exactly equal to the labels (see ``accuracy``)."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """Fraction of (y_pred > threshold) equal to the 0/1 labels (see ``binary_accuracy``)."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """Fraction of argmax(y_pred) equal to argmax(one-hot y) (see ``categorical_accuracy``)."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """Fraction of argmax(y_pred) equal to the integer labels."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """Fraction of one-hot labels among the k highest scores."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """Fraction of integer labels among the k highest scores."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
