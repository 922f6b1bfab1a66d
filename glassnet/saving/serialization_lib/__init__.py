"""Keras 3's object configs: ``serialize_keras_object`` and ``deserialize_keras_object``.

A ``.keras`` file's ``config.json`` (and ``model.to_json()``) describes every object
as a dict in Keras 3's layout, which glassnet writes and reads unchanged so that
files go both ways between glassnet and Keras:

    {"module": "keras.layers",           public Keras module of the class
     "class_name": "Dense",              the class name (Keras' canonical one)
     "config": {...},                    obj.get_config(), nested objects serialized alike
     "registered_name": None,            "package>Name" for registered custom classes
     "build_config": {"input_shape": [None, 784]}}        layers that were built

- glassnet classes are written under Keras' names: ``keras.layers``, ``keras.initializers``,
  ``keras.regularizers``, ``keras.constraints``, ``keras.optimizers``,
  ``keras.optimizers.schedules``, ``keras.losses``, ``keras.metrics``; ``keras`` for
  Sequential, Model, the base classes and DTypePolicy; a functional model is
  ``{"module": "keras.src.models.functional", "class_name": "Functional",
  "registered_name": "Functional"}``.  Reading accepts those, Keras' internal paths
  (``keras.src.layers.core.dense``) and glassnet's own module names.
- Plain values (None, bool, int, float, str) pass through; lists stay lists, tuples stay
  tuples (JSON turns them into lists), dicts are serialized value by value; NumPy arrays
  become ``{"class_name": "__numpy__", ...}``, NumPy scalars plain numbers.
- A named function is ``{"module": "builtins", "class_name": "function", "config":
  "relu", "registered_name": "function"}`` (its registered name for a registered one);
  a layer's activation is just its name ("relu"), as Keras writes it.  A ``glassnet.ops``
  function is written under ``keras.ops``, where Keras can find it by name.
- A Python ``lambda`` is its marshalled bytecode (``__lambda__``); reading one needs
  ``safe_mode=False`` because it runs code from the file.
- A layer's ``dtype`` is written as Keras' DTypePolicy dict; a plain string is read too.
- Keras options glassnet does not implement (``Dense(quantization_config=...)``,
  ``use_ema`` of optimizers, ...) are accepted at their neutral value and rejected with a
  clear error otherwise (``deserialize._KERAS_ONLY_KEYS``).

Custom classes and functions are found through ``register_keras_serializable`` (the
registered name ``"package>Name"``), a ``custom_object_scope``, or ``custom_objects=``.

Modules: ``registry`` (registered custom objects and the custom-object and safe-mode
scopes), ``dtype_policy``, ``keras_names`` (Keras' module for a glassnet class and
glassnet's for a Keras module), ``functions`` (lambdas' bytecode), ``serialize``,
``deserialize`` and ``model_json``.
"""
from glassnet.saving.serialization_lib.deserialize import (
    UnknownObjectError,
    compile_from_config,
    deserialize_keras_object,
)
from glassnet.saving.serialization_lib.dtype_policy import DTypePolicy, serialize_dtype_policy
from glassnet.saving.serialization_lib.functions import func_dump, func_load
from glassnet.saving.serialization_lib.model_json import model_from_json, model_to_json
from glassnet.saving.serialization_lib.registry import (
    GLOBAL_CUSTOM_NAMES,
    GLOBAL_CUSTOM_OBJECTS,
    CustomObjectScope,
    _state,
    custom_object_scope,
    enable_unsafe_deserialization,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    in_safe_mode,
    register_keras_serializable,
)
from glassnet.saving.serialization_lib.serialize import (
    compile_config,
    keras_tensor_config,
    serialize_keras_object,
    serialize_layer,
)
