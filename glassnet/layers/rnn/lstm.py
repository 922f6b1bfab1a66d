"""LSTM: the long short-term memory layer (Hochreiter & Schmidhuber, 1997)."""
from glassnet.layers.rnn.base import RNN
from glassnet.layers.rnn.lstm_cell import LSTMCell


class LSTM(RNN):
    """A recurrent layer with a memory cell c_t that gates decide to write, keep and read.

    Equations (one time step, in LSTMCell; sigma = recurrent_activation, tanh = activation):
        i_t = sigma(x_t W_i + h_{t-1} U_i + b_i)
        f_t = sigma(x_t W_f + h_{t-1} U_f + b_f)
        g_t = tanh(x_t W_c + h_{t-1} U_c + b_c)
        o_t = sigma(x_t W_o + h_{t-1} U_o + b_o)
        c_t = f_t * c_{t-1} + i_t * g_t
        h_t = o_t * tanh(c_t)
    over t = 1 ... T from h_0 = c_0 = 0 (or ``initial_state=[h_0, c_0]``); the loop,
    ``return_sequences``, ``return_state`` (output, h_T, c_T) and ``go_backwards`` are in
    ``RNN`` (rnn/base.py).  Weights: kernel W (features, 4 units), recurrent_kernel U
    (units, 4 units), bias b (4 units,), gates in the order i, f, c, o.
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
        unit_forget_bias=True,
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
        use_cudnn="auto",
        **kwargs,
    ):
        cell = LSTMCell(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            owner="LSTM",
            name="lstm_cell",
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
