"""Utilities (``keras.utils``)."""
from glassnet.random import set_random_seed

__all__ = ["set_random_seed"]
