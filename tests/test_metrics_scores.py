"""F1Score/FBetaScore, R2Score and the IoU family against scikit-learn and hand
computations; streaming, reset and argument errors. (Keras' own values: see
test_metrics_keras_golden.py.)"""
import math
import warnings

import numpy as np
import pytest
from sklearn.metrics import f1_score, fbeta_score, jaccard_score, r2_score

from glassnet import metrics


def _multiclass(n=120, k=4, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    scores = rng.uniform(0, 1, (n, k)).astype("float32")
    scores[np.arange(n), labels] += rng.uniform(0, 0.6, n).astype("float32")  # informative
    w = rng.uniform(0, 2, n).astype("float32")
    return np.eye(k, dtype="float32")[labels], scores, w


def _value(metric):
    return np.asarray(metric.result(), dtype=np.float64)


# --------------------------------------------------------------------------
# F-scores
# --------------------------------------------------------------------------


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("threshold", [None, 0.6])
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0])
def test_fbeta_matches_sklearn(average, threshold, beta):
    y, p, w = _multiclass()
    if threshold is None:  # each row's highest score is its prediction
        predicted = np.eye(4)[np.argmax(p, axis=1)]
    else:
        predicted = (p > threshold).astype(float)
    metric = metrics.FBetaScore(average=average, beta=beta, threshold=threshold)
    metric.update_state(y, p, sample_weight=w)
    expected = fbeta_score(y, predicted, beta=beta, average=average, sample_weight=w,
                           zero_division=0)
    np.testing.assert_allclose(_value(metric), expected, rtol=1e-5)
    if beta == 1.0:
        f1 = metrics.F1Score(average=average, threshold=threshold)
        f1.update_state(y, p, sample_weight=w)
        np.testing.assert_allclose(_value(f1), f1_score(y, predicted, average=average,
                                                        sample_weight=w), rtol=1e-5)


def test_f1_by_hand_with_a_zero_row():
    y = np.array([[1, 0], [0, 1], [1, 0], [0, 1]], dtype="float32")
    p = np.array([[0.8, 0.2], [0.6, 0.4], [0.0, 0.0], [0.1, 0.9]])
    # threshold None: row 3 is all zeros, so it predicts nothing (|max| <= 1e-9)
    # class 0: TP 1, FP 1, FN 1 -> F1 1/2;  class 1: TP 1, FP 0, FN 1 -> F1 2/3
    f1 = metrics.F1Score()
    f1.update_state(y, p)
    np.testing.assert_allclose(_value(f1), [0.5, 2 / 3], rtol=1e-6)
    macro = metrics.F1Score(average="macro")
    macro.update_state(y, p)
    assert float(macro.result()) == pytest.approx((0.5 + 2 / 3) / 2, rel=1e-6)


def test_fbeta_streams_and_resets():
    y, p, w = _multiclass(n=50, seed=3)
    streamed, whole = metrics.FBetaScore(beta=2.0), metrics.FBetaScore(beta=2.0)
    for part in np.array_split(np.arange(50), 3):
        streamed.update_state(y[part], p[part], sample_weight=w[part])
    whole.update_state(y, p, sample_weight=w)
    np.testing.assert_allclose(_value(streamed), _value(whole), rtol=1e-6)
    streamed.reset_state()
    assert np.all(_value(streamed) == 0)
    assert [v.shape for v in streamed.variables] == [(4,)] * 4
    micro = metrics.F1Score(average="micro")
    micro.update_state(y, p)
    assert [v.shape for v in micro.variables] == [()] * 4


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: metrics.F1Score(average="samples"), "Received: average='samples'"),
        (lambda: metrics.FBetaScore(beta=1), "beta must be a Python float > 0"),
        (lambda: metrics.FBetaScore(beta=-1.0), "Received: beta=-1.0"),
        (lambda: metrics.F1Score(threshold=0.0), "0 < threshold <= 1"),
        (lambda: metrics.F1Score(threshold=1), "Received: threshold=1"),
    ],
)
def test_f_score_argument_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_f_score_needs_2d_inputs():
    with pytest.raises(ValueError, match=r"F1Score: expects 2D inputs.*y_pred\.shape=\(3,\)"):
        metrics.F1Score().update_state(np.ones(3), np.ones(3))


# --------------------------------------------------------------------------
# R2
# --------------------------------------------------------------------------


def _regression(n=80, k=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.normal(0, 1, (n, k)) * np.array([1.0, 3.0, 0.5])[:k]
    p = y + rng.normal(0, 0.8, (n, k))
    return y.astype("float32"), p.astype("float32"), rng.uniform(0, 2, n).astype("float32")


@pytest.mark.parametrize(
    "aggregation, multioutput",
    [("uniform_average", "uniform_average"), ("variance_weighted_average",
                                               "variance_weighted"), (None, "raw_values")],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_r2_matches_sklearn(aggregation, multioutput, weighted):
    y, p, w = _regression()
    w = w if weighted else None
    metric = metrics.R2Score(class_aggregation=aggregation)
    metric.update_state(y, p, sample_weight=w)
    expected = r2_score(y, p, sample_weight=w, multioutput=multioutput)
    np.testing.assert_allclose(_value(metric), expected, rtol=1e-5)


def test_adjusted_r2_by_hand_and_its_fallbacks():
    y, p, _ = _regression(n=30, k=1, seed=4)
    plain = r2_score(y, p)
    metric = metrics.R2Score(num_regressors=4)
    metric.update_state(y, p)
    expected = 1 - (1 - plain) * (30 - 1) / (30 - 4 - 1)
    assert float(metric.result()) == pytest.approx(expected, rel=1e-5)
    for p_count, message in ((29, "division by zero"), (40, "more independent predictors")):
        fallback = metrics.R2Score(num_regressors=p_count)
        fallback.update_state(y, p)
        with pytest.warns(UserWarning, match=message):
            value = float(fallback.result())
        assert value == pytest.approx(plain, rel=1e-5)


def test_r2_streams_over_batches_and_rank_one_inputs_are_columns():
    y, p, w = _regression(n=40, seed=6)
    streamed, whole = metrics.R2Score(), metrics.R2Score()
    for part in np.array_split(np.arange(40), 4):
        streamed.update_state(y[part], p[part], sample_weight=w[part])
    whole.update_state(y, p, sample_weight=w)
    np.testing.assert_allclose(_value(streamed), _value(whole), rtol=1e-5)
    column = metrics.R2Score()
    column.update_state(y[:, 0], p[:, :1])  # (N,) with (N, 1): one column
    assert float(column.result()) == pytest.approx(r2_score(y[:, 0], p[:, 0]), rel=1e-5)
    with pytest.raises(ValueError, match="R2Score: expects 2D inputs"):
        metrics.R2Score().update_state(np.ones(4), np.ones(4))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"class_aggregation": "mean"}, "Received: class_aggregation='mean'"),
        ({"num_regressors": -1}, "Received: num_regressors=-1"),
    ],
)
def test_r2_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        metrics.R2Score(**kwargs)


# --------------------------------------------------------------------------
# IoU
# --------------------------------------------------------------------------


def _labels(n=200, k=5, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    p = np.where(rng.uniform(size=n) < 0.5, y, rng.integers(0, k, n))
    w = rng.integers(0, 4, n)
    return y, p, w


def _sklearn_iou(y, p, w, classes):
    """Mean Jaccard index over the classes that occur in y or p (as Keras counts them)."""
    per_class = jaccard_score(y, p, labels=list(range(5)), average=None, sample_weight=w,
                              zero_division=0)
    present = [c for c in classes if np.sum(w[(y == c) | (p == c)]) > 0]
    return np.mean(per_class[present])


@pytest.mark.parametrize("targets", [[0], [1, 3], [0, 1, 2, 3, 4]])
def test_iou_matches_sklearn_jaccard(targets):
    y, p, w = _labels()
    iou = metrics.IoU(num_classes=5, target_class_ids=targets)
    iou.update_state(y, p, sample_weight=w)
    np.testing.assert_allclose(_value(iou), _sklearn_iou(y, p, w, targets), rtol=1e-5)
    mean = metrics.MeanIoU(num_classes=5)
    mean.update_state(y, p, sample_weight=w)
    np.testing.assert_allclose(_value(mean), _sklearn_iou(y, p, w, range(5)), rtol=1e-5)


def test_mean_iou_by_hand_with_ignore_class_and_out_of_range_labels():
    y = np.array([[0, 1], [2, 2], [1, 7]])  # 7 is out of range: left out
    p = np.array([[0, 1], [1, 2], [1, 0]])
    # kept pairs (true, pred): (0,0) (1,1) (2,1) (2,2) (1,1)
    # IoU_0 = 1/1, IoU_1 = 2/(2+3-2) = 2/3, IoU_2 = 1/(1+2-1) = 1/2
    mean = metrics.MeanIoU(num_classes=3)
    mean.update_state(y, p)
    assert float(mean.result()) == pytest.approx((1 + 2 / 3 + 1 / 2) / 3, rel=1e-6)
    np.testing.assert_array_equal(mean.total_cm.numpy(), [[1, 0, 0], [0, 2, 0], [0, 1, 1]])
    ignoring = metrics.MeanIoU(num_classes=3, ignore_class=2)  # drops (2,1) and (2,2)
    ignoring.update_state(y, p)
    # class 2 still has a denominator? no: nothing labelled or predicted 2 remains
    assert float(ignoring.result()) == pytest.approx((1 + 1) / 2, rel=1e-6)


def test_binary_iou_uses_greater_or_equal_and_both_classes():
    y = np.array([0, 1, 1, 0, 1])
    p = np.array([0.5, 0.5, 0.2, 0.1, 0.9])  # >= 0.5 -> 1 1 0 0 1
    # class 1: TP 2, FP 1, FN 1 -> 2/4;  class 0: TP 1, FP 1, FN 1 -> 1/3
    both = metrics.BinaryIoU()
    both.update_state(y, p)
    assert float(both.result()) == pytest.approx((2 / 4 + 1 / 3) / 2, rel=1e-6)
    ones = metrics.BinaryIoU(target_class_ids=[1], threshold=0.6)  # -> 0 0 0 0 1
    ones.update_state(y, p)
    assert float(ones.result()) == pytest.approx(1 / 3, rel=1e-6)


def test_one_hot_variants_equal_the_sparse_ones_on_argmax():
    y, p, w = _labels(n=60, k=5, seed=2)
    rng = np.random.default_rng(2)
    scores = rng.uniform(0, 0.5, (60, 5)) + np.eye(5)[p]
    one_hot = np.eye(5)[y]
    pairs = [
        (metrics.OneHotIoU(5, [1, 2]), metrics.IoU(5, [1, 2])),
        (metrics.OneHotMeanIoU(5), metrics.MeanIoU(5)),
        (metrics.OneHotMeanIoU(5, sparse_y_pred=True), metrics.MeanIoU(5)),
    ]
    for dense, sparse in pairs:
        dense.update_state(one_hot, p if dense.sparse_y_pred else scores, sample_weight=w)
        sparse.update_state(y, p, sample_weight=w)
        assert float(dense.result()) == float(sparse.result())


def test_iou_state_is_int32_and_float_weights_warn():
    iou = metrics.MeanIoU(3)
    assert iou.dtype == "int32" and iou.total_cm.dtype == np.int32
    with pytest.warns(UserWarning, match="truncated to integers"):
        iou.update_state(np.array([0, 1]), np.array([0, 1]), sample_weight=np.array([1.7, 2.2]))
    np.testing.assert_array_equal(np.diag(iou.total_cm.numpy()), [1, 2, 0])
    float_state = metrics.MeanIoU(3, dtype="float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        float_state.update_state(np.array([0, 1]), np.array([0, 1]), sample_weight=[1.5, 0.5])
    assert float(float_state.total_cm.numpy()[0, 0]) == 1.5
    assert float_state.result().dtype == np.float32


def test_iou_streams_and_resets():
    y, p, w = _labels(n=90, seed=5)
    streamed, whole = metrics.MeanIoU(5), metrics.MeanIoU(5)
    for part in np.array_split(np.arange(90), 4):
        streamed.update_state(y[part], p[part], sample_weight=w[part])
    whole.update_state(y, p, sample_weight=w)
    assert float(streamed.result()) == float(whole.result())
    streamed.reset_state()
    assert not streamed.total_cm.numpy().any()
    assert math.isclose(float(streamed.result()), 0.0)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: metrics.IoU(3, [0, 3]), r"target_class_ids must lie in \[0, 3\)"),
        (lambda: metrics.IoU(3, []), "Received: target_class_ids=\\[\\]"),
        (lambda: metrics.MeanIoU(0), "num_classes must be a positive integer"),
        (lambda: metrics.OneHotMeanIoU(2.5), "Received: num_classes=2.5"),
    ],
)
def test_iou_argument_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()
