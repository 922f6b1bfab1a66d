"""Utilities (``keras.utils``)."""
from glassnet.random import set_random_seed
from glassnet.utils.model_plot import plot_model
from glassnet.utils.numerical import normalize, to_categorical
from glassnet.utils.progbar import Progbar

__all__ = ["Progbar", "normalize", "plot_model", "set_random_seed", "to_categorical"]
