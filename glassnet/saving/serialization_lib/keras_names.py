"""Where glassnet's classes live in Keras' public API, and back: Keras module names
for glassnet classes, and glassnet's counterparts of Keras' modules."""
import importlib

from glassnet.saving.serialization_lib.dtype_policy import DTypePolicy
from glassnet.saving.serialization_lib.registry import GLOBAL_CUSTOM_NAMES

# (Keras module, glassnet module); the more specific first
_NAMESPACES = (
    ("keras.optimizers.schedules", "glassnet.optimizers.schedules"),
    ("keras.layers", "glassnet.layers"),
    ("keras.initializers", "glassnet.initializers"),
    ("keras.regularizers", "glassnet.regularizers"),
    ("keras.constraints", "glassnet.constraints"),
    ("keras.optimizers", "glassnet.optimizers"),
    ("keras.losses", "glassnet.losses"),
    ("keras.metrics", "glassnet.metrics"),
    ("keras.activations", "glassnet.activations"),
    ("keras.ops", "glassnet.ops"),
    ("keras.models", "glassnet.models"),
)
# where Keras' loader looks for a built-in function saved by its bare name
_FUNCTION_NAMESPACES = ("glassnet.activations", "glassnet.losses", "glassnet.metrics",
                        "glassnet.initializers", "glassnet.regularizers",
                        "glassnet.constraints", "glassnet.optimizers")
# glassnet classes that Keras keeps out of its public API: Keras' module for them
_KERAS_INTERNAL = {"LossFunctionWrapper": "keras.src.losses.losses",
                   "Functional": "keras.src.models.functional"}


def _top_level():
    """The classes Keras exports at ``keras.*`` (its canonical names for them)."""
    from glassnet import initializers, layers, losses, metrics, models, optimizers, regularizers

    return {
        "Sequential": models.Sequential, "Model": models.Model, "Layer": layers.Layer,
        "Loss": losses.Loss, "Metric": metrics.Metric, "Optimizer": optimizers.Optimizer,
        "Initializer": initializers.Initializer, "Regularizer": regularizers.Regularizer,
        "DTypePolicy": DTypePolicy,
    }


def _namespace(module_name):
    return importlib.import_module(module_name)


def _keras_location(cls):
    """(module, class_name, registered_name) that Keras writes for ``cls``."""
    registered = GLOBAL_CUSTOM_NAMES.get(cls)
    if registered is not None:
        return cls.__module__, cls.__name__, registered
    if cls.__name__ in _KERAS_INTERNAL and cls.__module__.startswith("glassnet."):
        return _KERAS_INTERNAL[cls.__name__], cls.__name__, cls.__name__
    for name, obj in _top_level().items():
        if obj is cls:
            return "keras", name, None
    for keras_module, glassnet_module in _NAMESPACES:
        if vars(_namespace(glassnet_module)).get(cls.__name__) is cls:
            return keras_module, cls.__name__, None
    module = None if cls.__module__ == "__main__" else cls.__module__  # as Keras writes it
    return module, cls.__name__, cls.__name__  # Keras' layout for other classes


def _class_by_name(name):
    for _, glassnet_module in _NAMESPACES:
        found = vars(_namespace(glassnet_module)).get(name)
        if isinstance(found, type):
            return found
    return {**_top_level(), "Functional": _functional()}.get(name)


def _glassnet_path(module):
    """``keras.src.layers.core.dense`` / ``keras.layers`` / ``glassnet.layers.dense`` ->
    ``layers...``; "" for the top level; None for a module that is neither."""
    for prefix in ("keras.src.", "keras.", "glassnet."):
        if module.startswith(prefix):
            return module[len(prefix):]
    return "" if module in ("keras", "glassnet", "keras.src") else None


def _functional():
    from glassnet.models.functional import Functional

    return Functional
