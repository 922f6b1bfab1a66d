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
  clear error otherwise (``_KERAS_ONLY_KEYS``).

Custom classes and functions are found through ``register_keras_serializable`` (the
registered name ``"package>Name"``), a ``custom_object_scope``, or ``custom_objects=``.
"""
import builtins
import codecs
import importlib
import inspect
import json
import marshal
import types
import warnings

import numpy as np

# --------------------------------------------------------------------------
# registry of custom objects, and the scopes that deserialization honours
# --------------------------------------------------------------------------

GLOBAL_CUSTOM_OBJECTS = {}  # registered name -> class or function
GLOBAL_CUSTOM_NAMES = {}  # class or function -> registered name
_state = {"scope_objects": {}, "safe_mode": None}


def register_keras_serializable(package="Custom", name=None):
    """A decorator that registers a class or function under ``"package>name"``.

    ``name`` defaults to the object's ``__name__``.  Registered objects are written
    with that ``registered_name`` and found again when a config is read.
    """

    def decorator(obj):
        registered_name = f"{package}>{name if name is not None else obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        GLOBAL_CUSTOM_OBJECTS[registered_name] = obj
        GLOBAL_CUSTOM_NAMES[obj] = registered_name
        return obj

    return decorator


def get_registered_name(obj):
    """The name ``obj`` is registered under, or its ``__name__`` when it is not."""
    return GLOBAL_CUSTOM_NAMES.get(obj, getattr(obj, "__name__", None))


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class or function known as ``name``: from the active custom object scope,
    the registry, ``custom_objects`` or ``module_objects``, in that order; else None."""
    for table in (_state["scope_objects"], GLOBAL_CUSTOM_OBJECTS, custom_objects or {},
                  module_objects or {}):
        if name in table:
            return table[name]
    return None


def get_custom_objects():
    """The live global dict of registered custom objects (``{name: object}``)."""
    return GLOBAL_CUSTOM_OBJECTS


class CustomObjectScope:
    """``with custom_object_scope({"MyLayer": MyLayer}):`` makes the objects findable
    by name while configs are read inside the block."""

    def __init__(self, custom_objects):
        self.custom_objects = dict(custom_objects or {})
        self._saved = None

    def __enter__(self):
        self._saved = _state["scope_objects"]
        _state["scope_objects"] = {**self._saved, **self.custom_objects}
        return self

    def __exit__(self, *exc_info):
        _state["scope_objects"] = self._saved


custom_object_scope = CustomObjectScope


class SafeModeScope:
    """Sets safe mode (no lambda loading) for the nested deserialization calls."""

    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode
        self._saved = None

    def __enter__(self):
        self._saved = _state["safe_mode"]
        _state["safe_mode"] = self.safe_mode
        return self

    def __exit__(self, *exc_info):
        _state["safe_mode"] = self._saved


def enable_unsafe_deserialization():
    """Allows lambdas to be loaded everywhere (``keras.config.enable_unsafe_deserialization``)."""
    _state["safe_mode"] = False


def in_safe_mode():
    """True, False, or None when no scope has set it."""
    return _state["safe_mode"]


# --------------------------------------------------------------------------
# DTypePolicy: what a layer's "dtype" is in Keras' configs
# --------------------------------------------------------------------------


class DTypePolicy:
    """``keras.DTypePolicy`` as configs carry it: one dtype for variables and computations.

    glassnet layers keep their dtype as a string; this class exists so that the
    ``{"class_name": "DTypePolicy", "config": {"name": "float32"}}`` dicts of Keras
    configs can be written and read.  Mixed policies ("mixed_float16") are not supported.
    """

    def __init__(self, name=None):
        from glassnet import config

        self.name = _dtype_name("DTypePolicy", name or config.floatx())

    @property
    def compute_dtype(self):
        return self.name

    @property
    def variable_dtype(self):
        return self.name

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f'<DTypePolicy "{self.name}">'


def _dtype_name(owner, dtype):
    """A float dtype's canonical name; Keras' mixed or quantized policies are refused."""
    if isinstance(dtype, DTypePolicy):
        return dtype.name
    try:
        return str(np.dtype(dtype))
    except TypeError:
        raise ValueError(
            f"{owner}: glassnet computes each layer in a single NumPy dtype and cannot use "
            f"the Keras dtype policy {dtype!r}. Received: dtype={dtype!r}"
        ) from None


def serialize_dtype_policy(dtype):
    """Keras' dict for a layer's dtype: ``{"module": "keras", "class_name": "DTypePolicy",
    "config": {"name": "float32"}, "registered_name": None}``."""
    return {"module": "keras", "class_name": "DTypePolicy",
            "config": {"name": _dtype_name("dtype", dtype)}, "registered_name": None}


def _read_dtype(owner, dtype):
    """A layer's dtype from a config: None, a string, a DTypePolicy or its dict."""
    if isinstance(dtype, dict):
        if dtype.get("class_name") != "DTypePolicy":
            raise ValueError(
                f"{owner}: glassnet supports only plain DTypePolicy dtypes, not "
                f"{dtype.get('class_name')}. Received: dtype={dtype!r}"
            )
        dtype = (dtype.get("config") or {}).get("name")
    return None if dtype is None else _dtype_name(owner, dtype)


# --------------------------------------------------------------------------
# where glassnet's classes live in Keras' public API
# --------------------------------------------------------------------------

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


# --------------------------------------------------------------------------
# serialization
# --------------------------------------------------------------------------

_PLAIN_TYPES = (str, int, float, bool)

# Keras layers built in their constructor: Keras writes no "build_config" for them
_BUILT_AT_INIT = frozenset({
    "Activation", "ActivityRegularization", "AlphaDropout", "AveragePooling1D",
    "AveragePooling2D", "AveragePooling3D", "Dropout", "ELU", "GaussianDropout",
    "GaussianNoise", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
    "GlobalAveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "Identity", "LeakyReLU", "Masking", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "ReLU",
    "Reshape", "Softmax", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
    "UnitNormalization",
})


def serialize_keras_object(obj):
    """The Keras 3 config of ``obj`` (see the module docstring for the layout).

    Raises TypeError for an object that is neither a plain value, a function nor
    an object with ``get_config()``.
    """
    if obj is None or isinstance(obj, _PLAIN_TYPES):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [serialize_keras_object(item) for item in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return serialize_dict(obj)
    special = _serialize_special(obj)
    if special is not None:
        return special
    if isinstance(obj, types.FunctionType):
        return _serialize_function(obj)
    from glassnet.layers.layer import Layer

    if isinstance(obj, Layer):
        return serialize_layer(obj)
    return _serialize_instance(obj, _get_config(obj))


def serialize_dict(config):
    """Each value of a dict serialized (the keys kept)."""
    return {key: serialize_keras_object(value) for key, value in config.items()}


def _serialize_special(obj):
    """Configs of values that are not classes: bytes, slices, tensors, NumPy values."""
    from glassnet.autodiff.tensor import Tensor
    from glassnet.layers.keras_tensor import KerasTensor

    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        return {"class_name": "__slice__", "config": {
            "start": serialize_keras_object(obj.start), "stop": serialize_keras_object(obj.stop),
            "step": serialize_keras_object(obj.step)}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, KerasTensor):
        return keras_tensor_config(obj, None)
    if isinstance(obj, Tensor):
        value = np.asarray(obj.numpy() if hasattr(obj, "numpy") else obj.data)
        return {"class_name": "__tensor__",
                "config": {"value": value.tolist(), "dtype": str(value.dtype)}}
    if isinstance(obj, np.ndarray) and obj.ndim > 0:
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(),
                                                       "dtype": str(obj.dtype)}}
    if isinstance(obj, (np.generic, np.ndarray)):
        return obj.item()
    if isinstance(obj, np.dtype):
        return str(obj)
    return None


def keras_tensor_config(tensor, keras_history):
    """``{"class_name": "__keras_tensor__", ...}`` for a placeholder; ``keras_history`` is
    [layer name, node index, tensor index] (None outside a model's config)."""
    return {"class_name": "__keras_tensor__", "config": {
        "shape": tuple(tensor.shape), "dtype": tensor.dtype,
        "keras_history": None if keras_history is None else list(keras_history)}}


def _get_config(obj):
    if not hasattr(obj, "get_config"):
        raise TypeError(
            f"Cannot serialize object {obj!r} of type {type(obj)}. To be serializable, a "
            "class must implement the `get_config()` method."
        )
    config = obj.get_config()
    if not isinstance(config, dict):
        raise TypeError(
            f"The `get_config()` method of {obj!r} should return a dict. It returned: {config!r}"
        )
    return config


# Keras options glassnet does not implement that Keras writes into every config at these
# neutral values: glassnet writes them too (after the given key, or last), so that its
# configs read like Keras'.  Keyed by class name, looked up along the class' bases.
_KERAS_WRITES = {
    "Dense": (None, {"quantization_config": None}),
    "BatchNormalization": (None, {"synchronized": False, "renorm": False,
                                  "renorm_clipping": None, "renorm_momentum": 0.99}),
    "VarianceScaling": (None, {"input_axes": None, "output_axes": None}),
    "Resizing": ("crop_to_aspect_ratio", {"antialias": False}),
    "SparseCategoricalCrossentropy": (None, {"ignore_class": None}),
    "Optimizer": ("clipvalue", {"use_ema": False, "ema_momentum": 0.99,
                                "ema_overwrite_frequency": None, "loss_scale_factor": None,
                                "gradient_accumulation_steps": None}),
}
# Keras layers whose config always has "activity_regularizer"; the others write it only
# when one is set
_WRITE_ACTIVITY_REGULARIZER = frozenset({
    "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
    "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
})


# Keys Keras does not write at these values (Keras' Loss configs have no dtype)
_KERAS_LEAVES_OUT = {"Loss": {"dtype": None}}


def _with_keras_defaults(cls, config):
    """``config`` plus the neutral Keras-only options Keras would write for ``cls``, less
    the entries Keras leaves out."""
    if cls in GLOBAL_CUSTOM_NAMES or not cls.__module__.startswith("glassnet."):
        return config
    for base in cls.__mro__:
        for key, value in _KERAS_LEAVES_OUT.get(base.__name__, {}).items():
            if key in config and config[key] is value:
                config = {k: v for k, v in config.items() if k != key}
    for base in cls.__mro__:
        anchor, extra = _KERAS_WRITES.get(base.__name__, (None, {}))
        missing = {key: value for key, value in extra.items() if key not in config}
        if missing:
            config = _insert_after(config, anchor, missing)
    return config


def _insert_after(config, anchor, extra):
    if anchor not in config:
        return {**config, **extra}
    result = {}
    for key, value in config.items():
        result[key] = value
        if key == anchor:
            result.update(extra)
    return result


def _serialize_instance(obj, config, build_config=None):
    module, class_name, registered_name = _keras_location(type(obj))
    config = _with_keras_defaults(type(obj), config)
    result = {"module": module, "class_name": class_name, "config": serialize_dict(config),
              "registered_name": registered_name}
    if build_config is not None:
        result["build_config"] = serialize_dict(build_config)
    return result


def _serialize_function(fn):
    """Keras' config of a function: a lambda's bytecode, or the function's name."""
    if fn.__name__ == "<lambda>":
        return _serialize_lambda(fn)
    name = get_registered_name(fn)
    module = "builtins"
    if fn not in GLOBAL_CUSTOM_NAMES and _is_glassnet_op(fn):
        module = "keras.ops"  # Keras finds keras.ops.<name>; under "builtins" it would not
    return {"module": module, "class_name": "function", "config": name,
            "registered_name": "function"}


def _is_glassnet_op(fn):
    if not getattr(fn, "__module__", "").startswith("glassnet."):
        return False
    if any(vars(_namespace(ns)).get(fn.__name__) is fn for ns in _FUNCTION_NAMESPACES):
        return False
    return vars(_namespace("glassnet.ops")).get(fn.__name__) is fn


def _serialize_lambda(fn):
    warnings.warn(
        "The object being serialized includes a `lambda`. This is unsafe. In order to reload "
        "the object, you will have to pass `safe_mode=False` to the loading function. Please "
        "avoid using `lambda` in the future, and use named Python functions instead. This is "
        f"the `lambda` being serialized: {_source(fn)}",
        stacklevel=3,
    )
    return {"class_name": "__lambda__", "config": {"value": func_dump(fn)}}


def _source(fn):
    try:
        return inspect.getsource(fn)
    except (OSError, TypeError):
        return repr(fn)


def func_dump(fn):
    """(base64 bytecode, defaults, closure values) of a function, as Keras stores lambdas."""
    code = codecs.encode(marshal.dumps(fn.__code__), "base64").decode("ascii")
    closure = tuple(cell.cell_contents for cell in fn.__closure__) if fn.__closure__ else None
    return code, fn.__defaults__, closure


def func_load(code, defaults=None, closure=None):
    """The function that ``func_dump`` stored (``code`` may be the whole triple).

    It runs with glassnet importable as ``keras``, ``glassnet`` and ``ops``, and NumPy
    as ``np``, so lambdas like ``lambda x: keras.ops.square(x)`` work.
    """
    if isinstance(code, (list, tuple)):
        code, defaults, closure = code
    if isinstance(defaults, list):
        defaults = tuple(defaults)
    if closure is not None:
        closure = tuple(types.CellType(value) for value in closure)
    try:
        raw = codecs.decode(code.encode("ascii"), "base64")
    except (UnicodeEncodeError, ValueError):
        raw = code.encode("raw_unicode_escape")
    compiled = marshal.loads(raw)
    return types.FunctionType(compiled, _lambda_globals(), name=compiled.co_name,
                              argdefs=defaults, closure=closure)


def _lambda_globals():
    import glassnet
    from glassnet import ops

    return {"__builtins__": builtins, "keras": glassnet, "glassnet": glassnet, "ops": ops,
            "np": np, "numpy": np}


def serialize_layer(layer, input_shape=None):
    """A layer's Keras config, with ``build_config`` when it was built.

    ``input_shape`` is the shape the layer was built for, when the caller knows it
    (a model knows its placeholders' shapes); else it comes from the layer's build.
    """
    from glassnet.models.functional import Functional
    from glassnet.models.model import Model
    from glassnet.models.sequential import Sequential

    if isinstance(layer, (Functional, Sequential)):
        result = _serialize_instance(layer, layer.get_config(), layer.get_build_config())
    else:
        config = _keras_layer_config(layer, _get_config(layer))
        result = _serialize_instance(layer, config, _layer_build_config(layer, input_shape))
    if isinstance(layer, Model):
        result["compile_config"] = compile_config(layer)  # {} when not compiled, as Keras
    return result


# Keras layers whose config has only these keys (their constructors take no others)
_KERAS_CONFIG_KEYS = {
    "SpatialDropout1D": ("rate", "seed", "name", "dtype"),
    "SpatialDropout2D": ("rate", "seed", "name", "dtype", "data_format"),
    "SpatialDropout3D": ("rate", "seed", "name", "dtype", "data_format"),
}


def _keras_layer_config(layer, config):
    """glassnet's layer config in Keras' form: the dtype as a DTypePolicy dict and no
    ``batch_input_shape`` (the model's InputLayer carries it); an InputLayer's config
    has Keras' keys exactly."""
    from glassnet.layers.input_layer import InputLayer

    if isinstance(layer, InputLayer):
        return {"batch_shape": tuple(layer.batch_shape), "dtype": layer.dtype, "sparse": False,
                "ragged": False, "name": layer.name, "optional": False}
    keys = _KERAS_CONFIG_KEYS.get(_keras_location(type(layer))[1])
    if keys is not None:  # Keras' own short config: these keys, the dtype a plain string
        return {key: config[key] for key in keys if key in config}
    config = {key: value for key, value in config.items() if key != "batch_input_shape"}
    if config.get("activity_regularizer", 0) is None and (
        _keras_location(type(layer))[1] not in _WRITE_ACTIVITY_REGULARIZER
    ):
        del config["activity_regularizer"]
    if isinstance(config.get("dtype"), str):
        config["dtype"] = serialize_dtype_policy(config["dtype"])
    return config


def _layer_build_config(layer, input_shape):
    from glassnet.layers.input_layer import InputLayer

    if isinstance(layer, InputLayer) or _keras_location(type(layer))[1] in _BUILT_AT_INIT:
        return None
    if input_shape is None and layer.built and layer._build_shape is not None:
        input_shape = _none_batch(layer._build_shape)
    return None if input_shape is None else {"input_shape": input_shape}


def _none_batch(shapes):
    """A shape (or a list/dict of shapes) with the batch axis unknown, as Keras builds."""
    if isinstance(shapes, dict):
        return {key: _none_batch(value) for key, value in shapes.items()}
    if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (list, tuple)):
        return [_none_batch(shape) for shape in shapes]
    return (None,) + tuple(shapes[1:])


# --------------------------------------------------------------------------
# deserialization
# --------------------------------------------------------------------------


class UnknownObjectError(ValueError, TypeError):
    """A config names a class or function that cannot be found.  A ValueError, and a
    TypeError too, because Keras raises TypeError for it."""


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object described by a Keras 3 config (the inverse of ``serialize_keras_object``).

    Arguments:
        config: a config dict (or a plain value, or a list of configs).
        custom_objects: ``{name: class or function}`` for custom objects that are not
            registered.
        safe_mode: refuse to load Python lambdas (their bytecode runs on load).
        module_objects: (keyword) ``{name: class or function}`` tried first for a bare
            name or a config without a module (used by ``initializers.get`` and friends).

    Raises ValueError (also a TypeError, as Keras) naming a class or function that
    cannot be found.
    """
    module_objects = kwargs.pop("module_objects", None)
    if kwargs:
        raise ValueError(f"deserialize_keras_object: unknown arguments {sorted(kwargs)}")
    scope_safe_mode = in_safe_mode()
    safe_mode = scope_safe_mode if scope_safe_mode is not None else safe_mode
    custom_objects = dict(custom_objects or {})
    return _deserialize(config, custom_objects, safe_mode, module_objects)


def _deserialize(config, custom_objects, safe_mode, module_objects=None):
    if config is None:
        return None
    if isinstance(config, str):
        found = get_registered_object(config, custom_objects)
        return config if found is None else found
    if isinstance(config, (list, tuple)):
        return [_deserialize(item, custom_objects, safe_mode) for item in config]
    if isinstance(config, _PLAIN_TYPES):
        return config
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config!r}")
    if "class_name" not in config or "config" not in config:
        return {key: _deserialize(value, custom_objects, safe_mode)
                for key, value in config.items()}
    class_name = config["class_name"]
    if class_name.startswith("__") and class_name.endswith("__"):
        return _deserialize_special(config, custom_objects, safe_mode)
    if class_name == "function":
        return _retrieve(config, custom_objects, module_objects, kind="function")
    cls = _retrieve(config, custom_objects, module_objects, kind="class")
    if isinstance(cls, types.FunctionType):
        return cls
    return _instantiate(cls, config, custom_objects, safe_mode)


def _deserialize_special(config, custom_objects, safe_mode):
    from glassnet.autodiff.tensor import Tensor
    from glassnet.layers.keras_tensor import KerasTensor

    class_name, inner = config["class_name"], config["config"] or {}
    if class_name == "__keras_tensor__":
        tensor = KerasTensor(tuple(inner["shape"]), inner["dtype"])
        tensor._pre_serialization_keras_history = inner.get("keras_history")
        return tensor
    if class_name == "__tensor__":
        return Tensor(np.array(inner["value"], dtype=inner["dtype"]))
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__slice__":
        return slice(*(_deserialize(inner[key], custom_objects, safe_mode)
                       for key in ("start", "stop", "step")))
    if class_name == "__lambda__":
        if safe_mode:
            raise ValueError(
                "Requested the deserialization of a Python lambda. This carries a potential "
                "risk of arbitrary code execution and thus it is disallowed by default. If "
                "you trust the source of the artifact, you can override this error by "
                "passing `safe_mode=False` to the loading function, or calling "
                "`keras.config.enable_unsafe_deserialization()."
            )
        return func_load(inner["value"])
    raise UnknownObjectError(
        f"Could not deserialize the special object {class_name!r}: glassnet does not "
        f"support it. Full object config: {config}"
    )


def _retrieve(config, custom_objects, module_objects, kind):
    """The class (or function) a config names: registered or custom objects first, then
    glassnet's counterpart of the Keras module."""
    class_name = config["class_name"]
    name = config["config"] if kind == "function" else class_name
    if kind == "function" and not isinstance(name, str):
        raise TypeError(f"Expected 'config' to be a function's name. Full config: {config}")
    registered_name = config.get("registered_name") or class_name
    key = name if kind == "function" else registered_name
    found = get_registered_object(key, custom_objects)
    if found is None and kind == "class":
        found = get_registered_object(class_name, custom_objects)
    if found is None and module_objects:
        found = module_objects.get(name)
    if found is None:
        found, looked_in = _from_module(config.get("module"), name, kind)
    if found is None:
        raise UnknownObjectError(
            f"Could not locate {kind} '{name}' (looked in {looked_in}). Make sure custom "
            "classes and functions are decorated with "
            "`@keras.saving.register_keras_serializable()`, or pass them in "
            f"`custom_objects`. Full object config: {config}"
        )
    return found


def _from_module(module, name, kind):
    """(object or None, where it was looked for) for a Keras or glassnet module name."""
    if kind == "function" and module in (None, "builtins"):
        # Keras' built-in functions are saved by bare name; ops last (Keras has no
        # keras.ops there, but a Lambda of keras.ops.square is saved so)
        for namespace in (*_FUNCTION_NAMESPACES, "glassnet.ops"):
            found = vars(_namespace(namespace)).get(name)
            if callable(found):
                return found, namespace
        return None, "the built-in activations, losses, metrics and ops"
    path = None if module is None else _glassnet_path(module)
    if module is not None and path is None:
        return None, f"the registered custom objects (module {module!r} is not Keras')"
    if path in ("", "models.functional"):
        found = {**_top_level(), "Functional": _functional()}.get(name)
        return found, f"glassnet's counterpart of {module!r}"
    for keras_module, glassnet_module in _NAMESPACES:
        prefix = keras_module[len("keras."):]
        if path is not None and (path == prefix or path.startswith(prefix + ".")):
            found = vars(_namespace(glassnet_module)).get(name)
            ok = callable(found) if kind == "function" else isinstance(found, type)
            return (found if ok else None), f"{glassnet_module} (for Keras' {module!r})"
    # Keras 2 configs name no module, and some Keras classes live in backend modules
    # (keras.src.backend.torch.optimizers.torch_adam): find the class by name
    return (_class_by_name(name) if kind == "class" else None), (
        "glassnet's layers, initializers, regularizers, constraints, optimizers, losses "
        f"and metrics (for module {module!r})")


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


def _instantiate(cls, config, custom_objects=None, safe_mode=True):
    """``cls.from_config`` of a config dict's inner config, with Keras-only options
    checked, the dtype policy read, and then the build and compile configs applied."""
    inner = _prepare_config(cls, dict(config["config"] or {}))
    with CustomObjectScope(custom_objects), SafeModeScope(safe_mode):
        try:
            instance = cls.from_config(inner)
        except TypeError as error:
            raise TypeError(
                f"{cls} could not be deserialized properly. Please ensure that components "
                "that are Python object instances (layers, models, etc.) returned by "
                "`get_config()` are explicitly deserialized in the model's `from_config()` "
                f"method.\n\nconfig={config}.\n\nException encountered: {error}"
            ) from error
        build_config = config.get("build_config")
        if build_config and not getattr(instance, "built", True):
            build_from_config(instance, build_config)
        if config.get("compile_config"):
            compile_from_config(instance, config["compile_config"])
    return instance


def build_from_config(layer, build_config):
    """Builds a layer's weights from ``{"input_shape": ...}`` (Keras' build_config)."""
    if "input_shape" in build_config and build_config["input_shape"] is not None:
        shape = _as_shape(build_config["input_shape"])
        layer.build(shape)
        layer.built = True
        layer._build_shape = shape
    elif "shapes_dict" in build_config:
        layer.build(**{key: _as_shape(value) for key, value in build_config["shapes_dict"]
                       .items()})
        layer.built = True


def _as_shape(shape):
    """JSON lists back to tuples: a shape, or a list of shapes."""
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return [_as_shape(s) for s in shape]
    return tuple(shape)


# Keras 3 options that glassnet does not implement: accepted at these neutral values
# only.  Keyed by class name, looked up along the class' bases; _ANY: any value (the
# option only matters when another one is on).
_ANY = object()
_KERAS_ONLY_KEYS = {
    "Layer": {"autocast": True},
    "InputLayer": {"sparse": False, "ragged": False, "optional": False, "input_tensor": None},
    "Dense": {"quantization_config": None, "lora_rank": None, "lora_alpha": None},
    "BatchNormalization": {"synchronized": False, "renorm": False, "renorm_clipping": None,
                           "renorm_momentum": _ANY},
    "VarianceScaling": {"input_axes": None, "output_axes": None},
    "Resizing": {"antialias": False},
    "SparseCategoricalCrossentropy": {"ignore_class": None},
    "Optimizer": {"use_ema": False, "ema_momentum": _ANY, "ema_overwrite_frequency": _ANY,
                  "loss_scale_factor": None, "gradient_accumulation_steps": None},
}


def _prepare_config(cls, config):
    """A config from Keras made fit for glassnet's ``cls``: Keras-only options at their
    neutral value removed (any other value is an error naming the object and the key),
    ``shared_object_id`` dropped, and a DTypePolicy dtype read as its name."""
    owner = f"{cls.__name__} '{config.get('name')}'" if "name" in config else cls.__name__
    accepted = _accepted_arguments(cls)
    for base in cls.__mro__:
        for key, neutral in _KERAS_ONLY_KEYS.get(base.__name__, {}).items():
            if key not in config or key in accepted:
                continue
            value = config.pop(key)
            if neutral is not _ANY and not _same(value, neutral):
                raise ValueError(
                    f"{owner}: glassnet does not implement the Keras option `{key}`; it "
                    f"accepts it only at its default {neutral!r}. Received: {key}={value!r}"
                )
    config.pop("shared_object_id", None)
    if "dtype" in config and (isinstance(config["dtype"], (dict, DTypePolicy))):
        config["dtype"] = _read_dtype(owner, config["dtype"])
    return config


def _same(value, neutral):
    if neutral is None or isinstance(neutral, bool):
        return value is neutral or (isinstance(value, bool) and value == neutral)
    return value == neutral


def _accepted_arguments(cls):
    """Names the class' constructors (along its bases) take explicitly."""
    names = set()
    for base in cls.__mro__:
        init = vars(base).get("__init__")
        if init is None:
            continue
        for parameter in inspect.signature(init).parameters.values():
            if parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
                names.add(parameter.name)
    return names


# --------------------------------------------------------------------------
# models: JSON and compile configs
# --------------------------------------------------------------------------


def model_to_json(model, **kwargs):
    """``model.to_json()``: the model's Keras config as a JSON string (``json.dumps``
    keyword arguments such as ``indent`` pass through)."""
    return json.dumps(serialize_keras_object(model), **kwargs)


def model_from_json(json_string, custom_objects=None):
    """``keras.models.model_from_json``: the model a ``to_json()`` string describes."""
    return deserialize_keras_object(json.loads(json_string), custom_objects=custom_objects)


def compile_config(model):
    """Keras' ``compile_config`` of a compiled model: ``{optimizer (serialized), loss,
    loss_weights, metrics, weighted_metrics, run_eagerly, steps_per_execution,
    jit_compile}``; ``{}`` for a model not compiled (as Keras writes it)."""
    if not getattr(model, "compiled", False):
        return {}
    arguments = getattr(model, "_compile_config", {}) or {}
    return serialize_dict({
        "optimizer": model.optimizer,
        "loss": arguments.get("loss"),
        "loss_weights": arguments.get("loss_weights"),
        "metrics": arguments.get("metrics"),
        "weighted_metrics": arguments.get("weighted_metrics"),
        "run_eagerly": bool(arguments.get("run_eagerly", False)),
        "steps_per_execution": arguments.get("steps_per_execution", 1),
        "jit_compile": arguments.get("jit_compile", True),
    })


def compile_from_config(model, config):
    """Compiles ``model`` as a ``compile_config`` describes (an optimizer dict becomes an
    optimizer; loss and metric names stay names), and builds the optimizer of a built
    model, so that a saved optimizer state can be loaded into it."""
    from glassnet import optimizers

    config = deserialize_keras_object(dict(config))
    optimizer = config.get("optimizer")
    if isinstance(optimizer, (dict, str)):
        optimizer = optimizers.get(optimizer)
    model.compile(
        optimizer=optimizer,
        loss=config.get("loss"),
        metrics=config.get("metrics"),
        loss_weights=config.get("loss_weights"),
        weighted_metrics=config.get("weighted_metrics"),
        run_eagerly=config.get("run_eagerly", False),
        steps_per_execution=config.get("steps_per_execution", 1),
        jit_compile=config.get("jit_compile", "auto"),
    )
    if model.built and hasattr(model.optimizer, "build"):  # its variables, ready to load
        model.optimizer.build(model.trainable_variables)
