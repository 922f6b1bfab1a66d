"""SimpleRNN: the fully connected recurrent layer (Elman network)."""
from glassnet.layers.rnn.base import RNN
from glassnet.layers.rnn.simple_rnn_cell import SimpleRNNCell


class SimpleRNN(RNN):
    """A recurrent layer whose output is fed back as its next input.

    Equations (one time step, in SimpleRNNCell):
        h_t = phi(x_t W + h_{t-1} U + b)
    over t = 1 ... T from h_0 = 0 (or ``initial_state``); the loop, ``return_sequences``,
    ``return_state`` and ``go_backwards`` are in ``RNN`` (rnn/base.py).  Weights:
    kernel W (features, units), recurrent_kernel U (units, units), bias b (units,).
    """

    def __init__(
        self,
        units,
        activation="tanh",
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
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        seed=None,
        **kwargs,
    ):
        cell = SimpleRNNCell(
            units,
            activation=activation,
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
            owner="SimpleRNN",
            name="simple_rnn_cell",
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
