"""Embedding: integer indices (word ids) -> dense vectors."""
import warnings

import numpy as np

from glassnet import ops
from glassnet.autodiff import tracing
from glassnet.autodiff.tensor import Tensor
from glassnet.layers.layer import Layer
from glassnet.layers.weight_options import add_weight_with_options, set_weight_options
from glassnet.serialization import serialize, serialize_optional
from glassnet.validation import positive_integer


class Embedding(Layer):
    """A lookup table: row x of the matrix E for every index x of the input.

    Equations:
        y[n, t, :] = E[x[n, t], :]          (the same as one_hot(x) E)
        dL/dE[k, :] = sum of dL/dy[n, t, :] over the positions where x[n, t] = k
    x holds integers in [0, input_dim) (any shape, any integer dtype; floats holding
    integers are cast, as Keras does; negative indices count from the end, as in
    ``ops.take``), E is the embeddings matrix (input_dim, output_dim), and y has x's shape
    plus a last axis of output_dim, in the layer's float dtype.  Only E gets a gradient:
    an index is not differentiable.

    Arguments:
        input_dim: the vocabulary size (largest index + 1).
        output_dim: the size of each vector.
        embeddings_initializer / _regularizer / _constraint: for E ("uniform": U(-0.05, 0.05)).
        mask_zero: whether index 0 is padding.  ``compute_mask`` gives x != 0, but glassnet
            does not pass masks between layers yet: the layers after it read the padding.
        weights: an optional initial E (an array, or a list holding one).
        input_length: Keras 2's argument, accepted and ignored (as Keras 3 does).
    """

    def __init__(
        self,
        input_dim,
        output_dim,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        weights=None,
        lora_rank=None,
        lora_alpha=None,
        quantization_config=None,
        **kwargs,
    ):
        _ignore_input_length(kwargs)
        _refuse("lora_rank", lora_rank)
        _refuse("lora_alpha", lora_alpha)
        _refuse("quantization_config", quantization_config)
        super().__init__(**kwargs)
        self.input_dim = positive_integer("Embedding", "input_dim", input_dim)
        self.output_dim = positive_integer("Embedding", "output_dim", output_dim)
        self.mask_zero = bool(mask_zero)
        if self.mask_zero:
            warnings.warn(
                "Embedding: mask_zero=True is accepted, but glassnet does not pass masks "
                "between layers yet: the layers after this one also read the padding steps.",
                stacklevel=2,
            )
        set_weight_options(
            self,
            embeddings=(embeddings_initializer, embeddings_regularizer, embeddings_constraint),
        )
        if weights is not None:
            self.build(None)
            self.built = True
            self.set_weights(weights if isinstance(weights, (list, tuple)) else [weights])

    def build(self, input_shape):
        self.embeddings = add_weight_with_options(
            self, "embeddings", (self.input_dim, self.output_dim)
        )

    def call(self, inputs):
        x = _indices(inputs, self.input_dim)  # integers, the input's shape
        return ops.take(self.embeddings, x, axis=0)  # (*x.shape, output_dim)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def compute_mask(self, inputs, mask=None):
        """x != 0 when ``mask_zero`` (padding), else None."""
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def _check_input_shape(self, shapes):
        """Any input shape fits: E does not depend on it (sequences may change length)."""

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": serialize(self.embeddings_initializer),
            "embeddings_regularizer": serialize_optional(self.embeddings_regularizer),
            "activity_regularizer": serialize_optional(self.activity_regularizer),
            "embeddings_constraint": serialize_optional(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        }


def _ignore_input_length(kwargs):
    if kwargs.pop("input_length", None) is not None:
        warnings.warn(
            "Embedding: the argument `input_length` is deprecated (Keras 3 ignores it). "
            "Just remove it.",
            DeprecationWarning,
            stacklevel=3,
        )


def _refuse(name, value):
    if value is not None:
        raise ValueError(
            f"Embedding: glassnet does not support {name} (LoRA / quantization). "
            f"Received: {name}={value!r}"
        )


@tracing.host  # a compiled step checks and converts each batch's indices again
def _indices(inputs, input_dim):
    """The input as an integer array, checked to be in range."""
    x = inputs.data if isinstance(inputs, Tensor) else np.asarray(inputs)
    if x.dtype.kind not in "iu":
        if x.dtype.kind != "f":
            raise TypeError(
                f"Embedding: the input must hold integer indices. Received: an input "
                f"of dtype {x.dtype}"
            )
        x = x.astype(np.int64)  # truncation toward zero, as Keras' cast to int
    if x.size and (x.max() >= input_dim or x.min() < -input_dim):
        bad = x.max() if x.max() >= input_dim else x.min()
        raise ValueError(
            f"Embedding: the input holds the index {bad}, outside the vocabulary "
            f"[0, input_dim={input_dim}). Received: input with values in "
            f"[{x.min()}, {x.max()}]"
        )
    return x
