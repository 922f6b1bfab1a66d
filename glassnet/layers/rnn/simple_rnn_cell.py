"""SimpleRNNCell: one step of the fully connected recurrent layer (Elman network)."""
from glassnet import activations
from glassnet.layers.rnn.base import RecurrentCell, affine, dropped


class SimpleRNNCell(RecurrentCell):
    """One step of SimpleRNN: the previous output is fed back with the input.

    Equations:
        h_t = phi(x_t W + h_{t-1} U + b)
    x_t is the input at step t (batch, features), h_{t-1} the previous output (batch,
    units), W the kernel (features, units), U the recurrent_kernel (units, units), b the
    bias (units,), phi the activation (tanh).  With dropout, x_t and h_{t-1} are first
    multiplied by their masks (``RecurrentCell.dropout_masks``).
    """

    def __init__(self, units, activation="tanh", **kwargs):
        super().__init__(units, **kwargs)
        self.activation = activations.get(activation)

    def build(self, input_shape):
        self.add_weights(input_shape[-1], gates=1)

    def call(self, x_t, states, training=None):
        (h_prev,) = states
        x_mask, h_mask = self.dropout_masks(x_t, h_prev, training)
        x_t = dropped(x_t, x_mask)  # (batch, features)
        h_in = dropped(h_prev, h_mask)  # (batch, units)
        W, U, b = self.kernel, self.recurrent_kernel, self.bias

        h_t = self.activation(affine(x_t, W, b) + affine(h_in, U, None))
        return h_t, [h_t]

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
