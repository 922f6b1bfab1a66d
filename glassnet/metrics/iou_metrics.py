"""Intersection-over-union metrics (segmentation): IoU, MeanIoU, BinaryIoU, OneHotIoU,
OneHotMeanIoU, all from one running confusion matrix of class labels."""
import warnings

import numpy as np

from glassnet import config
from glassnet.autodiff.tensor import Tensor, convert_to_numpy
from glassnet.metrics.base import Metric


def confusion_matrix(labels, predictions, num_classes, weights=None, dtype="int32"):
    """The (num_classes, num_classes) matrix C with C[i, j] = sum of the weights of the
    elements whose label is i and prediction is j (rows: labels, columns: predictions)."""
    labels = np.asarray(labels).astype(np.intp).reshape(-1)  # (M,)
    predictions = np.asarray(predictions).astype(np.intp).reshape(-1)  # (M,)
    values = np.ones(labels.shape, dtype=dtype) if weights is None else weights
    matrix = np.zeros((num_classes, num_classes), dtype=dtype)
    np.add.at(matrix, (labels, predictions), np.asarray(values, dtype=dtype))
    return matrix


class _IoUBase(Metric):
    """A running confusion matrix ``total_cm`` of integer class labels.

    Labels or predictions outside [0, num_classes), and labels equal to ``ignore_class``,
    are left out. One-hot inputs (``sparse_y_true``/``sparse_y_pred`` False) are turned
    into labels with an argmax over ``axis``. The state's dtype is int32 by default, so
    float sample weights are truncated, as in Keras.
    """

    def __init__(
        self,
        num_classes,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        label = type(self).__name__
        if not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
            raise ValueError(
                f"{label}: num_classes must be a positive integer. "
                f"Received: num_classes={num_classes!r}"
            )
        super().__init__(name=name, dtype=dtype or "int32")
        self._direction = "up"
        self.num_classes = int(num_classes)
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable(
            (self.num_classes, self.num_classes), "zeros", name="total_confusion_matrix"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = convert_to_numpy(y_true), convert_to_numpy(y_pred)
        if not self.sparse_y_true:
            y_true = np.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = np.argmax(y_pred, axis=self.axis)
        y_true = np.asarray(y_true).astype(self.dtype).reshape(-1)  # (M,)
        y_pred = np.asarray(y_pred).astype(self.dtype).reshape(-1)  # (M,)
        w = self._weights(sample_weight, y_true.shape)
        valid = (y_true >= 0) & (y_true < self.num_classes)
        valid &= (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            valid &= y_true != self.ignore_class
        w = np.where(valid, w, 0).astype(self.dtype)
        y_true, y_pred = np.where(valid, y_true, 0), np.where(valid, y_pred, 0)
        self.total_cm.assign_add(
            confusion_matrix(y_true, y_pred, self.num_classes, weights=w, dtype=self.dtype)
        )

    def _weights(self, sample_weight, shape):
        if sample_weight is None:
            return np.ones(shape, dtype=self.dtype)
        w = np.asarray(convert_to_numpy(sample_weight))
        if w.dtype.kind == "f" and np.dtype(self.dtype).kind in "iu":
            warnings.warn(
                f"{self.name}: sample_weight is float but the metric's dtype is "
                f"{self.dtype}, so the weights are truncated to integers. Consider integer "
                "weights (or a float dtype).",
                stacklevel=3,
            )
        w = w.astype(self.dtype)
        if w.ndim > 1:
            w = w.reshape(-1)  # (N, ...) -> (M,)
        return np.broadcast_to(w, shape)


class IoU(_IoUBase):
    """The mean intersection-over-union of the classes in ``target_class_ids``.

    Equations (C the confusion matrix, rows labels, columns predictions):
        IoU_k = TP_k / (TP_k + FP_k + FN_k)
              = C[k, k] / (sum_j C[j, k] + sum_j C[k, j] - C[k, k] + eps)
        result = sum of IoU_k over the targets / (number of targets with a
                 nonzero denominator + eps)         (eps = 1e-7)

    Arguments:
        num_classes: the number of classes (the matrix is num_classes^2).
        target_class_ids: the classes to average.
        ignore_class: a label to leave out (e.g. a "void" class).
        sparse_y_true, sparse_y_pred: False for one-hot / score inputs (argmax over axis).
    """

    def __init__(
        self,
        num_classes,
        target_class_ids,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )
        ids = list(target_class_ids)
        if not ids or max(ids) >= num_classes or min(ids) < 0:
            raise ValueError(
                f"{type(self).__name__}: target_class_ids must lie in [0, {num_classes}). "
                f"Received: target_class_ids={target_class_ids!r}"
            )
        self.target_class_ids = ids

    def result(self):
        floatx = config.floatx()
        cm = self.total_cm.data
        tp = np.diag(cm).astype(floatx)
        denominator = (np.sum(cm, axis=0) + np.sum(cm, axis=1)).astype(floatx) - tp
        tp, denominator = tp[self.target_class_ids], denominator[self.target_class_ids]
        valid = denominator > 1e-9
        iou = np.where(valid, tp / (denominator + config.epsilon()), 0.0)
        value = np.sum(iou) / (np.sum(valid) + config.epsilon())
        return Tensor(np.asarray(value, dtype=floatx))

    def get_config(self):
        config_ = super().get_config()
        config_.update(
            {
                "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids,
                "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis,
            }
        )
        return config_


class BinaryIoU(IoU):
    """IoU of a binary problem: y_pred >= threshold is class 1, labels are 0/1.

    Equations:
        y_pred_i -> 1 if y_pred_i >= threshold else 0;  then IoU over target_class_ids
        (both classes by default: the mean of IoU_0 and IoU_1).
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.asarray(convert_to_numpy(y_pred), dtype="float32")
        y_pred = (y_pred >= self.threshold).astype(self.dtype)
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {
            "target_class_ids": self.target_class_ids,
            "threshold": self.threshold,
            "name": self.name,
            "dtype": self.dtype,
        }


class MeanIoU(IoU):
    """IoU averaged over all ``num_classes`` classes.

    Equations:
        MeanIoU = mean over the classes present (nonzero denominator) of
                  C[k, k] / (sum_j C[j, k] + sum_j C[k, j] - C[k, k])
    """

    def __init__(
        self,
        num_classes,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            list(range(num_classes)) if isinstance(num_classes, (int, np.integer)) else [],
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self):
        config_ = super().get_config()
        del config_["target_class_ids"]
        return config_


class OneHotIoU(IoU):
    """IoU with one-hot labels (and, unless ``sparse_y_pred``, scores: argmax over axis)."""

    def __init__(
        self,
        num_classes,
        target_class_ids,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_pred=False,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            target_class_ids,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self):
        config_ = super().get_config()
        del config_["sparse_y_true"]
        return config_


class OneHotMeanIoU(MeanIoU):
    """MeanIoU with one-hot labels (and, unless ``sparse_y_pred``, scores: argmax over axis)."""

    def __init__(
        self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1
    ):
        super().__init__(
            num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self):
        config_ = super().get_config()
        del config_["sparse_y_true"]
        return config_
