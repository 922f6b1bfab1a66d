"""Fashion-MNIST (``keras.datasets.fashion_mnist``): 70,000 28 x 28 grey images of clothes.

Zalando's four gzip-compressed IDX files (see ``glassnet.datasets.idx`` for the format):

    train-images-idx3-ubyte.gz   (60000, 28, 28) uint8   magic 0x00000803
    train-labels-idx1-ubyte.gz   (60000,)        uint8   magic 0x00000801
    t10k-images-idx3-ubyte.gz    (10000, 28, 28) uint8
    t10k-labels-idx1-ubyte.gz    (10000,)        uint8   labels 0..9, see CLASS_NAMES

Sources, in order (the first folder holding all four files wins; each file may also be
present uncompressed, without ``.gz``):

    1. ``load_data(path=folder)``: that folder only; otherwise GLASSNET_DATA_DIR
       (``<dir>/fashion-mnist``, then ``<dir>``)
    2. Keras' cache: ``$KERAS_HOME/datasets/fashion-mnist`` (~/.keras/datasets/...)
    3. Debian's package ``dataset-fashion-mnist``: ``/usr/share/datasets/fashion-mnist``
    4. glassnet's cache: ``~/.cache/glassnet/datasets/fashion-mnist``
    5. a download from Keras' mirror into glassnet's cache, checked against SHA256

The digests are those of the files the mirror serves (Zalando's originals).  Debian
ships the same deflate streams with a normalised gzip header (no file name, another
time stamp), so its .gz files have other digests but decompress to the same bytes.
"""
from pathlib import Path

from glassnet.datasets import sources
from glassnet.datasets.idx import IMAGES_MAGIC, LABELS_MAGIC, check_images_labels, read_idx

CLASS_NAMES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)
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
        DatasetNotFoundError (a FileNotFoundError): no source has the files; the message
            lists every place looked and how to fix it.
        CorruptFileError (a ValueError): a file is damaged; the message names it.
    """
    paths = _locate(path)
    train = _read_split(paths[TRAIN_IMAGES], paths[TRAIN_LABELS])
    test = _read_split(paths[TEST_IMAGES], paths[TEST_LABELS])
    return train, test


def _read_split(images_path, labels_path):
    """(images, labels) of one split, checked against each other."""
    images = read_idx(images_path, magic=IMAGES_MAGIC)  # (N, 28, 28)
    labels = read_idx(labels_path, magic=LABELS_MAGIC)  # (N,)
    check_images_labels(images, labels, images_path, labels_path, len(CLASS_NAMES))
    return images, labels


def _locate(path):
    """{file name: path} from the first source that has all four files."""
    if path is not None:
        return sources.locate(
            "Fashion-MNIST", FILES, [sources.Place("path= argument", Path(path))],
            fixes=[f"put {', '.join(FILES)} in {path}", "or call load_data() without path="],
        )
    cache = sources.glassnet_cache_dir() / SUBDIR
    remote = sources.Remote(
        f"download from {BASE_URL}", {name: BASE_URL + name for name in FILES}, SHA256, cache
    )
    return sources.locate("Fashion-MNIST", FILES, _places(cache), remote, _fixes(cache))


def _places(cache):
    """The local folders to look in, in order."""
    data = sources.data_dir()
    if data is None:
        places = [sources.Place("GLASSNET_DATA_DIR", None)]
    else:
        places = [
            sources.Place("GLASSNET_DATA_DIR", data / SUBDIR),
            sources.Place("GLASSNET_DATA_DIR", data),
        ]
    return places + [
        sources.Place("Keras cache", sources.keras_cache_dir() / SUBDIR),
        sources.Place("Debian package dataset-fashion-mnist", DEBIAN_DIR),
        sources.Place("glassnet cache", cache),
    ]


def _fixes(cache):
    return [
        "install Debian's package: sudo apt-get install dataset-fashion-mnist",
        f"put {', '.join(FILES)} in a folder and set GLASSNET_DATA_DIR to it "
        "(or pass load_data(path=folder))",
        f"allow network access to {BASE_URL} so the files can be downloaded to {cache}",
    ]
