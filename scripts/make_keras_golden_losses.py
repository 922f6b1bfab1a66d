"""Writes tests/data/keras-golden/losses_more.json: real Keras' values of the hinge,
log-cosh, cosine-similarity, focal, Dice and Tversky losses, for tests/test_losses_more.py.

Run it with real Keras (JAX backend, float32), from outside the repository so that
``import keras`` finds Keras and not glassnet (REPO is this repository):

    cd /tmp && KERAS_BACKEND=jax ~/.cache/glassnet-bench/venvs/jax/bin/python \\
        REPO/scripts/make_keras_golden_losses.py

The inputs are fixed (seeded) and stored in the JSON next to Keras' results:

- "functions": the per-sample values of each loss function (``keras.losses.<fn>``);
- "classes": the reduced value of each loss class for a reduction and sample weights
  (None: unweighted), and its ``get_config()``;
- "get": what ``keras.losses.get(name)`` returns for some names ("function <name>",
  "class <name>" or "error").
"""
import json
from pathlib import Path

import keras
import numpy as np

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "keras-golden" / "losses_more.json"


def make_inputs():
    rng = np.random.default_rng(20261127)
    logits = rng.normal(0, 2, (4, 3))
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    p_sig = rng.uniform(0.02, 0.98, (4, 3))
    p_edge = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.3], [0.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    cos_pred = rng.normal(0, 1, (4, 3))
    cos_pred[1] = 0.0  # a zero vector: the similarity is 0
    cos_pred[2] = [3e-8, -4e-8, 0.0]  # ||x|| < eps: Keras' 1 / eps cap matters
    inputs = {
        "y_bin01": rng.integers(0, 2, (4, 3)).astype(float),
        "y_pm1": rng.choice([-1.0, 1.0], (4, 3)),
        "y_mixed": np.array([[0.0, 1, -1], [1, 0, 1], [-1, -1, 0], [1, 1, 1]]),  # not mapped
        "y_onehot": np.eye(3)[rng.integers(0, 3, 4)],
        "logits": logits,
        "probs": probs,
        "p_sig": p_sig,
        "p_edge": p_edge,
        "y_reg": rng.normal(0, 1, (4, 3)),
        "p_reg": rng.normal(0, 1.5, (4, 3)),
        "p_far": np.array([[100.0, -100.0, 50.0], [-60.0, 89.5, 0.0],
                           [1e-4, -1e-3, 3.0], [-20.0, 20.0, -0.5]]),
        "y_cos": rng.normal(0, 1, (4, 3)),
        "p_cos": cos_pred,
        "y_seg": rng.integers(0, 2, (4, 2, 3)).astype(float),
        "p_seg": rng.uniform(0, 1, (4, 2, 3)),
        "y_rank1": rng.integers(0, 2, (4,)).astype(float),
        "p_rank2": rng.uniform(0.05, 0.95, (4, 1)),
        "w": np.array([0.5, 2.0, 0.0, 1.0]),  # sum 3.5, not the batch size
        "w2d": np.array([[1.0, 0.5], [0.0, 2.0], [1.5, 1.0], [0.25, 3.0]]),
    }
    return {key: value.astype(np.float32) for key, value in inputs.items()}


# (function, kwargs, y_true, y_pred)
FUNCTIONS = [
    ("squared_hinge", {}, "y_pm1", "p_reg"),
    ("squared_hinge", {}, "y_bin01", "p_reg"),
    ("squared_hinge", {}, "y_mixed", "p_reg"),
    ("categorical_hinge", {}, "y_onehot", "p_reg"),
    ("categorical_hinge", {}, "y_onehot", "probs"),
    ("log_cosh", {}, "y_reg", "p_reg"),
    ("log_cosh", {}, "y_reg", "p_far"),
    ("cosine_similarity", {}, "y_cos", "p_cos"),
    ("cosine_similarity", {"axis": 0}, "y_cos", "p_reg"),
    ("categorical_focal_crossentropy", {}, "y_onehot", "probs"),
    ("categorical_focal_crossentropy", {"from_logits": True}, "y_onehot", "logits"),
    ("categorical_focal_crossentropy", {"alpha": 0.5, "gamma": 1.5, "label_smoothing": 0.1},
     "y_onehot", "probs"),
    ("categorical_focal_crossentropy", {"alpha": [0.2, 0.3, 0.5]}, "y_onehot", "probs"),
    ("categorical_focal_crossentropy", {"gamma": 0.0, "alpha": 1.0}, "y_onehot", "probs"),
    ("categorical_focal_crossentropy", {"from_logits": True, "axis": 0}, "y_onehot", "logits"),
    ("categorical_focal_crossentropy", {}, "y_bin01", "p_edge"),
    ("binary_focal_crossentropy", {}, "y_bin01", "p_sig"),
    ("binary_focal_crossentropy", {"from_logits": True}, "y_bin01", "logits"),
    ("binary_focal_crossentropy", {"apply_class_balancing": True, "alpha": 0.4, "gamma": 3.0},
     "y_bin01", "p_sig"),
    ("binary_focal_crossentropy", {"from_logits": True, "label_smoothing": 0.2,
                                   "apply_class_balancing": True}, "y_bin01", "logits"),
    ("binary_focal_crossentropy", {"axis": 0}, "y_bin01", "p_sig"),
    ("binary_focal_crossentropy", {}, "y_bin01", "p_edge"),
    ("binary_focal_crossentropy", {"gamma": 0.0}, "y_bin01", "p_sig"),
    ("dice", {}, "y_seg", "p_seg"),
    ("dice", {"axis": (1, 2)}, "y_seg", "p_seg"),
    ("tversky", {}, "y_seg", "p_seg"),
    ("tversky", {"alpha": 0.3, "beta": 0.7, "axis": (1, 2)}, "y_seg", "p_seg"),
]

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None]

# (class, kwargs, y_true, y_pred, sample_weight or None)
CLASSES = [
    ("SquaredHinge", {}, "y_bin01", "p_reg", None),
    ("SquaredHinge", {}, "y_bin01", "p_reg", "w"),
    ("SquaredHinge", {}, "y_rank1", "p_rank2", "w"),  # (N,) vs (N, 1)
    ("CategoricalHinge", {}, "y_onehot", "p_reg", None),
    ("CategoricalHinge", {}, "y_onehot", "p_reg", "w"),
    ("LogCosh", {}, "y_reg", "p_far", None),
    ("LogCosh", {}, "y_reg", "p_reg", "w"),
    ("LogCosh", {}, "y_seg", "p_seg", "w2d"),
    ("CosineSimilarity", {}, "y_cos", "p_cos", None),
    ("CosineSimilarity", {}, "y_cos", "p_reg", "w"),
    ("CosineSimilarity", {"axis": 0}, "y_cos", "p_reg", None),
    ("CategoricalFocalCrossentropy", {}, "y_onehot", "probs", None),
    ("CategoricalFocalCrossentropy", {"from_logits": True, "alpha": 0.6}, "y_onehot", "logits",
     "w"),
    ("BinaryFocalCrossentropy", {}, "y_bin01", "p_sig", None),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "from_logits": True},
     "y_bin01", "logits", "w"),
    ("BinaryFocalCrossentropy", {"gamma": 1.0}, "y_rank1", "p_rank2", "w"),
    ("BinaryFocalCrossentropy", {}, "y_seg", "p_seg", "w2d"),
    ("Dice", {}, "y_seg", "p_seg", None),
    ("Dice", {"axis": (1, 2)}, "y_seg", "p_seg", "w"),
    ("Tversky", {"alpha": 0.3, "beta": 0.7, "axis": (1, 2)}, "y_seg", "p_seg", "w"),
]

GET_NAMES = [
    "squared_hinge", "SquaredHinge", "categorical_hinge", "CategoricalHinge", "log_cosh",
    "LogCosh", "logcosh", "cosine_similarity", "CosineSimilarity", "cosine_proximity",
    "categorical_focal_crossentropy", "CategoricalFocalCrossentropy",
    "binary_focal_crossentropy", "BinaryFocalCrossentropy", "dice", "Dice", "tversky",
    "Tversky", "huber_loss",
]


def as_list(x):
    return np.asarray(x, dtype=np.float64).tolist()


def describe(obj):
    if isinstance(obj, keras.losses.Loss):
        return f"class {type(obj).__name__}"
    return f"function {obj.__name__}"


def main():
    assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax"
    inputs = make_inputs()
    functions = []
    for fn, kwargs, y_true, y_pred in FUNCTIONS:
        value = getattr(keras.losses, fn)(inputs[y_true], inputs[y_pred], **kwargs)
        functions.append({"fn": fn, "kwargs": kwargs, "y_true": y_true, "y_pred": y_pred,
                          "value": as_list(value)})
    classes = []
    for cls, kwargs, y_true, y_pred, weight in CLASSES:
        for reduction in REDUCTIONS:
            loss = getattr(keras.losses, cls)(reduction=reduction, **kwargs)
            sample_weight = None if weight is None else inputs[weight]
            value = loss(inputs[y_true], inputs[y_pred], sample_weight=sample_weight)
            classes.append({"cls": cls, "kwargs": kwargs, "y_true": y_true, "y_pred": y_pred,
                            "sample_weight": weight, "reduction": reduction,
                            "value": as_list(value), "config": loss.get_config()})
    get = {}
    for name in GET_NAMES:
        try:
            get[name] = describe(keras.losses.get(name))
        except (ValueError, TypeError):
            get[name] = "error"
    data = {
        "keras_version": keras.__version__,
        "backend": f"{keras.backend.backend()} {__import__('jax').__version__}",
        "note": ("keras.losses.<fn>(y_true, y_pred, **kwargs) per sample ('functions'); "
                 "keras.losses.<cls>(reduction=..., **kwargs)(y_true, y_pred, sample_weight) "
                 "('classes', with get_config()); keras.losses.get(name) ('get'). float32 "
                 "inputs, written as float64; made by scripts/make_keras_golden_losses.py"),
        "inputs": {key: as_list(value) for key, value in inputs.items()},
        "functions": functions,
        "classes": classes,
        "get": get,
    }
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT} ({len(functions)} function calls, {len(classes)} class calls)")


if __name__ == "__main__":
    main()
