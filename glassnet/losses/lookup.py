"""Losses by name: get, serialize, deserialize, and the shape-dependent "crossentropy"."""
from glassnet import serialization
from glassnet.losses.hinge import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from glassnet.losses.loss import Loss, LossFunctionWrapper
from glassnet.losses.probabilistic import (
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from glassnet.losses.regression import (
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
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from glassnet.losses.segmentation import Dice, Tversky, dice, tversky

_FUNCTIONS = {
    fn.__name__: fn
    for fn in (
        sparse_categorical_crossentropy,
        categorical_crossentropy,
        binary_crossentropy,
        mean_squared_error,
        mean_absolute_error,
        mean_absolute_percentage_error,
        mean_squared_logarithmic_error,
        huber,
        kl_divergence,
        hinge,
        poisson,
        squared_hinge,
        categorical_hinge,
        log_cosh,
        cosine_similarity,
        categorical_focal_crossentropy,
        binary_focal_crossentropy,
        dice,
        tversky,
    )
}
_FUNCTIONS.update(
    {
        "mse": mean_squared_error,
        "mae": mean_absolute_error,
        "mape": mean_absolute_percentage_error,
        "msle": mean_squared_logarithmic_error,
        "kld": kl_divergence,
        "kullback_leibler_divergence": kl_divergence,
        "bce": binary_crossentropy,
    }
)
_CLASSES = {
    cls.__name__: cls
    for cls in (
        Loss,
        LossFunctionWrapper,
        SparseCategoricalCrossentropy,
        CategoricalCrossentropy,
        BinaryCrossentropy,
        MeanSquaredError,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
        Huber,
        KLDivergence,
        Hinge,
        Poisson,
        SquaredHinge,
        CategoricalHinge,
        LogCosh,
        CosineSimilarity,
        CategoricalFocalCrossentropy,
        BinaryFocalCrossentropy,
        Dice,
        Tversky,
    )
}


def label_kind(y_true, y_pred):
    """"binary", "sparse" or "categorical", from the shapes alone (keras-spec section 6).

    binary if y_pred.shape[-1] == 1; sparse if rank(y_true) < rank(y_pred) or
    (y_true.shape[-1] == 1 and y_pred.shape[-1] > 1); categorical otherwise.
    Only ``.shape`` of the arguments is read.
    """
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    if pred_shape[-1:] == (1,):
        return "binary"
    if len(true_shape) < len(pred_shape) or true_shape[-1:] == (1,):
        return "sparse"
    return "categorical"


def resolve_crossentropy(y_true, y_pred):
    """The cross-entropy function that "crossentropy"/"ce" means for these shapes."""
    kind = label_kind(y_true, y_pred)
    return {
        "binary": binary_crossentropy,
        "sparse": sparse_categorical_crossentropy,
        "categorical": categorical_crossentropy,
    }[kind]


def get(identifier):
    """A loss from a name ("mse"), a class name ("MeanSquaredError"), a config dict,
    a function, a class or an instance.  Names give functions, class names instances.
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str) and identifier in _CLASSES:
        return _CLASSES[identifier]()
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        raise ValueError(
            f"Loss {identifier!r} depends on the shapes of y_true and y_pred; resolve it "
            f"with losses.resolve_crossentropy(y_true, y_pred). Received: loss={identifier!r}"
        )
    loss = serialization.lookup("loss", identifier, _FUNCTIONS, classes=_CLASSES)
    return loss() if isinstance(loss, type) else loss


def serialize(loss):
    """A config dict for a Loss instance, the name for a built-in loss function."""
    if isinstance(loss, Loss):
        return serialization.serialize(loss)
    return loss.__name__


def deserialize(config):
    """The inverse of ``serialize``."""
    return get(config)
