"""Keras 3's weights file (``x.weights.h5``, and ``model.weights.h5`` inside a ``.keras``).

glassnet writes the exact layout Keras 3 writes and reads files that Keras wrote, so a
model trained in either library continues in the other.  An HDF5 file, for a
Sequential model with an optimizer:

    vars                              attr name="sequential"  (the model's own variables)
    layers/flatten/vars               attr name="flatten"     (no variables: empty group)
    layers/dense/vars/0, /1           attr name="dense_3"     kernel, bias
    layers/batch_normalization/vars/0..3                      gamma, beta, moving_mean,
                                                              moving_variance
    layers/dense_1/vars/0, /1         attr name="dense_4"
    optimizer/vars/0                  iteration (int scalar)  attr name="adam"
    optimizer/vars/1                  learning_rate (float32 scalar; absent for a schedule)
    optimizer/vars/2, ...             the slots, in Keras' order (see
                                      ``Optimizer.keras_variables``)

How Keras names the groups (``saving_lib._save_state``), which this module repeats:
- Every object with state gets a group ``<path>/vars``, even without variables, with the
  attribute ``name`` (the layer's or optimizer's name) and one dataset per variable,
  numbered ``0, 1, ...`` in the layer's own trainable-then-non-trainable order.
- The path is the chain of attribute names from the model down to the object, except
  that the items of a list (or tuple, dict, set) are named by their *class*, snake_case,
  made unique within that list: ``dense``, ``dense_1``, ...  Layer names never appear
  in paths (they change from one run to the next), so a file fits any model built the
  same way.
- A Sequential or functional model's ``layers`` list comes first (Sequential lists no
  InputLayer, a functional model does), then its other attributes in name order, the
  private ones (``_x``) last.  So a model inside a model nests:
  ``layers/sequential/layers/dense/vars``.  An object met twice is saved once, at the
  first path.
- ``optimizer`` is simply the model's attribute of that name: it is saved when the model
  is compiled, built or not (then only iteration and learning_rate).  ``iteration`` is
  written as int64 (as Keras on TensorFlow does; Keras on JAX writes int32); either
  reads back in both libraries.

Loading checks the whole file against the whole model before it assigns anything, so a
mismatch never leaves a half-loaded model.  As in Keras, an optimizer whose variable
count differs from the file's is skipped with a warning; an optimizer that is not
built yet is first built for the model's trainable variables (as Keras' ``load_model``
does), so training resumes exactly where it stopped.  Unlike Keras, a file holding
variables for objects the model does not have is a mismatch too.
"""
import collections
import contextlib
import errno
import io
import os
import warnings
import zipfile

import numpy as np

from glassnet.layers.layer import Layer
from glassnet.optimizers.base import Optimizer
from glassnet.saving.atomic import atomic_write

WEIGHTS_SUFFIX = ".weights.h5"
KERAS_SUFFIX = ".keras"
KERAS_ZIP_WEIGHTS = "model.weights.h5"  # the weights inside a .keras zip
_LEGACY_SUFFIXES = (".h5", ".hdf5")
_NAME_ATTR = "name"

_Entry = collections.namedtuple("_Entry", ["path", "obj"])  # path "" is the model itself


# --------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------


def save_weights(model, filepath_or_h5group):
    """Writes ``model``'s variables (and its optimizer's, when compiled) in Keras 3's layout.

    Arguments:
        model: a glassnet model (or layer).
        filepath_or_h5group: a path ending in ``.weights.h5`` (written atomically: the
            previous file stays intact until the new one is complete), an open writable
            ``h5py.File``/``h5py.Group`` that is empty (e.g. one on a BytesIO for a
            ``.keras`` zip), or a writable binary file object.
    """
    h5py = _h5py()
    if not getattr(model, "built", True):
        warnings.warn(
            f"save_weights: model '{model.name}' has not been built yet, so it has no "
            "weights to save; build it (call it on data, or model.build(input_shape)) first.",
            stacklevel=2,
        )
    target = filepath_or_h5group
    if isinstance(target, h5py.Group):
        _check_empty(target)
        _write_model(model, target)
    elif isinstance(target, (str, os.PathLike)):
        _check_save_path(target)
        with atomic_write(target) as temporary, h5py.File(temporary, "w") as f:
            _write_model(model, f)
    elif _is_file_object(target):
        with h5py.File(target, "w") as f:
            _write_model(model, f)
    else:
        raise TypeError(
            "save_weights: expected a path ending in '.weights.h5', an h5py Group or a "
            f"binary file object. Received: {type(target).__name__}"
        )


def load_weights(model, filepath_or_h5group, skip_mismatch=False):
    """Sets ``model``'s variables (and its optimizer's) from a Keras 3 weights file.

    Arguments:
        model: a built glassnet model (or layer), the same architecture as the saved one.
        filepath_or_h5group: a ``.weights.h5`` path, a ``.keras`` zip (its
            ``model.weights.h5``), an open ``h5py.File``/``h5py.Group``, or a binary
            file object holding an HDF5 file.
        skip_mismatch: if True, the objects whose variables do not match (count or
            shape) are skipped with a warning and the others are loaded; if False (the
            default), any mismatch raises ValueError and nothing is loaded.

    Raises:
        FileNotFoundError: the path does not exist.
        ValueError: not an HDF5 file (or zip), not Keras' layout, or a mismatch.
    """
    with _open_for_reading(filepath_or_h5group) as (root, label):
        _check_layout(root, label)
        plan = _plan_loading(model, root, label)
    _report_problems(plan.problems, label, skip_mismatch)
    _apply(plan)


# --------------------------------------------------------------------------------------
# walking the model as Keras walks it
# --------------------------------------------------------------------------------------


def _walk(model):
    """``[_Entry(path, object)]`` for every object with state, in Keras' visiting order."""
    entries, visited = [], set()
    _visit(model, "", entries, visited)
    return entries


def _visit(obj, path, entries, visited):
    if id(obj) in visited:
        return
    visited.add(id(obj))
    entries.append(_Entry(path, obj))
    for attribute, child in _children(obj):
        child_path = _join(path, attribute)
        if _is_saveable(child):
            _visit(child, child_path, entries, visited)
        elif isinstance(child, (list, tuple, dict, set)):
            _visit_container(child, child_path, entries, visited)


def _visit_container(container, path, entries, visited):
    """Items are named by snake_case class name, made unique: ``dense``, ``dense_1``, ...

    The counter runs over every saveable item, also those already visited elsewhere.
    """
    from glassnet.naming import to_snake_case

    items = list(container.values()) if isinstance(container, dict) else list(container)
    used = {}
    for item in items:
        if not _is_saveable(item):
            continue
        name = to_snake_case(type(item).__name__)
        if name in used:
            used[name] += 1
            name = f"{name}_{used[name]}"
        else:
            used[name] = 0
        _visit(item, _join(path, name), entries, visited)


def _children(obj):
    """``(attribute, value)`` pairs to visit: ``layers`` first for Sequential/functional
    models, then the other attributes by name, private ones last.  Attributes that
    glassnet's own base classes define are skipped (as Keras skips its base Layer's)."""
    if isinstance(obj, Optimizer):
        return
    from glassnet.models import Functional, Sequential

    if isinstance(obj, (Sequential, Functional)):
        yield "layers", obj.layers
    skipped = _library_attributes(obj)
    for attribute in sorted(dir(obj), key=_private_last):
        if attribute.startswith("__") or attribute in skipped:
            continue
        try:
            value = getattr(obj, attribute)
        except Exception:  # a property that cannot be computed now holds no state
            continue
        yield attribute, value


def _private_last(name):
    return "~" + name if name.startswith("_") else name


_library_attribute_cache = {}


def _library_attributes(obj):
    """The attribute names a plain instance of ``obj``'s glassnet base class has.

    ``optimizer`` and ``layers`` are kept: Keras walks them for every model.
    """
    kind = _base_kind(obj)
    if kind not in _library_attribute_cache:
        names = set(dir(_probe(kind))) - {"optimizer", "layers"}
        _library_attribute_cache[kind] = frozenset(names)
    return _library_attribute_cache[kind]


def _base_kind(obj):
    from glassnet.models import Functional, Model, Sequential

    for kind in (Functional, Sequential, Model, Layer):
        if isinstance(obj, kind):
            return kind
    raise TypeError(f"Expected a glassnet Layer or Model. Received: {type(obj).__name__}")


def _probe(kind):
    """A plain instance of ``kind`` (named explicitly: no automatic name is used up)."""
    from glassnet.models import Functional, Model

    name = "glassnet_saving_probe"
    if kind is Functional:
        from glassnet.layers.input_layer import Input

        try:
            x = Input(shape=(1,), name=f"{name}_input")
            return Functional(x, x, name=name)
        except Exception:  # only attribute names are needed: a Model's are close enough
            kind = Model
    return kind(name=name)


def _is_saveable(obj):
    return isinstance(obj, (Layer, Optimizer))


def _join(path, name):
    return f"{path}/{name}" if path else name


def _vars_path(path):
    return _join(path, "vars")


def _variables_of(obj):
    """What Keras stores for an object: a layer's own trainable then non-trainable
    variables (not its sublayers'), or an optimizer's variables in Keras' order."""
    if isinstance(obj, Optimizer):
        return obj.keras_variables()
    return obj._trainable_variables + obj._non_trainable_variables


def _kind_name(obj):
    return "Optimizer" if isinstance(obj, Optimizer) else "Layer"


# --------------------------------------------------------------------------------------
# saving
# --------------------------------------------------------------------------------------


def _write_model(model, root):
    for entry in _walk(model):
        group = root.create_group(_vars_path(entry.path))
        group.attrs[_NAME_ATTR] = entry.obj.name
        for index, variable in enumerate(_variables_of(entry.obj)):
            _write_dataset(group, str(index), variable)


def _write_dataset(group, key, variable):
    """One variable's values, in its own dtype (float32 weights, int64 iteration)."""
    group.create_dataset(key, data=np.asarray(variable.data))


def _check_save_path(path):
    if not os.fspath(path).endswith(WEIGHTS_SUFFIX):
        raise ValueError(
            f"save_weights: the filename must end in `{WEIGHTS_SUFFIX}`. "
            f"Received: filepath={os.fspath(path)}"
        )


def _check_empty(group):
    if len(group):
        raise ValueError(
            f"save_weights: the h5py group '{group.name}' must be empty. "
            f"Received: a group holding {sorted(group.keys())}"
        )


def _is_file_object(obj):
    return hasattr(obj, "read") or hasattr(obj, "write")


# --------------------------------------------------------------------------------------
# loading: opening and checking the file
# --------------------------------------------------------------------------------------


@contextlib.contextmanager
def _open_for_reading(source):
    """Yields ``(root h5py group, label for messages)``."""
    h5py = _h5py()
    if isinstance(source, h5py.Group):
        yield source, f"HDF5 group '{source.name}' of '{source.file.filename}'"
    elif isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        _check_load_path(path)
        if path.endswith(KERAS_SUFFIX):
            with h5py.File(_weights_in_zip(path), "r") as f:
                yield f, f"'{path}' ({KERAS_ZIP_WEIGHTS})"
        else:
            _check_hdf5(path)
            with h5py.File(path, "r") as f:
                yield f, f"'{path}'"
    elif _is_file_object(source):
        try:
            f = h5py.File(source, "r")
        except OSError as error:
            raise ValueError(
                f"load_weights: the file object is not an HDF5 file ({error})."
            ) from None
        with f:
            yield f, "the HDF5 file object"
    else:
        raise TypeError(
            "load_weights: expected a path ('.weights.h5' or '.keras'), an h5py Group or a "
            f"binary file object. Received: {type(source).__name__}"
        )


def _check_load_path(path):
    """The suffix first (as Keras dispatches on it), then that the file exists."""
    if not path.endswith((WEIGHTS_SUFFIX, KERAS_SUFFIX) + _LEGACY_SUFFIXES):
        raise ValueError(
            f"File format not supported: filepath={path}. glassnet, like Keras 3, loads "
            f"weights from `{WEIGHTS_SUFFIX}` files and `{KERAS_SUFFIX}` zips."
        )
    if not os.path.exists(path):
        raise FileNotFoundError(
            errno.ENOENT, "load_weights: no such file or directory", path
        )
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "load_weights: a folder, not a file", path)
    if path.endswith(_LEGACY_SUFFIXES) and not path.endswith(WEIGHTS_SUFFIX):
        raise ValueError(
            f"load_weights: '{path}' has a legacy Keras 2 suffix; glassnet reads Keras 3 "
            f"weights files only (`{WEIGHTS_SUFFIX}`, or a `{KERAS_SUFFIX}` zip). Load it "
            "in Keras and save it again with model.save_weights('x.weights.h5')."
        )


def _check_hdf5(path):
    if not _h5py().is_hdf5(path):
        raise ValueError(
            f"load_weights: '{path}' is not an HDF5 file (no HDF5 signature), so it "
            "cannot be a Keras weights file. Was it fully written?"
        )


def _weights_in_zip(path):
    """The bytes of ``model.weights.h5`` in a ``.keras`` zip, as a file object."""
    if not zipfile.is_zipfile(path):
        raise ValueError(f"load_weights: '{path}' is not a zip file, so not a .keras file.")
    with zipfile.ZipFile(path) as archive:
        if KERAS_ZIP_WEIGHTS not in archive.namelist():
            raise ValueError(
                f"load_weights: the .keras file '{path}' holds no {KERAS_ZIP_WEIGHTS}. "
                f"Found: {archive.namelist()}"
            )
        return io.BytesIO(archive.read(KERAS_ZIP_WEIGHTS))


def _check_layout(root, label):
    """Keras always writes the model's own group ``vars`` at the top."""
    h5py = _h5py()
    if isinstance(root.get("vars"), h5py.Group):
        return
    found = sorted(root.keys())
    if "model_weights" in found or "layer_names" in root.attrs:
        raise ValueError(
            f"load_weights: {label} is a legacy Keras 2 H5 file (it has "
            "'model_weights'/'layer_names'), not Keras 3's layout; glassnet reads only the "
            "latter. Load it in Keras and save it again with save_weights('x.weights.h5')."
        )
    raise ValueError(
        f"load_weights: {label} does not have Keras 3's weights layout: there is no "
        f"top-level group 'vars'. Found top-level entries: {found}"
    )


def _stored_datasets(group, label):
    """The datasets ``0, 1, ...`` of a ``vars`` group (anything else: a broken file)."""
    h5py = _h5py()
    keys = sorted(group.keys())
    numbered = {str(i) for i in range(len(keys))}
    if set(keys) != numbered:
        raise ValueError(
            f"load_weights: group '{group.name}' of {label} should hold datasets named "
            f"0..{len(keys) - 1}. Found: {keys}"
        )
    datasets = [group[str(i)] for i in range(len(keys))]
    for dataset in datasets:
        if not isinstance(dataset, h5py.Dataset) or dataset.dtype.kind not in "biuf":
            raise ValueError(
                f"load_weights: '{dataset.name}' of {label} should be a numeric dataset. "
                f"Found: {dataset!r}"
            )
    return datasets


def _vars_group(root, path):
    """The group ``<path>/vars``, or None when the file does not have it."""
    h5py = _h5py()
    group = root.get(_vars_path(path))
    return group if isinstance(group, h5py.Group) else None


def _paths_with_vars(root):
    """Every path P of the file that has a group ``P/vars``."""
    h5py = _h5py()
    found = []

    def collect(name, obj):
        if isinstance(obj, h5py.Group) and (name == "vars" or name.endswith("/vars")):
            found.append(name[: -len("vars")].rstrip("/"))

    root.visititems(collect)
    return found


# --------------------------------------------------------------------------------------
# loading: checking every object, then assigning
# --------------------------------------------------------------------------------------

_Plan = collections.namedtuple("_Plan", ["assignments", "optimizer_load", "problems"])
_OptimizerLoad = collections.namedtuple(
    "_OptimizerLoad", ["optimizer", "build_for", "values"]
)  # build_for: the variables to build the optimizer for first, or None


def _plan_loading(model, root, label):
    """Reads and checks everything; returns what to assign and the problems found."""
    assignments, optimizer_load, problems = [], None, []
    entries = _walk(model)
    for entry in entries:
        group = _vars_group(root, entry.path)
        if isinstance(entry.obj, Optimizer):
            optimizer_load, problem = _check_optimizer(entry, group, model, label)
        else:
            pairs, problem = _check_layer(entry, group, label)
            assignments.extend(pairs)
        if problem:
            problems.append(problem)
    problems.extend(_unexpected_groups(root, entries, label))
    return _Plan(assignments, optimizer_load, problems)


def _check_layer(entry, group, label):
    """``([(variable, value)], None)`` when the group fits the layer, else ``([], message)``."""
    layer = entry.obj
    expected = _variables_of(layer)
    stored = [] if group is None else _stored_datasets(group, label)
    where = _describe_group(entry.path, group)
    if len(stored) != len(expected):
        if not expected and not layer.built:
            return [], (
                f"Layer '{layer.name}' was never built and thus it doesn't have any "
                f"variables. However the weights file lists {len(stored)} variables for "
                f"this layer ({where}). Build the model before loading (call it on a batch, "
                "or model.build(input_shape))."
            )
        return [], (
            f"Layer '{layer.name}' expected {len(expected)} variables, but received "
            f"{len(stored)} variables during loading ({where}). "
            f"Expected: {[v.name for v in expected]}"
        )
    for index, (variable, dataset) in enumerate(zip(expected, stored)):
        if tuple(dataset.shape) != tuple(variable.shape):
            return [], (
                f"Layer '{layer.name}': variable {index} ('{variable.name}') has shape "
                f"{tuple(variable.shape)}, but the file stores shape {tuple(dataset.shape)} "
                f"(dataset '{dataset.name}')"
            )
    return [(v, d[()]) for v, d in zip(expected, stored)], None


def _check_optimizer(entry, group, model, label):
    """``(_OptimizerLoad or None, problem or None)``.

    An optimizer not built yet is compared with what it will be once built for the
    model's trainable variables; if that fits, it is built before assigning.  A count
    that fits neither is skipped with a warning, as Keras does.
    """
    optimizer = entry.obj
    stored = [] if group is None else _stored_datasets(group, label)
    build_for, specs = None, optimizer.keras_variable_specs()
    if not optimizer.built:
        targets = list(model.trainable_weights)
        planned = optimizer.keras_variable_specs(targets)
        if len(planned) == len(stored):
            build_for, specs = targets, planned
    if len(specs) != len(stored):
        warnings.warn(
            f"Skipping variable loading for optimizer '{optimizer.name}', because it has "
            f"{len(specs)} variables whereas the saved optimizer has {len(stored)} "
            f"variables ({_describe_group(entry.path, group)} of {label}).",
            stacklevel=4,
        )
        return None, None
    for index, ((name, shape, _), dataset) in enumerate(zip(specs, stored)):
        if tuple(dataset.shape) != tuple(shape):
            return None, (
                f"Optimizer '{optimizer.name}': variable {index} ('{name}') has shape "
                f"{tuple(shape)}, but the file stores shape {tuple(dataset.shape)} "
                f"(dataset '{dataset.name}')"
            )
    return _OptimizerLoad(optimizer, build_for, [d[()] for d in stored]), None


def _describe_group(path, group):
    if group is None:
        return f"the file has no group '{_vars_path(path)}'"
    return f"group '{group.name}'"


def _unexpected_groups(root, entries, label):
    """Groups of variables the model has no object for (Keras ignores them silently).

    ``optimizer`` is ignored for a model that is not compiled.
    """
    expected = {entry.path for entry in entries}
    extra = [
        path
        for path in _paths_with_vars(root)
        if path not in expected and not (path == "optimizer" or path.startswith("optimizer/"))
    ]
    if not extra:
        return []
    return [
        f"the file has variables for objects the model does not have: "
        f"{[_vars_path(path) for path in sorted(extra)]} (is it another architecture?)"
    ]


def _report_problems(problems, label, skip_mismatch):
    if not problems:
        return
    listed = "\n".join(f"- {problem}" for problem in problems)
    if skip_mismatch:
        warnings.warn(
            f"load_weights: skipped {len(problems)} object(s) of {label} that do not match "
            f"the model (skip_mismatch=True); the others were loaded:\n{listed}",
            stacklevel=3,
        )
        return
    raise ValueError(
        f"load_weights: {len(problems)} object(s) of {label} do not match the model, so "
        f"nothing was loaded:\n{listed}\nPass skip_mismatch=True to load the objects that "
        "match and skip these."
    )


def _apply(plan):
    for variable, value in plan.assignments:
        variable.assign(value)
    load = plan.optimizer_load
    if load is None:
        return
    if load.build_for is not None:
        load.optimizer.build(load.build_for)
    load.optimizer.assign_keras_variables(load.values)


def _h5py():
    """h5py, imported when a weights file is used (glassnet itself does not need it)."""
    try:
        import h5py
    except ImportError:  # pragma: no cover - h5py is installed where saving is tested
        raise ImportError(
            "Reading and writing Keras weights files needs h5py: pip install h5py"
        ) from None
    return h5py
