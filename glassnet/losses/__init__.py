"""Loss functions and classes, as in ``keras.losses`` (Keras 3 semantics).

Each loss comes three ways: a function returning one loss per sample
(``mean_squared_error(y_true, y_pred)``), a class whose call reduces those to
a scalar (``MeanSquaredError()(y_true, y_pred, sample_weight)``), and a string
name for ``compile`` (``"mse"``).

``y_pred`` is differentiable; ``y_true`` is data (converted to an array, never
differentiated).  Shared conventions, as in Keras:

- eps = ``config.epsilon()`` = 1e-7 guards every log and division.
- ``squeeze_or_expand_to_same_rank`` reconciles y (N,) with y_pred (N, 1) by
  expanding y to (N, 1), so the pair never broadcasts to N x N.  Shapes that
  still differ after it raise a ValueError naming both (Keras would broadcast).
- Logits shortcut: a softmax or sigmoid output carries its logits, and the
  cross-entropies use them (see ``glassnet.losses.probabilistic``).

Modules: ``common`` (input helpers), ``reduction`` (weighting and reduction),
``loss`` (Loss, LossFunctionWrapper), ``probabilistic``, ``regression``, ``hinge``,
``segmentation`` (the losses), ``lookup`` (get, serialize, deserialize).
"""
from glassnet.losses.common import squeeze_or_expand_to_same_rank
from glassnet.losses.hinge import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from glassnet.losses.lookup import (
    deserialize,
    get,
    label_kind,
    resolve_crossentropy,
    serialize,
)
from glassnet.losses.loss import Loss, LossFunctionWrapper
from glassnet.losses.probabilistic import (
    BCE,
    KLD,
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    bce,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    kl_divergence,
    kld,
    kullback_leibler_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from glassnet.losses.reduction import REDUCTIONS, reduce_weighted_values, standardize_reduction
from glassnet.losses.regression import (
    MAE,
    MAPE,
    MSE,
    MSLE,
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    cosine_similarity,
    huber,
    log_cosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
)
from glassnet.losses.segmentation import Dice, Tversky, dice, tversky
