"""Lambda: wrap any function of tensors as a layer."""
import types

from glassnet.layers.layer import Layer


class Lambda(Layer):
    """y = function(x, **arguments); the function must use glassnet.ops to be differentiable.

    Its config stores the function as Keras 3 does: a named function by name (a
    ``glassnet.ops`` function under ``keras.ops``), a Python ``lambda`` as marshalled
    bytecode, which ``from_config`` loads only outside safe mode.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: function must be callable. Received: function={function!r}")
        self.function = function
        self.output_shape_arg = output_shape
        self.arguments = dict(arguments or {})

    def call(self, inputs):
        return self.function(inputs, **self.arguments)

    def get_config(self):
        from glassnet.saving import serialization_lib

        config = {**super().get_config(), "function": _function_config(self.function)}
        if self.output_shape_arg is not None:
            shape = self.output_shape_arg
            config["output_shape"] = _function_config(shape) if callable(shape) else shape
        config["arguments"] = serialization_lib.serialize_keras_object(self.arguments)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuilds the layer; a Python lambda in the config is refused in safe mode (the
        default, also outside any loading call), as Keras does."""
        from glassnet.saving import serialization_lib

        if safe_mode is None:
            safe_mode = serialization_lib.in_safe_mode() is not False
        config = dict(config)
        config["function"] = _load_function(config["function"], custom_objects, safe_mode)
        shape = config.get("output_shape")
        if isinstance(shape, dict):
            config["output_shape"] = _load_function(shape, custom_objects, safe_mode)
        elif isinstance(shape, list) and all(isinstance(n, (int, type(None))) for n in shape):
            config["output_shape"] = tuple(shape)
        if "arguments" in config:
            config["arguments"] = serialization_lib.deserialize_keras_object(
                config["arguments"], custom_objects=custom_objects)
        return cls(**config)


def _function_config(fn):
    """Keras' Lambda entry for a function: ``__lambda__`` bytecode or the named config."""
    from glassnet.saving import serialization_lib

    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        code, defaults, closure = serialization_lib.func_dump(fn)
        return {"class_name": "__lambda__",
                "config": {"code": code, "defaults": defaults, "closure": closure}}
    if not callable(fn):
        raise ValueError(
            f"Invalid input type for serialization. Received: {fn} of type {type(fn)}."
        )
    return serialization_lib.serialize_keras_object(fn)


def _load_function(entry, custom_objects, safe_mode):
    from glassnet.saving import serialization_lib

    if callable(entry):
        return entry  # given as the function itself (clone_model does this)
    if isinstance(entry, dict) and entry.get("class_name") == "__lambda__":
        if safe_mode:
            raise ValueError(
                "Requested the deserialization of a `Lambda` layer whose `function` is a "
                "Python lambda. This carries a potential risk of arbitrary code execution "
                "and thus it is disallowed by default. If you trust the source of the "
                "artifact, you can override this error by passing `safe_mode=False` to the "
                "loading function, or calling `keras.config.enable_unsafe_deserialization()."
            )
        inner = entry["config"]
        return serialization_lib.func_load(inner["code"], defaults=inner.get("defaults"),
                                           closure=inner.get("closure"))
    return serialization_lib.deserialize_keras_object(entry, custom_objects=custom_objects)
