"""Utilities (``keras.utils``)."""
from glassnet.random import set_random_seed
from glassnet.utils.data_tuples import pack_x_y_sample_weight, unpack_x_y_sample_weight
from glassnet.utils.model_plot import plot_model
from glassnet.utils.numerical import normalize, to_categorical
from glassnet.utils.progbar import Progbar
from glassnet.utils.py_dataset import PyDataset, Sequence

__all__ = [
    "Progbar",
    "PyDataset",
    "Sequence",
    "normalize",
    "pack_x_y_sample_weight",
    "plot_model",
    "set_random_seed",
    "to_categorical",
    "unpack_x_y_sample_weight",
]
