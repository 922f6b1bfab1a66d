"""Regression metrics: running means of the regression losses, the root mean squared
error, the cosine similarity, log-cosh and the coefficient of determination R^2."""
import warnings

import numpy as np

from glassnet import losses
from glassnet.autodiff import primitives as P
from glassnet.autodiff.tensor import Tensor, convert_to_numpy
from glassnet.losses import (
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    squeeze_or_expand_to_same_rank,
)
from glassnet.metrics.base import Mean, MeanMetricWrapper, Metric, _arrays


class MeanSquaredError(MeanMetricWrapper):
    """Mean of (y - y_pred)^2 over all samples (see ``losses.mean_squared_error``)."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of |y - y_pred| over all samples (see ``losses.mean_absolute_error``)."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """Square root of the mean squared error over all samples seen.

    Equations:
        RMSE = sqrt(sum_i w_i e_i^2 / sum_i w_i),  e_i^2 = per-sample mean of (y - y_pred)^2
    (with equal weights and widths: the root of the mean over all elements).
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y, y_hat = _arrays(y_true, y_pred)
        y, y_hat = squeeze_or_expand_to_same_rank(
            np.asarray(y, dtype=self.dtype), np.asarray(y_hat, dtype=self.dtype)
        )
        super().update_state(np.square(y_hat - y), sample_weight=sample_weight)

    def result(self):
        return Tensor(np.sqrt(super().result().data))


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Mean of 100 |y - y_pred| / max(|y|, eps) (see ``losses.mean_absolute_percentage_error``)."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Mean of (log(y + 1) - log(y_pred + 1))^2 (see ``losses.mean_squared_logarithmic_error``)."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


def cosine_similarity(y_true, y_pred, axis=-1):
    """The cosine of the angle between y and y_pred along ``axis`` (1 is best).

    Equations:
        cosine_similarity = sum over ``axis`` of l2_normalize(y) l2_normalize(y_pred)
    The metric is +cosine; the loss ``losses.cosine_similarity`` is its negative.
    """
    return P.negative(losses.cosine_similarity(y_true, y_pred, axis=axis))


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity between labels and predictions over all samples.

    Equations:
        cos_i = sum_k y_ik y_pred_ik / (||y_i|| ||y_pred_i||)   (along ``axis``)
        result = sum_i w_i cos_i / sum_i w_i
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)


class LogCoshError(MeanMetricWrapper):
    """Mean log-cosh error over all samples (see ``losses.log_cosh``).

    Equations:
        logcosh_i = mean_k log(cosh(y_pred_ik - y_ik))
    """

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name=name, dtype=dtype)


_R2_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """The coefficient of determination R^2 per output column, over all samples seen.

    Equations (per column k, weights w_i, n = number of elements seen):
        mean_k  = sum_i w_i y_ik / sum_i w_i
        SS_tot  = sum_i w_i y_ik^2 - (sum_i w_i y_ik) mean_k   (= sum_i w_i (y_ik - mean_k)^2)
        SS_res  = sum_i w_i (y_ik - y_pred_ik)^2
        R2_k    = 1 - SS_res / SS_tot        (0 where that is infinite)
        uniform_average:           R2 = mean_k R2_k
        variance_weighted_average: R2 = sum_k SS_tot_k R2_k / sum_k SS_tot_k
        adjusted (num_regressors p > 0):  R2 = 1 - (1 - R2) (n - 1) / (n - p - 1)
    As in Keras, n counts the elements of y_true (samples times columns), and the
    adjustment is skipped with a warning when p >= n - 1.

    Arguments:
        class_aggregation: None (one score per column), "uniform_average" or
            "variance_weighted_average".
        num_regressors: p, the number of independent variables, for the adjusted R^2.
    """

    def __init__(
        self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None
    ):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if class_aggregation not in _R2_AGGREGATIONS:
            raise ValueError(
                f"R2Score: class_aggregation must be one of {_R2_AGGREGATIONS}. "
                f"Received: class_aggregation={class_aggregation!r}"
            )
        if not isinstance(num_regressors, (int, np.integer)) or num_regressors < 0:
            raise ValueError(
                "R2Score: num_regressors must be an integer >= 0. "
                f"Received: num_regressors={num_regressors!r}"
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable(shape=(), initializer="zeros", name="num_samples")
        self._built = False

    def _build(self, true_shape, pred_shape):
        if len(true_shape) != 2 or len(pred_shape) != 2:
            raise ValueError(
                "R2Score: expects 2D inputs of shape (batch_size, output_dim). "
                f"Received: y_true.shape={true_shape}, y_pred.shape={pred_shape}"
            )
        num_columns = pred_shape[-1]
        self.squared_sum = self.add_variable((num_columns,), "zeros", name="squared_sum")
        self.sum = self.add_variable((num_columns,), "zeros", name="sum")
        self.total_mse = self.add_variable((num_columns,), "zeros", name="residual")
        self.count = self.add_variable((num_columns,), "zeros", name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y, y_hat = _arrays(y_true, y_pred)
        y = np.asarray(y, dtype=self.dtype)
        y_hat = np.asarray(y_hat, dtype=self.dtype)
        y, y_hat = squeeze_or_expand_to_same_rank(y, y_hat)
        if not self._built:
            self._build(y.shape, y_hat.shape)
        w = np.asarray(1.0 if sample_weight is None else convert_to_numpy(sample_weight),
                       dtype=self.dtype)
        if w.ndim == 1:
            w = w[:, None]  # (N,) -> (N, 1)
        w = np.broadcast_to(w, y.shape)  # (N, K)
        self.sum.assign_add(np.sum(w * y, axis=0))
        self.squared_sum.assign_add(np.sum(w * y * y, axis=0))
        self.total_mse.assign_add(np.sum(w * (y - y_hat) ** 2, axis=0))
        self.count.assign_add(np.sum(w, axis=0))
        self.num_samples.assign_add(np.asarray(y.size, dtype=self.dtype))

    def result(self):
        if not self._built:
            return Tensor(np.asarray(np.nan, dtype=self.dtype))
        total_sum, count = self.sum.data, self.count.data
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = total_sum / count
            ss_tot = self.squared_sum.data - total_sum * mean
            raw_scores = 1 - self.total_mse.data / ss_tot
        raw_scores = np.where(np.isinf(raw_scores), 0.0, raw_scores).astype(self.dtype)
        if self.class_aggregation == "uniform_average":
            r2 = np.mean(raw_scores)
        elif self.class_aggregation == "variance_weighted_average":
            r2 = np.sum(ss_tot * raw_scores) / np.sum(ss_tot)
        else:
            r2 = raw_scores
        return Tensor(np.asarray(self._adjusted(r2), dtype=self.dtype))

    def _adjusted(self, r2):
        p, n = self.num_regressors, float(self.num_samples.data)
        if p == 0:
            return r2
        if p > n - 1:
            warnings.warn(
                "R2Score: more independent predictors than data points in the adjusted "
                "R2 score. Falling back to the standard R2 score.",
                stacklevel=3,
            )
            return r2
        if p == n - 1:
            warnings.warn(
                "R2Score: division by zero in the adjusted R2 score. Falling back to the "
                "standard R2 score.",
                stacklevel=3,
            )
            return r2
        return 1.0 - (1.0 - r2) * (n - 1.0) / (n - p - 1.0)

    def get_config(self):
        config = super().get_config()
        config.update(
            {"class_aggregation": self.class_aggregation, "num_regressors": self.num_regressors}
        )
        return config
