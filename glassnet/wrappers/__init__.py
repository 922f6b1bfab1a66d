"""scikit-learn wrappers (``keras.wrappers``, as in Keras 3.5+).

    from glassnet.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer

A glassnet model becomes a scikit-learn estimator, usable in ``GridSearchCV``,
``RandomizedSearchCV``, ``cross_val_score`` and ``Pipeline``.  scikit-learn is an
optional dependency: ``pip install glassnet[sklearn]``.
"""
try:
    import sklearn  # the wrappers are scikit-learn estimators
except ImportError as error:
    raise ImportError(
        "glassnet.wrappers needs scikit-learn, which is not installed. Install it with "
        "`pip install glassnet[sklearn]` (or `pip install scikit-learn`)."
    ) from error

from glassnet.wrappers.sklearn_wrapper import (
    SKLearnClassifier,
    SKLearnRegressor,
    SKLearnTransformer,
)

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]
