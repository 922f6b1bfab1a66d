"""Models that travel between processes: ``pickle``, ``cloudpickle``, joblib and Dask.

A model pickles as the bytes of its ``.keras`` file (``keras_file``)::

    pickle.dumps(model)  ->  (load_from_bytes, (the .keras file's bytes, custom classes))
    pickle.loads(data)   ->  load_from_bytes(...): load_model on those bytes

so what survives is exactly what ``model.save`` keeps: the architecture, every weight,
the compile settings (optimizer, loss, metrics, loss weights) and the optimizer's state
(its iteration count and slots, e.g. Adam's moments).  An unpickled model predicts
bit-for-bit as the original and trains on exactly as it would have.  ``copy.deepcopy``
goes the same way.

Not carried over, as with ``model.save``: the running values of the metrics (they restart
at the next ``fit``/``evaluate``), ``model.history``, the traced programs of
``jit_compile`` (traced anew), and ``compile`` arguments beyond optimizer, loss, metrics
and loss weights (``jit_compile`` and friends return to their defaults).

The bytes are written to and read from a ``.keras`` file in a ``TemporaryDirectory``
(``save_model``/``load_model`` take paths), removed as soon as it has been read.

Custom classes.  A ``.keras`` file names a class; loading finds registered classes
(``@keras.saving.register_keras_serializable()``) or the ones passed as
``custom_objects``.  Pickling adds the classes of the model, of its layers (nested ones
included) and of its compiled losses and metrics that are not glassnet's own, so:

- with ``pickle`` (and joblib's and Dask's processes), such a class must be importable
  by its qualified name in the process that unpickles: defined at the top level of a
  module on that process's path (not in ``__main__``, not inside a function);
  unpickling imports its module.  It need not be registered.
- with ``cloudpickle``, a class defined in ``__main__`` or a notebook is shipped by
  value, so it works too.
- the class must still rebuild from its config: ``get_config`` returns every
  constructor argument (as for ``model.save``).

Lambda layers and lambda losses are loaded with ``safe_mode=False``: unpickling already
runs code named by the sender, so a lambda's bytecode adds no new trust.
"""
import os
import tempfile
import types

from glassnet import tree
from glassnet.saving import keras_file, serialization_lib

_FILE_NAME = "model" + keras_file.SUFFIX


def model_to_bytes(model):
    """The bytes of ``model``'s ``.keras`` file (architecture, weights, compile settings,
    optimizer state)."""
    with tempfile.TemporaryDirectory(prefix="glassnet-pickle-") as folder:
        path = os.path.join(folder, _FILE_NAME)
        keras_file.save_model(model, path)
        with open(path, "rb") as file:
            return file.read()


def load_from_bytes(data, custom_objects=None):
    """The model whose ``.keras`` file is ``data`` (what ``model_to_bytes`` returns),
    compiled as it was saved and with its optimizer state.

    Arguments:
        data: the bytes of a ``.keras`` file.
        custom_objects: {registered name: class or function} for the custom objects the
            file names (``reduce_model`` records them).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(
            "load_from_bytes: data must be the bytes of a .keras file. "
            f"Received: data of type {type(data).__name__}"
        )
    with tempfile.TemporaryDirectory(prefix="glassnet-unpickle-") as folder:
        path = os.path.join(folder, _FILE_NAME)
        with open(path, "wb") as file:
            file.write(data)
        return keras_file.load_model(path, custom_objects=custom_objects, safe_mode=False)


def reduce_model(model):
    """``Model.__reduce__``: ``(load_from_bytes, (bytes, custom objects))``.

    The custom objects are classes and functions: pickle stores them by qualified name
    (cloudpickle by value when they live in ``__main__``), so the unpickling process
    imports their modules before ``load_from_bytes`` needs them.
    """
    return load_from_bytes, (model_to_bytes(model), custom_objects_of(model))


def custom_objects_of(model):
    """{registered name: class or function} of the model's own objects that are not
    glassnet's: the model's class, its layers' classes and its compiled losses and
    metrics."""
    found = {}
    for layer in _layers_within(model):
        _add_if_custom(found, type(layer))
    for item in _compiled_objects(model):
        _add_if_custom(found, item if _is_function_or_class(item) else type(item))
    return found


def _layers_within(layer, seen=None):
    """``layer`` and every layer inside it, each once."""
    seen = set() if seen is None else seen
    if id(layer) in seen:
        return
    seen.add(id(layer))
    yield layer
    for child in getattr(layer, "_layers", ()):
        yield from _layers_within(child, seen)


def _compiled_objects(model):
    """The losses and metrics given to ``compile`` (strings and None left out)."""
    config = getattr(model, "_compile_config", None) or {}
    items = []
    for key in ("loss", "metrics"):
        items += tree.flatten(config.get(key))
    return [item for item in items if item is not None and not isinstance(item, str)]


def _is_function_or_class(obj):
    return isinstance(obj, (type, types.FunctionType))


def _add_if_custom(found, obj):
    module = getattr(obj, "__module__", None) or ""
    if module == "glassnet" or module.startswith("glassnet."):
        return
    if getattr(obj, "__name__", None) == "<lambda>":
        return  # saved as bytecode in the file itself
    found[serialization_lib.get_registered_name(obj)] = obj
