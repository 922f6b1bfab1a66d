"""Datasets (``keras.datasets``): ``fashion_mnist.load_data()`` and ``mnist.load_data()``.

Each loader returns Keras' exact arrays.  ``idx`` reads the IDX file format; ``sources``
finds the files (local folders in a fixed order, then a verified download).
"""
from glassnet.datasets import fashion_mnist, idx, mnist, sources
from glassnet.datasets.idx import CorruptFileError
from glassnet.datasets.sources import DatasetNotFoundError

__all__ = [
           "CorruptFileError",
           "DatasetNotFoundError",
           "fashion_mnist",
           "idx",
           "mnist",
           "sources",
]
