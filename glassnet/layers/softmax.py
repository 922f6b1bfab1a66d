"""Softmax: the softmax activation as a layer, with an optional mask."""
import numpy as np

from glassnet import activations, ops
from glassnet.autodiff import tracing
from glassnet.layers.layer import Layer


class Softmax(Layer):
    """Equations: p_k = exp(z_k) / sum_j exp(z_j) along ``axis``.

    With ``mask`` (True = keep), masked positions get a large negative logit first,
    so their probability is (almost) zero.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = _as_mask(mask)
            inputs = ops.where(mask, inputs, np.asarray(-1e9, dtype=inputs.dtype))
        return activations.softmax(inputs, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


@tracing.host  # data: a compiled step converts each batch's mask again
def _as_mask(mask):
    """The mask as a bool array (True = keep)."""
    return np.asarray(mask, dtype=bool)
