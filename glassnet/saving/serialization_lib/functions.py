"""Functions in configs: a lambda's marshalled bytecode (``func_dump`` / ``func_load``)."""
import builtins
import codecs
import inspect
import marshal
import types
import warnings

import numpy as np


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
