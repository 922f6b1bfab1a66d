"""GRU: the gated recurrent unit layer (Cho et al., 2014)."""
from glassnet.layers.rnn.base import RNN
from glassnet.layers.rnn.gru_cell import GRUCell


class GRU(RNN):
    """A recurrent layer with an update gate z_t and a reset gate r_t.

    Equations (one time step, in GRUCell; reset_after=True, Keras' default):
        z_t = sigma(x_t W_z + b_z + h_{t-1} U_z + b'_z)
        r_t = sigma(x_t W_r + b_r + h_{t-1} U_r + b'_r)
        n_t = tanh(x_t W_h + b_h + r_t * (h_{t-1} U_h + b'_h))
        h_t = z_t * h_{t-1} + (1 - z_t) * n_t
    (reset_after=False: n_t = tanh(x_t W_h + (r_t * h_{t-1}) U_h + b_h)), over
    t = 1 ... T from h_0 = 0 (or ``initial_state``); the loop, ``return_sequences``,
    ``return_state`` and ``go_backwards`` are in ``RNN`` (rnn/base.py).  Weights: kernel
    W (features, 3 units), recurrent_kernel U (units, 3 units), bias (2, 3 units) (rows
    b and b'; (3 units,) without reset_after), gates in the order z, r, h.
    ``use_cudnn`` is accepted for Keras' signature (there is no GPU here).
    """

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        reset_after=True,
        use_cudnn="auto",
        **kwargs,
    ):
        cell = GRUCell(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            reset_after=reset_after,
            owner="GRU",
            name="gru_cell",
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )
        self.use_cudnn = use_cudnn
