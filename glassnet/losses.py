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
- Logits shortcut (Keras' TensorFlow backend): a softmax or sigmoid activation
  tags its output with ``out._keras_logits = logits``.  The cross-entropies
  then compute the loss from those logits, exactly and without clipping.  The
  tag does not say which activation set it: categorical and sparse
  cross-entropy assume a softmax, binary cross-entropy assumes a sigmoid (as
  Keras' TF backend does for the tag).
"""
import warnings

import numpy as np

from glassnet import config, ops, serialization, validation
from glassnet.autodiff import fused
from glassnet.autodiff import primitives as P
from glassnet.autodiff.tensor import Tensor, convert_to_numpy, convert_to_tensor
from glassnet.naming import to_snake_case

REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")

# --------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------


def _reshape(x, shape):
    """Reshapes an array or a Tensor; a Tensor's logits tag is reshaped with it."""
    if not isinstance(x, Tensor):
        return np.reshape(x, shape)
    out = P.reshape(x, shape)
    if x._keras_logits is not None:
        out._keras_logits = P.reshape(x._keras_logits, shape)
    return out


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Makes two ranks equal when they differ by a trailing axis of size 1.

    The rank-1 operand is expanded to (N, 1) (when ``expand_rank_1``); otherwise
    the (..., 1) operand is squeezed.  Anything else is returned unchanged.
    """
    rank1, rank2 = len(x1.shape), len(x2.shape)
    if rank1 == rank2 + 1 and x1.shape[-1] == 1:
        if rank2 == 1 and expand_rank_1:
            x2 = _reshape(x2, tuple(x2.shape) + (1,))  # (N,) -> (N, 1)
        else:
            x1 = _reshape(x1, tuple(x1.shape[:-1]))  # (..., 1) -> (...)
    elif rank2 == rank1 + 1 and x2.shape[-1] == 1:
        if rank1 == 1 and expand_rank_1:
            x1 = _reshape(x1, tuple(x1.shape) + (1,))  # (N,) -> (N, 1)
        else:
            x2 = _reshape(x2, tuple(x2.shape[:-1]))  # (..., 1) -> (...)
    return x1, x2


def _prediction(y_pred):
    """y_pred as a float Tensor (its graph and logits tag kept)."""
    y_pred = convert_to_tensor(y_pred)
    if y_pred.dtype.kind != "f":
        return P.cast(y_pred, config.floatx())
    return y_pred


def _target(y_true, dtype):
    """y_true as a plain array of ``dtype``: labels are data, never differentiated."""
    return np.asarray(convert_to_numpy(y_true), dtype=dtype)


def _pair(name, y_true, y_pred):
    """(y_true array, y_pred Tensor) of one shape, or a ValueError naming both shapes."""
    y_pred = _prediction(y_pred)
    y_true = _target(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        hint = ""
        label_shapes = (y_pred.shape[:-1], y_pred.shape[:-1] + (1,))
        if name == "categorical_crossentropy" and y_true.shape in label_shapes:
            hint = " y_true looks like integer labels: use sparse_categorical_crossentropy."
        raise ValueError(
            f"{name}: y_true and y_pred must have the same shape (up to a trailing axis "
            f"of size 1).{hint} Received: y_true.shape={y_true.shape}, "
            f"y_pred.shape={y_pred.shape}"
        )
    return y_true, y_pred


def _logits_of(name, y_pred, from_logits, activation):
    """The logits behind a softmax/sigmoid output (its ``_keras_logits`` tag), if any.

    Returns ``(output, from_logits)``: the tagged logits and True, or the input
    unchanged.  As in Keras, a tag wins over ``from_logits=True`` (with a warning).
    """
    logits = getattr(y_pred, "_keras_logits", None)
    if not isinstance(logits, Tensor):
        return y_pred, from_logits
    if from_logits:
        warnings.warn(
            f"{name} received from_logits=True, but y_pred was produced by a {activation} "
            "activation and is not logits; the activation's input is used as the logits.",
            stacklevel=3,
        )
    return logits, True


def _check_class_axis(name, y_pred, axis):
    if y_pred.ndim < 1 or not -y_pred.ndim <= axis < y_pred.ndim:
        raise ValueError(
            f"{name}: axis must name an axis of y_pred (the class axis). "
            f"Received: axis={axis}, y_pred.shape={y_pred.shape}"
        )


def _check_smoothing(name, label_smoothing):
    validation.real(name, "label_smoothing", label_smoothing, 0, 1)


def _log_probabilities(output, from_logits, axis):
    """log p along ``axis``: log_softmax of logits, or log of clipped probabilities.

    Equations:
        logits z:         log p_k = z_k - log sum_j e^(z_j)
        probabilities q:  p_k = clip(q_k / sum_j q_j, eps, 1 - eps)
    """
    if from_logits:
        return ops.log_softmax(output, axis=axis)
    eps = config.epsilon()
    p = P.divide(output, P.sum(output, axis=axis, keepdims=True))
    return P.log(P.clip(p, eps, 1 - eps))


# --------------------------------------------------------------------------
# Cross-entropies
# --------------------------------------------------------------------------


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Cross-entropy for integer class labels y in {0, ..., K-1}.

    Equations:
        CE = -log p_y
        p  = softmax(z)                          if from_logits (or y_pred is tagged)
        p  = clip(q / sum_k q_k, eps, 1 - eps)   for probabilities q

    Labels of shape (..., 1) are squeezed to (...).  Samples whose label equals
    ``ignore_class`` get a loss of 0 (and are left out of the class's mean).

    Returns:
        A Tensor of shape ``y_pred.shape[:-1]``.
    """
    name = "sparse_categorical_crossentropy"
    output, from_logits = _logits_of(name, _prediction(y_pred), from_logits, "softmax")
    if axis not in (-1, output.ndim - 1):
        raise ValueError(f"{name}: only axis=-1 is supported. Received: axis={axis}")
    _check_class_axis(name, output, axis)
    y = _sparse_labels(name, y_true, output.shape, ignore_class)
    valid = None if ignore_class is None else y != ignore_class
    if valid is not None:
        y = np.where(valid, y, 0)  # any class works: the masked losses are zeroed below
    if from_logits and valid is None:
        return fused.sparse_softmax_cross_entropy(output, y)  # one graph node
    num_classes = output.shape[-1]
    log_p = P.reshape(_log_probabilities(output, from_logits, axis=-1), (-1, num_classes))
    log_p_y = log_p[np.arange(y.size), y.reshape(-1)]  # (M,) gathered at the labels
    ce = P.negative(P.reshape(log_p_y, y.shape))
    if valid is not None:
        ce = P.where(valid, ce, 0.0)
    return ce


def _sparse_labels(name, y_true, pred_shape, ignore_class):
    """The labels as an integer array of shape ``pred_shape[:-1]``, checked."""
    y = convert_to_numpy(y_true)
    if y.ndim == len(pred_shape) and y.ndim > 0 and y.shape[-1] == 1:
        y = y[..., 0]  # (..., 1) -> (...)
    if y.shape == tuple(pred_shape) and pred_shape[-1] > 1:
        raise ValueError(
            f"{name}: y_true has the shape of y_pred, so it looks one-hot encoded; this "
            "loss expects integer class labels. Use categorical_crossentropy for one-hot "
            f"labels. Received: y_true.shape={y.shape}, y_pred.shape={tuple(pred_shape)}"
        )
    if y.shape != tuple(pred_shape[:-1]):
        raise ValueError(
            f"{name}: y_true must have the shape of y_pred without its last (class) axis. "
            f"Received: y_true.shape={y.shape}, y_pred.shape={tuple(pred_shape)}"
        )
    if y.dtype.kind == "f":
        not_integer = y != np.round(y)
        if not_integer.any():
            index = _first_index(not_integer)
            raise ValueError(
                f"{name}: labels must be integer class indices; label {y[index]} at index "
                f"{_format_index(index)} is not. Received: y_true{list(index)}={y[index]}"
            )
    y = y.astype(np.intp)
    num_classes = pred_shape[-1]
    if ignore_class is None and y.size and y.min() >= 0 and y.max() < num_classes:
        return y  # the common case: two reductions, no masks
    out_of_range = (y < 0) | (y >= num_classes)
    if ignore_class is not None:
        out_of_range &= y != ignore_class
    if out_of_range.any():
        index = _first_index(out_of_range)
        raise ValueError(
            f"{name}: label {y[index]} at index {_format_index(index)} is out of range for "
            f"{num_classes} classes (expected 0 <= label < {num_classes}). "
            f"Received: y_true{list(index)}={y[index]}"
        )
    return y


def _first_index(mask):
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _format_index(index):
    return str(index[0]) if len(index) == 1 else str(index)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Cross-entropy for one-hot (or soft) labels y along ``axis``.

    Equations:
        y  = y (1 - label_smoothing) + label_smoothing / K   (K classes)
        CE = -sum_k y_k log p_k
        p  = softmax(z)                          if from_logits (or y_pred is tagged)
        p  = clip(q / sum_k q_k, eps, 1 - eps)   for probabilities q

    From logits Keras computes log p_k = z_k - logsumexp(z): the same value,
    without overflow.

    Returns:
        A Tensor with ``axis`` reduced away.
    """
    name = "categorical_crossentropy"
    _check_smoothing(name, label_smoothing)
    output, from_logits = _logits_of(name, _prediction(y_pred), from_logits, "softmax")
    y, output = _pair(name, y_true, output)
    _check_class_axis(name, output, axis)
    num_classes = output.shape[axis]
    if num_classes == 1:
        warnings.warn(
            f"{name}: y_pred has 1 class along axis {axis}, so the loss is always 0. "
            f"Received: y_pred.shape={output.shape}",
            stacklevel=2,
        )
    if label_smoothing:
        y = y * (1 - label_smoothing) + label_smoothing / num_classes
    log_p = _log_probabilities(output, from_logits, axis)
    return P.negative(P.sum(P.multiply(y, log_p), axis=axis))


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Cross-entropy of independent yes/no outputs, averaged over ``axis``.

    Equations:
        y   = y (1 - label_smoothing) + label_smoothing / 2
        BCE = -[y log p + (1 - y) log(1 - p)],   p = clip(p, eps, 1 - eps)
        from logits z (or a sigmoid-tagged y_pred), exactly and stably:
        BCE = max(z, 0) - z y + log(1 + e^-|z|)
        loss = mean over ``axis`` of BCE

    The logits form is the probability form with p = sigmoid(z): log p = -log(1 + e^-z)
    and log(1 - p) = -z - log(1 + e^-z), rearranged so that e^x never overflows.
    """
    name = "binary_crossentropy"
    _check_smoothing(name, label_smoothing)
    output, from_logits = _logits_of(name, _prediction(y_pred), from_logits, "sigmoid")
    y, output = _pair(name, y_true, output)
    if label_smoothing:
        y = y * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        z = output
        softplus_neg_abs = P.log1p(P.exp(P.negative(P.abs(z))))  # log(1 + e^-|z|)
        bce = P.add(P.subtract(ops.relu(z), P.multiply(z, y)), softplus_neg_abs)
    else:
        eps = config.epsilon()
        p = P.clip(output, eps, 1 - eps)
        log_p, log_1_minus_p = P.log(p), P.log(P.subtract(1.0, p))
        bce = P.negative(P.add(P.multiply(y, log_p), P.multiply(1 - y, log_1_minus_p)))
    return P.mean(bce, axis=axis)


# --------------------------------------------------------------------------
# Regression and distribution losses
# --------------------------------------------------------------------------


def mean_squared_error(y_true, y_pred):
    """Equations:  MSE = mean over the last axis of (y - y_pred)^2"""
    y, y_pred = _pair("mean_squared_error", y_true, y_pred)
    return P.mean(ops.square(P.subtract(y, y_pred)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Equations:  MAE = mean over the last axis of |y - y_pred|"""
    y, y_pred = _pair("mean_absolute_error", y_true, y_pred)
    return P.mean(P.abs(P.subtract(y, y_pred)), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """Equations:  MAPE = 100 * mean over the last axis of |y - y_pred| / max(|y|, eps)"""
    y, y_pred = _pair("mean_absolute_percentage_error", y_true, y_pred)
    scale = np.maximum(np.abs(y), config.epsilon())
    return P.multiply(P.mean(P.abs(P.divide(P.subtract(y, y_pred), scale)), axis=-1), 100.0)


def mean_squared_logarithmic_error(y_true, y_pred):
    """Equations:  MSLE = mean over the last axis of
                          (log(max(y_pred, eps) + 1) - log(max(y, eps) + 1))^2
    """
    y, y_pred = _pair("mean_squared_logarithmic_error", y_true, y_pred)
    eps = config.epsilon()
    first_log = P.log(P.add(P.maximum(y_pred, eps), 1.0))
    second_log = np.log(np.maximum(y, eps) + 1).astype(y.dtype)
    return P.mean(ops.square(P.subtract(first_log, second_log)), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Quadratic for small errors, linear for large ones.

    Equations:
        e = y_pred - y
        huber = mean over the last axis of  0.5 e^2                 if |e| <= delta
                                            delta |e| - 0.5 delta^2 otherwise
    """
    y, y_pred = _pair("huber", y_true, y_pred)
    e = P.subtract(y_pred, y)
    abs_e = P.abs(e)
    quadratic = P.multiply(ops.square(e), 0.5)
    linear = P.subtract(P.multiply(abs_e, delta), 0.5 * delta * delta)
    return P.mean(P.where(abs_e.data <= delta, quadratic, linear), axis=-1)


def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence of y_pred from y.

    Equations:
        y = clip(y, eps, 1),  p = clip(y_pred, eps, 1)
        KL = sum over the last axis of y log(y / p)
    """
    y, y_pred = _pair("kl_divergence", y_true, y_pred)
    eps = config.epsilon()
    y = np.clip(y, eps, 1)
    p = P.clip(y_pred, eps, 1.0)
    return P.sum(P.multiply(y, P.log(P.divide(y, p))), axis=-1)


def hinge(y_true, y_pred):
    """Equations:  hinge = mean over the last axis of max(1 - y y_pred, 0),
                   with labels in {-1, 1} (labels in {0, 1} are mapped to 2y - 1).
    """
    y, y_pred = _pair("hinge", y_true, y_pred)
    if np.all((y == 0) | (y == 1)):
        y = 2 * y - 1
    return P.mean(ops.relu(P.subtract(1.0, P.multiply(y, y_pred))), axis=-1)


def poisson(y_true, y_pred):
    """Equations:  poisson = mean over the last axis of y_pred - y log(y_pred + eps)"""
    y, y_pred = _pair("poisson", y_true, y_pred)
    log_rate = P.log(P.add(y_pred, config.epsilon()))
    return P.mean(P.subtract(y_pred, P.multiply(y, log_rate)), axis=-1)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
bce = BCE = binary_crossentropy

# --------------------------------------------------------------------------
# Reduction
# --------------------------------------------------------------------------


def standardize_reduction(reduction):
    if reduction == "auto":
        warnings.warn(
            'reduction="auto" is Keras 2; use reduction="sum_over_batch_size" (the same).',
            DeprecationWarning,
            stacklevel=3,
        )
        return "sum_over_batch_size"
    return validation.one_of("Loss", "reduction", reduction, REDUCTIONS)


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size"):
    """Weights per-sample losses and reduces them to a scalar (Keras' Loss reduction).

    Equations (l_i the per-sample losses, w_i the weights, n the number of l_i):
        "sum_over_batch_size", "mean":  sum_i w_i l_i / n   (weights do not change n)
        "sum":                          sum_i w_i l_i
        "mean_with_sample_weight":      sum_i w_i l_i / sum_i w_i
        None, "none":                   w_i l_i, not reduced
    A boolean ``mask`` becomes weights total/valid on the valid entries (0 elsewhere).
    """
    return _reduce_weighted("reduce_weighted_values", values, sample_weight, mask, reduction)


def _reduce_weighted(name, values, sample_weight, mask, reduction):
    reduction = standardize_reduction(reduction)
    values = convert_to_tensor(values)
    w = _merge_mask(sample_weight, mask, reduction, values.dtype)
    if w is not None:
        values, w = _align_weights(name, values, w)
        values = P.multiply(values, w)
    if reduction in (None, "none") or values.ndim == 0 or values.shape == (0,):
        return values
    if w is None and reduction in ("sum_over_batch_size", "mean"):
        return P.mean(values)  # sum / n in one node
    total = P.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and w is not None:
        divisor = float(np.sum(w))
    else:
        divisor = values.size
    return P.divide(total, divisor) if divisor != 0 else P.multiply(total, 0.0)


def _merge_mask(sample_weight, mask, reduction, dtype):
    """Sample weights (an array, or None) with a mask folded in as in Keras."""
    w = None if sample_weight is None else _target(sample_weight, dtype)
    if mask is None:
        return w
    m = np.asarray(mask, dtype=dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        m = m * (m.size / (np.sum(m) + config.epsilon()))  # valid entries weigh total/valid
    if w is None:
        return m
    m, w = squeeze_or_expand_to_same_rank(m, w)
    return w * m


def _align_weights(name, values, w):
    """Sample weights shaped to multiply the per-sample losses (trailing axes added)."""
    values, w = squeeze_or_expand_to_same_rank(values, w)
    if w.ndim < values.ndim:
        w = w.reshape(w.shape + (1,) * (values.ndim - w.ndim))  # (N,) -> (N, 1, ...)
    try:
        np.broadcast_shapes(values.shape, w.shape)
    except ValueError:
        raise ValueError(
            f"{name}: sample_weight must broadcast to the per-sample losses. Received: "
            f"sample_weight.shape={w.shape}, losses.shape={values.shape}"
        ) from None
    return values, w


# --------------------------------------------------------------------------
# Classes
# --------------------------------------------------------------------------


class Loss:
    """Base class: ``call`` gives per-sample losses, ``__call__`` weights and reduces them.

    Arguments:
        name: defaults to the snake_case class name.
        reduction: "sum_over_batch_size" (default), "sum", "mean",
            "mean_with_sample_weight", or None/"none" (see ``reduce_weighted_values``).
        dtype: the float type of the computation.  None (glassnet's default)
            keeps a Tensor y_pred's dtype and uses floatx (float32) for other
            input; Keras casts everything to floatx.

    Subclass it and implement ``call(y_true, y_pred)`` with ``glassnet.ops``.
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self.dtype = None if dtype is None else str(np.dtype(dtype))

    takes_labels = False  # True: y_true holds class indices, kept as integers

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = self._convert_prediction(y_pred)
        y_true = convert_to_numpy(y_true)
        if not (self.takes_labels and y_true.dtype.kind in "iu"):
            y_true = Tensor(y_true, dtype=y_pred.dtype)
        losses = self.call(y_true, y_pred)
        mask = self._valid_mask(y_true, y_pred)
        return _reduce_weighted(self.name, losses, sample_weight, mask, self.reduction)

    def call(self, y_true, y_pred):
        """The per-sample losses; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def _valid_mask(self, y_true, y_pred):
        """A boolean mask of the losses that count, or None (all count)."""
        return None

    def _convert_prediction(self, y_pred):
        if isinstance(y_pred, Tensor) and self.dtype is None:
            return y_pred
        dtype = self.dtype or config.floatx()
        out = P.cast(convert_to_tensor(y_pred), dtype)
        logits = getattr(y_pred, "_keras_logits", None)
        if out is not y_pred and isinstance(logits, Tensor):
            out._keras_logits = P.cast(logits, dtype)
        return out

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """A Loss made from a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    The keyword arguments become attributes (``loss.from_logits``) and config entries.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or fn.__name__, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_arg_names = tuple(kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        kwargs = {key: getattr(self, key) for key in self._fn_arg_names}
        return self.fn(y_true, y_pred, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({key: getattr(self, key) for key in self._fn_arg_names})
        if type(self) is LossFunctionWrapper:
            config["fn"] = self.fn.__name__
        return config

    @classmethod
    def from_config(cls, config):
        if cls is LossFunctionWrapper:
            config = dict(config, fn=get(config["fn"]))
        return cls(**config)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for integer labels; see ``sparse_categorical_crossentropy``.

    Equations:
        CE = -log p_y
    With ``ignore_class`` those samples weigh 0 and the mean runs over the others.
    """

    takes_labels = True

    def __init__(
        self,
        from_logits=False,
        ignore_class=None,
        reduction="sum_over_batch_size",
        name="sparse_categorical_crossentropy",
        dtype=None,
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
        )

    def __call__(self, y_true, y_pred, sample_weight=None):
        logits = self._mean_from_logits(y_pred, sample_weight)
        if logits is None:
            return super().__call__(y_true, y_pred, sample_weight)
        labels = _sparse_labels(self.name, convert_to_numpy(y_true), logits.shape, None)
        return fused.sparse_softmax_cross_entropy(logits, labels, mean=True)

    def _mean_from_logits(self, y_pred, sample_weight):
        """The logits when the loss is a plain mean over logits (one fused node), else None.

        That is: unweighted, no ignored class, mean reduction, no dtype cast, and
        logits known (a softmax output's tag, or ``from_logits``) with classes last.
        """
        if sample_weight is not None or self.ignore_class is not None or self.dtype is not None:
            return None
        if self.reduction not in ("sum_over_batch_size", "mean") or not isinstance(y_pred, Tensor):
            return None
        logits = y_pred._keras_logits if isinstance(y_pred._keras_logits, Tensor) else None
        if logits is None:
            logits = y_pred if self.from_logits else None
        elif self.from_logits:
            return None  # the general path warns about the conflict
        if logits is None or logits.ndim < 1 or logits.dtype.kind != "f" or logits.size == 0:
            return None
        return logits

    def _valid_mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        y = convert_to_numpy(y_true)
        if y.ndim == y_pred.ndim and y.shape[-1] == 1:
            y = y[..., 0]  # (..., 1) -> (...)
        return y != self.ignore_class


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for one-hot labels; see ``categorical_crossentropy``.

    Equations:
        CE = -sum_k y_k log p_k
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_crossentropy",
        dtype=None,
    ):
        _check_smoothing(name, label_smoothing)
        super().__init__(
            categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy; see ``binary_crossentropy``.

    Equations:
        BCE = -[y log p + (1 - y) log(1 - p)]
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_crossentropy",
        dtype=None,
    ):
        _check_smoothing(name, label_smoothing)
        super().__init__(
            binary_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class Huber(LossFunctionWrapper):
    """Huber loss; see ``huber``.

    Equations:
        0.5 e^2 if |e| <= delta, else delta |e| - 0.5 delta^2
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        validation.real("Huber", "delta", delta, low=0, include_low=False)
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)


class MeanSquaredError(LossFunctionWrapper):
    """Sample-weighted mean of ``mean_squared_error``.

    Equations:
        MSE = mean over the last axis of (y - y_pred)^2
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Sample-weighted mean of ``mean_absolute_error``.

    Equations:
        MAE = mean over the last axis of |y - y_pred|
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Sample-weighted mean of ``mean_absolute_percentage_error``.

    Equations:
        MAPE = 100 * mean over the last axis of |y - y_pred| / max(|y|, eps)
    """

    def __init__(
        self,
        reduction="sum_over_batch_size",
        name="mean_absolute_percentage_error",
        dtype=None,
    ):
        super().__init__(
            mean_absolute_percentage_error, reduction=reduction, name=name, dtype=dtype
        )


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Sample-weighted mean of ``mean_squared_logarithmic_error``.

    Equations:
        MSLE = mean over the last axis of (log(y_pred + 1) - log(y + 1))^2
    """

    def __init__(
        self,
        reduction="sum_over_batch_size",
        name="mean_squared_logarithmic_error",
        dtype=None,
    ):
        super().__init__(
            mean_squared_logarithmic_error, reduction=reduction, name=name, dtype=dtype
        )


class KLDivergence(LossFunctionWrapper):
    """Sample-weighted mean of ``kl_divergence``.

    Equations:
        KL = sum over the last axis of y log(y / y_pred)
    """

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Hinge(LossFunctionWrapper):
    """Sample-weighted mean of ``hinge``.

    Equations:
        hinge = mean over the last axis of max(1 - y y_pred, 0)
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """Sample-weighted mean of ``poisson``.

    Equations:
        poisson = mean over the last axis of y_pred - y log(y_pred + eps)
    """

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)


# --------------------------------------------------------------------------
# Lookup
# --------------------------------------------------------------------------

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
