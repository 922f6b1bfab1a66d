"""Models (``keras.models``): Sequential, functional Model, subclassed Model."""
from glassnet.models.cloning import clone_model
from glassnet.models.functional import Functional
from glassnet.models.model import Model
from glassnet.models.sequential import Sequential

__all__ = ["Functional", "Model", "Sequential", "clone_model"]
