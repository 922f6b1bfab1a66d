"""The ``get(identifier)`` lookup shared by activations, losses, optimizers, ...

Each module keeps a small table ``{name: object}`` and calls ``lookup``.
"""


def lookup(kind, identifier, table, classes=None):
    """Resolves a name, a ``{"class_name", "config"}`` dict, or a callable.

    Arguments:
        kind: what is looked up, for messages ("activation", "optimizer", ...).
        identifier: a string (case-insensitive), a config dict, a callable, or None.
        table: {lowercase name: function, class or object factory}.
        classes: {class name: class} for config dicts; defaults to the classes in
            ``table``.

    Raises ValueError naming the valid choices when the identifier is unknown.
    """
    if isinstance(identifier, dict):
        classes = classes or {v.__name__: v for v in table.values() if isinstance(v, type)}
        name = identifier.get("class_name")
        if name not in classes:
            raise ValueError(
                f"Could not interpret {kind} identifier: unknown class_name {name!r}. "
                f"Valid classes: {sorted(classes)}. Received: {identifier!r}"
            )
        return classes[name].from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        key = identifier.lower()
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


def serialize(obj):
    """``{"module", "class_name", "config"}`` for an object with ``get_config``."""
    return {
        "module": type(obj).__module__,
        "class_name": type(obj).__name__,
        "config": obj.get_config(),
    }


def serialize_optional(obj):
    """``serialize(obj)``, or None for None (optional regularizers, constraints)."""
    return None if obj is None else serialize(obj)
