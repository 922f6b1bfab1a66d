"""The registry of custom objects, and the scopes that deserialization honours."""
import inspect

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
