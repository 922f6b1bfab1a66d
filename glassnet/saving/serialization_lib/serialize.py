"""Serialization: ``serialize_keras_object`` and the Keras form of layer, build and
compile configs."""
import types

import numpy as np

from glassnet.saving.serialization_lib.dtype_policy import serialize_dtype_policy
from glassnet.saving.serialization_lib.functions import _serialize_lambda
from glassnet.saving.serialization_lib.keras_names import (
    _FUNCTION_NAMESPACES,
    _keras_location,
    _namespace,
)
from glassnet.saving.serialization_lib.registry import GLOBAL_CUSTOM_NAMES, get_registered_name

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
    """The Keras 3 config of ``obj`` (see the package docstring for the layout).

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
        "jit_compile": arguments.get("jit_compile", "auto") is not False,  # as Keras
    })
