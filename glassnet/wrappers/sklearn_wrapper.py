"""``SKLearnClassifier``, ``SKLearnRegressor``, ``SKLearnTransformer``: glassnet models as
scikit-learn estimators, with Keras 3's arguments and behaviour.

    def build(X, y, hidden=16, learning_rate=0.01):
        model = keras.Sequential([keras.Input((X.shape[1],)),
                                  keras.layers.Dense(hidden, activation="relu"),
                                  keras.layers.Dense(y.shape[1], activation="softmax")])
        model.compile(keras.optimizers.Adam(learning_rate), "categorical_crossentropy")
        return model

    search = GridSearchCV(
        SKLearnClassifier(build, fit_kwargs={"epochs": 5, "verbose": 0}),
        {"model_kwargs": [{"hidden": 8}, {"hidden": 32, "learning_rate": 0.001}]},
    )

What ``fit(X, y, **kwargs)`` does:

    1. checks X and y as scikit-learn estimators do (``n_features_in_`` and, for a
       DataFrame, ``feature_names_in_`` are recorded);
    2. encodes y: a classifier one-hot encodes its labels (``OneHotEncoder``, classes in
       sorted order, ``classes_``), also for two classes, whatever the loss; a
       regressor's or transformer's 1-D y becomes a column (n, 1);
    3. gets a model: ``model(X=X, y=encoded y, **model_kwargs)`` when ``model`` is a
       callable; a copy of ``model`` when it is a compiled ``Model``
       (``keras.models.clone_model``: the same architecture and compile settings, fresh
       weights); it must be compiled;
    4. ``model.fit(X, y, **{**fit_kwargs, **kwargs})``; the trained model is ``model_``
       and the History's ``{metric: [value per epoch]}`` is ``history_``.

``warm_start=True``: a second ``fit`` trains ``model_`` on, and a ``Model`` given as
``model`` is copied with its weights (``copy.deepcopy``) instead of being cloned.

``predict`` runs ``model_.predict`` quietly (``verbose=0``): a classifier returns the
class of the largest output (``classes_[argmax]``) and ``predict_proba`` the outputs
themselves (so the last layer should be a softmax); a regressor returns the outputs
(1-D when y was).  ``transform`` returns the model's outputs.  ``score`` is scikit-learn's:
accuracy for a classifier, R² for a regressor.

Parameters are stored as given, so ``get_params``/``set_params``/``sklearn.base.clone``
and the searches work as for any scikit-learn estimator (the searches set
``model_kwargs`` or ``fit_kwargs`` as whole dicts).  Training is random (weight
initialization, shuffling): the estimators carry scikit-learn's ``non_deterministic``
tag; seed with ``keras.utils.set_random_seed`` inside the model function for a
reproducible fit.

Compared with Keras 3's wrappers: ``fit`` does not change ``fit_kwargs``, ``clone`` keeps
``fit_kwargs``, ``warm_start`` is honoured, ``history_`` is the dict of the History,
and metadata routing (``set_fit_request``) is not implemented.
"""
import copy

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from glassnet.models.cloning import clone_model
from glassnet.models.model import Model


class SKLBase(BaseEstimator):
    """What the three wrappers share: the parameters, building the model, ``fit``.

    Arguments:
        model: a callable ``model(X, y, **model_kwargs)`` (called with keywords X and y,
            y encoded) that returns a compiled ``Model``; or a compiled ``Model``, which
            each ``fit`` clones (fresh weights) unless ``warm_start``.
        warm_start: whether a ``fit`` after the first one trains the fitted model on
            instead of starting anew.
        model_kwargs: dict of keyword arguments for ``model`` when it is a callable.
        fit_kwargs: dict of keyword arguments for ``Model.fit`` (epochs, batch_size,
            verbose, callbacks, ...); those given to ``fit`` itself take precedence.

    Attributes (after ``fit``):
        model_: the trained ``Model``.
        history_: ``{"loss": [...], ...}``, the History of the last ``model_.fit``.
        n_features_in_: the number of columns of X.
    """

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True  # random initial weights (and shuffled batches)
        return tags

    def fit(self, X, y, **kwargs):
        """Trains a model on X, y.

        Arguments:
            X: array-like of shape (n_samples, n_features).
            y: array-like of shape (n_samples,) (or (n_samples, n_outputs) for a
                regressor or transformer).
            **kwargs: passed to ``Model.fit``, over ``fit_kwargs``.

        Returns:
            self.
        """
        X, y = validate_data(self, X, y, **self._validation_options())
        y = self._encode_target(y, reset=True)
        model = self._model_to_fit(X, y)
        history = model.fit(X, y, **{**(self.fit_kwargs or {}), **kwargs})
        self.model_ = model
        self.history_ = dict(history.history)
        return self

    def _validation_options(self):
        return {"multi_output": True, "y_numeric": True}

    def _model_outputs(self, X):
        """``model_.predict`` on X after checking it as ``fit`` did."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self.model_.predict(X, verbose=0)

    def _encode_target(self, y, reset):
        """y for the model: a 1-D y becomes a column (n, 1)."""
        type_of_target(y, input_name="y", raise_unknown=True)
        if reset:
            self._target_ndim = y.ndim
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _decode_outputs(self, outputs):
        """The model's outputs for the user: (n, 1) back to 1-D when y was 1-D."""
        if self._target_ndim == 1 and outputs.ndim == 2 and outputs.shape[1] == 1:
            return outputs[:, 0]
        return outputs

    def _model_to_fit(self, X, y):
        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        owner = type(self).__name__
        if isinstance(self.model, Model):
            if self.model_kwargs:
                raise ValueError(
                    f"{owner}: model_kwargs are arguments of a model-building function, "
                    "but model is a Model instance. Received: "
                    f"model_kwargs={self.model_kwargs!r}"
                )
            model = copy.deepcopy(self.model) if self.warm_start else clone_model(self.model)
        elif callable(self.model):
            model = self.model(X=X, y=y, **(self.model_kwargs or {}))
        else:
            raise TypeError(
                f"{owner}: model must be a compiled glassnet Model or a callable "
                f"model(X, y, **model_kwargs) that returns one. Received: model={self.model!r}"
            )
        _check_compiled(model, owner)
        return model


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """A glassnet classifier as a scikit-learn estimator (``keras.wrappers.SKLearnClassifier``).

    The labels (numbers or strings, two classes or more) are one-hot encoded in the
    sorted order of ``classes_``, so the model function sees y of shape
    (n_samples, n_classes) and the model should end in ``Dense(y.shape[1],
    activation="softmax")`` trained with ``categorical_crossentropy``.

        predict_proba(X) = model_.predict(X)          (n_samples, n_classes)
        predict(X)       = classes_[argmax_k predict_proba(X)[:, k]]

    Arguments and attributes: see ``SKLBase``; also ``classes_``, the sorted labels.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True  # a few epochs of a small network
        return tags

    def _validation_options(self):
        return {}  # labels: any type; one column

    def _encode_target(self, y, reset):
        """Checks that y holds the labels of one binary or multiclass target and one-hot
        encodes them."""
        target_type = type_of_target(y, input_name="y", raise_unknown=True)
        if target_type not in ("binary", "multiclass"):
            raise ValueError(
                f"{type(self).__name__}: y must hold the labels of a binary or multiclass "
                f"target (one label per sample). Received: a {target_type} target"
            )
        labels = np.asarray(y).reshape(-1, 1)
        if reset:
            self._target_encoder = OneHotEncoder(sparse_output=False).fit(labels)
            self.classes_ = self._target_encoder.categories_[0]
            if len(self.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__}: a classifier needs at least 2 classes in y, "
                    f"and y has one class. Received: y with the single class "
                    f"{self.classes_[0].tolist()!r}"
                )
        return self._target_encoder.transform(labels).astype(np.float32)

    def predict_proba(self, X):
        """The model's outputs for X: one column per class of ``classes_``."""
        return self._model_outputs(X)

    def predict(self, X):
        """The class with the largest output for each sample of X."""
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]


class SKLearnRegressor(RegressorMixin, SKLBase):
    """A glassnet regressor as a scikit-learn estimator (``keras.wrappers.SKLearnRegressor``).

    The model function sees y as a column (n_samples, 1) when y is 1-D (else as given,
    one column per output) and should end in ``Dense(y.shape[1])``; ``predict`` returns
    1-D predictions for a 1-D y.  Arguments and attributes: see ``SKLBase``.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True  # a few epochs of a small network
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X):
        """The model's outputs for X (1-D when the model was fitted on a 1-D y)."""
        return self._decode_outputs(self._model_outputs(X))


class SKLearnTransformer(TransformerMixin, SKLBase):
    """A glassnet model as a scikit-learn transformer (``keras.wrappers.SKLearnTransformer``):
    ``fit`` trains the model on X, y as ``SKLearnRegressor`` does, and ``transform(X)`` is
    the model's output, e.g. an embedding to feed the next step of a ``Pipeline``.

    "Transformer" in scikit-learn's sense (a step that maps X to features), not the
    attention architecture.  Arguments and attributes: see ``SKLBase``.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # outputs are floatx, whatever X was
        tags.target_tags.required = True  # the model learns X -> y
        tags.target_tags.multi_output = True
        return tags

    def transform(self, X):
        """The model's outputs for X, shape (n_samples, n_outputs)."""
        return self._model_outputs(X)


def _check_compiled(model, owner):
    if not isinstance(model, Model):
        raise TypeError(
            f"{owner}: the model function must return a glassnet Model. "
            f"Received: {type(model).__name__}"
        )
    if not model.compiled:
        raise RuntimeError(
            f"{owner}: the model must be compiled with an optimizer and a loss before it "
            f"is fitted (model.compile(optimizer=..., loss=...)). Received: the model "
            f"{model.name!r}, not compiled"
        )
