"""Metrics, as in ``keras.metrics`` (Keras 3 semantics).

A metric is stateful: ``update_state`` adds a batch, ``result`` gives the value
over every sample seen since ``reset_state``.  The averaging metrics keep two
non-trainable Variables and weight each sample equally (or by sample_weight):

    total += sum_i w_i v_i      count += sum_i w_i   (w_i = 1 by default)
    result = total / count      (0 while count is 0)

so an epoch's accuracy is exactly the fraction correct over all its samples.
Metric inputs are data: everything is computed on NumPy arrays, no graph.
"""
import numpy as np

from glassnet import config, losses, serialization
from glassnet.autodiff.tensor import Tensor, convert_to_numpy, no_grad
from glassnet.autodiff.variable import Variable
from glassnet.losses import (
    binary_crossentropy,
    categorical_crossentropy,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    sparse_categorical_crossentropy,
    squeeze_or_expand_to_same_rank,
)
from glassnet.naming import to_snake_case

# --------------------------------------------------------------------------
# Metric functions: per-sample values (a Tensor holding a float array)
# --------------------------------------------------------------------------


def _arrays(y_true, y_pred):
    return convert_to_numpy(y_true), convert_to_numpy(y_pred)


def _matches(equal):
    return Tensor(equal.astype(config.floatx()))


def accuracy(y_true, y_pred):
    """Equations:  acc_i = 1 if y_i == y_pred_i else 0  (exact equality, element-wise)"""
    y, y_hat = _arrays(y_true, y_pred)
    y, y_hat = squeeze_or_expand_to_same_rank(y, y_hat)
    return _matches(y == y_hat)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Equations:  acc_i = 1 if (y_pred_i > threshold) == y_i else 0"""
    y, y_hat = _arrays(y_true, y_pred)
    y, y_hat = squeeze_or_expand_to_same_rank(y, y_hat)
    return _matches((y_hat > threshold) == y)


def categorical_accuracy(y_true, y_pred):
    """Equations:  acc_i = 1 if argmax_k y_ik == argmax_k y_pred_ik else 0"""
    y, y_hat = _arrays(y_true, y_pred)
    return _matches(np.argmax(y, axis=-1) == np.argmax(y_hat, axis=-1))


def sparse_categorical_accuracy(y_true, y_pred):
    """Equations:  acc_i = 1 if y_i == argmax_k y_pred_ik else 0  (y of shape (N,) or (N, 1))"""
    y, y_hat = _arrays(y_true, y_pred)
    y = _squeeze_labels(y, y_hat)
    return _matches(y == np.argmax(y_hat, axis=-1))


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Equations:  acc_i = 1 if fewer than k classes score higher than argmax_k y_ik"""
    y, y_hat = _arrays(y_true, y_pred)
    return _matches(_in_top_k(np.argmax(y, axis=-1), y_hat, k))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Equations:  acc_i = 1 if fewer than k classes score higher than class y_i"""
    y, y_hat = _arrays(y_true, y_pred)
    return _matches(_in_top_k(_squeeze_labels(y, y_hat), y_hat, k))


def _squeeze_labels(y, y_hat):
    """Integer labels (N, 1) -> (N,) when y_pred is (N, K)."""
    if y.ndim == y_hat.ndim and y.shape[-1] == 1:
        y = y[..., 0]
    return y


def _in_top_k(labels, scores, k):
    """Whether each label's score is among the k highest (ties count as in, as in TF)."""
    labels = labels.astype(np.intp)
    label_scores = np.take_along_axis(scores, labels[..., None], axis=-1)  # (..., 1)
    higher = np.sum(scores > label_scores, axis=-1)  # classes that beat the label
    return higher < k


# --------------------------------------------------------------------------
# Metric classes
# --------------------------------------------------------------------------


class Metric:
    """Base class: state in non-trainable Variables, ``update_state``/``result``/``reset_state``.

    Arguments:
        name: defaults to the snake_case class name.
        dtype: the float type of the state and result (floatx, float32).
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.dtype = str(np.dtype(dtype or config.floatx()))
        self._variables = []

    def add_variable(self, shape=(), initializer="zeros", dtype=None, name=None):
        """A non-trainable Variable of state, reset to 0 by ``reset_state``."""
        if initializer != "zeros":
            raise ValueError(
                f"{self.name}: metric variables start at zeros. "
                f"Received: initializer={initializer!r}"
            )
        variable = Variable(
            np.zeros(shape, dtype=dtype or self.dtype),
            trainable=False,
            name=name,
            path=f"{self.name}/{name}",
        )
        self._variables.append(variable)
        return variable

    @property
    def variables(self):
        return list(self._variables)

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state.")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result.")

    def reset_state(self):
        for variable in self._variables:
            variable.assign(np.zeros(variable.shape, dtype=variable.dtype))

    def __call__(self, *args, **kwargs):
        """Updates the state with one batch and returns the result so far."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def _samplewise(name, values, sample_weight, reduce_fn, dtype):
    """Per-sample values and weights, weights applied (Keras' reduce_to_samplewise_values).

    Axes beyond the weights' rank are reduced with ``reduce_fn``; then every
    axis but the first (the samples).
    """
    values = np.asarray(values, dtype=dtype)
    if sample_weight is not None:
        w = np.asarray(convert_to_numpy(sample_weight), dtype=dtype)
        values, w = squeeze_or_expand_to_same_rank(values, w)
        if values.ndim > w.ndim:
            values = reduce_fn(values, axis=tuple(range(w.ndim, values.ndim)))
        try:
            w = np.broadcast_to(w, values.shape)
        except ValueError:
            raise ValueError(
                f"{name}: sample_weight must broadcast to the values. Received: "
                f"sample_weight.shape={w.shape}, values.shape={values.shape}"
            ) from None
        values = values * w
        if w.ndim > 1:
            w = reduce_fn(w, axis=tuple(range(1, w.ndim)))
        sample_weight = w
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


_NUMBERS = (float, int)


class Mean(Metric):
    """The (weighted) mean of the values given to ``update_state``.

    Equations:
        total += sum_i w_i v_i,   count += sum_i w_i  (the number of samples without weights)
        result = total / count
    Values of shape (N, ...) are first averaged per sample.
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")
        self.count = self.add_variable(name="count")

    def update_state(self, values, sample_weight=None):
        if type(values) in _NUMBERS and (sample_weight is None or type(sample_weight) in _NUMBERS):
            cast = self.total.data.dtype.type  # a Python number: a batch's loss
            w = 1 if sample_weight is None else sample_weight
            self.total.data += cast(values) * cast(w)
            self.count.data += cast(w)
            return
        if np.ndim(values) == 0 and np.ndim(sample_weight) == 0:  # one number, as an array
            w = 1.0 if sample_weight is None else sample_weight
            self.total.assign_add(np.asarray(values, dtype=self.dtype) * np.asarray(w, self.dtype))
            self.count.assign_add(np.asarray(w, dtype=self.dtype))
            return
        values, w = _samplewise(self.name, values, sample_weight, np.mean, self.dtype)
        self.total.assign_add(np.sum(values, dtype=self.dtype))
        if w is not None:
            num_samples = np.sum(w)
        elif values.ndim >= 1:
            num_samples = values.shape[0]
        else:
            num_samples = 1
        self.count.assign_add(np.asarray(num_samples, dtype=self.dtype))

    def result(self):
        total, count = self.total.data, self.count.data
        return Tensor(total / count if count != 0 else np.zeros_like(total))


class Sum(Metric):
    """The (weighted) sum of the values given to ``update_state``.

    Equations:
        total += sum_i w_i v_i,   result = total
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = _samplewise(self.name, values, sample_weight, np.sum, self.dtype)
        self.total.assign_add(np.sum(values, dtype=self.dtype))

    def result(self):
        return Tensor(self.total.data.copy())


class MeanMetricWrapper(Mean):
    """The mean of a per-sample function ``fn(y_true, y_pred, **kwargs)`` over all samples.

    ``name`` defaults to the function's name (Keras: "mean_metric_wrapper").
    The keyword arguments become attributes and config entries.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or fn.__name__, dtype=dtype)
        self.fn = fn
        self._fn_arg_names = tuple(kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def update_state(self, y_true, y_pred, sample_weight=None):
        kwargs = {key: getattr(self, key) for key in self._fn_arg_names}
        with no_grad():
            values = self.fn(_as_data(y_true), _as_data(y_pred), **kwargs)
        super().update_state(convert_to_numpy(values), sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        config.update({key: getattr(self, key) for key in self._fn_arg_names})
        if type(self) is MeanMetricWrapper:
            config["fn"] = self.fn.__name__
        return config

    @classmethod
    def from_config(cls, config):
        if cls is MeanMetricWrapper:
            config = dict(config, fn=get(config["fn"]))
        return cls(**config)


def _as_data(x):
    """``x`` cut from any graph; a Tensor keeps its (detached) logits tag."""
    if not isinstance(x, Tensor):
        return np.asarray(x)
    data = Tensor(x.data)
    if isinstance(x._keras_logits, Tensor):
        data._keras_logits = Tensor(x._keras_logits.data)
    return data


class Accuracy(MeanMetricWrapper):
    """Fraction of predictions exactly equal to the labels (see ``accuracy``)."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """Fraction of (y_pred > threshold) equal to the 0/1 labels (see ``binary_accuracy``)."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """Fraction of argmax(y_pred) equal to argmax(one-hot y) (see ``categorical_accuracy``)."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """Fraction of argmax(y_pred) equal to the integer labels."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """Fraction of one-hot labels among the k highest scores."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """Fraction of integer labels among the k highest scores."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class MeanSquaredError(MeanMetricWrapper):
    """Mean of (y - y_pred)^2 over all samples (see ``losses.mean_squared_error``)."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of |y - y_pred| over all samples (see ``losses.mean_absolute_error``)."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """Square root of the mean squared error over all samples seen.

    Equations:
        RMSE = sqrt(sum_i w_i e_i^2 / sum_i w_i),  e_i^2 = per-sample mean of (y - y_pred)^2
    (with equal weights and widths: the root of the mean over all elements).
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y, y_hat = _arrays(y_true, y_pred)
        y, y_hat = squeeze_or_expand_to_same_rank(
            np.asarray(y, dtype=self.dtype), np.asarray(y_hat, dtype=self.dtype)
        )
        super().update_state(np.square(y_hat - y), sample_weight=sample_weight)

    def result(self):
        return Tensor(np.sqrt(super().result().data))


class BinaryCrossentropy(MeanMetricWrapper):
    """Mean binary cross-entropy over all samples (see ``losses.binary_crossentropy``)."""

    def __init__(
        self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0.0
    ):
        super().__init__(
            binary_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
        )


class CategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical cross-entropy over all samples."""

    def __init__(
        self,
        name="categorical_crossentropy",
        dtype=None,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
    ):
        super().__init__(
            categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Mean sparse categorical cross-entropy over all samples."""

    def __init__(
        self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, axis=-1
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            axis=axis,
        )


# --------------------------------------------------------------------------
# Lookup
# --------------------------------------------------------------------------

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
        # a class, not a function: the root of the mean, never the mean of roots
        "root_mean_squared_error": RootMeanSquaredError,
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
        RootMeanSquaredError,
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
    )
}

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
    """A metric from a name ("mse"), a class name ("MeanSquaredError"), a config dict,
    a function, a class or an instance.  Names give functions, class names instances
    (as ``keras.metrics.get``); ``resolve`` turns any of them into a named Metric.
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str) and identifier in _CLASSES:
        return _CLASSES[identifier]()
    metric = serialization.lookup("metric", identifier, _FUNCTIONS, classes=_CLASSES)
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
