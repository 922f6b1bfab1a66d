"""F-scores: FBetaScore and F1Score over (batch, classes) inputs, per class or averaged."""
import numpy as np

from glassnet import config
from glassnet.autodiff.tensor import Tensor, convert_to_numpy
from glassnet.metrics.base import Metric

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """The F-beta score: the weighted harmonic mean of precision and recall.

    Equations (per class k, or pooled over all classes with average="micro"):
        y_pred_ik = 1 if y_pred_ik > threshold, else 0
                    (threshold None: 1 for each row's maximum, if that is not ~0)
        TP_k = sum_i w_i y_pred_ik y_ik,   FP_k = sum_i w_i y_pred_ik (1 - y_ik)
        FN_k = sum_i w_i (1 - y_pred_ik) y_ik
        P_k = TP_k / (TP_k + FP_k + eps),  R_k = TP_k / (TP_k + FN_k + eps)
        F_k = (1 + beta^2) P_k R_k / (beta^2 P_k + R_k + eps)      (eps = 1e-7)
        None: the vector F;  micro, macro: mean_k F_k;
        weighted: sum_k F_k n_k / (sum_k n_k + eps),  n_k = sum_i w_i y_ik

    Arguments:
        average: None, "micro", "macro" or "weighted".
        beta: a float > 0 (recall counts beta times as much as precision).
        threshold: a float in (0, 1], or None.
    Inputs are (batch_size, num_classes) (one column for binary problems).
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        label = type(self).__name__
        if average not in _AVERAGES:
            raise ValueError(
                f"{label}: average must be one of {_AVERAGES}. Received: average={average!r}"
            )
        if not isinstance(beta, float) or beta <= 0.0:
            raise ValueError(
                f"{label}: beta must be a Python float > 0. Received: beta={beta!r}"
            )
        if threshold is not None and (not isinstance(threshold, float) or not
                                      0.0 < threshold <= 1.0):
            raise ValueError(
                f"{label}: threshold must be None or a Python float with 0 < threshold <= 1. "
                f"Received: threshold={threshold!r}"
            )
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, true_shape, pred_shape):
        if len(true_shape) != 2 or len(pred_shape) != 2:
            raise ValueError(
                f"{type(self).__name__}: expects 2D inputs of shape (batch_size, output_dim). "
                f"Received: y_true.shape={true_shape}, y_pred.shape={pred_shape}"
            )
        shape = () if self.average == "micro" else (pred_shape[-1],)
        for name in ("true_positives", "false_positives", "false_negatives",
                     "intermediate_weights"):
            setattr(self, name, self.add_variable(shape, "zeros", name=name))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y = np.asarray(convert_to_numpy(y_true), dtype=self.dtype)
        y_hat = np.asarray(convert_to_numpy(y_pred), dtype=self.dtype)
        if not self._built:
            self._build(y.shape, y_hat.shape)
        y_hat = self._binarize(y_hat)
        w = None
        if sample_weight is not None:
            w = np.asarray(convert_to_numpy(sample_weight), dtype=self.dtype)
            w = np.expand_dims(w, 1)  # (N,) -> (N, 1)
        self.true_positives.assign_add(self._weighted_sum(y_hat * y, w))
        self.false_positives.assign_add(self._weighted_sum(y_hat * (1 - y), w))
        self.false_negatives.assign_add(self._weighted_sum((1 - y_hat) * y, w))
        self.intermediate_weights.assign_add(self._weighted_sum(y, w))

    def _binarize(self, y_hat):
        if self.threshold is None:
            row_max = np.max(y_hat, axis=-1, keepdims=True)  # (N, 1)
            positive = (y_hat >= row_max) & (np.abs(y_hat) > 1e-9)
        else:
            positive = y_hat > self.threshold
        return positive.astype(self.dtype)

    def _weighted_sum(self, values, w):
        if w is not None:
            values = values * w
        return np.sum(values, axis=self.axis).astype(self.dtype)

    def result(self):
        if not self._built:
            return Tensor(np.asarray(0.0, dtype=self.dtype))
        eps = config.epsilon()
        tp, fp, fn = self.true_positives.data, self.false_positives.data, self.false_negatives.data
        beta2 = self.beta**2
        precision = tp / (tp + fp + eps)
        recall = tp / (tp + fn + eps)
        f_score = precision * recall / (beta2 * precision + recall + eps) * (1 + beta2)
        if self.average == "weighted":
            n = self.intermediate_weights.data
            f_score = np.sum(f_score * (n / (np.sum(n) + eps)))
        elif self.average is not None:  # micro (a scalar already), macro
            f_score = np.mean(f_score)
        return Tensor(np.asarray(f_score, dtype=self.dtype))

    def get_config(self):
        config = super().get_config()
        config.update({"average": self.average, "beta": self.beta, "threshold": self.threshold})
        return config


class F1Score(FBetaScore):
    """The F1 score, the harmonic mean of precision and recall (FBetaScore with beta = 1).

    Equations:
        F1_k = 2 P_k R_k / (P_k + R_k + eps)    (see FBetaScore)
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
