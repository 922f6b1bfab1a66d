"""Confusion-matrix metrics (TP/FP/TN/FN, Precision, Recall, AUC, X-at-Y) against
scikit-learn, hand computations and their own streaming/reset/error behaviour.
Real Keras' values are in test_metrics_keras_golden.py."""
import math

import numpy as np
import pytest
from sklearn.metrics import (
    confusion_matrix,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)

from glassnet import metrics

RNG = np.random.default_rng(7)


def _binary(n=200, columns=None, seed=0):
    rng = np.random.default_rng(seed)
    shape = (n,) if columns is None else (n, columns)
    y = rng.integers(0, 2, shape).astype("float32")
    p = np.clip(0.35 * y + rng.uniform(0, 0.7, shape), 0, 1).astype("float32")  # informative
    w = rng.uniform(0, 2, n).astype("float32")
    return y, p, w


def _on_grid(p, num_thresholds):
    """Scores moved onto 1/(T-1), 2/(T-1), ..., 1, where the bucketed AUC is exact: the
    thresholds -eps, 1/(T-1), ..., (T-2)/(T-1), 1 + eps then separate every two scores
    (0 and 1/(T-1) would fall on the same side of all of them)."""
    steps = np.maximum(np.round(p * (num_thresholds - 1)), 1)
    return (steps / (num_thresholds - 1)).astype("float32")


def _value(metric):
    return np.asarray(metric.result(), dtype=np.float64)


# --------------------------------------------------------------------------
# Counts, precision and recall against scikit-learn
# --------------------------------------------------------------------------

COUNT_CLASSES = {
    "tp": metrics.TruePositives,
    "fp": metrics.FalsePositives,
    "tn": metrics.TrueNegatives,
    "fn": metrics.FalseNegatives,
}


def _sklearn_counts(y, p, w, threshold):
    tn, fp, fn, tp = confusion_matrix(y, p > threshold, labels=[0, 1], sample_weight=w).ravel()
    return {"tp": tp, "fp": fp, "tn": tn, "fn": fn}


@pytest.mark.parametrize("kind", sorted(COUNT_CLASSES))
@pytest.mark.parametrize("weighted", [False, True])
def test_counts_match_sklearn_at_each_threshold(kind, weighted):
    y, p, w = _binary()
    w = w if weighted else None
    thresholds = [0.0, 0.25, 0.5, 0.8, 1.0]
    metric = COUNT_CLASSES[kind](thresholds=thresholds)
    metric.update_state(y, p, sample_weight=w)
    expected = [_sklearn_counts(y, p, w, t)[kind] for t in thresholds]
    np.testing.assert_allclose(_value(metric), expected, rtol=1e-5)
    single = COUNT_CLASSES[kind]()  # thresholds=None -> 0.5, a scalar result
    single.update_state(y, p, sample_weight=w)
    assert metric.result().shape == (5,) and single.result().shape == ()
    np.testing.assert_allclose(_value(single), _sklearn_counts(y, p, w, 0.5)[kind], rtol=1e-5)


def test_counts_by_hand_with_nonbinary_labels_and_weights():
    # labels count as positive when nonzero; a prediction is positive when p > t (strictly)
    y = np.array([2.0, 0.0, 1.0, 0.0, 1.0])
    p = np.array([0.5, 0.5, 0.9, 0.7, 0.1])
    w = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    tp = metrics.TruePositives(thresholds=[0.4, 0.5])
    tp.update_state(y, p, sample_weight=w)
    np.testing.assert_array_equal(_value(tp), [1 + 3, 3])
    fp = metrics.FalsePositives(thresholds=[0.4, 0.5])
    fp.update_state(y, p, sample_weight=w)
    np.testing.assert_array_equal(_value(fp), [2 + 4, 4])
    fn = metrics.FalseNegatives(0.5)
    fn.update_state(y, p, sample_weight=w)
    assert float(fn.result()) == 1 + 5


@pytest.mark.parametrize("cls, reference", [(metrics.Precision, precision_score),
                                            (metrics.Recall, recall_score)])
def test_precision_and_recall_match_sklearn(cls, reference):
    y, p, w = _binary(seed=3)
    thresholds = [0.1, 0.5, 0.75]
    metric = cls(thresholds=thresholds)
    metric.update_state(y, p, sample_weight=w)
    expected = [reference(y, p > t, sample_weight=w, zero_division=0) for t in thresholds]
    np.testing.assert_allclose(_value(metric), expected, rtol=1e-5)
    default = cls()
    default.update_state(y, p)
    np.testing.assert_allclose(_value(default), reference(y, p > 0.5), rtol=1e-6)


@pytest.mark.parametrize("cls, reference", [(metrics.Precision, precision_score),
                                            (metrics.Recall, recall_score)])
def test_class_id_uses_one_column(cls, reference):
    y, p, w = _binary(columns=4, seed=5)
    metric = cls(class_id=2, thresholds=0.6)
    metric.update_state(y, p, sample_weight=w)
    expected = reference(y[:, 2], p[:, 2] > 0.6, sample_weight=w)
    np.testing.assert_allclose(_value(metric), expected, rtol=1e-5)


def test_top_k_precision_and_recall_by_hand():
    # rows' top-2 scores are the predictions: precision@2 = hits / (2 N), recall@2 = hits / P
    y = np.array([[1, 0, 0, 1], [0, 1, 0, 0], [0, 0, 1, 1]], dtype="float32")
    p = np.array([[0.9, 0.8, 0.1, 0.7], [0.2, 0.1, 0.3, 0.4], [0.5, 0.1, 0.6, 0.9]])
    # top-2 per row: {0, 1}, {3, 2}, {3, 2} -> hits 1, 0, 2
    precision = metrics.Precision(top_k=2)
    precision.update_state(y, p)
    assert math.isclose(float(precision.result()), 3 / 6, rel_tol=1e-6)
    recall = metrics.Recall(top_k=2)
    recall.update_state(y, p)
    assert math.isclose(float(recall.result()), 3 / 5, rel_tol=1e-6)
    # with a threshold, a kept score must also exceed it: row 1's 0.4 and 0.3 do not
    thresholded = metrics.Precision(top_k=2, thresholds=0.45)
    thresholded.update_state(y, p)
    assert math.isclose(float(thresholded.result()), 3 / 4, rel_tol=1e-6)


def test_weights_broadcast_over_columns_and_rank_one_labels():
    y = np.array([1.0, 0.0, 1.0])
    p = np.array([[0.9], [0.8], [0.2]])  # (N, 1) with (N,) labels and weights
    w = np.array([2.0, 3.0, 5.0])
    tp, fp = metrics.TruePositives(), metrics.FalsePositives()
    for m in (tp, fp):
        m.update_state(y, p, sample_weight=w)
    assert (float(tp.result()), float(fp.result())) == (2.0, 3.0)
    y2 = np.array([[1.0, 0.0], [1.0, 1.0]])
    p2 = np.array([[0.9, 0.9], [0.1, 0.9]])
    per_element = np.array([[1.0, 2.0], [3.0, 4.0]])
    tp2 = metrics.TruePositives()
    tp2.update_state(y2, p2, sample_weight=per_element)
    assert float(tp2.result()) == 1.0 + 4.0


# --------------------------------------------------------------------------
# AUC
# --------------------------------------------------------------------------


def _same_bucket_bound(y, p, w, num_thresholds):
    """How far the bucketed ROC AUC can be from the exact one: a (positive, negative)
    pair in the same bucket counts 1/2 instead of 0 or 1, so
    |AUC_T - AUC| <= 1/2 * sum_b P_b N_b / (P N)."""
    bucket = np.ceil(p * (num_thresholds - 1))
    pos = np.bincount(bucket[y == 1].astype(int), w[y == 1], minlength=num_thresholds)
    neg = np.bincount(bucket[y == 0].astype(int), w[y == 0], minlength=num_thresholds)
    return 0.5 * np.sum(pos * neg) / (pos.sum() * neg.sum())


@pytest.mark.parametrize("num_thresholds", [200, 33])
def test_roc_auc_within_the_derived_bound_of_sklearn(num_thresholds):
    y, p, w = _binary(n=500, seed=11)
    auc = metrics.AUC(num_thresholds=num_thresholds)
    auc.update_state(y, p, sample_weight=w)
    exact = roc_auc_score(y, p, sample_weight=w)
    bound = _same_bucket_bound(y, p, w, num_thresholds)
    assert 0 < bound < 0.05
    assert abs(float(auc.result()) - exact) <= bound + 1e-6


@pytest.mark.parametrize("num_thresholds", [200, 11, 3])
def test_roc_auc_on_the_threshold_grid_equals_sklearn(num_thresholds):
    y, p, w = _binary(n=300, seed=2)
    p = _on_grid(p, num_thresholds)
    auc = metrics.AUC(num_thresholds=num_thresholds)
    auc.update_state(y, p, sample_weight=w)
    np.testing.assert_allclose(float(auc.result()), roc_auc_score(y, p, sample_weight=w),
                               rtol=1e-5)


def test_multi_label_roc_auc_is_the_weighted_mean_of_column_aucs():
    y, p, w = _binary(n=300, columns=3, seed=4)
    p = _on_grid(p, 200)
    per_column = [roc_auc_score(y[:, k], p[:, k], sample_weight=w) for k in range(3)]
    auc = metrics.AUC(multi_label=True)
    auc.update_state(y, p, sample_weight=w)
    np.testing.assert_allclose(float(auc.result()), np.mean(per_column), rtol=1e-5)
    label_weights = np.array([0.5, 0.0, 2.0])
    weighted = metrics.AUC(multi_label=True, num_labels=3, label_weights=label_weights)
    weighted.update_state(y, p, sample_weight=w)
    expected = np.sum(np.array(per_column) * label_weights) / label_weights.sum()
    np.testing.assert_allclose(float(weighted.result()), expected, rtol=1e-5)
    pooled = metrics.AUC()  # without multi_label every element is one prediction
    pooled.update_state(y, p, sample_weight=w)
    expected = roc_auc_score(y.ravel(), p.ravel(), sample_weight=np.repeat(w, 3))
    np.testing.assert_allclose(float(pooled.result()), expected, rtol=1e-5)


def test_label_weights_without_multi_label_weigh_each_column_sample():
    y, p, w = _binary(n=100, columns=2, seed=9)
    p = _on_grid(p, 200)
    label_weights = np.array([1.0, 3.0])
    auc = metrics.AUC(label_weights=label_weights)
    auc.update_state(y, p, sample_weight=w)
    element_weights = (w[:, None] * label_weights).ravel()
    expected = roc_auc_score(y.ravel(), p.ravel(), sample_weight=element_weights)
    np.testing.assert_allclose(float(auc.result()), expected, rtol=1e-5)


def test_from_logits_applies_a_sigmoid():
    y, _, w = _binary(n=50, seed=1)
    z = np.random.default_rng(1).normal(0, 2, 50).astype("float32")
    with_logits = metrics.AUC(from_logits=True)
    with_logits.update_state(y, z, sample_weight=w)
    plain = metrics.AUC()
    plain.update_state(y, 1 / (1 + np.exp(-z)), sample_weight=w)
    assert float(with_logits.result()) == pytest.approx(float(plain.result()), abs=1e-7)


def test_pr_auc_interpolation_by_hand():
    # thresholds -eps, 0.5, 1 + eps; counts (TP, FP, FN) = (3, 1, 0), (2, 1, 1), (0, 0, 3)
    y = np.array([1.0, 1.0, 0.0, 1.0])
    p = np.array([0.9, 0.3, 0.7, 0.6])
    auc = metrics.AUC(num_thresholds=3, curve="PR")
    auc.update_state(y, p)
    # piece 1: slope dTP/dP = 1, intercept 2 - 3 = -1, P from 4 to 3, over 3 positives;
    # piece 2: slope 2/3, intercept 0, P from 3 to 0 (log term dropped)
    expected = (1 - math.log(4 / 3)) / 3 + (2 / 3) * 2 / 3
    assert float(auc.result()) == pytest.approx(expected, rel=1e-6)
    # minoring / majoring: precision 3/4, 2/3, 0 at recall 1, 2/3, 0
    minoring = metrics.AUC(num_thresholds=3, curve="PR", summation_method="minoring")
    majoring = metrics.AUC(num_thresholds=3, curve="PR", summation_method="majoring")
    for m in (minoring, majoring):
        m.update_state(y, p)
    assert float(minoring.result()) == pytest.approx((1 / 3) * (2 / 3) + (2 / 3) * 0, rel=1e-6)
    assert float(majoring.result()) == pytest.approx((1 / 3) * (3 / 4) + (2 / 3) * (2 / 3),
                                                     rel=1e-6)


def test_roc_minoring_and_majoring_bracket_the_interpolation():
    y, p, w = _binary(n=300, seed=8)
    values = {}
    for method in ("minoring", "interpolation", "majoring"):
        auc = metrics.AUC(num_thresholds=20, summation_method=method)
        auc.update_state(y, p, sample_weight=w)
        values[method] = float(auc.result())
    assert values["minoring"] < values["interpolation"] < values["majoring"]
    assert values["interpolation"] == pytest.approx(
        (values["minoring"] + values["majoring"]) / 2, abs=1e-6
    )


def test_explicit_thresholds_and_their_config():
    auc = metrics.AUC(thresholds=[0.7, 0.2, 0.5])
    assert auc.num_thresholds == 5
    eps = 1e-7
    np.testing.assert_allclose(auc.thresholds, [-eps, 0.2, 0.5, 0.7, 1 + eps])
    assert auc.get_config()["thresholds"] == [0.2, 0.5, 0.7]
    y = np.array([0.0, 1.0, 1.0, 0.0])
    p = np.array([0.2, 0.5, 0.7, 0.5])  # on the thresholds: exact against sklearn
    auc.update_state(y, p)
    assert float(auc.result()) == pytest.approx(roc_auc_score(y, p), abs=1e-6)


# --------------------------------------------------------------------------
# X at Y
# --------------------------------------------------------------------------


def _operating_points(y, p, w):
    """(fpr, tpr, precision, recall) at every distinct threshold, from sklearn."""
    fpr, tpr, _ = roc_curve(y, p, sample_weight=w, drop_intermediate=False)
    precision, recall, _ = precision_recall_curve(y, p, sample_weight=w)
    return fpr, tpr, precision, recall


@pytest.mark.parametrize("value", [0.3, 0.6, 0.9])
def test_rate_at_rate_metrics_match_sklearn_curves(value):
    y, p, w = _binary(n=300, seed=6)
    p = _on_grid(p, 200)
    fpr, tpr, precision, recall = _operating_points(y, p, w)
    cases = [
        (metrics.SensitivityAtSpecificity(value), np.max(tpr[1 - fpr >= value])),
        (metrics.SpecificityAtSensitivity(value), np.max((1 - fpr)[tpr >= value])),
        (metrics.PrecisionAtRecall(value), np.max(precision[recall >= value])),
        (metrics.RecallAtPrecision(value), np.max(recall[precision >= value])),
    ]
    for metric, expected in cases:
        metric.update_state(y, p, sample_weight=w)
        assert float(metric.result()) == pytest.approx(expected, rel=1e-5), type(metric)


def test_recall_at_an_unreachable_precision_is_zero():
    metric = metrics.RecallAtPrecision(1.0)
    metric.update_state(np.array([0.0, 1.0]), np.array([0.9, 0.1]))
    assert float(metric.result()) == 0.0


# --------------------------------------------------------------------------
# Streaming, reset, result shapes
# --------------------------------------------------------------------------

STREAMING = [
    lambda: metrics.TruePositives(thresholds=[0.3, 0.6]),
    lambda: metrics.FalseNegatives(),
    lambda: metrics.Precision(thresholds=[0.2, 0.5]),
    lambda: metrics.Recall(class_id=1),
    lambda: metrics.Precision(top_k=2),
    lambda: metrics.AUC(),
    lambda: metrics.AUC(curve="PR"),
    lambda: metrics.AUC(multi_label=True, curve="PRGAIN"),
    lambda: metrics.SensitivityAtSpecificity(0.5),
    lambda: metrics.RecallAtPrecision(0.4, num_thresholds=17),
]


@pytest.mark.parametrize("make", STREAMING, ids=lambda f: repr(f()))
def test_several_batches_equal_one_batch_and_reset_forgets(make):
    y, p, w = _binary(n=60, columns=3, seed=12)
    streamed, whole = make(), make()
    for part in np.array_split(np.arange(60), [7, 30]):
        streamed.update_state(y[part], p[part], sample_weight=w[part])
    whole.update_state(y, p, sample_weight=w)
    np.testing.assert_allclose(_value(streamed), _value(whole), rtol=1e-5, atol=1e-7)
    fresh = make()
    fresh.update_state(y[:20], p[:20])
    streamed.reset_state()
    streamed.update_state(y[:20], p[:20])
    np.testing.assert_array_equal(_value(streamed), _value(fresh))
    assert all(v.dtype == np.float32 for v in streamed.variables)


def test_empty_state_results_are_zero():
    for metric in (metrics.Precision(), metrics.Recall(), metrics.AUC(),
                   metrics.PrecisionAtRecall(0.5), metrics.AUC(multi_label=True)):
        assert float(metric.result()) == 0.0


def test_auc_names_variables_like_keras():
    auc = metrics.AUC(num_thresholds=10)
    assert [v.name for v in auc.variables] == [
        "true_positives", "false_positives", "true_negatives", "false_negatives"]
    assert auc.true_positives.shape == (10,)
    multi = metrics.AUC(multi_label=True, num_labels=4)
    assert multi.true_positives.shape == (200, 4)
    assert metrics.Precision().variables[0].path == "precision/true_positives"


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: metrics.TruePositives(thresholds=1.5), r"\[0, 1\]. Received: thresholds=1.5"),
        (lambda: metrics.Precision(thresholds=[0.2, -0.1]), r"Received: thresholds=\[0.2, -0.1\]"),
        (lambda: metrics.Recall(thresholds=[None]), "Received: thresholds=\\[None\\]"),
        (lambda: metrics.Precision(top_k=0), "top_k must be a positive integer"),
        (lambda: metrics.AUC(num_thresholds=1), "num_thresholds must be an integer > 1"),
        (lambda: metrics.AUC(curve="roc_curve"), "Received: curve='roc_curve'"),
        (lambda: metrics.AUC(summation_method="trapezoid"), "summation_method='trapezoid'"),
        (lambda: metrics.AUC(num_labels=3), "num_labels is needed only when multi_label"),
        (lambda: metrics.SensitivityAtSpecificity(1.2), "specificity=1.2"),
        (lambda: metrics.SpecificityAtSensitivity(-0.1), "sensitivity=-0.1"),
        (lambda: metrics.PrecisionAtRecall(0.5, num_thresholds=0), "num_thresholds=0"),
        (lambda: metrics.RecallAtPrecision(2), "precision=2"),
    ],
)
def test_bad_arguments_are_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="precision: class_id needs y_pred of shape"):
        metrics.Precision(class_id=0).update_state(np.array([1.0, 0.0]), np.array([0.3, 0.9]))
    with pytest.raises(ValueError, match="rank 2 when multi_label=True"):
        metrics.AUC(multi_label=True).update_state(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="true_positives: sample_weight must broadcast"):
        metrics.TruePositives().update_state(np.ones(3), np.ones(3), sample_weight=np.ones(2))
