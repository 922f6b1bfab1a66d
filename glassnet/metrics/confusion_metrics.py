"""Confusion-matrix metrics: counts of true/false positives/negatives at thresholds, and
what is built from them (precision, recall, AUC, sensitivity at specificity, ...).

A prediction p counts as positive at threshold t when p > t; a label counts as
positive when it is not 0.  With weights w_i (1 by default), for each threshold t:

    TP[t] = sum_i w_i [y_i != 0] [p_i > t]      FP[t] = sum_i w_i [y_i == 0] [p_i > t]
    FN[t] = sum_i w_i [y_i != 0] [p_i <= t]     TN[t] = sum_i w_i [y_i == 0] [p_i <= t]

Every element of y_pred is one prediction (a (N, K) batch gives N*K of them), except
with ``class_id`` (column ``class_id`` only) or AUC's ``multi_label`` (one curve per
column).  ``top_k`` keeps each row's k highest scores and sets the others to -1e10.
"""
import numpy as np

from glassnet import config
from glassnet.autodiff.tensor import Tensor, convert_to_numpy
from glassnet.losses import squeeze_or_expand_to_same_rank
from glassnet.metrics.base import Metric

NEG_INF = -1e10
_CONDITIONS = ("tp", "fp", "tn", "fn")


# --------------------------------------------------------------------------
# Thresholds and counting
# --------------------------------------------------------------------------


def _to_list(x):
    return list(x) if isinstance(x, (list, tuple, np.ndarray)) else [x]


def parse_thresholds(name, thresholds, default):
    """``thresholds`` as a list (``[default]`` for None); each must lie in [0, 1]."""
    if thresholds is None:
        return [default]
    values = _to_list(thresholds)
    invalid = [t for t in values if t is None or not 0 <= t <= 1]
    if invalid or not values:
        raise ValueError(
            f"{name}: threshold values must be in [0, 1]. Received: thresholds={thresholds!r}"
        )
    return [float(t) for t in values]


def evenly_spaced(thresholds):
    """Whether thresholds are 0, 1/(T-1), ..., 1 (T >= 3): Keras then counts by buckets,
    which also clips y_pred to [0, 1] first; that is the one difference it makes."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=config.epsilon()))


def _filter_top_k(scores, k):
    """Each row's k highest scores kept, the others set to NEG_INF (first index wins ties)."""
    order = np.argsort(-scores, axis=-1, kind="stable")[..., :k]  # (..., k)
    keep = np.zeros(scores.shape, dtype=bool)
    np.put_along_axis(keep, order, True, axis=-1)
    return np.where(keep, scores, NEG_INF).astype(scores.dtype)


def _weights(name, sample_weight, y_true, y_pred, dtype):
    """Sample weights broadcast to y_pred's shape (ones when None), as Keras aligns them:
    a trailing axis is added, then squeezed again if y_true has no such axis."""
    if sample_weight is None:
        return np.ones(y_pred.shape, dtype=dtype)
    w = np.asarray(convert_to_numpy(sample_weight), dtype=dtype)[..., None]  # (..., 1)
    _, w = squeeze_or_expand_to_same_rank(y_true, w, expand_rank_1=False)
    try:
        return np.broadcast_to(w, y_pred.shape)
    except ValueError:
        raise ValueError(
            f"{name}: sample_weight must broadcast to y_pred. Received: sample_weight.shape="
            f"{np.shape(sample_weight)}, y_pred.shape={y_pred.shape}"
        ) from None


def confusion_counts(
    y_true,
    y_pred,
    thresholds,
    sample_weight=None,
    top_k=None,
    class_id=None,
    multi_label=False,
    label_weights=None,
    clip=False,
    dtype=None,
    name="confusion_counts",
):
    """The weighted (TP, FP, TN, FN) of one batch at each threshold.

    Equations:  see the module docstring; in matrix form, with P[t, i] = p_i > t_t,
        TP = P @ (w * y),  FP = P @ (w * (1 - y)),  FN = sum(w * y) - TP,
        TN = sum(w * (1 - y)) - FP.

    Returns:
        Four arrays of shape (T,), or (T, L) with ``multi_label`` (L = y_pred.shape[-1]).
    """
    dtype = dtype or config.floatx()
    y_true = np.asarray(convert_to_numpy(y_true), dtype=dtype)
    y_pred = np.asarray(convert_to_numpy(y_pred), dtype=dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    w = _weights(name, sample_weight, y_true, y_pred, dtype)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                f"{name}: class_id needs y_pred of shape (num_samples, num_classes). "
                f"Received: y_pred.shape={y_pred.shape}"
            )
        y_true, y_pred, w = (a[..., class_id, None] for a in (y_true, y_pred, w))  # (N, 1)
    if label_weights is not None and not multi_label:
        w = w * np.asarray(label_weights, dtype=dtype)  # (N, L) * (L,)
    if clip:
        y_pred = np.clip(y_pred, 0.0, 1.0)
    columns = y_pred.shape[-1] if multi_label else 1
    y = (y_true != 0).astype(dtype).reshape(-1, columns)  # (M, L)
    p = y_pred.reshape(-1, columns)  # (M, L)
    w = np.broadcast_to(w, y_pred.shape).reshape(-1, columns)  # (M, L)
    t = np.asarray(thresholds, dtype=dtype)[:, None, None]  # (T, 1, 1)
    predicted_positive = (p[None] > t).astype(dtype)  # (T, M, L)
    tp = np.einsum("tml,ml->tl", predicted_positive, w * y)  # (T, L)
    fp = np.einsum("tml,ml->tl", predicted_positive, w * (1 - y))
    fn = np.sum(w * y, axis=0) - tp
    tn = np.sum(w * (1 - y), axis=0) - fp
    if not multi_label:
        tp, fp, tn, fn = (c[:, 0] for c in (tp, fp, tn, fn))  # (T,)
    return tp, fp, tn, fn


def divide_no_nan(x, y):
    """x / y, and 0 where y == 0."""
    safe = np.where(y == 0, 1, y)
    return np.where(y == 0, 0, x / safe).astype(np.result_type(x, y))


class _ConfusionBase(Metric):
    """Shared state: the counts named in ``_counts`` over ``self.thresholds``."""

    _counts = _CONDITIONS
    _VARIABLE_NAMES = {
        "tp": "true_positives",
        "fp": "false_positives",
        "tn": "true_negatives",
        "fn": "false_negatives",
    }

    def _add_counts(self, shape):
        for key in self._counts:
            variable = self.add_variable(shape, "zeros", name=self._VARIABLE_NAMES[key])
            setattr(self, self._VARIABLE_NAMES[key], variable)

    def _update_counts(self, y_true, y_pred, sample_weight, **options):
        tp, fp, tn, fn = confusion_counts(
            y_true,
            y_pred,
            self.thresholds,
            sample_weight=sample_weight,
            clip=self._thresholds_distributed_evenly,
            dtype=self.dtype,
            name=self.name,
            **options,
        )
        counts = {"tp": tp, "fp": fp, "tn": tn, "fn": fn}
        for key in self._counts:
            getattr(self, self._VARIABLE_NAMES[key]).assign_add(counts[key])

    def _single(self, values):
        """One threshold gives a scalar, several a vector."""
        values = np.asarray(values, dtype=self.dtype)
        return Tensor(values[0] if len(self.thresholds) == 1 else values)


# --------------------------------------------------------------------------
# Counts
# --------------------------------------------------------------------------


class _ConfusionMatrixConditionCount(_ConfusionBase):
    """One count (TP, FP, TN or FN) per threshold; a scalar for a single threshold."""

    _condition = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_thresholds(type(self).__name__, thresholds, 0.5)
        self._thresholds_distributed_evenly = evenly_spaced(self.thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros", name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(
            y_true,
            y_pred,
            self.thresholds,
            sample_weight=sample_weight,
            clip=self._thresholds_distributed_evenly,
            dtype=self.dtype,
            name=self.name,
        )
        self.accumulator.assign_add(counts[_CONDITIONS.index(self._condition)])

    def result(self):
        return self._single(self.accumulator.data)

    def get_config(self):
        config = super().get_config()
        config["thresholds"] = self.init_thresholds
        return config


class TruePositives(_ConfusionMatrixConditionCount):
    """The weighted number of true positives.

    Equations:  TP[t] = sum_i w_i [y_i != 0] [y_pred_i > t]   (t = 0.5 by default)
    """

    _condition = "tp"


class FalsePositives(_ConfusionMatrixConditionCount):
    """The weighted number of false positives.

    Equations:  FP[t] = sum_i w_i [y_i == 0] [y_pred_i > t]   (t = 0.5 by default)
    """

    _condition = "fp"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The weighted number of true negatives.

    Equations:  TN[t] = sum_i w_i [y_i == 0] [y_pred_i <= t]   (t = 0.5 by default)
    """

    _condition = "tn"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The weighted number of false negatives.

    Equations:  FN[t] = sum_i w_i [y_i != 0] [y_pred_i <= t]   (t = 0.5 by default)
    """

    _condition = "fn"


# --------------------------------------------------------------------------
# Precision and recall
# --------------------------------------------------------------------------


def _check_top_k(name, top_k):
    if top_k is not None and (not isinstance(top_k, (int, np.integer)) or top_k < 1):
        raise ValueError(f"{name}: top_k must be a positive integer. Received: top_k={top_k!r}")


class _PrecisionRecallBase(_ConfusionBase):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        _check_top_k(type(self).__name__, top_k)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_thresholds(type(self).__name__, thresholds, default)
        self._thresholds_distributed_evenly = evenly_spaced(self.thresholds)
        self._add_counts((len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._update_counts(
            y_true, y_pred, sample_weight, top_k=self.top_k, class_id=self.class_id
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {"thresholds": self.init_thresholds, "top_k": self.top_k, "class_id": self.class_id}
        )
        return config


class Precision(_PrecisionRecallBase):
    """The fraction of positive predictions that are right.

    Equations:
        precision[t] = TP[t] / (TP[t] + FP[t])    (0 when nothing was predicted positive)

    Arguments:
        thresholds: a float or a list in [0, 1]; None means 0.5 (or, with ``top_k``,
            every kept score counts as positive). A list gives one precision each.
        top_k: count only each row's k highest scores as predictions.
        class_id: use only column ``class_id`` of (N, K) inputs.
    """

    _counts = ("tp", "fp")

    def result(self):
        tp, fp = self.true_positives.data, self.false_positives.data
        return self._single(divide_no_nan(tp, tp + fp))


class Recall(_PrecisionRecallBase):
    """The fraction of positive labels predicted positive.

    Equations:
        recall[t] = TP[t] / (TP[t] + FN[t])    (0 when there were no positive labels)

    Arguments: as ``Precision``.
    """

    _counts = ("tp", "fn")

    def result(self):
        tp, fn = self.true_positives.data, self.false_negatives.data
        return self._single(divide_no_nan(tp, tp + fn))


# --------------------------------------------------------------------------
# One rate at a constraint on another
# --------------------------------------------------------------------------


class _SensitivitySpecificityBase(_ConfusionBase):
    """TP, FP, TN, FN at thresholds 0, 1/(T-1), ..., 1 (T = num_thresholds; 0.5 if T = 1).

    Equations:
        result = max_t dependent[t]  over the t with constrained[t] >= value  (0 if none)
    """

    _value_name = None

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        label = type(self).__name__
        if not 0 <= value <= 1:
            raise ValueError(
                f"{label}: {self._value_name} must be in the range [0, 1]. "
                f"Received: {self._value_name}={value!r}"
            )
        if not isinstance(num_thresholds, (int, np.integer)) or num_thresholds <= 0:
            raise ValueError(
                f"{label}: num_thresholds must be an integer > 0. "
                f"Received: num_thresholds={num_thresholds!r}"
            )
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.value = value
        setattr(self, self._value_name, value)
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
        else:
            self.thresholds = [i / (num_thresholds - 1) for i in range(num_thresholds)]
        self._thresholds_distributed_evenly = num_thresholds > 1
        self._add_counts((len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._update_counts(y_true, y_pred, sample_weight, class_id=self.class_id)

    def _rates(self):
        tp, fp = self.true_positives.data, self.false_positives.data
        tn, fn = self.true_negatives.data, self.false_negatives.data
        return {
            "sensitivity": divide_no_nan(tp, tp + fn),  # = recall
            "specificity": divide_no_nan(tn, tn + fp),
            "precision": divide_no_nan(tp, tp + fp),
        }

    def _max_under_constraint(self, constrained, dependent):
        feasible = constrained >= self.value
        best = np.max(np.where(feasible, dependent, 0), initial=0)
        return Tensor(np.asarray(best, dtype=self.dtype))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "class_id": self.class_id,
                "num_thresholds": self.num_thresholds,
                self._value_name: self.value,
            }
        )
        return config


class SensitivityAtSpecificity(_SensitivitySpecificityBase):
    """The best sensitivity (recall) at a specificity of at least ``specificity``.

    Equations:
        sensitivity[t] = TP / (TP + FN),   specificity[t] = TN / (TN + FP)
        result = max_t sensitivity[t]  over specificity[t] >= specificity
    """

    _value_name = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name=name, dtype=dtype)

    def result(self):
        rates = self._rates()
        return self._max_under_constraint(rates["specificity"], rates["sensitivity"])


class SpecificityAtSensitivity(_SensitivitySpecificityBase):
    """The best specificity at a sensitivity (recall) of at least ``sensitivity``.

    Equations:
        result = max_t specificity[t]  over sensitivity[t] >= sensitivity
    """

    _value_name = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name=name, dtype=dtype)

    def result(self):
        rates = self._rates()
        return self._max_under_constraint(rates["sensitivity"], rates["specificity"])


class PrecisionAtRecall(_SensitivitySpecificityBase):
    """The best precision at a recall of at least ``recall``.

    Equations:
        precision[t] = TP / (TP + FP),   recall[t] = TP / (TP + FN)
        result = max_t precision[t]  over recall[t] >= recall
    """

    _value_name = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name=name, dtype=dtype)

    def result(self):
        rates = self._rates()
        return self._max_under_constraint(rates["sensitivity"], rates["precision"])


class RecallAtPrecision(_SensitivitySpecificityBase):
    """The best recall at a precision of at least ``precision``.

    Equations:
        result = max_t recall[t]  over precision[t] >= precision
    """

    _value_name = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name=name, dtype=dtype)

    def result(self):
        rates = self._rates()
        return self._max_under_constraint(rates["precision"], rates["sensitivity"])


# --------------------------------------------------------------------------
# Area under the curve
# --------------------------------------------------------------------------

_CURVES = {"ROC": "ROC", "roc": "ROC", "PR": "PR", "pr": "PR", "PRGAIN": "PRGAIN",
           "prgain": "PRGAIN"}
_SUMMATIONS = {name: name.lower() for name in (
    "interpolation", "Interpolation", "majoring", "Majoring", "minoring", "Minoring")}


def _curve(curve):
    if curve not in _CURVES:
        raise ValueError(
            'AUC: curve must be one of "ROC", "PR", "PRGAIN" (or lower case). '
            f"Received: curve={curve!r}"
        )
    return _CURVES[curve]


def _summation(method):
    if method not in _SUMMATIONS:
        raise ValueError(
            'AUC: summation_method must be one of "interpolation", "majoring", "minoring". '
            f"Received: summation_method={method!r}"
        )
    return _SUMMATIONS[method]


def riemann_auc(x, y, summation_method):
    """The area under y(x), the points in decreasing x (thresholds ascending).

    Equations:
        interpolation: h_j = (y_j + y_{j+1}) / 2   (the trapezoid rule)
        minoring:      h_j = min(y_j, y_{j+1}),   majoring: h_j = max(y_j, y_{j+1})
        area = sum_j (x_j - x_{j+1}) h_j      (per column for (T, L) inputs)
    """
    if summation_method == "interpolation":
        heights = (y[:-1] + y[1:]) / 2.0
    elif summation_method == "minoring":
        heights = np.minimum(y[:-1], y[1:])
    else:
        heights = np.maximum(y[:-1], y[1:])
    return np.sum((x[:-1] - x[1:]) * heights, axis=0)


def interpolated_pr_auc(tp, fp, fn):
    """The area under the precision-recall curve, interpolated as Davis & Goadrich (2006).

    Between two thresholds TP and P = TP + FP change linearly together, so on that
    piece precision = TP / P with TP = a + s P (s = slope, a = intercept) and
    recall = TP / (TP + FN) where TP + FN (all positives) is constant. Integrating
    precision d(recall) over the piece gives

        s = dTP / dP,   a = TP_{j+1} - s P_{j+1}
        area_j = s (dTP + a log(P_j / P_{j+1})) / (TP_{j+1} + FN_{j+1})

    with 0 for pieces where dP = 0 or the denominator is 0, and log 1 where a P is 0.
    Returns the sum over the pieces (per column for (T, L) inputs).
    """
    p = tp + fp
    dtp = tp[:-1] - tp[1:]
    dp = p[:-1] - p[1:]
    slope = divide_no_nan(dtp, np.maximum(dp, 0))
    intercept = tp[1:] - slope * p[1:]
    both_positive = (p[:-1] > 0) & (p[1:] > 0)
    ratio = np.where(both_positive, divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
    area = divide_no_nan(
        slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0)
    )
    return np.sum(area, axis=0)


class AUC(_ConfusionBase):
    """The area under the ROC or precision-recall curve, from counts at fixed thresholds.

    The thresholds are -eps, 1/(T-1), ..., (T-2)/(T-1), 1 + eps (T = num_thresholds,
    eps = 1e-7), or -eps, the given ``thresholds`` (sorted), 1 + eps.

    Equations (per threshold t; see ``riemann_auc`` and ``interpolated_pr_auc``):
        ROC:    x = FPR = FP / (FP + TN),   y = TPR = TP / (TP + FN)
        PR:     x = recall,  y = precision = TP / (TP + FP)
                ("interpolation" uses Davis & Goadrich's interpolation instead)
        PRGAIN: x = recall gain = max(0, 1 - r FN / TP),  y = precision gain = 1 - r FP / TP,
                r = (TP + FN) / (TN + FP)  (x = 0, y = 1 where TP = 0)
        AUC = sum_j (x_j - x_{j+1}) h_j
        multi_label: one AUC per column, then their mean (weighted by label_weights).

    The Riemann sum approximates the exact AUC (scikit-learn's roc_auc_score); when every
    prediction is one of 1/(T-1), 2/(T-1), ..., 1, the ROC "interpolation" is exact.

    Arguments:
        num_thresholds: T > 1 (200).
        curve: "ROC", "PR" or "PRGAIN".
        summation_method: "interpolation", "minoring" or "majoring".
        thresholds: explicit thresholds in place of num_thresholds.
        multi_label: one curve per column of (N, L) inputs, averaged; otherwise every
            element is one prediction.
        num_labels: L, to create the state before the first batch (multi_label only).
        label_weights: one weight per column: the mean's weights with multi_label,
            otherwise multiplied into every sample's weights.
        from_logits: apply a sigmoid to y_pred first.
    """

    def __init__(
        self,
        num_thresholds=200,
        curve="ROC",
        summation_method="interpolation",
        name=None,
        dtype=None,
        thresholds=None,
        multi_label=False,
        num_labels=None,
        label_weights=None,
        from_logits=False,
    ):
        self.curve = _curve(curve)
        self.summation_method = _summation(summation_method)
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(_to_list(thresholds))
            self.num_thresholds = len(inner) + 2
            self._thresholds_distributed_evenly = evenly_spaced([0.0] + inner + [1.0])
        else:
            if not isinstance(num_thresholds, (int, np.integer)) or num_thresholds <= 1:
                raise ValueError(
                    "AUC: num_thresholds must be an integer > 1. "
                    f"Received: num_thresholds={num_thresholds!r}"
                )
            self.num_thresholds = num_thresholds
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        eps = config.epsilon()
        self._thresholds = np.array([0.0 - eps] + inner + [1.0 + eps])
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = (
            None if label_weights is None else np.asarray(label_weights, dtype=self.dtype)
        )
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ValueError(
                    "AUC: num_labels is needed only when multi_label is True. "
                    f"Received: num_labels={num_labels!r}"
                )
            self._build(None)

    @property
    def thresholds(self):
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    "AUC: y_pred must have rank 2 when multi_label=True. "
                    f"Received: y_pred.shape={tuple(shape)}"
                )
            self._num_labels = shape[1]
            self._add_counts((self.num_thresholds, self._num_labels))
        else:
            self._add_counts((self.num_thresholds,))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.asarray(convert_to_numpy(y_pred), dtype=self.dtype)
        if not self._built:
            self._build(y_pred.shape)
        if self._from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred))  # sigmoid
        self._update_counts(
            y_true,
            y_pred,
            sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
        )

    def result(self):
        if not self._built:
            return Tensor(np.asarray(0.0, dtype=self.dtype))
        tp, fp = self.true_positives.data, self.false_positives.data
        tn, fn = self.true_negatives.data, self.false_negatives.data
        if self.curve == "PR" and self.summation_method == "interpolation":
            by_label = interpolated_pr_auc(tp, fp, fn)
        else:
            x, y = self._curve_points(tp, fp, tn, fn)
            by_label = riemann_auc(x, y, self.summation_method)
        return Tensor(np.asarray(self._average(by_label), dtype=self.dtype))

    def _curve_points(self, tp, fp, tn, fn):
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            return divide_no_nan(fp, fp + tn), recall
        if self.curve == "PR":
            return recall, divide_no_nan(tp, tp + fp)
        scale = divide_no_nan(tp + fn, tn + fp)
        recall_gain = np.where(tp == 0, 0.0, 1.0 - scale * divide_no_nan(fn, tp))
        precision_gain = np.where(tp == 0, 1.0, 1.0 - scale * divide_no_nan(fp, tp))
        return np.maximum(recall_gain, 0.0), precision_gain

    def _average(self, by_label):
        if not self.multi_label:
            return by_label
        if self.label_weights is None:
            return np.mean(by_label)
        return divide_no_nan(np.sum(by_label * self.label_weights), np.sum(self.label_weights))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_thresholds": self.num_thresholds,
                "curve": self.curve,
                "summation_method": self.summation_method,
                "multi_label": self.multi_label,
                "num_labels": self.num_labels,
                "label_weights": (
                    None if self.label_weights is None else self.label_weights.tolist()
                ),
                "from_logits": self._from_logits,
            }
        )
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self.thresholds[1:-1]]
        return config
