"""Where the batches of fit/evaluate/predict come from: arrays, generators, PyDatasets.

``get_data_adapter(x, ...)`` picks the adapter for ``x``; all adapters share one
interface, so the training loop reads the same way for every kind of input::

    adapter = get_data_adapter(x, y, sample_weight, batch_size=32, steps=None,
                               shuffle=True, class_weight=None, owner="fit")
    for epoch in range(epochs):
        if adapter.exhausted:          # a generator that ended in an earlier epoch
            warn_ran_out_of_data()
            break
        for x_batch, y_batch, sw_batch in adapter.epoch(generator):
            ...                        # NumPy arrays (or nested structures); y/sw may be None
        adapter.on_epoch_end()         # PyDataset.on_epoch_end(); no-op otherwise
        if adapter.ran_out:            # the epoch ended before its `steps` batches
            warn_ran_out_of_data()
            if adapter.exhausted:
                break

- ``num_batches``: batches per epoch (``steps`` when given and available), or None
  when unknown (a generator without ``steps``, an endless PyDataset).
- ``epoch(generator)``: one epoch's batches; ``generator`` is the ``numpy.random.Generator``
  that shuffles (arrays: rows; PyDataset: batch order); it may be None without shuffling.
- ``ran_out``: True after an epoch that got fewer batches than ``steps`` asked for.
- ``exhausted``: True once the input can give no more batches (a generator that ended).

Every batch is cast as ``fit`` casts arrays: inputs to floatx, targets keep integer
labels, float64 targets become floatx.
"""
import itertools
import math
import warnings

import numpy as np

from glassnet import validation
from glassnet.autodiff.tensor import Tensor
from glassnet.models import training
from glassnet.utils.data_tuples import unpack_x_y_sample_weight
from glassnet.utils.py_dataset import PyDataset

RAN_OUT_OF_DATA = (
    "Your input ran out of data; interrupting training. Make sure that your dataset or "
    "generator can generate at least `steps_per_epoch * epochs` batches."
)

_SUPPORTED = (
    "Pass NumPy arrays (or lists/dicts of them), a Python generator or iterator yielding "
    "batches, or a keras.utils.PyDataset."
)


def warn_ran_out_of_data(stacklevel=2):
    """Keras' warning when an epoch could not get the batches it asked for."""
    warnings.warn(RAN_OUT_OF_DATA, stacklevel=stacklevel + 1)


def get_data_adapter(x, y=None, sample_weight=None, *, batch_size=None, steps=None,
                     shuffle=False, class_weight=None, owner="fit"):
    """The adapter for ``x``: ArrayDataAdapter, GeneratorDataAdapter or PyDatasetAdapter.

    Arguments:
        x, y, sample_weight: arrays; or ``x`` alone as a generator/iterator or a PyDataset
            whose batches carry the targets and weights.
        batch_size: rows per batch for arrays (default 32, or ceil(n / steps) with steps).
        steps: batches per epoch at most (``steps_per_epoch`` in fit).
        shuffle: True, False or "batch" (arrays); a PyDataset shuffles its batch order.
        class_weight: {class index: weight}, turned into per-sample weights.
        owner: the method named in error messages ("fit", "evaluate", "predict").
    """
    steps = validation.positive_integer(owner, _steps_name(owner), steps, allow_none=True)
    if shuffle not in (True, False, "batch"):
        raise ValueError(
            f"{owner}: shuffle must be True, False or 'batch'. Received: shuffle={shuffle!r}"
        )
    kind = data_kind(x, owner)
    if kind == "array":
        return ArrayDataAdapter(x, y, sample_weight, batch_size=batch_size, steps=steps,
                                shuffle=shuffle, class_weight=class_weight, owner=owner)
    _check_targets_inside(kind, y, sample_weight, owner)
    if batch_size is not None:
        warnings.warn(
            f"{owner}: batch_size={batch_size} is ignored: a {kind} makes its own batches.",
            stacklevel=2,
        )
    if kind == "generator":
        if shuffle:
            warnings.warn(
                f"{owner}: `shuffle=True` is ignored because x is a generator; it is expected "
                "to yield already-shuffled batches.",
                stacklevel=2,
            )
        return GeneratorDataAdapter(x, steps=steps, class_weight=class_weight, owner=owner)
    return PyDatasetAdapter(x, steps=steps, shuffle=bool(shuffle), class_weight=class_weight,
                            owner=owner)


def data_kind(x, owner="fit"):
    """"array", "generator" or "PyDataset"; a clear error for any other input."""
    if isinstance(x, PyDataset):
        return "PyDataset"
    foreign = _foreign_pipeline(x)
    if foreign is not None:
        raise ValueError(
            f"{owner}: x is a {foreign}, which belongs to another framework and is not "
            f"supported by glassnet. {_SUPPORTED} For example, pass "
            f"{'dataset.as_numpy_iterator()' if 'tf.data' in foreign else 'iter(loader)'}. "
            f"Received: x of type {type(x).__name__}"
        )
    if isinstance(x, (str, bytes)) or x is None:
        raise ValueError(f"{owner}: unrecognized data type for x. {_SUPPORTED} "
                         f"Received: x={x!r} (of type {type(x).__name__})")
    if hasattr(x, "__next__") and not isinstance(x, (np.ndarray, Tensor)):
        return "generator"
    if _is_array_like(x):
        return "array"
    raise ValueError(
        f"{owner}: unrecognized data type for x. {_SUPPORTED} "
        f"Received: x of type {type(x).__name__}"
    )


def check_validation_split(x, validation_split, owner="fit"):
    """Keras' rule: ``validation_split`` only splits arrays, not generators or PyDatasets."""
    if validation_split and data_kind(x, owner) != "array":
        raise ValueError(
            f"{owner}: `validation_split` is only supported for Tensors or NumPy arrays. "
            f"Received: x of type {type(x).__name__}; pass `validation_data` instead."
        )


def _is_array_like(x):
    if isinstance(x, (list, tuple)):
        return all(_is_array_like(item) for item in x)
    if isinstance(x, dict):
        return all(_is_array_like(item) for item in x.values())
    if isinstance(x, (np.ndarray, Tensor, np.generic, int, float, bool)):
        return True
    return hasattr(x, "__array__") or hasattr(x, "__array_interface__")  # pandas, torch, ...


def _foreign_pipeline(x):
    """The name of a tf.data Dataset or torch DataLoader class, else None."""
    for parent in type(x).__mro__:
        module = getattr(parent, "__module__", "") or ""
        if module.startswith("tensorflow") and "Dataset" in parent.__name__:
            return "tf.data.Dataset (TensorFlow's input pipeline)"
        if module.startswith("torch.utils.data") and parent.__name__ == "DataLoader":
            return "torch DataLoader (PyTorch's input pipeline)"
    return None


def _check_targets_inside(kind, y, sample_weight, owner):
    for name, value, what in (("y", y, "the targets"),
                              ("sample_weight", sample_weight, "the sample weights")):
        if value is not None:
            raise ValueError(
                f"{owner}: when providing `x` as a {kind}, `{name}` should not be passed. "
                f"Instead, {what} should be included as part of the {kind}'s batches: "
                f"(x, y) or (x, y, sample_weight). Received: {name} of type "
                f"{type(value).__name__}"
            )


def _steps_name(owner):
    return "steps_per_epoch" if owner == "fit" else "steps"


# --------------------------------------------------------------------------
# Arrays
# --------------------------------------------------------------------------


class ArrayDataAdapter:
    """Batches cut from NumPy arrays (or nested lists/tuples/dicts of arrays).

    The arrays are cast and checked once, here: inputs to floatx, integer labels stay
    integers; for ``fit`` NaN/inf values are refused. An epoch visits the rows in order
    (``shuffle=False``), in a random order (True), or in batch-sized chunks whose order
    and contents are shuffled ("batch"); ``steps`` keeps only the first ``steps`` batches.
    """

    def __init__(self, x, y=None, sample_weight=None, *, batch_size=None, steps=None,
                 shuffle=False, class_weight=None, owner="fit"):
        self.x = training.as_input_arrays(x, owner)
        self.y = training.as_target_arrays(y, owner)
        self.sample_weight = training.as_target_arrays(sample_weight, owner, "sample_weight")
        self.num_samples = training.count_samples(self.x, self.y, self.sample_weight)
        if owner == "fit":
            for data, name in ((self.x, "x"), (self.y, "y"), (self.sample_weight,
                                                              "sample_weight")):
                training.check_finite(data, owner, name)
        if class_weight is not None:
            self.sample_weight = _with_class_weight(self.y, self.sample_weight, class_weight,
                                                    owner)
        self.batch_size = self._batch_size(batch_size, steps, owner)
        self.shuffle = shuffle
        self.steps = steps
        total = math.ceil(self.num_samples / self.batch_size)
        self.num_batches = total if steps is None else min(steps, total)
        self.ran_out = False
        self.exhausted = False

    def _batch_size(self, batch_size, steps, owner):
        """Keras' default: 32, or just enough rows per batch to cover the data in ``steps``."""
        if batch_size is not None:
            return validation.positive_integer(owner, "batch_size", batch_size)
        return math.ceil(self.num_samples / steps) if steps else 32

    def epoch(self, generator=None):
        """The batches ``(x, y, sample_weight)`` of one epoch."""
        if self.shuffle and generator is None:
            raise ValueError("ArrayDataAdapter.epoch: shuffling needs a numpy.random.Generator."
                             " Received: generator=None")
        batches = training.batch_indices(self.num_samples, self.batch_size, self.shuffle,
                                         generator)[:self.num_batches]
        self.ran_out = self.steps is not None and self.steps > len(batches)
        for index in batches:
            yield (training.take_rows(self.x, index), training.take_rows(self.y, index),
                   training.take_rows(self.sample_weight, index))

    def on_epoch_end(self):
        """Nothing to do for arrays."""


# --------------------------------------------------------------------------
# Batches made by user code: shared unpacking and casting
# --------------------------------------------------------------------------


class _BatchSource:
    """What generators and PyDatasets share: turning a user's batch into three arrays."""

    source = "batch source"

    def __init__(self, class_weight, owner):
        self.class_weight = class_weight
        self.owner = owner
        self.ran_out = False
        self.exhausted = False

    def standardize(self, item, index):
        """``item`` (x, (x,), (x, y), (x, y, w); lists as tuples) -> cast (x, y, w)."""
        x, y, sample_weight = _unpack_item(item, index, self.source, self.owner)
        where = f" (batch {index} of the {self.source})"
        x = training.as_input_arrays(x, self.owner, "x" + where)
        y = training.as_target_arrays(y, self.owner, "y" + where)
        sample_weight = training.as_target_arrays(sample_weight, self.owner,
                                                  "sample_weight" + where)
        training.count_samples(x, y, sample_weight)
        if self.owner == "fit":
            for data, name in ((x, "x"), (y, "y"), (sample_weight, "sample_weight")):
                training.check_finite(data, self.owner, name + where)
        if self.class_weight is not None:
            sample_weight = _with_class_weight(y, sample_weight, self.class_weight,
                                               self.owner)
        return x, y, sample_weight

    def on_epoch_end(self):
        """Nothing to do by default."""


def _unpack_item(item, index, source, owner):
    if item is None or (isinstance(item, (tuple, list)) and not 1 <= len(item) <= 3):
        described = "None" if item is None else f"a {type(item).__name__} of length {len(item)}"
        raise ValueError(
            f"{owner}: each batch of a {source} must be x, (x,), (x, y) or "
            f"(x, y, sample_weight). Received: {described} at batch {index}"
        )
    return unpack_x_y_sample_weight(item)


def _with_class_weight(y, sample_weight, class_weight, owner):
    """sample_weight times the weight of each sample's class (of the first target)."""
    if not isinstance(class_weight, dict):
        raise ValueError(
            f"{owner}: class_weight must be a dict {{class index: weight}}. "
            f"Received: class_weight of type {type(class_weight).__name__}"
        )
    targets = training.flatten_arrays(y)
    if not targets:
        raise ValueError(
            f"{owner}: class_weight needs targets y to look the classes up. Received: y=None"
        )
    weights = training.class_weights_to_sample_weights(targets[0], class_weight)
    return weights if sample_weight is None else sample_weight * weights


# --------------------------------------------------------------------------
# Python generators and iterators
# --------------------------------------------------------------------------

_END = object()


class GeneratorDataAdapter(_BatchSource):
    """Batches from a Python generator or iterator, which is never restarted.

    Each item is a batch: ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``
    (lists are read as tuples, as Keras does). With ``steps``, each epoch takes the
    next ``steps`` items; without it, the first epoch runs until the iterator ends and
    ``exhausted`` turns True (later epochs get nothing). ``class_weight`` is applied to
    each batch (a glassnet extension: Keras refuses it for generators). The first item is
    read here, so an empty generator fails at once.
    """

    source = "generator"

    def __init__(self, iterator, *, steps=None, class_weight=None, owner="fit"):
        super().__init__(class_weight, owner)
        self.iterator = iterator
        self.steps = steps
        self.num_batches = steps
        self.batches_read = 0
        self._peeked = [self._next()]
        if self._peeked[0] is _END:
            raise ValueError(
                f"{owner}: the generator passed as x must yield at least one batch. "
                "Received an empty generator."
            )

    def _next(self):
        try:
            return next(self.iterator)
        except StopIteration:
            return _END

    def epoch(self, generator=None):
        """The next ``steps`` batches (or all that are left); ``generator`` is unused."""
        self.ran_out = False
        taken = 0
        while self.steps is None or taken < self.steps:
            item = self._peeked.pop() if self._peeked else self._next()
            if item is _END:
                self.exhausted = True
                self.ran_out = self.steps is not None or taken == 0
                return
            index = self.batches_read
            self.batches_read += 1
            taken += 1
            yield self.standardize(item, index)


# --------------------------------------------------------------------------
# keras.utils.PyDataset
# --------------------------------------------------------------------------


class PyDatasetAdapter(_BatchSource):
    """Batches ``dataset[i]`` of a ``keras.utils.PyDataset``, loaded one after the other.

    An epoch asks for indices 0 .. len - 1 (shuffled with the epoch's generator when
    ``shuffle``; an endless dataset, ``num_batches`` None, counts up and ignores
    shuffle); ``steps`` keeps the first ``steps``. ``dataset.on_epoch_begin()`` runs
    when the epoch starts and ``dataset.on_epoch_end()`` in ``on_epoch_end``. The
    dataset's ``workers``/``use_multiprocessing``/``max_queue_size`` are read (which
    warns, as Keras does, when the subclass forgot ``super().__init__()``) but no worker
    is started.
    """

    source = "PyDataset"

    def __init__(self, dataset, *, steps=None, shuffle=False, class_weight=None, owner="fit"):
        super().__init__(class_weight, owner)
        self.dataset = dataset
        self.workers = dataset.workers  # read for Keras' missing-super().__init__() warning
        self.use_multiprocessing = dataset.use_multiprocessing
        self.max_queue_size = dataset.max_queue_size
        self.total = self._total(dataset, owner)
        if self.total is None and shuffle:
            warnings.warn(
                f"{owner}: `shuffle=True` is ignored because x is an endless PyDataset "
                "(num_batches is None); it is expected to return already-shuffled batches.",
                stacklevel=3,
            )
        self.shuffle = shuffle and self.total is not None
        self.steps = steps
        self.num_batches = self.total if steps is None else min(steps, self.total or steps)

    @staticmethod
    def _total(dataset, owner):
        total = dataset.num_batches
        if total is None:
            return None
        is_int = isinstance(total, (int, np.integer)) and not isinstance(total, bool)
        if not is_int or total < 1:
            raise ValueError(
                f"{owner}: the PyDataset must have at least one batch (len(dataset) >= 1, or "
                f"num_batches None for an endless dataset). Received: num_batches={total!r}"
            )
        return int(total)

    def _indices(self, generator):
        if self.total is None:
            return itertools.islice(itertools.count(), self.steps)
        if self.shuffle:
            if generator is None:
                raise ValueError("PyDatasetAdapter.epoch: shuffling needs a "
                                 "numpy.random.Generator. Received: generator=None")
            order = generator.permutation(self.total)
        else:
            order = np.arange(self.total)
        return order[:self.steps]

    def epoch(self, generator=None):
        """The batches of one epoch, after ``dataset.on_epoch_begin()``."""
        self.dataset.on_epoch_begin()
        self.ran_out = self.total is not None and self.steps is not None \
            and self.steps > self.total
        for index in self._indices(generator):
            yield self.standardize(self.dataset[int(index)], int(index))

    def on_epoch_end(self):
        """``dataset.on_epoch_end()``, e.g. to reshuffle its samples."""
        self.dataset.on_epoch_end()
