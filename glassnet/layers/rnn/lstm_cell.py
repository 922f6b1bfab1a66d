"""LSTMCell: one step of the long short-term memory layer (Hochreiter & Schmidhuber)."""
import numpy as np

from glassnet import activations, initializers
from glassnet.layers.rnn.base import RecurrentCell, affine, dropped, split_columns


class LSTMCell(RecurrentCell):
    """One step of LSTM: a memory cell c_t that gates decide to write, keep and read.

    Equations (sigma = recurrent_activation (sigmoid), tanh = activation):
        i_t = sigma(x_t W_i + h_{t-1} U_i + b_i)          input gate
        f_t = sigma(x_t W_f + h_{t-1} U_f + b_f)          forget gate
        g_t = tanh(x_t W_c + h_{t-1} U_c + b_c)           candidate cell
        o_t = sigma(x_t W_o + h_{t-1} U_o + b_o)          output gate
        c_t = f_t * c_{t-1} + i_t * g_t
        h_t = o_t * tanh(c_t)
    The kernel W (features, 4 units), recurrent_kernel U (units, 4 units) and bias b
    (4 units,) hold the four gates side by side in Keras' order i, f, c, o.  With
    ``unit_forget_bias`` (the default) b_f starts at 1, so the cell remembers at first
    (Jozefowicz et al., 2015).  The states are [h, c].  With dropout, x_t and h_{t-1}
    are first multiplied by their masks (``RecurrentCell.dropout_masks``).
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]  # h and c

    def build(self, input_shape):
        bias_initializer = self.bias_initializer
        if self.unit_forget_bias:
            bias_initializer = _forget_bias_one(self.bias_initializer, self.units)
        self.add_weights(input_shape[-1], gates=4, bias_initializer=bias_initializer)

    def gate_weights(self):
        """W_g (features, units), U_g (units, units) and b_g (units,) for g = i, f, c, o."""
        W = split_columns(self.kernel, 4)
        U = split_columns(self.recurrent_kernel, 4)
        b = [None] * 4 if self.bias is None else split_columns(self.bias, 4)
        return W, U, b

    def call(self, x_t, states, training=None):
        h_prev, c_prev = states
        x_mask, h_mask = self.dropout_masks(x_t, h_prev, training)
        x_t = dropped(x_t, x_mask)  # (batch, features)
        h_in = dropped(h_prev, h_mask)  # (batch, units)
        (W_i, W_f, W_c, W_o), (U_i, U_f, U_c, U_o), (b_i, b_f, b_c, b_o) = self.gate_weights()
        sigma, tanh = self.recurrent_activation, self.activation

        i_t = sigma(affine(x_t, W_i, b_i) + affine(h_in, U_i, None))
        f_t = sigma(affine(x_t, W_f, b_f) + affine(h_in, U_f, None))
        g_t = tanh(affine(x_t, W_c, b_c) + affine(h_in, U_c, None))
        o_t = sigma(affine(x_t, W_o, b_o) + affine(h_in, U_o, None))
        c_t = f_t * c_prev + i_t * g_t
        h_t = o_t * tanh(c_t)
        return h_t, [h_t, c_t]

    def get_config(self):
        return {
            **super().get_config(),
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        }


def _forget_bias_one(bias_initializer, units):
    """The bias initializer with b_f = 1: [init(units), ones(units), init(2 units)]."""
    def initializer(shape, dtype=None):
        b_i = np.asarray(bias_initializer((units,), dtype=dtype))
        b_f = np.asarray(initializers.get("ones")((units,), dtype=dtype))
        b_c_o = np.asarray(bias_initializer((2 * units,), dtype=dtype))
        return np.concatenate([b_i, b_f, b_c_o])  # (4 units,) in the order i, f, c, o

    return initializer
