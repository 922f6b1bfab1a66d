"""BackupAndRestore: resume an interrupted fit where its last backup left it.

A backup is two files in ``backup_dir``:

    backup-<serial>.weights.h5   the model's weights and the optimizer's state
    training_state.json          the next epoch to run, the random generators' states,
                                 and the name of the weights file that goes with them

Each file is written atomically (``saving.atomic.atomic_write``), the weights first and
the state last, and the state names its weights file: a process killed at any moment
leaves ``training_state.json`` pointing at a complete weights file of the same backup.
Older weights files are deleted only after the new state is in place.

The random state saved: the generator fit shuffles with, every layer's generator
(Dropout, GaussianNoise, the random image layers ...), NumPy's global state and
Python's ``random``.  Restoring them makes the resumed run draw the same shuffles and
dropout masks as an uninterrupted run, so its weights end bit-identical.
"""
import json
import os
import random as python_random
import shutil

import numpy as np

from glassnet.callbacks.callback import Callback
from glassnet.callbacks.save_frequency import SaveFrequency
from glassnet.saving.atomic import atomic_write

STATE_FILE = "training_state.json"
_WEIGHTS_PREFIX = "backup-"
_WEIGHTS_SUFFIX = ".weights.h5"
_FORMAT = 1


class BackupAndRestore(Callback):
    """Backs up the training state at each epoch end; a new fit resumes from it.

    When fit starts and ``backup_dir`` holds a backup, the weights, optimizer state and
    random state are restored and training continues at the epoch after the last one
    backed up.  When fit ends normally the backup is deleted (``delete_checkpoint``);
    a fit that crashed or was killed leaves it for the next run.

    Arguments:
        backup_dir: the folder of the backup (created if needed).  Use one folder per
            training job; the callback deletes the whole folder at the end.
        save_freq: "epoch", or a positive int: also back up every that many batches.  A
            mid-epoch backup resumes at the start of the unfinished epoch, with the
            weights of that batch (as Keras); only epoch backups give a resumed run
            bit-identical to an uninterrupted one.
        delete_checkpoint: delete ``backup_dir`` when training ends normally.
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError(
                "BackupAndRestore: Empty `backup_dir` argument passed; expected the path "
                f"of a folder. Received: backup_dir={backup_dir!r}"
            )
        if save_freq != "epoch" and (
            isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1
        ):
            raise ValueError(
                "BackupAndRestore: Invalid value for argument `save_freq`. Received: "
                f"save_freq={save_freq!r}. Expected either 'epoch' or a positive integer "
                "(a number of batches)."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self._frequency = SaveFrequency(save_freq)
        self.delete_checkpoint = delete_checkpoint
        self._serial = 0
        self._next_epoch = 0

    # --- hooks ----------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        state = read_state(self.backup_dir)
        self._frequency.reset()
        if state is None:
            self._serial = 0
            return
        self._restore(state)

    def on_epoch_begin(self, epoch, logs=None):
        self._next_epoch = epoch  # a mid-epoch backup resumes this unfinished epoch

    def on_epoch_end(self, epoch, logs=None):
        self._next_epoch = epoch + 1
        if self._frequency.every_epoch:
            self._backup()

    def on_train_batch_end(self, batch, logs=None):
        if self._frequency.batch_ends():
            self._backup()

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)

    # --- backup / restore -----------------------------------------------------------
    def _backup(self):
        """Writes a new weights file, then the state naming it, then drops older files."""
        os.makedirs(self.backup_dir, exist_ok=True)
        self._serial += 1
        weights_name = f"{_WEIGHTS_PREFIX}{self._serial:06d}{_WEIGHTS_SUFFIX}"
        self.model.save_weights(os.path.join(self.backup_dir, weights_name), overwrite=True)
        state = {
            "format": _FORMAT,
            "epoch": self._next_epoch,
            "serial": self._serial,
            "weights": weights_name,
            "random": capture_random_state(self.model),
        }
        write_state(self.backup_dir, state)
        _remove_other_weights(self.backup_dir, keep=weights_name)

    def _restore(self, state):
        """Sets the weights, optimizer and random state and tells fit where to resume."""
        if not getattr(self.model, "built", True):
            raise ValueError(
                "BackupAndRestore: to restore the backup in "
                f"{self.backup_dir}, the model must be built before you call fit(). Model "
                f"'{self.model.name}' is unbuilt; build it by calling it on a batch of data "
                "or with model.build(input_shape)."
            )
        self.model.load_weights(os.path.join(self.backup_dir, state["weights"]))
        restore_random_state(self.model, state["random"])
        self._serial = state["serial"]
        self._next_epoch = state["epoch"]
        self.model._initial_epoch = state["epoch"]


# --- the state file -------------------------------------------------------------------
def read_state(backup_dir):
    """The parsed ``training_state.json`` of ``backup_dir``, or None if there is none."""
    path = os.path.join(backup_dir, STATE_FILE)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as file:
        state = json.load(file)
    if state.get("format") != _FORMAT:
        raise ValueError(
            f"BackupAndRestore: {path} has format {state.get('format')!r}; expected format "
            f"{_FORMAT}. Delete the folder {backup_dir} to start training afresh."
        )
    return state


def write_state(backup_dir, state):
    """Writes ``training_state.json`` atomically: a reader sees the old or the new one."""
    path = os.path.join(backup_dir, STATE_FILE)
    with atomic_write(path) as temporary, open(temporary, "w", encoding="utf-8") as file:
        json.dump(state, file)


def _remove_other_weights(backup_dir, keep):
    """Deletes the backup weights files other than ``keep`` (left by earlier backups)."""
    for name in os.listdir(backup_dir):
        if name.startswith(_WEIGHTS_PREFIX) and name.endswith(_WEIGHTS_SUFFIX) and name != keep:
            os.remove(os.path.join(backup_dir, name))


# --- random state ---------------------------------------------------------------------
def capture_random_state(model):
    """Every random state training draws from, as JSON-ready data.

    ``{"shuffle": ..., "layers": {"<layer path>/<attribute>": ...}, "numpy": ...,
    "python": ...}``: the bit-generator states of fit's shuffle generator and of each
    ``numpy.random.Generator`` a layer holds, NumPy's legacy global state, and Python's.
    """
    shuffle = getattr(model, "_shuffle_generator", None)
    kind, keys, position, has_gauss, cached = np.random.get_state()
    return {
        "shuffle": None if shuffle is None else shuffle.bit_generator.state,
        "layers": {key: gen.bit_generator.state for key, gen in layer_generators(model)},
        "numpy": [kind, keys.tolist(), int(position), int(has_gauss), float(cached)],
        "python": _python_state_to_json(python_random.getstate()),
    }


def restore_random_state(model, state):
    """Sets every generator ``capture_random_state`` saved back to its saved state."""
    shuffle = getattr(model, "_shuffle_generator", None)
    if shuffle is not None and state["shuffle"] is not None:
        shuffle.bit_generator.state = state["shuffle"]
    generators = dict(layer_generators(model))
    missing = sorted(set(state["layers"]) - set(generators))
    if missing:
        raise ValueError(
            "BackupAndRestore: the backup holds random generators that this model does not "
            f"have: {', '.join(missing)}; expected the model the backup was made from. "
            f"This model has: {', '.join(generators) or 'none'}"
        )
    for key, saved in state["layers"].items():
        generators[key].bit_generator.state = saved
    kind, keys, position, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, np.array(keys, dtype=np.uint32), position, has_gauss, cached))
    python_random.setstate(_python_state_from_json(state["python"]))


def layer_generators(model):
    """``(path, generator)`` for each ``numpy.random.Generator`` attribute of the layers.

    The path names each layer by its class and position among its parent's layers, then
    the attribute (``"Dropout@1/generator"``): layer names differ between two builds of
    the same model in one process (``dropout_3``), positions do not.
    """
    found = []
    seen = set()

    def visit(layer, path):
        if id(layer) in seen:
            return
        seen.add(id(layer))
        for attribute, value in vars(layer).items():
            if isinstance(value, np.random.Generator) and attribute != "_shuffle_generator":
                found.append((f"{path}{attribute}", value))
        for index, child in enumerate(getattr(layer, "_layers", ())):
            visit(child, f"{path}{type(child).__name__}@{index}/")

    visit(model, "")
    return found


def _python_state_to_json(state):
    version, internal, gauss = state
    return [version, list(internal), gauss]


def _python_state_from_json(state):
    version, internal, gauss = state
    return version, tuple(internal), gauss
