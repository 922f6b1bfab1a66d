"""Utilities (``keras.utils``)."""
from glassnet.random import set_random_seed
from glassnet.utils.model_plot import plot_model
from glassnet.utils.numerical import normalize, to_categorical

__all__ = ["normalize", "plot_model", "set_random_seed", "to_categorical"]
