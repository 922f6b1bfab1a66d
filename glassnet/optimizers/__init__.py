"""Optimizers (``keras.optimizers``): one class per file, each with its equations.

``get("adam")`` and friends resolve names case-insensitively to default instances.
"""
from glassnet import serialization
from glassnet.optimizers import schedules
from glassnet.optimizers.adagrad import Adagrad
from glassnet.optimizers.adam import Adam
from glassnet.optimizers.adamax import Adamax
from glassnet.optimizers.adamw import AdamW
from glassnet.optimizers.base import Optimizer
from glassnet.optimizers.nadam import Nadam
from glassnet.optimizers.rmsprop import RMSprop
from glassnet.optimizers.sgd import SGD

_OPTIMIZERS = {
    cls.__name__.lower(): cls for cls in (SGD, Adagrad, RMSprop, Adam, Adamax, Nadam, AdamW)
}


def get(identifier):
    """An Optimizer from a name ("adam"), a config dict or an Optimizer (returned as is)."""
    if isinstance(identifier, Optimizer):
        return identifier
    found = serialization.lookup("optimizer", identifier, _OPTIMIZERS)
    if isinstance(found, type) and issubclass(found, Optimizer):
        return found()
    if isinstance(found, Optimizer):
        return found
    raise TypeError(
        "Could not interpret optimizer identifier: expected a name, a config dict or an "
        f"Optimizer. Received: optimizer={identifier!r}"
    )


def serialize(optimizer):
    """``{"module", "class_name", "config"}`` for an optimizer."""
    return serialization.serialize(optimizer)


def deserialize(config):
    """The optimizer described by a ``serialize`` dict."""
    if not isinstance(config, dict):
        raise TypeError(
            "optimizers.deserialize: expected a dict with 'class_name' and 'config'. "
            f"Received: config={config!r}"
        )
    return get(config)


__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]
