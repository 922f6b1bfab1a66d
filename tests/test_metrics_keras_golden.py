"""glassnet's metrics against real Keras 3 (tests/data/keras-golden/metrics.json, made by
scripts/make_keras_golden_metrics.py): the confusion-matrix metrics, AUC in every curve
and summation, F-scores, R2, the IoU family and the loss twins, each fed two batches;
their configs; and which class ``metrics.get(name)`` gives."""
import re
import warnings

import numpy as np
import pytest
from conftest import golden

from glassnet import metrics

CASES = golden("metrics")["cases"]


def _case_id(case):
    args = ",".join(f"{k}={v}" for k, v in case["args"].items())
    return f"{case['class']}({args})"


def _run(case):
    metric = getattr(metrics, case["class"])(**case["args"])
    for batch in case["batches"]:
        weight = batch["sample_weight"]
        metric.update_state(
            np.asarray(batch["y_true"], dtype="float32"),
            np.asarray(batch["y_pred"], dtype="float32"),
            sample_weight=None if weight is None else np.asarray(weight, dtype="float32"),
        )
    return metric


def test_golden_file_covers_every_new_metric():
    covered = {case["class"] for case in CASES}
    new = {
        "TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives", "Precision",
        "Recall", "AUC", "SensitivityAtSpecificity", "SpecificityAtSensitivity",
        "PrecisionAtRecall", "RecallAtPrecision", "F1Score", "FBetaScore", "R2Score", "IoU",
        "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU", "Hinge", "SquaredHinge",
        "CategoricalHinge", "LogCoshError", "CosineSimilarity", "KLDivergence", "Poisson",
        "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
    }
    assert new <= covered


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_result_matches_keras(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # IoU warns about its float weights, as Keras does
        metric = _run(case)
    result = np.asarray(metric.result())
    expected = np.asarray(case["result"], dtype=np.float64)
    assert result.shape == expected.shape
    assert result.dtype == np.float32
    # float32 state and sums in another order: a few units in the last place
    np.testing.assert_allclose(result, expected, rtol=2e-6, atol=3e-7)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_config_matches_keras(case):
    config = getattr(metrics, case["class"])(**case["args"]).get_config()
    expected = dict(case["config"])
    # Keras makes default names unique per process ("precision_3"); glassnet does not
    expected["name"] = re.sub(r"_\d+$", "", expected["name"])
    if case["class"] == "CosineSimilarity":  # Keras forgets axis in the config; we keep it
        expected["axis"] = case["args"].get("axis", -1)
    assert config == expected


@pytest.mark.parametrize("name", sorted(golden("metrics")["get"]))
def test_get_resolves_names_like_keras(name):
    expected = golden("metrics")["get"][name]
    if expected == "error":  # an unknown name, or a class that needs arguments
        with pytest.raises((ValueError, TypeError)):
            metrics.get(name)
    else:
        assert type(metrics.get(name)).__name__ == expected


def test_function_names_still_give_functions():
    # Keras 3 gives MeanSquaredError() for "mse"; glassnet keeps the function, and
    # compile wraps it in a MeanMetricWrapper with the same values and log name
    assert metrics.get("mse") is metrics.mean_squared_error
    assert metrics.resolve("mse", np.ones((2, 1)), np.ones((2, 1))).name == "mse"
    auc = metrics.resolve("AUC", np.ones((2, 1)), np.ones((2, 1)))
    assert type(auc) is metrics.AUC and auc.name == "AUC"


TWINS = [
    (metrics.Hinge, "hinge", 1),
    (metrics.SquaredHinge, "squared_hinge", 1),
    (metrics.CategoricalHinge, "categorical_hinge", 1),
    (metrics.LogCoshError, "log_cosh", 1),
    (metrics.KLDivergence, "kl_divergence", 1),
    (metrics.Poisson, "poisson", 1),
    (metrics.CosineSimilarity, "cosine_similarity", -1),  # the loss is -cosine
]


@pytest.mark.parametrize("cls, loss_name, sign", TWINS, ids=lambda x: getattr(x, "__name__", x))
def test_loss_twins_are_the_weighted_mean_of_the_loss_function(cls, loss_name, sign):
    from glassnet import losses

    rng = np.random.default_rng(0)
    y = rng.uniform(0.1, 1, (10, 3)).astype("float32")
    p = rng.uniform(0.1, 1, (10, 3)).astype("float32")
    w = rng.uniform(0, 2, 10).astype("float32")
    per_sample = sign * np.asarray(getattr(losses, loss_name)(y, p), dtype=np.float64)
    metric = cls()
    metric.update_state(y[:4], p[:4], sample_weight=w[:4])
    metric.update_state(y[4:], p[4:], sample_weight=w[4:])
    expected = np.sum(w * per_sample) / np.sum(w)
    assert float(metric.result()) == pytest.approx(expected, rel=1e-5)
    if loss_name != "cosine_similarity":  # keras.metrics exports the loss functions too
        assert getattr(metrics, loss_name) is getattr(losses, loss_name)
