"""Recurrent layers: a Python loop over time steps (``RNN`` in base.py) around a cell
that writes one step's equations (SimpleRNNCell, LSTMCell, GRUCell)."""
from glassnet.layers.rnn.base import RNN
from glassnet.layers.rnn.gru import GRU
from glassnet.layers.rnn.gru_cell import GRUCell
from glassnet.layers.rnn.lstm import LSTM
from glassnet.layers.rnn.lstm_cell import LSTMCell
from glassnet.layers.rnn.simple_rnn import SimpleRNN
from glassnet.layers.rnn.simple_rnn_cell import SimpleRNNCell

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "SimpleRNN", "SimpleRNNCell"]
