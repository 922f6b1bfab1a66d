"""Normalization: standardize features with a mean and variance learned by ``adapt()``."""
import numpy as np

from glassnet import config, ops
from glassnet.autodiff.tensor import Tensor
from glassnet.layers.layer import Layer


class Normalization(Layer):
    """Shifts and scales each feature to mean 0 and standard deviation 1.

    Equations (per position along the kept ``axis``; mu and sigma^2 over all other axes
    of the data given to ``adapt``, or given as ``mean`` and ``variance``):
        y = (x - mu) / max(sqrt(sigma^2), epsilon)
        x = mu + y * max(sqrt(sigma^2), epsilon)            (invert=True)

    ``axis=-1`` (the default) keeps one statistic per feature of the last axis; ``axis=None``
    one statistic for everything.  Adapted statistics are the non-trainable weights "mean",
    "variance" and "count", as in Keras; statistics given to the constructor are constants.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        if (mean is None) != (variance is None):
            raise ValueError(
                "Normalization: give both mean and variance, or neither (then call adapt()). "
                f"Received: mean={mean!r}, variance={variance!r}"
            )
        if mean is not None and np.shape(mean) != np.shape(variance):
            raise ValueError(
                "Normalization: mean and variance must have the same shape. Received: "
                f"mean shape {np.shape(mean)}, variance shape {np.shape(variance)}"
            )
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        self.adapted = mean is not None

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError(
                f"Normalization: axis {self.axis} is out of range for {ndim}-D inputs. "
                f"Received: input shape {tuple(input_shape)}"
            )
        self._keep = tuple(sorted(a % ndim for a in self.axis))
        self._reduce = tuple(d for d in range(ndim) if d not in self._keep)
        self._broadcast = tuple(input_shape[d] if d in self._keep else 1 for d in range(ndim))
        kept = tuple(input_shape[d] for d in self._keep)
        if None in kept:
            raise ValueError(
                f"Normalization: the kept axes {self._keep} must have known sizes. "
                f"Received: input shape {tuple(input_shape)}"
            )
        if self.input_mean is None:
            self.mean = self.add_weight(kept, "zeros", trainable=False, name="mean")
            self.variance = self.add_weight(kept, "ones", trainable=False, name="variance")
            self.count = self.add_weight((), "zeros", dtype="int64", trainable=False,
                                         name="count")
        else:
            self.mean = self._constant(self.input_mean, kept)
            self.variance = self._constant(self.input_variance, kept)

    def _constant(self, value, kept):
        """A given statistic as an array of the kept axes' shape (aligned from the right)."""
        value = np.asarray(value, dtype=self.dtype)
        if value.ndim > len(kept):
            raise ValueError(
                f"Normalization: mean has more axes than the kept axes {self._keep}. "
                f"Received: mean shape {value.shape}"
            )
        return np.broadcast_to(value, kept).copy()

    def adapt(self, data):
        """Learns the mean and variance of ``data``: an array, or a list of batches.

        Batches are pooled exactly (Chan et al.'s parallel update), in float64, without
        copying the data.
        """
        batches = [data] if isinstance(data, (np.ndarray, Tensor)) else list(data)
        if not batches:
            raise ValueError("Normalization.adapt: received no data (an empty list of batches).")
        batches = [np.asarray(b.data if isinstance(b, Tensor) else b) for b in batches]
        if not self.built:
            self.build(batches[0].shape)
            self.built = True
        if self.input_mean is not None:
            raise ValueError("Normalization.adapt: this layer was given mean and variance; "
                             "create it without them to learn them from data.")
        mean, variance, count = self._statistics(batches)
        self.mean.assign(mean)
        self.variance.assign(variance)
        self.count.assign(count)
        self.adapted = True

    def _statistics(self, batches):
        """(mean, biased variance, values per statistic) over the reduced axes."""
        n, mean, m2 = 0, 0.0, 0.0
        for batch in batches:
            self._check_batch(batch)
            count = int(np.prod([batch.shape[d] for d in self._reduce]))
            batch_mean = batch.mean(axis=self._reduce, dtype=np.float64)
            batch_m2 = batch.var(axis=self._reduce, dtype=np.float64) * count
            delta = batch_mean - mean
            total = n + count
            mean = mean + delta * (count / total)
            m2 = m2 + batch_m2 + delta**2 * (n * count / total)
            n = total
        return mean, m2 / n, n

    def _check_batch(self, batch):
        kept = tuple(self._broadcast[d] for d in self._keep)
        same_rank = batch.ndim == len(self._broadcast)
        if not same_rank or tuple(batch.shape[d] for d in self._keep) != kept:
            raise ValueError(
                f"Normalization.adapt: every batch must have {kept} on the kept axes "
                f"{self._keep}. Received: a batch of shape {batch.shape}"
            )
        if batch.dtype.kind not in "biuf":
            raise ValueError(
                f"Normalization.adapt: data must hold numbers. Received: dtype {batch.dtype}"
            )

    def call(self, inputs):
        x = ops.cast(inputs, self.dtype)
        mu = ops.reshape(self.mean, self._broadcast)  # (1, ..., features)
        sigma = ops.maximum(ops.sqrt(ops.reshape(self.variance, self._broadcast)),
                            config.epsilon())
        if self.invert:
            return mu + x * sigma
        return (x - mu) / sigma

    def get_config(self):
        def listed(value):
            return None if value is None else np.asarray(value).tolist()

        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": listed(self.input_mean), "variance": listed(self.input_variance)}
