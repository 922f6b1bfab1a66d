"""Models (``keras.models``): Sequential, functional Model, subclassed Model."""
from glassnet.models.cloning import clone_model
from glassnet.models.functional import Functional
from glassnet.models.model import Model
from glassnet.models.sequential import Sequential
from glassnet.saving.keras_file import load_model, save_model
from glassnet.saving.serialization_lib import model_from_json

__all__ = [
    "Functional",
    "Model",
    "Sequential",
    "clone_model",
    "load_model",
    "model_from_json",
    "save_model",
]
