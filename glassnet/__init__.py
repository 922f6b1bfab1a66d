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
