"""Deserialization: ``deserialize_keras_object``, with Keras-only options checked and
build and compile configs applied."""
import inspect
import types

import numpy as np

from glassnet.saving.serialization_lib.dtype_policy import DTypePolicy, _read_dtype
from glassnet.saving.serialization_lib.functions import func_load
from glassnet.saving.serialization_lib.keras_names import (
    _FUNCTION_NAMESPACES,
    _NAMESPACES,
    _class_by_name,
    _functional,
    _glassnet_path,
    _namespace,
    _top_level,
)
from glassnet.saving.serialization_lib.registry import (
    CustomObjectScope,
    SafeModeScope,
    get_registered_object,
    in_safe_mode,
)
from glassnet.saving.serialization_lib.serialize import _PLAIN_TYPES


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


def _jit_compile(saved):
    """Keras files say ``True`` for Keras' default ("auto"); glassnet's strict ``True``
    (an error where a step cannot be compiled) is asked for by hand, so True loads as
    "auto"; False (eager steps) stays False."""
    return "auto" if saved is True else saved


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
        jit_compile=_jit_compile(config.get("jit_compile", "auto")),
    )
    if model.built and hasattr(model.optimizer, "build"):  # its variables, ready to load
        model.optimizer.build(model.trainable_variables)
