"""The initializer, regularizer and constraint a layer keeps for each of its weights."""
from glassnet import constraints, initializers, regularizers


def set_weight_options(layer, **weights):
    """For each ``name=(initializer, regularizer, constraint)``, sets the layer's
    ``<name>_initializer``, ``<name>_regularizer`` and ``<name>_constraint`` from their
    identifiers (names, config dicts, objects or None), as Keras' constructors do:

        set_weight_options(self, kernel=(kernel_initializer, kernel_regularizer,
                                         kernel_constraint), bias=(...))
    """
    for name, (initializer, regularizer, constraint) in weights.items():
        setattr(layer, f"{name}_initializer", initializers.get(initializer))
        setattr(layer, f"{name}_regularizer", regularizers.get(regularizer))
        setattr(layer, f"{name}_constraint", constraints.get(constraint))


def add_weight_with_options(layer, name, shape):
    """``layer.add_weight`` for the weight ``name`` with the layer's ``<name>_initializer``,
    ``<name>_regularizer`` and ``<name>_constraint`` (set by ``set_weight_options``)."""
    return layer.add_weight(
        shape=shape,
        initializer=getattr(layer, f"{name}_initializer"),
        regularizer=getattr(layer, f"{name}_regularizer"),
        constraint=getattr(layer, f"{name}_constraint"),
        name=name,
    )
