"""Finding metrics by name: get, resolve (what ``compile(metrics=[...])`` uses),
serialize and deserialize."""
from glassnet import losses, serialization
from glassnet.losses import (
    binary_crossentropy,
    categorical_crossentropy,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    sparse_categorical_crossentropy,
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
from glassnet.metrics.f_score_metrics import (
    F1Score,
    FBetaScore,
)
from glassnet.metrics.hinge_metrics import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
)
from glassnet.metrics.iou_metrics import (
    BinaryIoU,
    IoU,
    MeanIoU,
    OneHotIoU,
    OneHotMeanIoU,
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
from glassnet.naming import to_snake_case

_FUNCTIONS = {
    fn.__name__: fn
    for fn in (
        accuracy,
        binary_accuracy,
        categorical_accuracy,
        sparse_categorical_accuracy,
        top_k_categorical_accuracy,
        sparse_top_k_categorical_accuracy,
        mean_squared_error,
        mean_absolute_error,
        mean_absolute_percentage_error,
        mean_squared_logarithmic_error,
        binary_crossentropy,
        categorical_crossentropy,
        sparse_categorical_crossentropy,
    )
}
_FUNCTIONS.update(
    {
        "mse": mean_squared_error,
        "mae": mean_absolute_error,
        "mape": mean_absolute_percentage_error,
        "msle": mean_squared_logarithmic_error,
        "bce": binary_crossentropy,
        "acc": accuracy,
    }
)
_CLASSES = {
    cls.__name__: cls
    for cls in (
        Mean,
        Sum,
        MeanMetricWrapper,
        Accuracy,
        BinaryAccuracy,
        CategoricalAccuracy,
        SparseCategoricalAccuracy,
        TopKCategoricalAccuracy,
        SparseTopKCategoricalAccuracy,
        MeanSquaredError,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
        RootMeanSquaredError,
        CosineSimilarity,
        LogCoshError,
        R2Score,
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
        KLDivergence,
        Poisson,
        Hinge,
        SquaredHinge,
        CategoricalHinge,
        TruePositives,
        FalsePositives,
        TrueNegatives,
        FalseNegatives,
        Precision,
        Recall,
        AUC,
        PrecisionAtRecall,
        RecallAtPrecision,
        SensitivityAtSpecificity,
        SpecificityAtSensitivity,
        FBetaScore,
        F1Score,
        IoU,
        MeanIoU,
        BinaryIoU,
        OneHotIoU,
        OneHotMeanIoU,
    )
}
# Names: the functions above; every other snake_case class name ("auc", "precision",
# "f1_score", "r2_score", "mean_io_u" as Keras spells it) gives an instance, as in Keras 3.
_NAMES = {to_snake_case(name): cls for name, cls in _CLASSES.items()}
_NAMES.update(_FUNCTIONS)
_NAMES["root_mean_squared_error"] = RootMeanSquaredError  # the root of the mean

_ACCURACY_BY_KIND = {
    "binary": BinaryAccuracy,
    "sparse": SparseCategoricalAccuracy,
    "categorical": CategoricalAccuracy,
}
_CROSSENTROPY_BY_KIND = {
    "binary": BinaryCrossentropy,
    "sparse": SparseCategoricalCrossentropy,
    "categorical": CategoricalCrossentropy,
}


def get(identifier):
    """A metric from a name, a class name, a config dict, a function, a class or an instance.

    Class names ("AUC", "Precision") and the snake_case names of classes ("auc",
    "precision", "f1_score") give new instances, as ``keras.metrics.get``; the names of
    metric functions ("mse", "categorical_accuracy") give the functions (Keras 3 gives
    the class of the same name; ``resolve`` makes both the same metric).
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str) and identifier in _CLASSES:
        return _CLASSES[identifier]()
    metric = serialization.lookup("metric", identifier, _NAMES, classes=_CLASSES)
    return metric() if isinstance(metric, type) else metric


def resolve_accuracy(name, y_true, y_pred):
    """The accuracy metric that "accuracy"/"acc" means for these shapes (keras-spec 6).

    Binary if y_pred.shape[-1] == 1; sparse categorical if rank(y_true) < rank(y_pred)
    or y_true.shape[-1] == 1 (and y_pred.shape[-1] > 1); categorical otherwise.
    The metric is named ``name``.  Only ``.shape`` of y_true and y_pred is read.
    """
    return _ACCURACY_BY_KIND[losses.label_kind(y_true, y_pred)](name=name)


def resolve_crossentropy(name, y_true, y_pred):
    """The cross-entropy metric that "crossentropy"/"ce" means, chosen like accuracy."""
    return _CROSSENTROPY_BY_KIND[losses.label_kind(y_true, y_pred)](name=name)


def resolve(identifier, y_true, y_pred):
    """The Metric instance ``compile(metrics=[identifier])`` uses, named as Keras logs it.

    "accuracy"/"acc" and "crossentropy"/"ce" are chosen by shapes; functions are
    wrapped in a MeanMetricWrapper (named after the function); a string names
    the metric it gives; Metric instances are returned unchanged.
    """
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        return resolve_accuracy(identifier, y_true, y_pred)
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        return resolve_crossentropy(identifier, y_true, y_pred)
    metric = get(identifier)
    if not isinstance(metric, Metric):
        metric = MeanMetricWrapper(metric)
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


def serialize(metric):
    """A config dict for a Metric instance, the name for a built-in metric function."""
    if isinstance(metric, Metric):
        return serialization.serialize(metric)
    return metric.__name__


def deserialize(config):
    """The inverse of ``serialize``."""
    return get(config)
