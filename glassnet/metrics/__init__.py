"""Metrics, as in ``keras.metrics`` (Keras 3 semantics).

A metric is stateful: ``update_state`` adds a batch, ``result`` gives the value
over every sample seen since ``reset_state``.  Inputs are data: everything is
computed on NumPy arrays, no graph.

Modules (named as in Keras' source, so that no module hides the function of the
same name, ``metrics.hinge`` or ``metrics.accuracy``): ``base`` (Metric, Mean, Sum,
MeanMetricWrapper), ``accuracy_metrics``, ``regression_metrics`` (incl. R2Score),
``probabilistic_metrics``, ``hinge_metrics``, ``confusion_metrics`` (TP/FP/TN/FN,
Precision, Recall, AUC, ...), ``f_score_metrics``, ``iou_metrics``, and ``lookup``
(get, resolve, serialize, deserialize).
"""
from glassnet.losses import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from glassnet.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from glassnet.metrics.base import Mean, MeanMetricWrapper, Metric, Sum
from glassnet.metrics.confusion_metrics import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from glassnet.metrics.f_score_metrics import F1Score, FBetaScore
from glassnet.metrics.hinge_metrics import CategoricalHinge, Hinge, SquaredHinge
from glassnet.metrics.iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from glassnet.metrics.lookup import (
    deserialize,
    get,
    resolve,
    resolve_accuracy,
    resolve_crossentropy,
    serialize,
)
from glassnet.metrics.probabilistic_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
)
from glassnet.metrics.regression_metrics import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
)
