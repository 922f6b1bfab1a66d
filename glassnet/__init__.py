"""glassnet: a glass-box deep-learning library on NumPy with the Keras API.

    import glassnet as keras

Outside it is Keras; inside, every layer, loss and optimizer is a short NumPy
program whose docstring carries its equations, and every gradient can be watched.
"""
from glassnet import (
    activations,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    utils,
)
from glassnet.autodiff import GradientTape, Tensor, Variable, no_grad
from glassnet.layers import Input, Layer
from glassnet.models import Model, Sequential

__version__ = "0.1.0"

__all__ = [
    "GradientTape",
    "Input",
    "Layer",
    "Model",
    "Sequential",
    "Tensor",
    "Variable",
    "activations",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "no_grad",
    "ops",
    "optimizers",
    "random",
    "regularizers",
    "saving",
    "utils",
]


def __getattr__(name):
    """``keras.wrappers`` is imported on first use: it needs scikit-learn (the sklearn
    extra), which ``import glassnet`` does not load."""
    if name == "wrappers":
        import importlib

        return importlib.import_module("glassnet.wrappers")
    raise AttributeError(f"module 'glassnet' has no attribute {name!r}")
