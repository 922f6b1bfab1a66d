"""The ``get(identifier)`` lookup shared by activations, losses, optimizers, ...

Each module keeps a small table ``{name: object}`` and calls ``lookup``.  Config dicts
are Keras 3's (``{"module", "class_name", "config", "registered_name"}``): ``serialize``
writes them and ``lookup`` reads them through ``glassnet.saving.serialization_lib``, so
the nested initializers, regularizers, ... of a layer's config are what Keras writes.
Names that are not built in are looked up among the registered custom objects.
"""


def lookup(kind, identifier, table, classes=None):
    """Resolves a name, a Keras ``{"module", "class_name", "config"}`` dict, or a callable.

    Arguments:
        kind: what is looked up, for messages ("activation", "optimizer", ...).
        identifier: a string (case-insensitive), a config dict, a callable, or None.
        table: {lowercase name: function, class or object factory}.
        classes: {class name: class} for config dicts; defaults to the classes in
            ``table``.

    Raises ValueError naming the valid choices when the identifier is unknown (and is
    not a registered custom object).
    """
    if isinstance(identifier, dict):
        return _from_config_dict(kind, identifier, table, classes)
    if isinstance(identifier, str):
        key = identifier.lower()
        custom = None if key in table else _custom_object(identifier)
        if custom is not None:
            return custom
        if key not in table:
            raise ValueError(
                f"Could not interpret {kind} identifier: {identifier!r}. "
                f"Valid names: {', '.join(sorted(table))}. Received: {kind}={identifier!r}"
            )
        return table[key]
    if callable(identifier):
        return identifier
    raise TypeError(
        f"Could not interpret {kind} identifier: expected a string, a config dict or a "
        f"callable. Received: {kind}={identifier!r} of type {type(identifier).__name__}"
    )


def _from_config_dict(kind, identifier, table, classes):
    """The object a Keras config dict describes, its class looked up in ``classes`` first
    (Keras-only options and registered custom classes are handled by serialization_lib)."""
    from glassnet.saving import serialization_lib  # imported late: it imports the layers

    classes = classes or {v.__name__: v for v in table.values() if isinstance(v, type)}
    config = {"config": {}, **identifier}
    try:
        return serialization_lib.deserialize_keras_object(config, module_objects=classes)
    except serialization_lib.UnknownObjectError as error:
        raise ValueError(
            f"Could not interpret {kind} identifier: unknown class_name "
            f"{identifier.get('class_name')!r}. Valid classes: {sorted(classes)}. "
            f"Received: {identifier!r}"
        ) from error


def _custom_object(name):
    """A custom object registered (or in a custom_object_scope) under ``name``, or None."""
    from glassnet.saving import serialization_lib

    return serialization_lib.get_registered_object(name)


def serialize(obj):
    """Keras 3's ``{"module", "class_name", "config", "registered_name"}`` for an object
    with ``get_config`` (``module`` is Keras' public one, such as "keras.initializers")."""
    from glassnet.saving import serialization_lib

    return serialization_lib.serialize_keras_object(obj)


def serialize_optional(obj):
    """``serialize(obj)``, or None for None (optional regularizers, constraints)."""
    return None if obj is None else serialize(obj)
