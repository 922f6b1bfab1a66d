"""GRUCell: one step of the gated recurrent unit layer (Cho et al., 2014)."""
from glassnet import activations
from glassnet.layers.rnn.base import RecurrentCell, affine, dropped, split_columns


class GRUCell(RecurrentCell):
    """One step of GRU: an update gate z_t and a reset gate r_t, no separate memory.

    Equations (sigma = recurrent_activation (sigmoid), tanh = activation), with
    ``reset_after=True`` (Keras' default; the same formula as PyTorch's GRU):
        z_t = sigma(x_t W_z + b_z + h_{t-1} U_z + b'_z)           update gate
        r_t = sigma(x_t W_r + b_r + h_{t-1} U_r + b'_r)           reset gate
        n_t = tanh(x_t W_h + b_h + r_t * (h_{t-1} U_h + b'_h))    candidate
        h_t = z_t * h_{t-1} + (1 - z_t) * n_t
    with ``reset_after=False`` (the original paper; one bias):
        n_t = tanh(x_t W_h + (r_t * h_{t-1}) U_h + b_h)
    The kernel W (features, 3 units) and recurrent_kernel U (units, 3 units) hold the
    gates side by side in Keras' order z, r, h.  The bias is (2, 3 units) with
    reset_after (row 0: b, the input biases; row 1: b', the recurrent biases), else
    (3 units,).  With recurrent_dropout, the dropped h_{t-1} feeds the products with U;
    the carry z_t * h_{t-1} uses h_{t-1} itself.
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)

    def build(self, input_shape):
        bias_shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self.add_weights(input_shape[-1], gates=3, bias_shape=bias_shape)

    def gate_weights(self):
        """W_g (features, units), U_g (units, units), the input biases b_g and the
        recurrent biases b'_g (units,) for g = z, r, h (None where there is none)."""
        W = split_columns(self.kernel, 3)
        U = split_columns(self.recurrent_kernel, 3)
        if self.bias is None:
            return W, U, [None] * 3, [None] * 3
        if not self.reset_after:
            return W, U, split_columns(self.bias, 3), [None] * 3
        return W, U, split_columns(self.bias[0], 3), split_columns(self.bias[1], 3)

    def call(self, x_t, states, training=None):
        (h_prev,) = states
        x_mask, h_mask = self.dropout_masks(x_t, h_prev, training)
        x_t = dropped(x_t, x_mask)  # (batch, features)
        h_in = dropped(h_prev, h_mask)  # (batch, units)
        W, U, b, b2 = self.gate_weights()  # b2 is b' (the recurrent biases)
        W_z, W_r, W_h = W
        U_z, U_r, U_h = U
        b_z, b_r, b_h = b
        b2_z, b2_r, b2_h = b2
        sigma, tanh = self.recurrent_activation, self.activation

        z_t = sigma(affine(x_t, W_z, b_z) + affine(h_in, U_z, b2_z))
        r_t = sigma(affine(x_t, W_r, b_r) + affine(h_in, U_r, b2_r))
        if self.reset_after:
            n_t = tanh(affine(x_t, W_h, b_h) + r_t * affine(h_in, U_h, b2_h))
        else:
            n_t = tanh(affine(x_t, W_h, b_h) + affine(r_t * h_in, U_h, None))
        h_t = z_t * h_prev + (1 - z_t) * n_t
        return h_t, [h_t]

    def get_config(self):
        return {
            **super().get_config(),
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "reset_after": self.reset_after,
        }
