"""Writes tests/data/keras-golden/metrics.json: real Keras' results of the confusion-matrix,
F-score, R2, IoU and loss-twin metrics, for tests/test_metrics_keras_golden.py.

Run it with real Keras (JAX backend, float32), from outside the repository so that
``import keras`` finds Keras and not glassnet:

    cd /tmp && KERAS_BACKEND=jax ~/.cache/glassnet-bench/venvs/jax/bin/python \\
        /work/main/scripts/make_keras_golden_metrics.py

Every case builds ``keras.metrics.<class>(**args)``, calls ``update_state`` once per
batch (two batches: the state streams) and stores the batches (float32 values written
as Python floats), ``result()`` and ``get_config()``. "get" records the class that
``keras.metrics.get(name)`` returns for some names.
"""
import json
from pathlib import Path

import keras
import numpy as np

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "keras-golden" / "metrics.json"
RNG = np.random.default_rng(20261127)


def f32(x):
    return np.asarray(x, dtype=np.float32)


def binary_batches(n=(12, 9), columns=None, logits=False):
    """Two batches of 0/1 labels and scores in (0, 1) (or logits)."""
    batches = []
    for size in n:
        shape = (size,) if columns is None else (size, columns)
        y = RNG.integers(0, 2, shape).astype(np.float32)
        p = RNG.normal(0, 2, shape) if logits else RNG.uniform(0, 1, shape)
        w = RNG.uniform(0, 2, (size,))
        batches.append({"y_true": y, "y_pred": f32(p), "sample_weight": f32(w)})
    return batches


def multiclass_batches(k=4, n=(10, 7), one_hot=True):
    batches = []
    for size in n:
        labels = RNG.integers(0, k, size)
        scores = RNG.uniform(0, 1, (size, k))
        y = np.eye(k, dtype=np.float32)[labels] if one_hot else labels.astype(np.float32)
        w = RNG.uniform(0, 2, (size,))
        batches.append({"y_true": y, "y_pred": f32(scores), "sample_weight": f32(w)})
    return batches


def regression_batches(columns=3, n=(8, 6), positive=False):
    batches = []
    for size in n:
        y = RNG.normal(0, 1, (size, columns))
        p = y + RNG.normal(0, 0.7, (size, columns))
        if positive:
            y, p = np.abs(y) + 0.1, np.abs(p) + 0.1
        w = RNG.uniform(0, 2, (size,))
        batches.append({"y_true": f32(y), "y_pred": f32(p), "sample_weight": f32(w)})
    return batches


def label_batches(k=4, n=(15, 11), ignore=None):
    batches = []
    for size in n:
        y = RNG.integers(0, k, size)
        p = np.where(RNG.uniform(size=size) < 0.6, y, RNG.integers(0, k, size))
        if ignore is not None:
            y[RNG.uniform(size=size) < 0.2] = ignore
        w = RNG.integers(0, 3, size)  # integer weights: IoU keeps an int32 matrix
        batches.append({"y_true": f32(y), "y_pred": f32(p), "sample_weight": f32(w)})
    return batches


def one_hot(batches, k):
    out = []
    for b in batches:
        out.append(
            {
                "y_true": np.eye(k, dtype=np.float32)[b["y_true"].astype(int)],
                "y_pred": f32(RNG.uniform(0, 0.4, (len(b["y_pred"]), k))
                              + np.eye(k)[b["y_pred"].astype(int)]),
                "sample_weight": b["sample_weight"],
            }
        )
    return out


def on_thresholds(batches, num_thresholds):
    """Scores moved onto the grid i / (num_thresholds - 1): AUC's sum is then exact."""
    out = []
    for b in batches:
        grid = np.round(b["y_pred"] * (num_thresholds - 1)) / (num_thresholds - 1)
        out.append(dict(b, y_pred=f32(grid)))
    return out


def unweighted(batches):
    return [dict(b, sample_weight=None) for b in batches]


def cases():
    bin1 = binary_batches()
    bin2 = binary_batches(columns=3)
    logit = binary_batches(columns=2, logits=True)
    multi = multiclass_batches()
    reg = regression_batches()
    reg1 = regression_batches(columns=1)
    pos = regression_batches(positive=True)
    labels = label_batches()
    labels_ignore = label_batches(ignore=3)
    wide = [dict(b, y_pred=f32(3 * b["y_pred"] - 1)) for b in bin1]  # scores in (-1, 2)
    hinge_batches = [dict(b, y_true=f32(2 * b["y_true"] - 1)) for b in bin2]
    out = [
        ("TruePositives", {}, bin1),
        ("FalsePositives", {"thresholds": 0.3}, bin1),
        ("TrueNegatives", {"thresholds": [0.2, 0.5, 0.8]}, bin2),
        ("FalseNegatives", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, unweighted(bin2)),
        ("TruePositives", {"thresholds": [0.0, 0.5, 1.0]}, bin2),
        ("TruePositives", {"thresholds": [0.0, 0.5, 1.0]}, wide),  # evenly spaced: clipped
        ("TruePositives", {"thresholds": [0.2, 1.0]}, wide),  # not evenly spaced: no clip
        ("Precision", {}, bin1),
        ("Precision", {"thresholds": [0.1, 0.5, 0.9]}, bin2),
        ("Precision", {"top_k": 2}, multi),
        ("Precision", {"class_id": 2}, multi),
        ("Precision", {"top_k": 1, "class_id": 1, "thresholds": 0.2}, multi),
        ("Recall", {}, unweighted(bin1)),
        ("Recall", {"thresholds": [0.3, 0.6]}, bin2),
        ("Recall", {"top_k": 2}, multi),
        ("Recall", {"class_id": 0}, multi),
        ("AUC", {}, bin1),
        ("AUC", {}, unweighted(bin2)),
        ("AUC", {}, wide),
        ("AUC", {"summation_method": "minoring"}, bin1),
        ("AUC", {"summation_method": "majoring"}, bin1),
        ("AUC", {"curve": "PR"}, bin1),
        ("AUC", {"curve": "PR"}, unweighted(bin2)),
        ("AUC", {"curve": "PR", "summation_method": "minoring"}, bin2),
        ("AUC", {"curve": "PR", "summation_method": "majoring"}, bin2),
        ("AUC", {"curve": "PRGAIN"}, bin2),
        ("AUC", {"num_thresholds": 11}, on_thresholds(bin1, 11)),
        ("AUC", {"num_thresholds": 50, "curve": "PR"}, bin2),
        ("AUC", {"thresholds": [0.1, 0.3, 0.5, 0.7, 0.9]}, bin2),
        ("AUC", {"thresholds": [0.25, 0.5, 0.75]}, bin1),
        ("AUC", {"multi_label": True}, bin2),
        ("AUC", {"multi_label": True, "num_labels": 3, "label_weights": [0.2, 1.0, 0.5]}, bin2),
        ("AUC", {"multi_label": True, "curve": "PR", "label_weights": [1.0, 0.0, 2.0]}, bin2),
        ("AUC", {"label_weights": [0.2, 1.0, 0.5]}, bin2),
        ("AUC", {"from_logits": True}, logit),
        ("AUC", {"from_logits": True, "multi_label": True, "curve": "PR"}, logit),
        ("SensitivityAtSpecificity", {"specificity": 0.6}, bin1),
        ("SpecificityAtSensitivity", {"sensitivity": 0.7}, bin2),
        ("PrecisionAtRecall", {"recall": 0.5, "num_thresholds": 30}, bin2),
        ("RecallAtPrecision", {"precision": 0.6}, bin1),
        ("RecallAtPrecision", {"precision": 0.5, "class_id": 1}, multi),
        ("SensitivityAtSpecificity", {"specificity": 0.5, "num_thresholds": 1}, bin1),
        ("F1Score", {}, multi),
        ("F1Score", {"average": "micro"}, multi),
        ("F1Score", {"average": "macro", "threshold": 0.4}, multi),
        ("F1Score", {"average": "weighted"}, multi),
        ("FBetaScore", {"beta": 2.0}, multi),
        ("FBetaScore", {"beta": 0.5, "average": "weighted", "threshold": 0.5}, bin2),
        ("FBetaScore", {"beta": 2.0, "average": "micro", "threshold": 0.6}, unweighted(bin2)),
        ("R2Score", {}, reg),
        ("R2Score", {}, unweighted(reg)),
        ("R2Score", {"class_aggregation": None}, reg),
        ("R2Score", {"class_aggregation": "variance_weighted_average"}, reg),
        ("R2Score", {"num_regressors": 2}, reg1),
        ("R2Score", {"num_regressors": 5}, reg),  # n counts elements: 14 rows x 3 columns
        ("IoU", {"num_classes": 4, "target_class_ids": [0, 2]}, labels),
        ("IoU", {"num_classes": 4, "target_class_ids": [1]}, unweighted(labels)),
        ("MeanIoU", {"num_classes": 4}, labels),
        ("MeanIoU", {"num_classes": 4, "ignore_class": 3}, labels_ignore),
        ("BinaryIoU", {}, unweighted(bin1)),
        ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, unweighted(bin2)),
        ("OneHotIoU", {"num_classes": 4, "target_class_ids": [0, 3]}, one_hot(labels, 4)),
        ("OneHotMeanIoU", {"num_classes": 4}, one_hot(labels, 4)),
        ("Hinge", {}, hinge_batches),
        ("SquaredHinge", {}, bin2),
        ("CategoricalHinge", {}, multi),
        ("LogCoshError", {}, reg),
        ("CosineSimilarity", {}, reg),
        ("CosineSimilarity", {"axis": 0}, unweighted(reg)),
        ("KLDivergence", {}, [dict(b, y_pred=f32(b["y_pred"] / b["y_pred"].sum(-1,
                                                                              keepdims=True)))
                              for b in multi]),
        ("Poisson", {}, pos),
        ("MeanAbsolutePercentageError", {}, pos),
        ("MeanSquaredLogarithmicError", {}, pos),
    ]
    return out


def as_list(x):
    return None if x is None else np.asarray(x, dtype=np.float64).tolist()


def run(class_name, args, batches):
    metric = getattr(keras.metrics, class_name)(**args)
    for b in batches:
        metric.update_state(b["y_true"], b["y_pred"], sample_weight=b["sample_weight"])
    config = metric.get_config()
    config = {k: (np.asarray(v).tolist() if hasattr(v, "shape") else v) for k, v in config.items()}
    return {
        "class": class_name,
        "args": args,
        "batches": [{k: as_list(v) for k, v in b.items()} for b in batches],
        "result": as_list(metric.result()),
        "config": config,
    }


GET_NAMES = ["AUC", "auc", "precision", "Precision", "recall", "f1_score", "F1Score",
             "fbeta_score", "f_beta_score", "r2_score", "true_positives", "hinge",
             "squared_hinge", "kl_divergence", "poisson", "log_cosh_error",
             "cosine_similarity", "precision_at_recall", "iou", "mean_iou", "logcosh"]


def get_table():
    table = {}
    for name in GET_NAMES:
        try:
            table[name] = type(keras.metrics.get(name)).__name__
        except (ValueError, TypeError):
            table[name] = "error"
    return table


def main():
    data = {
        "note": (
            f"keras {keras.__version__}, backend {keras.backend.backend()}, float32: "
            "keras.metrics.<class>(**args), update_state per batch, result(), get_config(); "
            "get: type(keras.metrics.get(name)).__name__ or 'error'"
        ),
        "cases": [run(*case) for case in cases()],
        "get": get_table(),
    }
    OUT.write_text(json.dumps(data) + "\n")
    print(f"wrote {OUT} ({len(data['cases'])} cases)")


if __name__ == "__main__":
    main()
