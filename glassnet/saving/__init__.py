"""Saving and loading in Keras 3's own formats (``keras.saving``).

    model.save("m.keras")                    architecture + weights + optimizer state
    keras.models.load_model("m.keras")       (``keras_file``: a zip, as Keras writes it)
    model.save_weights("m.weights.h5")       the variables alone, Keras' HDF5 layout
    model.load_weights("m.weights.h5")       (``weights_file``)
    model.to_json() / models.model_from_json  the architecture alone (``serialization_lib``)

Files go both ways: Keras 3 opens what glassnet writes and glassnet opens what Keras 3
writes.  Every write is atomic (``atomic``).  HDF5 goes through h5py, imported only
when a weights file is read or written.
"""
from glassnet.saving.keras_file import load_model, save_model
from glassnet.saving.serialization_lib import (
    CustomObjectScope,
    deserialize_keras_object,
    enable_unsafe_deserialization,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)
from glassnet.saving.weights_file import load_weights, save_weights

custom_object_scope = CustomObjectScope  # Keras' lower-case alias

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "enable_unsafe_deserialization",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
