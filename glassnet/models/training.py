"""The pieces of the training loop that are not the loop itself.

- Data: cast inputs once, check lengths and values, split off validation data,
  cut batches.
- ``Objectives``: the compiled losses and metrics of a model, which turn a batch's
  predictions into the scalar loss to differentiate and into the logs shown in
  the progress bar (running averages over the epoch, as Keras reports them).
"""
import contextlib
import math
import numbers
import warnings

import numpy as np

from glassnet import config, losses, metrics, tree, validation
from glassnet.autodiff.tensor import Tensor

# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def map_arrays(data, fn):
    """Applies ``fn`` to every array in a (nested list/tuple/dict) structure; None stays None."""
    return None if data is None else tree.map_structure(fn, data)


def flatten_arrays(data):
    """The arrays of a nested structure as a list (none for None)."""
    return [] if data is None else tree.flatten(data)


def as_input_arrays(x, owner="fit", name="x"):
    """Model inputs as floatx arrays, cast once per fit/evaluate/predict call (not per batch)."""
    floatx = np.dtype(config.floatx())

    def cast(array):
        array = as_numeric_array(array, owner, name)
        return array if array.dtype == floatx else array.astype(floatx)

    return map_arrays(lists_to_arrays(x, owner, name), cast)


def as_target_arrays(y, owner="fit", name="y"):
    """Targets as arrays: integer labels stay integers, float64 becomes floatx."""

    def cast(array):
        array = as_numeric_array(array, owner, name)
        return array.astype(config.floatx()) if array.dtype == np.float64 else array

    return map_arrays(lists_to_arrays(y, owner, name), cast)


def lists_to_arrays(data, owner, name):
    """Nested Python lists of numbers become one array, as Keras converts them.

    A list whose first leaf is a Python number is data (``X.tolist()``); a list of
    arrays is a structure (one array per model input or output) and stays a list.
    """
    if isinstance(data, (list, tuple)) and _first_leaf_is_scalar(data):
        try:
            return np.asarray(data)
        except ValueError as error:  # ragged nesting
            raise ValueError(
                f"{owner}: {name} is a nested list that is not rectangular, so it cannot be "
                f"turned into an array ({error}). Received: {name} of type list"
            ) from None
    if isinstance(data, (list, tuple)):
        return type(data)(lists_to_arrays(item, owner, name) for item in data)
    if isinstance(data, dict):
        return {key: lists_to_arrays(item, owner, name) for key, item in data.items()}
    return data


def _first_leaf_is_scalar(data):
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return isinstance(data, (numbers.Number, np.generic, str, bytes))


def as_numeric_array(data, owner, name):
    """``data`` as an array of numbers (bool, int, float); text is refused by name."""
    array = data.data if isinstance(data, Tensor) else np.asarray(data)
    if array.dtype.kind == "O":  # e.g. pandas' object columns: numbers stored as objects
        with contextlib.suppress(ValueError):  # ragged: reported below as objects
            array = np.asarray(array.tolist())
    if array.dtype.kind not in "biuf":
        raise ValueError(
            f"{owner}: {name} must hold numbers (bool, integer or float). Received: {name} "
            f"of dtype {array.dtype} ({_dtype_kind_name(array.dtype)}); convert it first, e.g. "
            "with .astype('float32') for numeric text or an encoding for categories."
        )
    return array


def _dtype_kind_name(dtype):
    names = {"U": "text", "S": "bytes", "O": "Python objects", "M": "dates", "m": "durations",
             "c": "complex numbers", "V": "raw records"}
    return names.get(dtype.kind, dtype.kind)


def count_samples(x, y=None, sample_weight=None):
    """The common first dimension of every array; a clear error if they disagree."""
    sizes = {}
    for label, data in (("x", x), ("y", y), ("sample_weight", sample_weight)):
        for array in flatten_arrays(data):
            sizes.setdefault(label, []).append(len(array) if np.ndim(array) else 0)
    every = {n for group in sizes.values() for n in group}
    if len(every) > 1:
        detail = ", ".join(f"{label} sizes: {group}" for label, group in sizes.items())
        raise ValueError(
            "Data cardinality is ambiguous: every input and target must have the same number "
            f"of samples. Received: {detail}"
        )
    n = every.pop() if every else 0
    if n == 0:
        raise ValueError("The data is empty: x has 0 samples. Received: x with 0 samples")
    return n


def check_finite(data, owner, name):
    """Raises naming the first row that holds a NaN or an infinity.

    Keras does not check; glassnet does, because one NaN in a batch silently turns every
    weight into NaN at the next update.  Costs one pass over each float array.
    """
    arrays = flatten_arrays(data)
    for i, array in enumerate(arrays):
        if array.dtype.kind != "f" or np.isfinite(array.sum(dtype=np.float64)):
            continue  # the common case: one pass, no per-row work
        rows = array.reshape(len(array), -1) if array.ndim else array.reshape(1, 1)
        bad_rows = np.flatnonzero(~np.isfinite(rows).all(axis=1))
        label = name if len(arrays) == 1 else f"{name}[{i}]"
        raise ValueError(
            f"{owner}: {label} holds NaN or infinite values ({len(bad_rows)} rows), first at "
            f"row {int(bad_rows[0])}: clean or impute the data before training."
        )


def take_rows(data, index):
    """The rows ``index`` (a slice or an index array) of every array in the structure."""
    if isinstance(index, slice):
        return map_arrays(data, lambda array: array[index])
    return map_arrays(data, lambda array: np.take(array, index, axis=0))


def split_validation(x, y, sample_weight, validation_split):
    """Keras' split: the LAST ``validation_split`` fraction, taken before any shuffling."""
    validation.real("fit", "validation_split", validation_split, 0, 1,
                    include_low=False, include_high=False)
    n = count_samples(x, y, sample_weight)
    split_at = math.floor(n * (1 - validation_split))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"fit: validation_split={validation_split} leaves one side empty for {n} samples."
        )
    train = slice(0, split_at)
    valid = slice(split_at, n)
    return (
        (take_rows(x, train), take_rows(y, train), take_rows(sample_weight, train)),
        (take_rows(x, valid), take_rows(y, valid), take_rows(sample_weight, valid)),
    )


def split_validation_data(x, y, sample_weight, validation_data, validation_split):
    """((x, y, sample_weight), validation) for fit.

    ``validation`` is ``validation_data`` (a tuple of arrays becomes a triple, cast and
    checked here so errors name it; a generator or PyDataset is kept as it is), or else
    the last ``validation_split`` of the training arrays, or None.
    """
    if validation_data is not None:
        if not isinstance(validation_data, (list, tuple)):
            return (x, y, sample_weight), validation_data
        x_val, y_val, sw_val = unpack_validation_data(validation_data)
        validation = (as_input_arrays(x_val, name="validation_data x"),
                      as_target_arrays(y_val, name="validation_data y"),
                      as_target_arrays(sw_val, name="validation_data sample_weight"))
        count_samples(*validation)
        for data, name in zip(validation, ("x", "y", "sample_weight")):
            check_finite(data, "fit", f"validation_data {name}")
        return (x, y, sample_weight), validation
    if validation_split:
        x, y = as_input_arrays(x), as_target_arrays(y)
        sample_weight = as_target_arrays(sample_weight, name="sample_weight")
        return split_validation(x, y, sample_weight, validation_split)
    return (x, y, sample_weight), None


def unpack_validation_data(validation_data):
    """(x, y) or (x, y, sample_weight) -> a triple."""
    if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
        raise ValueError(
            "fit: validation_data must be a tuple (x_val, y_val) or (x_val, y_val, "
            f"val_sample_weight). Received: {type(validation_data).__name__}"
        )
    x, y, *rest = validation_data
    return x, y, rest[0] if rest else None


def batch_indices(n, batch_size, shuffle, generator):
    """Index arrays (or slices) of the batches of one epoch; the last one may be partial."""
    if shuffle == "batch":
        starts = generator.permutation(math.ceil(n / batch_size)) * batch_size
        return [generator.permutation(np.arange(s, min(s + batch_size, n))) for s in starts]
    if shuffle:
        order = generator.permutation(n)
        return [order[i:i + batch_size] for i in range(0, n, batch_size)]
    return [slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]


def class_weights_to_sample_weights(y, class_weight):
    """One weight per sample from a {class index: weight} dict (labels or one-hot targets)."""
    y = np.asarray(y)
    labels = y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
    labels = labels.astype(np.int64)
    table = np.ones(int(max(labels.max(initial=0), max(class_weight)) + 1), dtype=np.float32)
    for label, weight in class_weight.items():
        table[int(label)] = weight
    return table[labels]


# --------------------------------------------------------------------------
# Compiled losses and metrics
# --------------------------------------------------------------------------


def _loss_object(identifier):
    if identifier is None:
        return None
    if isinstance(identifier, losses.Loss):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, losses.Loss):
        return identifier()
    fn = losses.get(identifier)
    if isinstance(fn, losses.Loss):
        return fn
    name = identifier if isinstance(identifier, str) else getattr(fn, "__name__", "loss")
    return losses.LossFunctionWrapper(fn, name=name)


def _per_output(value, output_names, what):
    """Spreads a compile argument over the outputs: one value, a list, or a dict by name."""
    if isinstance(value, dict):
        unknown = set(value) - set(output_names)
        if unknown:
            raise ValueError(
                f"compile: {what} has keys {sorted(unknown)} that are not output names. "
                f"Output names: {output_names}"
            )
        return [value.get(name) for name in output_names]
    if isinstance(value, (list, tuple)) and len(output_names) > 1:
        if len(value) != len(output_names):
            raise ValueError(
                f"compile: {what} has {len(value)} entries for {len(output_names)} outputs "
                f"{output_names}."
            )
        return list(value)
    return [value] * len(output_names) if len(output_names) > 1 else [value]


class Objectives:
    """The losses and metrics given to ``compile``, per model output.

    Equations:
        L_total = sum_o w_o * L_o(y_o, y_hat_o) + sum(regularization penalties)
    Each L_o is reduced over the batch ("sum_over_batch_size"); the logged "loss"
    is the running mean of L_total over the batches of the epoch, weighted by
    batch size.
    """

    def __init__(self, loss, metrics_, loss_weights, output_names=None):
        self._arguments = (loss, metrics_, loss_weights)
        self.output_names = None
        self.metrics = None  # built on the first batch, when the shapes are known
        self.loss_tracker = metrics.Mean(name="loss")
        self.output_loss_trackers = []
        self.metric_specs = None
        self.compile_metrics = CompileMetrics(self)
        if output_names is not None:
            self._build(list(output_names))

    def _build(self, output_names):
        """Spreads the compile arguments over the outputs (known now, or at the first batch)."""
        loss, metrics_, loss_weights = self._arguments
        self.output_names = output_names
        self.losses = [_loss_object(item) for item in _per_output(loss, output_names, "loss")]
        weights = loss_weights if loss_weights is not None else 1.0
        self.loss_weights = [
            1.0 if w is None else float(w)
            for w in _per_output(weights, output_names, "loss_weights")
        ]
        self.metric_specs = self._metric_specs(metrics_)
        if len(output_names) > 1:
            self.output_loss_trackers = [
                metrics.Mean(name=f"{name}_loss") for name in output_names
            ]

    def _metric_specs(self, metrics_):
        if metrics_ is None:
            return [[] for _ in self.output_names]
        if isinstance(metrics_, str):
            warnings.warn(
                f"compile: metrics={metrics_!r} should be a list; use metrics=[{metrics_!r}].",
                DeprecationWarning,
                stacklevel=4,
            )
            metrics_ = [metrics_]
        if isinstance(metrics_, dict):
            per_output = _per_output(metrics_, self.output_names, "metrics")
            return [[] if m is None else (m if isinstance(m, (list, tuple)) else [m])
                    for m in per_output]
        if not isinstance(metrics_, (list, tuple)):
            raise TypeError(
                "compile: metrics must be a list, tuple or dict. "
                f"Received: metrics={metrics_!r}"
            )
        if len(self.output_names) > 1 and metrics_ and all(
            isinstance(m, (list, tuple)) for m in metrics_
        ):
            return [list(m) for m in metrics_]
        return [list(metrics_) for _ in self.output_names]

    def _build_metrics(self, y_true, y_pred):
        multi = len(self.output_names) > 1
        self.metrics = []
        for name, specs, yt, yp in zip(self.output_names, self.metric_specs, y_true, y_pred):
            built = []
            for spec in specs:
                metric = _metric_object(spec, yt, yp)
                if multi:
                    metric.name = f"{name}_{metric.name}"
                built.append(metric)
            self.metrics.append(built)

    def tracked_metrics(self):
        """What ``model.metrics`` lists: "loss", the per-output losses, the compiled metrics."""
        compiled = [self.compile_metrics] if any(self.metric_specs or []) else []
        return [self.loss_tracker] + self.output_loss_trackers + compiled

    def compute_loss(self, y_true, y_pred, sample_weight, extra_losses):
        """(the scalar Tensor to differentiate, the per-output losses): weighted output
        losses plus penalties and added losses."""
        if self.output_names is None:
            count = len(y_pred)
            names = ["output"] if count == 1 else [f"output_{i + 1}" for i in range(count)]
            self._build(names)
        total = None
        per_output = []
        for loss_fn, weight, yt, yp, sw in zip(
            self.losses, self.loss_weights, y_true, y_pred, sample_weight
        ):
            if loss_fn is None:
                per_output.append(None)
                continue
            if yt is None:
                raise ValueError(
                    f"compile: the loss of output {self.output_names[len(per_output)]!r} "
                    "needs targets, but the data has none (y=None). Pass y to fit/evaluate, "
                    "or compile without this loss."
                )
            value = loss_fn(yt, yp, sample_weight=sw)
            per_output.append(value)
            term = value * weight if weight != 1.0 else value
            total = term if total is None else total + term
        for penalty in extra_losses:
            total = penalty if total is None else total + penalty
        if total is None:
            raise ValueError(
                "No loss to compute. Provide a `loss` argument in `compile()` or add losses "
                "with `add_loss()` in a layer. Received: loss=None"
            )
        return total, per_output

    def track_output_losses(self, per_output, batch_size):
        """Adds each output's loss to its running "<output>_loss" (several outputs only)."""
        for tracker, value in zip(self.output_loss_trackers, per_output):
            if value is not None:
                tracker.update_state(float(value.data), sample_weight=batch_size)

    def update_metrics(self, y_true, y_pred_arrays, sample_weight):
        """Adds a batch to the compiled metrics (built at the first batch)."""
        if self.metrics is None:
            self._build_metrics(y_true, y_pred_arrays)
        for group, yt, yp, sw in zip(self.metrics, y_true, y_pred_arrays, sample_weight):
            for metric in group:
                metric.update_state(yt, yp, sample_weight=sw)


class CompileMetrics:
    """The metrics given to ``compile``, as one entry of ``model.metrics`` (Keras 3's
    ``compile_metrics``): ``update_state(y, y_pred)`` updates them all, ``result()`` is
    a dict of their results."""

    name = "compile_metrics"

    def __init__(self, objectives):
        self._objectives = objectives

    @property
    def metrics(self):
        return [m for group in (self._objectives.metrics or []) for m in group]

    def update_state(self, y_true, y_pred, sample_weight=None):
        objectives = self._objectives
        y_pred = [_array(p) for p in _listed(y_pred)]
        y_true = [_array(t) for t in (_listed(y_true) if len(y_pred) > 1 else [y_true])]
        weights = sample_weight if isinstance(sample_weight, (list, tuple)) else (
            [sample_weight] * len(y_pred))
        objectives.update_metrics(y_true, y_pred, weights)

    def result(self):
        return {m.name: m.result() for m in self.metrics}

    def reset_state(self):
        for metric in self.metrics:
            metric.reset_state()

    def __repr__(self):
        return f"<CompileMetrics name={self.name!r} metrics={[m.name for m in self.metrics]}>"


def _listed(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _array(value):
    return value.data if isinstance(value, Tensor) else value


def _metric_object(spec, y_true, y_pred):
    if isinstance(spec, type) and issubclass(spec, metrics.Metric):
        return spec()
    return metrics.resolve(spec, y_true, y_pred)
