"""Fashion-MNIST (``keras.datasets.fashion_mnist``): 70,000 28 x 28 grey images of clothes.

Zalando's four gzip-compressed IDX files (see ``glassnet.datasets.idx`` for the format):

    train-images-idx3-ubyte.gz   (60000, 28, 28) uint8   magic 0x00000803
    train-labels-idx1-ubyte.gz   (60000,)        uint8   magic 0x00000801
    t10k-images-idx3-ubyte.gz    (10000, 28, 28) uint8
    t10k-labels-idx1-ubyte.gz    (10000,)        uint8   labels 0..9, see CLASS_NAMES

Sources, in order (each file may also be present uncompressed, without ``.gz``):

    1. a folder the user named, used or rejected (never skipped for another source):
       ``load_data(path=folder)``, else GLASSNET_DATA_DIR (``<dir>/fashion-mnist``,
       then ``<dir>``); when neither layout is complete, DatasetNotFoundError says
       what is missing or broken there
    2. Keras' cache: ``$KERAS_HOME/datasets/fashion-mnist`` (~/.keras/datasets/...)
    3. Debian's package ``dataset-fashion-mnist``: ``/usr/share/datasets/fashion-mnist``
    4. glassnet's cache: ``~/.cache/glassnet/datasets/fashion-mnist``
    5. a download from Keras' mirror into glassnet's cache, checked against SHA256

Sources 2 to 5 are tried in turn: the first folder holding all four files wins.
Whatever the source, the arrays must have the shapes above (``SHAPES``): a well-formed
file of other sizes is a ``CorruptFileError`` naming it, never a wrong dataset.

The digests are those of the files the mirror serves (Zalando's originals).  Debian
ships the same deflate streams with a normalised gzip header (no file name, another
time stamp), so its .gz files have other digests but decompress to the same bytes.
"""
from pathlib import Path

from glassnet.datasets import sources
from glassnet.datasets.idx import (
    IMAGES_MAGIC,
    LABELS_MAGIC,
    check_labels,
    check_shape,
    read_idx,
)

CLASS_NAMES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)
SHAPES = {  # what each file must hold (tests swap in a smaller table for speed)
    TRAIN_IMAGES: (60000, 28, 28),
    TRAIN_LABELS: (60000,),
    TEST_IMAGES: (10000, 28, 28),
    TEST_LABELS: (10000,),
}
BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
SHA256 = {
    TRAIN_IMAGES: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    TRAIN_LABELS: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    TEST_IMAGES: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    TEST_LABELS: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
SUBDIR = "fashion-mnist"


def load_data(path=None):
    """Load Fashion-MNIST: ``(x_train, y_train), (x_test, y_test)`` as in Keras.

    Args:
        path: a folder holding the four files. When given, only that folder is used.

    Returns:
        ``x_train`` uint8 (60000, 28, 28), ``y_train`` uint8 (60000,),
        ``x_test`` uint8 (10000, 28, 28), ``y_test`` uint8 (10000,).

    Raises:
        DatasetNotFoundError (a FileNotFoundError): the folder given (path= or
            GLASSNET_DATA_DIR) lacks a usable file, or no source has the files; the
            message says what is wrong where, and how to fix it.
        CorruptFileError (a ValueError): a file is damaged or holds other sizes than
            Fashion-MNIST's; the message names it.
    """
    paths = _locate(path)
    train = _read_split(paths, TRAIN_IMAGES, TRAIN_LABELS)
    test = _read_split(paths, TEST_IMAGES, TEST_LABELS)
    return train, test


def _read_split(paths, images_name, labels_name):
    """(images, labels) of one split, each checked against ``SHAPES``."""
    images = _read(paths[images_name], IMAGES_MAGIC, SHAPES[images_name])  # (N, 28, 28)
    labels = _read(paths[labels_name], LABELS_MAGIC, SHAPES[labels_name])  # (N,)
    check_labels(labels, paths[labels_name], len(CLASS_NAMES))
    return images, labels


def _read(path, magic, shape):
    """The array in the IDX file ``path``, which must have ``magic`` and ``shape``."""
    array = read_idx(path, magic=magic)
    check_shape(array, shape, path)
    return array


def _locate(path):
    """{file name: path} from the folder the user named, else from the first source
    that has all four files."""
    if path is not None:
        fixes = [
            f"put {', '.join(FILES)} in {path} (uncompressed copies without .gz work too)",
            "call load_data() without path= to use the other sources",
        ]
        return sources.use_folder("Fashion-MNIST", FILES, f"path={path}", [Path(path)], fixes)
    data = sources.data_dir()
    if data is not None:
        return sources.use_folder(
            "Fashion-MNIST", FILES, f"GLASSNET_DATA_DIR={data}", [data / SUBDIR, data],
            _data_dir_fixes(data),
        )
    cache = sources.glassnet_cache_dir() / SUBDIR
    remote = sources.Remote(
        f"download from {BASE_URL}", {name: BASE_URL + name for name in FILES}, SHA256, cache
    )
    return sources.locate("Fashion-MNIST", FILES, _places(cache), remote, _fixes(cache))


def _places(cache):
    """The folders to look in when the user named none, in order."""
    return [
        sources.Place("GLASSNET_DATA_DIR", None),  # listed as "not set"
        sources.Place("Keras cache", sources.keras_cache_dir() / SUBDIR),
        sources.Place("Debian package dataset-fashion-mnist", DEBIAN_DIR),
        sources.Place("glassnet cache", cache),
    ]


def _data_dir_fixes(data):
    return [
        f"put {', '.join(FILES)} in {data / SUBDIR} or in {data} "
        "(uncompressed copies without .gz work too)",
        "unset GLASSNET_DATA_DIR to use the other sources (Keras' cache, Debian's "
        "package, glassnet's cache, a download)",
    ]


def _fixes(cache):
    return [
        "install Debian's package: sudo apt-get install dataset-fashion-mnist",
        f"put {', '.join(FILES)} in a folder and set GLASSNET_DATA_DIR to it "
        "(or pass load_data(path=folder))",
        f"allow network access to {BASE_URL} so the files can be downloaded to {cache}",
    ]
