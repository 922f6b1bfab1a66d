"""MNIST (``keras.datasets.mnist``): 70,000 28 x 28 grey images of handwritten digits.

Keras keeps MNIST as one NumPy archive, ``mnist.npz``, holding the uint8 arrays
``x_train`` (60000, 28, 28), ``y_train`` (60000,), ``x_test`` (10000, 28, 28) and
``y_test`` (10000,); an archive with other shapes is a ``CorruptFileError`` naming it.
Sources, in order:

    1. a file or folder the user named, used or rejected (never skipped for another
       source): an absolute ``path=``, else GLASSNET_DATA_DIR (``<dir>/mnist/<name>``,
       then ``<dir>/<name>``); when neither has the file, DatasetNotFoundError says
       what is missing or broken there
    2. Keras' cache: ``$KERAS_HOME/datasets/<path>`` (~/.keras/datasets/mnist.npz)
    3. glassnet's cache: ``~/.cache/glassnet/datasets/<name>``
    4. a download of Keras' mnist.npz into glassnet's cache, checked against SHA256

Debian has no MNIST package (only ``dataset-fashion-mnist``), so there is no
system folder to look in.
"""
import zipfile
import zlib
from pathlib import Path

import numpy as np

from glassnet.datasets import sources
from glassnet.datasets.idx import CorruptFileError, check_labels, check_shape

URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
KEYS = ("x_train", "y_train", "x_test", "y_test")
SHAPES = {  # what each array must be (tests swap in a smaller table for speed)
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}


def load_data(path="mnist.npz"):
    """Load MNIST: ``(x_train, y_train), (x_test, y_test)`` as in Keras.

    Args:
        path: the archive's name, relative to ``~/.keras/datasets`` as in Keras, or an
            absolute path to use that file only.

    Returns:
        ``x_train`` uint8 (60000, 28, 28), ``y_train`` uint8 (60000,),
        ``x_test`` uint8 (10000, 28, 28), ``y_test`` uint8 (10000,).

    Raises:
        DatasetNotFoundError (a FileNotFoundError): the file or folder given (absolute
            path= or GLASSNET_DATA_DIR) has no usable archive, or no source has it.
        CorruptFileError (a ValueError): the archive is damaged or holds other shapes
            than MNIST's; the message names it and the array.
    """
    file = _locate(Path(path))
    arrays = _read_npz(file)
    for key in KEYS:
        check_shape(arrays[key], SHAPES[key], file, key=key)
    for key in ("y_train", "y_test"):
        check_labels(arrays[key], file, 10, key=key)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _read_npz(file):
    """{key: array} of the four arrays in ``file``; a damaged archive names the file."""
    try:
        with np.load(file, allow_pickle=False) as archive:
            missing = [key for key in KEYS if key not in archive.files]
            if missing:
                raise CorruptFileError(file, f"it has no array {', '.join(missing)}")
            return {key: archive[key] for key in KEYS}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        if isinstance(error, CorruptFileError):
            raise
        raise CorruptFileError(file, f"cannot read it as a .npz archive ({error})") from None


def _locate(path):
    """The path of the archive the user named, else from the first source that has it."""
    name = path.name
    if path.is_absolute():
        fixes = [
            f"put Keras' mnist.npz at {path}",
            "call load_data() with a relative path (as in Keras) to use the other sources",
        ]
        return sources.use_folder("MNIST", [name], f"path={path}", [path.parent], fixes)[name]
    data = sources.data_dir()
    if data is not None:
        fixes = [
            f"put Keras' mnist.npz as {name} in {data / 'mnist'} or in {data}",
            "unset GLASSNET_DATA_DIR to use the other sources (Keras' cache, glassnet's "
            "cache, a download)",
        ]
        found = sources.use_folder(
            "MNIST", [name], f"GLASSNET_DATA_DIR={data}", [data / "mnist", data], fixes
        )
        return found[name]
    cache = sources.glassnet_cache_dir()
    places = [
        sources.Place("GLASSNET_DATA_DIR", None),  # listed as "not set"
        sources.Place("Keras cache", (sources.keras_cache_dir() / path).parent),
        sources.Place("glassnet cache", cache),
    ]
    remote = sources.Remote(f"download from {URL}", {name: URL}, {name: SHA256}, cache)
    fixes = [
        "put Keras' mnist.npz in a folder and set GLASSNET_DATA_DIR to it",
        f"allow network access to {URL} so it can be downloaded to {cache}",
    ]
    return sources.locate("MNIST", [name], places, remote, fixes)[name]
