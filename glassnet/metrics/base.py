"""Metric, the base class, and the reducing metrics Mean, Sum and MeanMetricWrapper.

A metric is stateful: ``update_state`` adds a batch, ``result`` gives the value
over every sample seen since ``reset_state``.  The averaging metrics keep two
non-trainable Variables and weight each sample equally (or by sample_weight):

    total += sum_i w_i v_i      count += sum_i w_i   (w_i = 1 by default)
    result = total / count      (0 while count is 0)

so an epoch's accuracy is exactly the fraction correct over all its samples.
Metric inputs are data: everything is computed on NumPy arrays, no graph.
"""
import numpy as np

from glassnet import config, initializers
from glassnet.autodiff.tensor import Tensor, convert_to_numpy, no_grad
from glassnet.autodiff.variable import Variable
from glassnet.losses import squeeze_or_expand_to_same_rank
from glassnet.naming import to_snake_case

_AGGREGATIONS = ("none", "mean", "sum", "only_first_replica")


class Metric:
    """Base class: state in non-trainable Variables, ``update_state``/``result``/``reset_state``.

    Arguments:
        dtype: the float type of the state and result (floatx, float32).
        name: defaults to the snake_case class name.

    A subclass creates its state with ``add_variable`` (or the older ``add_weight``)
    and changes it with ``assign``/``assign_add``; ``reset_state`` gives every
    variable its initial value back.  Metrics stored as attributes are tracked:
    their variables are listed in ``variables`` and reset with this one.
    """

    def __init__(self, dtype=None, name=None):
        self._variables = []
        self._initial_values = []  # one array per variable, for reset_state
        self._metrics = []
        self.name = name or to_snake_case(type(self).__name__)
        self._dtype = str(np.dtype(dtype or config.floatx()))

    def __setattr__(self, name, value):
        if isinstance(value, Metric) and "_metrics" in self.__dict__:
            if not any(value is m for m in self._metrics):
                self._metrics.append(value)
        elif isinstance(value, Variable) and "_variables" in self.__dict__:
            self._track(value)
        super().__setattr__(name, value)

    def _track(self, variable):
        if not any(variable is v for v in self._variables):
            self._variables.append(variable)
            self._initial_values.append(variable.numpy())

    def _check_super_called(self):
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}: you forgot to call `super().__init__()` in "
                "`__init__()`. Go add it!"
            )

    @property
    def dtype(self):
        return self._dtype

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """A non-trainable state Variable, initialised by ``initializer``.

        ``initializer`` is anything ``glassnet.initializers.get`` accepts ("zeros",
        "ones", an Initializer, a config dict, a callable ``(shape, dtype)``), or an
        array-like value.  ``reset_state`` restores the value it starts with.
        ``aggregation`` (how replicas combine it in Keras) is checked; with one
        process there is nothing to combine.
        """
        self._check_super_called()
        if aggregation not in _AGGREGATIONS:
            raise ValueError(
                f"{self.name}: aggregation must be one of {_AGGREGATIONS}. "
                f"Received: aggregation={aggregation!r}"
            )
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        if isinstance(initializer, (str, dict)) or initializer is None:
            initializer = initializers.get("zeros" if initializer is None else initializer)
        variable = Variable(
            initializer,
            shape=shape,
            dtype=dtype or self.dtype,
            trainable=False,
            name=name,
            path=f"{self.name}/{name}",
        )
        if variable.shape != shape:
            raise ValueError(
                f"{self.name}: the initial value of variable {name!r} must have shape "
                f"{shape}. Received: initializer of shape {variable.shape}"
            )
        self._track(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """The older spelling of ``add_variable`` (initializer None means "zeros")."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self):
        """This metric's variables, then those of the metrics it holds."""
        variables = list(self._variables)
        for metric in self._metrics:
            variables.extend(metric.variables)
        return variables

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state.")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result.")

    def reset_state(self):
        """Every variable back to its initial value (zeros for the built-in metrics)."""
        for variable, initial in zip(self._variables, self._initial_values):
            variable.assign(initial)
        for metric in self._metrics:
            metric.reset_state()

    def __call__(self, *args, **kwargs):
        """Updates the state with one batch and returns the result so far."""
        self._check_super_called()
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def _arrays(y_true, y_pred):
    return convert_to_numpy(y_true), convert_to_numpy(y_pred)


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
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

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
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

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
            from glassnet.metrics.lookup import get  # the lookup imports every metric module

            fn = get(config["fn"])  # a name Keras maps to a metric class gives its instance
            config = dict(config, fn=fn.fn if isinstance(fn, MeanMetricWrapper) else fn)
        return cls(**config)


def _as_data(x):
    """``x`` cut from any graph; a Tensor keeps its (detached) logits tag."""
    if not isinstance(x, Tensor):
        return np.asarray(x)
    data = Tensor(x.data)
    if isinstance(x._keras_logits, Tensor):
        data._keras_logits = Tensor(x._keras_logits.data)
    return data
