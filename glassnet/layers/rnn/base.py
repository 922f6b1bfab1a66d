"""The time loop that SimpleRNN, LSTM and GRU share, and what their cells share.

A recurrent layer reads a sequence x_1 ... x_T (input shape (batch, T, features)) one
step at a time and carries states from step to step:

    states_0 = zeros (or initial_state)
    for t = 1 ... T:
        h_t, states_t = cell(x_t, states_{t-1})

The cell (SimpleRNNCell, LSTMCell, GRUCell) owns the weights and writes one step's
equations; ``RNN`` owns the loop and what Keras' ``RNN`` layer adds around it:
``return_sequences`` (every h_t, or only h_T), ``return_state`` (also the last states)
and ``go_backwards`` (read x_T ... x_1).  The loop is plain Python, so autodiff records
every step and backpropagation through time comes for free.  As in Keras, the layer keeps
its cell in ``layer.cell`` (weight paths ``lstm/lstm_cell/kernel``; the weights file
groups ``layers/lstm/cell/vars``).
"""
import numpy as np

from glassnet import ops, random, validation
from glassnet.autodiff import tracing
from glassnet.autodiff.tensor import Tensor
from glassnet.layers import layer as layer_base
from glassnet.layers.layer import Layer, name_scope
from glassnet.layers.weight_options import add_weight_with_options, set_weight_options
from glassnet.serialization import serialize, serialize_optional
from glassnet.validation import fraction, positive_integer


def _from_cell(name):
    """A read-only property: the cell's attribute ``name`` (as Keras' RNN layers expose
    ``layer.units``, ``layer.kernel``, ...)."""
    return property(lambda self: getattr(self.cell, name), doc=f"The cell's {name}.")


class RNN(Layer):
    """The loop over time steps around a cell (base class of SimpleRNN, LSTM and GRU).

    Arguments (as Keras' ``RNN``):
        cell: the layer computing one step, ``cell.call(x_t, states, training)`` ->
            (h_t, new_states), with ``cell.state_size`` (units, or a list: LSTM's [h, c]).
        return_sequences: return the whole sequence h_1 ... h_T (batch, T, units) rather
            than the last output h_T (batch, units).
        return_state: also return the last states (h_T for SimpleRNN/GRU, h_T and c_T
            for LSTM): ``output, *states``.
        go_backwards: read the sequence backwards; the returned sequence is then in the
            order it was read (reversed), as in Keras.
        stateful: only False: glassnet does not carry the states from batch to batch.
        unroll: accepted for Keras' signature; the Python loop is always unrolled.
        zero_output_for_mask: accepted and kept in the config (Keras saves it); glassnet's
            recurrent layers take no masks, so it changes nothing.

    Calling: ``layer(sequences, initial_state=None, training=None)``; ``initial_state`` is
    a list of (batch, units) tensors, one per state.  A ``mask`` is an error (masking is
    not supported yet).
    """

    def __init__(
        self,
        cell,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        zero_output_for_mask=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = _not_stateful(type(self).__name__, stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)

    units = _from_cell("units")
    activation = _from_cell("activation")
    recurrent_activation = _from_cell("recurrent_activation")
    use_bias = _from_cell("use_bias")
    unit_forget_bias = _from_cell("unit_forget_bias")
    reset_after = _from_cell("reset_after")
    dropout = _from_cell("dropout")
    recurrent_dropout = _from_cell("recurrent_dropout")
    seed = _from_cell("seed")
    kernel_initializer = _from_cell("kernel_initializer")
    recurrent_initializer = _from_cell("recurrent_initializer")
    bias_initializer = _from_cell("bias_initializer")
    kernel_regularizer = _from_cell("kernel_regularizer")
    recurrent_regularizer = _from_cell("recurrent_regularizer")
    bias_regularizer = _from_cell("bias_regularizer")
    kernel_constraint = _from_cell("kernel_constraint")
    recurrent_constraint = _from_cell("recurrent_constraint")
    bias_constraint = _from_cell("bias_constraint")
    kernel = _from_cell("kernel")
    recurrent_kernel = _from_cell("recurrent_kernel")
    bias = _from_cell("bias")

    @property
    def generator(self):
        """The random generator of the cell's dropout masks (reseed it here)."""
        return self.cell.generator

    @generator.setter
    def generator(self, value):
        self.cell.generator = value

    @property
    def state_sizes(self):
        size = self.cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    # --- building -------------------------------------------------------------
    def build(self, input_shape):
        _check_rank(self, input_shape)
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                f"{type(self).__name__}: the last axis of the input (the features) must be "
                f"known. Received: input_shape={_with_none_batch(input_shape)}"
            )
        self.input_features = int(features)
        if layer_base._name_scope[-1:] == [self.name]:  # called: the scope is the layer's
            self.cell.build((input_shape[0], self.input_features))
        else:  # built directly: the cell's weights still get <layer>/<cell>/kernel paths
            with name_scope(self.name):
                self.cell.build((input_shape[0], self.input_features))
        self.cell.built = True

    def compute_output_shape(self, input_shape):
        _check_rank(self, input_shape)
        batch, timesteps = input_shape[0], input_shape[1]
        units = self.state_sizes[0]
        output = (batch, timesteps, units) if self.return_sequences else (batch, units)
        if not self.return_state:
            return output
        return [output] + [(batch, size) for size in self.state_sizes]

    # --- the time loop --------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=None):
        if mask is not None:
            raise NotImplementedError(
                f"{type(self).__name__}: glassnet's recurrent layers do not support masks "
                "yet (Embedding(mask_zero=True) padding is read like any other step). "
                "Received: a mask"
            )
        self._check_features(sequences.shape)
        states = self._initial_states(sequences, initial_state)
        if hasattr(self.cell, "reset_dropout_masks"):
            self.cell.reset_dropout_masks()  # one mask per call, shared by all steps
        steps = range(sequences.shape[1])
        if self.go_backwards:
            steps = reversed(steps)
        outputs = []
        for t in steps:
            x_t = sequences[:, t, :]  # (batch, features)
            h_t, states = self.cell.call(x_t, states, training=training)
            outputs.append(h_t)
        output = outputs[-1]  # h_T (batch, units)
        if self.return_sequences:
            output = ops.stack(outputs, axis=1)  # (batch, T, units)
        if self.return_state:
            return (output, *states)
        return output

    def _check_features(self, shape):
        _check_rank(self, shape)
        if shape[1] == 0:
            raise ValueError(
                f"{type(self).__name__}: the input needs at least one time step. "
                f"Received: input of shape {tuple(shape)}"
            )
        if shape[-1] != self.input_features:
            raise ValueError(
                f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected "
                f"shape (None, None, {self.input_features}), found shape {tuple(shape)}"
            )

    def _initial_states(self, sequences, initial_state):
        """The states before the first step: zeros, or the given ``initial_state``."""
        batch = sequences.shape[0]
        if initial_state is None:
            return [Tensor(np.zeros((batch, size), dtype=sequences.dtype))  # (batch, units)
                    for size in self.state_sizes]
        given = list(initial_state) if isinstance(initial_state, (list, tuple)) \
            else [initial_state]
        if len(given) != len(self.state_sizes):
            raise ValueError(
                f"{type(self).__name__}: initial_state must be a list of "
                f"{len(self.state_sizes)} tensors. Received: {len(given)} tensors"
            )
        states = [ops.cast(ops.convert_to_tensor(s), sequences.dtype) for s in given]
        for state, size in zip(states, self.state_sizes):
            if tuple(state.shape) != (batch, size):
                raise ValueError(
                    f"{type(self).__name__}: each initial state must have shape "
                    f"(batch, units) = {(batch, size)}. Received: shape={state.shape}"
                )
        return states

    # --- configuration --------------------------------------------------------
    def get_config(self):
        """Keras' flat config: the loop's arguments, then the cell's."""
        cell_config = {k: v for k, v in self.cell.get_config().items()
                       if k not in ("name", "trainable", "dtype")}
        return {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            **cell_config,
            "activity_regularizer": serialize_optional(self.activity_regularizer),
        }


class RecurrentCell(Layer):
    """What the cells share: ``units``, the three weights and their options, dropout.

    Arguments:
        units: the size of h_t.
        use_bias, kernel_* (W), recurrent_* (U), bias_* (b): the weights' options.
        dropout / recurrent_dropout: the fraction of the inputs x_t / of the recurrent
            state h_{t-1} dropped during training; one mask per call of the layer, shared
            by all steps (inverted dropout: mask = keep / (1 - p), keep ~ Bernoulli(1 - p)).
        seed: an int for reproducible dropout masks.
        owner: the class name that argument errors show (the layer that made the cell).
    """

    def __init__(
        self,
        units,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        owner=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        owner = owner or type(self).__name__  # errors name the layer the user made
        self.units = positive_integer(owner, "units", units)
        self.state_size = self.units
        self.use_bias = bool(use_bias)
        set_weight_options(
            self,
            kernel=(kernel_initializer, kernel_regularizer, kernel_constraint),
            recurrent=(recurrent_initializer, recurrent_regularizer, recurrent_constraint),
            bias=(bias_initializer, bias_regularizer, bias_constraint),
        )
        self.dropout = fraction(owner, "dropout", dropout)
        self.recurrent_dropout = fraction(owner, "recurrent_dropout", recurrent_dropout)
        self.seed = validation.seed(owner, seed)
        self.generator = random.make_generator(self.seed)
        self.reset_dropout_masks()

    def add_weights(self, features, gates, bias_shape=None, bias_initializer=None):
        """kernel W (features, gates * units), recurrent_kernel U (units, gates * units)
        and, with ``use_bias``, bias b (``bias_shape``, default (gates * units,))."""
        width = gates * self.units
        self.kernel = add_weight_with_options(self, "kernel", (features, width))
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
            name="recurrent_kernel",
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=bias_shape or (width,),
                initializer=bias_initializer or self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )

    # --- dropout --------------------------------------------------------------
    def reset_dropout_masks(self):
        """Forget the masks: the next training step draws new ones (once per layer call)."""
        self._x_mask = self._h_mask = None

    def dropout_masks(self, x_t, h_prev, training):
        """The masks for x_t (batch, features) and h_{t-1} (batch, units), drawn on the
        first step of a call; None when not dropping."""
        if not training:
            return None, None
        if self.dropout > 0 and self._x_mask is None:
            self._x_mask = self._mask(x_t.shape, self.dropout, x_t.dtype)
        if self.recurrent_dropout > 0 and self._h_mask is None:
            self._h_mask = self._mask(h_prev.shape, self.recurrent_dropout, h_prev.dtype)
        return self._x_mask, self._h_mask

    def _mask(self, shape, rate, dtype):
        return _keep_scaled(self.generator, shape, rate, dtype)

    # --- configuration --------------------------------------------------------
    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "use_bias": self.use_bias,
            "kernel_initializer": serialize(self.kernel_initializer),
            "recurrent_initializer": serialize(self.recurrent_initializer),
            "bias_initializer": serialize(self.bias_initializer),
            "kernel_regularizer": serialize_optional(self.kernel_regularizer),
            "recurrent_regularizer": serialize_optional(self.recurrent_regularizer),
            "bias_regularizer": serialize_optional(self.bias_regularizer),
            "kernel_constraint": serialize_optional(self.kernel_constraint),
            "recurrent_constraint": serialize_optional(self.recurrent_constraint),
            "bias_constraint": serialize_optional(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


@tracing.host  # a compiled step draws new masks at every call, from the same generator
def _keep_scaled(generator, shape, rate, dtype):
    """keep / (1 - p) with keep = [u >= p], u ~ U[0, 1), as ``dtype``."""
    keep = generator.random(shape) >= rate
    return (keep / (1.0 - rate)).astype(dtype)


def affine(x, W, b):
    """x W + b (x W when there is no bias)."""
    z = ops.matmul(x, W)  # (batch, units)
    return z if b is None else z + b


def split_columns(weight, count):
    """The ``count`` blocks of ``units`` columns of a weight that holds several gates
    side by side: kernel (features, count * units) -> count kernels (features, units)."""
    units = weight.shape[-1] // count
    return [weight[..., k * units:(k + 1) * units] for k in range(count)]


def dropped(x, mask):
    """x * mask during training with dropout, else x."""
    return x if mask is None else x * mask


def _not_stateful(owner, stateful):
    if stateful:
        raise ValueError(
            f"{owner}: stateful=True is not supported by glassnet (it does not carry the "
            "states from one batch to the next). Received: stateful=True"
        )
    return False


def _check_rank(layer, shape):
    if len(shape) != 3:
        raise ValueError(
            f"Input 0 of layer \"{layer.name}\" is incompatible with the layer: expected "
            f"ndim=3 (batch, timesteps, features), found ndim={len(shape)}. "
            f"Full shape received: {tuple(shape)}"
        )


def _with_none_batch(shape):
    return (None,) + tuple(shape[1:])
