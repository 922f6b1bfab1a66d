"""Nested structures of values: a leaf, or lists, tuples and dicts of structures.

Models take and return such structures (several inputs as a list, named outputs as a
dict); these helpers walk them.  Dicts are walked in insertion order.
"""


def is_nested(structure):
    """Whether ``structure`` is a list, tuple or dict (not a leaf)."""
    return isinstance(structure, (list, tuple, dict))


def flatten(structure):
    """The leaves of ``structure``, depth first, as a list."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for item in structure.values() for leaf in flatten(item)]
    return [structure]


def map_structure(func, structure):
    """``structure`` with every leaf replaced by ``func(leaf)``; the containers are kept."""
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_structure(func, item) for item in structure)
    if isinstance(structure, dict):
        return {key: map_structure(func, item) for key, item in structure.items()}
    return func(structure)
