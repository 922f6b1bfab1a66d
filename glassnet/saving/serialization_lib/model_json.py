"""Models as JSON: ``model.to_json()`` and ``keras.models.model_from_json``."""
import json

from glassnet.saving.serialization_lib.deserialize import deserialize_keras_object
from glassnet.saving.serialization_lib.serialize import serialize_keras_object


def model_to_json(model, **kwargs):
    """``model.to_json()``: the model's Keras config as a JSON string (``json.dumps``
    keyword arguments such as ``indent`` pass through)."""
    return json.dumps(serialize_keras_object(model), **kwargs)


def model_from_json(json_string, custom_objects=None):
    """``keras.models.model_from_json``: the model a ``to_json()`` string describes."""
    return deserialize_keras_object(json.loads(json_string), custom_objects=custom_objects)
