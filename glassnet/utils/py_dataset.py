"""``keras.utils.PyDataset`` (alias ``keras.utils.Sequence``): batches by index.

Subclass it, call ``super().__init__(**kwargs)``, and define ``__len__`` (the number of
batches) and ``__getitem__(index)`` returning one batch: ``x``, ``(x,)``, ``(x, y)`` or
``(x, y, sample_weight)``.  ``fit`` asks for every index once per epoch (in a shuffled
order when ``shuffle=True``) and calls ``on_epoch_end()`` after each epoch, where a
dataset may reshuffle its samples.

glassnet runs ``__getitem__`` sequentially in the training process: ``workers``,
``use_multiprocessing`` and ``max_queue_size`` are accepted and stored for Keras
compatibility but start no threads or processes.
"""
import itertools
import warnings

_DEFAULTS = {"_workers": 1, "_use_multiprocessing": False, "_max_queue_size": 10}


class PyDataset:
    """Base class for datasets that return whole batches by index.

    Arguments:
        workers: number of workers Keras would use to prefetch batches (stored only;
            glassnet loads batches one after the other).
        use_multiprocessing: whether Keras would use processes instead of threads
            (stored only).
        max_queue_size: how many batches Keras would prefetch (stored only).

    Example::

        class Batches(keras.utils.PyDataset):
            def __init__(self, x, y, batch_size, **kwargs):
                super().__init__(**kwargs)
                self.x, self.y, self.batch_size = x, y, batch_size

            def __len__(self):
                return math.ceil(len(self.x) / self.batch_size)

            def __getitem__(self, index):
                rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
                return self.x[rows], self.y[rows]
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        missing = [name for name in _DEFAULTS if not hasattr(self, name)]
        for name in missing:
            setattr(self, name, _DEFAULTS[name])
        if missing:
            warnings.warn(
                f"{type(self).__name__}: your `PyDataset` class should call "
                "`super().__init__(**kwargs)` in its constructor. `**kwargs` can include "
                "`workers`, `use_multiprocessing`, `max_queue_size`. Do not pass these "
                "arguments to `fit()`, as they will be ignored.",
                stacklevel=3,
            )

    @property
    def workers(self):
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """The batch at position ``index``: ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, w)``."""
        raise NotImplementedError(
            f"{type(self).__name__}: a PyDataset must define __getitem__(index), which "
            "returns one batch."
        )

    @property
    def num_batches(self):
        """The number of batches: ``len(self)``, or None for an endless dataset.

        Override it (returning None) for a dataset without an end; otherwise define
        ``__len__``.
        """
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            f"{type(self).__name__}: a PyDataset must define __len__ (the number of batches) "
            "or the `num_batches` property (None for an endless dataset)."
        )

    def on_epoch_begin(self):
        """Called at the start of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch (e.g. to reshuffle the samples)."""

    def __iter__(self):
        count = self.num_batches
        indices = itertools.count() if count is None else range(count)
        for index in indices:
            yield self[index]


Sequence = PyDataset  # Keras 2's name, still exported by Keras 3
