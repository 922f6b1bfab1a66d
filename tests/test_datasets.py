"""glassnet.datasets: the IDX reader, source order, bad files, the verified download.

The loaders check every array against their table of shapes (``fashion_mnist.SHAPES``,
``mnist.SHAPES``).  Most tests write tiny fake datasets, so an autouse fixture swaps in a
table of 3 training and 2 test images; the tests marked by the ``real_shapes`` fixture
(and the real dataset) run against the real table, with full-size files written once.
"""
import gzip
import hashlib
import io
import os
import shutil
import struct
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from glassnet.datasets import (
    CorruptFileError,
    DatasetNotFoundError,
    fashion_mnist,
    idx,
    mnist,
    sources,
)

FILES = fashion_mnist.FILES
TRAIN_IMAGES, TRAIN_LABELS = fashion_mnist.TRAIN_IMAGES, fashion_mnist.TRAIN_LABELS
TEST_IMAGES, TEST_LABELS = fashion_mnist.TEST_IMAGES, fashion_mnist.TEST_LABELS
DEBIAN_DIR = fashion_mnist.DEBIAN_DIR

REAL_URLOPEN = sources.urlopen  # before any test replaces it
REAL_SHAPES = dict(fashion_mnist.SHAPES)
REAL_MNIST_SHAPES = dict(mnist.SHAPES)
TINY_SHAPES = {
    TRAIN_IMAGES: (3, 28, 28), TRAIN_LABELS: (3,), TEST_IMAGES: (2, 28, 28), TEST_LABELS: (2,),
}
TINY_MNIST_SHAPES = {"x_train": (3, 28, 28), "y_train": (3,), "x_test": (2, 28, 28),
                     "y_test": (2,)}


# ----------------------------------------------------------------------------- fixtures

@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """A fresh HOME, no dataset variables, and no network: the real home is never used."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("GLASSNET_DATA_DIR", "KERAS_HOME", "XDG_CACHE_HOME", "GLASSNET_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sources, "urlopen", _offline)
    return home


@pytest.fixture(autouse=True)
def tiny_shapes(monkeypatch):
    """The loaders expect 3 training and 2 test images (as written by make_dataset)."""
    monkeypatch.setattr(fashion_mnist, "SHAPES", TINY_SHAPES)
    monkeypatch.setattr(mnist, "SHAPES", TINY_MNIST_SHAPES)


@pytest.fixture
def real_shapes(tiny_shapes, monkeypatch):
    """The loaders' own tables: 60000 training and 10000 test images of 28 x 28."""
    monkeypatch.setattr(fashion_mnist, "SHAPES", REAL_SHAPES)
    monkeypatch.setattr(mnist, "SHAPES", REAL_MNIST_SHAPES)


def _offline(url, timeout=None):
    raise urllib.error.URLError("network disabled in tests")


@pytest.fixture
def no_debian(tmp_path, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", tmp_path / "no-such-debian-folder")


def make_dataset(folder, seed, gz=True):
    """Write a tiny valid Fashion-MNIST folder (sizes from TINY_SHAPES); its arrays.

    Different seeds give different arrays, which tells the sources apart.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    arrays = {}
    for images_name, labels_name in ((TRAIN_IMAGES, TRAIN_LABELS), (TEST_IMAGES, TEST_LABELS)):
        arrays[images_name] = rng.integers(0, 256, TINY_SHAPES[images_name], dtype=np.uint8)
        arrays[labels_name] = rng.integers(0, 10, TINY_SHAPES[labels_name], dtype=np.uint8)
    for name, array in arrays.items():
        idx.write_idx(folder / (name if gz else name[:-3]), array)
    return arrays


def assert_loaded(result, arrays):
    """``result`` of load_data() holds exactly the arrays make_dataset wrote."""
    (x_train, y_train), (x_test, y_test) = result
    for name, array in zip(FILES, (x_train, y_train, x_test, y_test)):
        np.testing.assert_array_equal(array, arrays[name])
        assert array.dtype == np.uint8


def raw_idx(code, shape, payload):
    """IDX bytes written by hand: 0x00 0x00 code ndim, big-endian uint32 sizes, data."""
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + payload


# ------------------------------------------------------------------ the real dataset

@pytest.fixture(scope="module")
def real():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", "/nonexistent-home-for-glassnet-tests")
        for name in ("GLASSNET_DATA_DIR", "KERAS_HOME", "XDG_CACHE_HOME",
                     "GLASSNET_CACHE_DIR"):
            patch.delenv(name, raising=False)
        patch.setattr(sources, "urlopen", _offline)
        patch.setattr(fashion_mnist, "SHAPES", REAL_SHAPES)
        return fashion_mnist.load_data()


def test_real_fashion_mnist_from_debian_package(real):
    (x_train, y_train), (x_test, y_test) = real
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    assert y_train.min() == 0 and y_train.max() == 9
    np.testing.assert_array_equal(np.bincount(y_train, minlength=10), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(y_test, minlength=10), [1000] * 10)
    assert y_train[0] == 9  # Keras' well-known first label: an ankle boot
    assert fashion_mnist.CLASS_NAMES[y_train[0]] == "Ankle boot"
    assert x_train.max() == 255 and x_train.min() == 0


def test_class_names():
    assert fashion_mnist.CLASS_NAMES == [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]


# The mirror's files differ from Debian's only in the gzip header: Debian dropped the
# stored file name (FNAME flag) and the time stamp.  Putting the original header back
# must give the published digests, which proves both the digests and Debian's data.
ORIGINAL_MTIME = {
    TRAIN_IMAGES: 1504176606, TRAIN_LABELS: 1504176606,
    TEST_IMAGES: 1504176627, TEST_LABELS: 1504176627,
}


@pytest.mark.parametrize("name", FILES)
def test_published_digests_match_debian_files_with_original_gzip_header(name):
    debian = (DEBIAN_DIR / name).read_bytes()
    assert debian[:4] == b"\x1f\x8b\x08\x00"  # gzip, deflate, no flags
    header = (b"\x1f\x8b\x08\x08" + struct.pack("<I", ORIGINAL_MTIME[name]) + b"\x00\x03"
              + name[:-3].encode() + b"\x00")
    original = header + debian[10:]
    assert hashlib.sha256(original).hexdigest() == fashion_mnist.SHA256[name]
    assert hashlib.sha256(debian).hexdigest() != fashion_mnist.SHA256[name]


# ------------------------------------------------------------------------ IDX reader

@pytest.mark.parametrize("gz", [True, False], ids=["gz", "raw"])
@pytest.mark.parametrize("dtype,shape", [
    ("uint8", (5, 28, 28)), ("uint8", (7,)), ("int8", (3, 4)), ("int16", (2, 3)),
    ("int32", (4,)), ("float32", (2, 2, 2)), ("float64", (3, 1)), ("uint8", (0,)),
])
def test_idx_round_trip(tmp_path, gz, dtype, shape):
    rng = np.random.default_rng(0)
    array = (rng.standard_normal(shape) * 100).astype(dtype)
    path = tmp_path / ("a.idx.gz" if gz else "a.idx")
    idx.write_idx(path, array)
    result = idx.read_idx(path)
    assert result.dtype == np.dtype(dtype) and result.shape == shape
    np.testing.assert_array_equal(result, array)
    result[...] = 0  # writable, like an ordinary array


@pytest.mark.parametrize("gz", [True, False], ids=["gz", "raw"])
def test_idx_layout_written_by_hand(tmp_path, gz):
    values = (np.arange(6) - 3).astype(">i2").reshape(2, 3)  # big-endian int16
    data = raw_idx(0x0B, (2, 3), values.tobytes())
    path = tmp_path / ("h.gz" if gz else "h")
    path.write_bytes(gzip.compress(data) if gz else data)
    result = idx.read_idx(path)
    np.testing.assert_array_equal(result, [[-3, -2, -1], [0, 1, 2]])
    assert result.dtype == np.int16
    written = tmp_path / "w"
    idx.write_idx(written, values.astype(np.int16))
    assert written.read_bytes() == data


def test_write_idx_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(TypeError, match="dtype=uint16"):
        idx.write_idx(tmp_path / "x", np.zeros(3, dtype=np.uint16))


# ------------------------------------------------------------------------- bad files

def _truncate(data):
    return gzip.compress(data)[:-20]


def _flip_deflate_byte(data):
    packed = bytearray(gzip.compress(data))
    packed[len(packed) // 2] ^= 0xFF
    return bytes(packed)


def _good_labels(n=2):
    return raw_idx(0x08, (n,), bytes(range(n)))


def _good_images(n=2):
    return raw_idx(0x08, (n, 28, 28), bytes(n * 28 * 28))


BAD_FILES = [
    # (file to damage, its bytes BEFORE gzip, or a function of the good bytes, message)
    ("truncated gzip", TRAIN_IMAGES, _truncate, "truncated"),
    ("corrupt deflate", TRAIN_IMAGES, _flip_deflate_byte, "cannot decompress"),
    ("wrong magic", TRAIN_LABELS, b"\x08\x01\x00\x00" + bytes(8), "wrong magic number"),
    ("images magic in labels", TRAIN_LABELS, raw_idx(0x08, (3, 28, 28), bytes(2352)),
     "expected 0x00000801"),
    ("float dtype code", TEST_LABELS, raw_idx(0x0D, (2,), bytes(8)), "dtype code 0x0D"),
    ("unknown dtype code", TEST_IMAGES, raw_idx(0x07, (2, 28, 28), bytes(1568)),
     "dtype code 0x07"),
    ("payload too short", TEST_IMAGES, _good_images()[:-5], "but 1563 data bytes"),
    ("payload too long", TRAIN_LABELS, _good_labels() + b"\x00", "but 3 data bytes"),
    ("huge sizes", TRAIN_IMAGES, raw_idx(0x08, (2 ** 32 - 1,) * 3, b""), "but 0 data bytes"),
    ("header cut", TRAIN_LABELS, b"\x00\x00\x08\x01\x00", "declares 1 sizes"),
    ("empty", TEST_LABELS, b"", "too short"),
    ("other count", TRAIN_LABELS, _good_labels(5), "expected 3 labels, received 5 labels"),
    ("other image size", TEST_IMAGES, raw_idx(0x08, (2, 16, 16), bytes(512)),
     "expected 2 images of 28x28, received 2 images of 16x16"),
    ("label out of range", TEST_LABELS, raw_idx(0x08, (2,), b"\x01\x0a"), "label 10"),
]


@pytest.mark.parametrize(("case", "name", "content", "message"), BAD_FILES,
                         ids=[row[0] for row in BAD_FILES])
def test_bad_file_is_an_error_naming_it(tmp_path, monkeypatch, case, name, content, message):
    data_dir = tmp_path / "data"
    make_dataset(data_dir, seed=1)
    path = data_dir / name
    good = gzip.decompress(path.read_bytes())
    if callable(content):
        path.write_bytes(content(good))
    else:
        path.write_bytes(gzip.compress(content))
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(data_dir))  # Debian's folder stays real
    with pytest.raises(CorruptFileError, match=message) as error:
        fashion_mnist.load_data()
    assert str(path) in str(error.value) and error.value.path == str(path), case
    assert isinstance(error.value, ValueError)


def test_empty_gzip_file_is_an_error_naming_it(tmp_path):
    make_dataset(tmp_path, seed=1)
    (tmp_path / TRAIN_LABELS).write_bytes(b"")
    with pytest.raises(CorruptFileError, match=r"is corrupt: the file is empty \(0 bytes\)"):
        fashion_mnist.load_data(path=tmp_path)


def test_bad_raw_file_is_an_error_naming_it(tmp_path):
    make_dataset(tmp_path, seed=1, gz=False)
    path = tmp_path / TEST_IMAGES[:-3]
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(CorruptFileError, match="but 1567 data bytes") as error:
        fashion_mnist.load_data(path=tmp_path)
    assert error.value.path == str(path)


# ------------------------------------------------------------- the dataset's real sizes

def test_the_loaders_expect_keras_shapes():
    assert REAL_SHAPES == {
        TRAIN_IMAGES: (60000, 28, 28), TRAIN_LABELS: (60000,),
        TEST_IMAGES: (10000, 28, 28), TEST_LABELS: (10000,),
    }
    assert REAL_MNIST_SHAPES == {
        "x_train": (60000, 28, 28), "y_train": (60000,),
        "x_test": (10000, 28, 28), "y_test": (10000,),
    }


def write_gz(path, array):
    """A uint8 IDX file, gzip level 1: quick to write for full-size arrays."""
    Path(path).write_bytes(gzip.compress(raw_idx(0x08, array.shape, array.tobytes()), 1))


def pattern(shape):
    """Cheap uint8 content that compresses well; every value is a valid label."""
    size = int(np.prod(shape))
    return np.tile(np.arange(10, dtype=np.uint8), size // 10 + 1)[:size].reshape(shape)


@pytest.fixture(scope="module")
def full_size(tmp_path_factory):
    """A Fashion-MNIST folder of the real sizes (60000 + 10000 images), written once."""
    folder = tmp_path_factory.mktemp("full-size")
    for name, shape in REAL_SHAPES.items():
        write_gz(folder / name, pattern(shape))
    return folder


def test_full_size_files_pass_the_real_check(full_size, real_shapes):
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(path=full_size)
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    np.testing.assert_array_equal(x_test, pattern((10000, 28, 28)))


@pytest.mark.parametrize(("name", "shape", "message"), [
    (TEST_IMAGES, (100, 16, 16), "expected 10000 images of 28x28, received 100 images of 16x16"),
    (TRAIN_IMAGES, (100, 28, 28), "expected 60000 images of 28x28, received 100 images of 28x28"),
    (TEST_IMAGES, (10000, 32, 32),
     "expected 10000 images of 28x28, received 10000 images of 32x32"),
    (TRAIN_LABELS, (100,), "expected 60000 labels, received 100 labels"),
    (TEST_LABELS, (60000,), "expected 10000 labels, received 60000 labels"),
])
def test_well_formed_file_of_other_sizes_is_an_error_naming_it(tmp_path, full_size,
                                                               real_shapes, name, shape,
                                                               message):
    folder = tmp_path / "data"
    shutil.copytree(full_size, folder)
    write_gz(folder / name, pattern(shape))
    with pytest.raises(CorruptFileError) as error:
        fashion_mnist.load_data(path=folder)
    assert f"Dataset file {folder / name} is corrupt: {message}." in str(error.value)


def test_other_sizes_in_a_fallback_source_are_an_error_too(isolated, real_shapes):
    """The check is the loader's, whatever the source: no silent 16 x 16 Keras cache."""
    keras = isolated / ".keras" / "datasets" / "fashion-mnist"
    keras.mkdir(parents=True)
    for name, shape in TINY_SHAPES.items():
        write_gz(keras / name, pattern(shape[:1] + (16, 16) if len(shape) == 3 else shape))
    with pytest.raises(CorruptFileError,
                       match="expected 60000 images of 28x28, received 3 images of 16x16"):
        fashion_mnist.load_data()


@pytest.fixture(scope="module")
def full_size_npz(tmp_path_factory):
    """Keras' mnist.npz at the real sizes (zeros), written once."""
    path = tmp_path_factory.mktemp("full-size-mnist") / "mnist.npz"
    np.savez_compressed(path, **{key: np.zeros(shape, np.uint8)
                                 for key, shape in REAL_MNIST_SHAPES.items()})
    return path


def test_mnist_full_size_archive_passes_the_real_check(full_size_npz, real_shapes):
    (x_train, y_train), (x_test, y_test) = mnist.load_data(path=str(full_size_npz))
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)


@pytest.mark.parametrize(("key", "shape", "message"), [
    ("x_test", (100, 16, 16), "expected 10000 images of 28x28, received 100 images of 16x16"),
    ("y_train", (100,), "expected 60000 labels, received 100 labels"),
    ("x_train", (60000, 784), "expected 60000 images of 28x28, received uint8 data of shape "
                              "(60000, 784)"),
])
def test_mnist_archive_of_other_sizes_is_an_error_naming_it(tmp_path, full_size_npz,
                                                            real_shapes, key, shape, message):
    with np.load(full_size_npz) as archive:
        arrays = {name: archive[name] for name in mnist.KEYS}
    arrays[key] = np.zeros(shape, np.uint8)
    path = tmp_path / "mnist.npz"
    np.savez(path, **arrays)
    with pytest.raises(CorruptFileError) as error:
        mnist.load_data(path=str(path))
    assert f"Dataset file {path} is corrupt: {key}: {message}." in str(error.value)


# ---------------------------------------------------------------------- source order

def test_explicit_path_wins_over_every_other_source(tmp_path, monkeypatch, isolated):
    arrays = make_dataset(tmp_path / "explicit", seed=3)
    make_dataset(tmp_path / "env", seed=4)
    make_dataset(isolated / ".keras" / "datasets" / "fashion-mnist", seed=5)
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(tmp_path / "env"))
    assert_loaded(fashion_mnist.load_data(path=tmp_path / "explicit"), arrays)
    assert_loaded(fashion_mnist.load_data(path=str(tmp_path / "explicit")), arrays)


def test_explicit_path_is_the_only_place_looked(tmp_path):
    with pytest.raises(DatasetNotFoundError) as error:
        fashion_mnist.load_data(path=tmp_path / "nothing-here")
    message = str(error.value)
    assert message.startswith(
        f"path={tmp_path / 'nothing-here'} holds no usable Fashion-MNIST. What is wrong there:"
        f"\n  {tmp_path / 'nothing-here'}: no such folder\n"
    )
    assert str(DEBIAN_DIR) not in message


def test_environment_variable_prefers_its_fashion_mnist_subfolder(tmp_path, monkeypatch,
                                                                   isolated):
    arrays = make_dataset(tmp_path / "env" / "fashion-mnist", seed=4)
    make_dataset(tmp_path / "env", seed=6)
    make_dataset(isolated / ".keras" / "datasets" / "fashion-mnist", seed=5)
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(tmp_path / "env"))
    assert_loaded(fashion_mnist.load_data(), arrays)


def test_environment_variable_folder_itself(tmp_path, monkeypatch):
    arrays = make_dataset(tmp_path / "env", seed=6, gz=False)  # uncompressed files work too
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(tmp_path / "env"))
    assert_loaded(fashion_mnist.load_data(), arrays)


def test_environment_variable_incomplete_subfolder_falls_back_to_the_folder(
        tmp_path, monkeypatch, isolated):
    """Both layouts stay accepted: a broken <dir>/fashion-mnist does not hide <dir>."""
    env = tmp_path / "env"
    make_dataset(env / "fashion-mnist", seed=4)
    (env / "fashion-mnist" / TEST_LABELS).unlink()
    arrays = make_dataset(env, seed=6)
    make_dataset(isolated / ".keras" / "datasets" / "fashion-mnist", seed=5)
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(env))
    assert_loaded(fashion_mnist.load_data(), arrays)


def test_keras_cache_is_preferred_over_debian(isolated):
    assert (DEBIAN_DIR / TRAIN_IMAGES).is_file()
    arrays = make_dataset(isolated / ".keras" / "datasets" / "fashion-mnist", seed=5)
    assert_loaded(fashion_mnist.load_data(), arrays)


def test_keras_home_is_respected(tmp_path, monkeypatch, isolated):
    make_dataset(isolated / ".keras" / "datasets" / "fashion-mnist", seed=5)
    arrays = make_dataset(tmp_path / "kh" / "datasets" / "fashion-mnist", seed=7)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert_loaded(fashion_mnist.load_data(), arrays)


def test_debian_is_preferred_over_glassnet_cache(isolated, real_shapes):
    make_dataset(isolated / ".cache" / "glassnet" / "datasets" / "fashion-mnist", seed=3)
    (x_train, _), _ = fashion_mnist.load_data()
    assert len(x_train) == 60000


@pytest.mark.parametrize(("variable", "cache"), [
    (None, ".cache/glassnet/datasets/fashion-mnist"),
    ("XDG_CACHE_HOME", "xdg/glassnet/datasets/fashion-mnist"),
    ("GLASSNET_CACHE_DIR", "gn/datasets/fashion-mnist"),
])
def test_glassnet_cache_location(tmp_path, monkeypatch, isolated, no_debian, variable, cache):
    root = isolated if variable is None else tmp_path
    if variable is not None:
        monkeypatch.setenv(variable, str(tmp_path / cache.split("/")[0]))
    arrays = make_dataset(root / cache, seed=8)
    assert_loaded(fashion_mnist.load_data(), arrays)


def test_broken_fallback_folder_is_skipped_with_its_reason(tmp_path, monkeypatch, isolated,
                                                          no_debian):
    """Keras' cache is not a folder the user named: a broken one is skipped, not fatal."""
    keras = isolated / ".keras" / "datasets" / "fashion-mnist"
    make_dataset(keras, seed=5)
    (keras / TEST_LABELS).unlink()
    (keras / TEST_IMAGES).unlink()
    (keras / TEST_IMAGES).symlink_to(tmp_path / "gone")
    cache = isolated / ".cache" / "glassnet" / "datasets" / "fashion-mnist"
    arrays = make_dataset(cache, seed=8)
    assert_loaded(fashion_mnist.load_data(), arrays)
    shutil.rmtree(cache)
    with pytest.raises(DatasetNotFoundError) as error:
        fashion_mnist.load_data()
    assert (f"2. Keras cache {keras}: incomplete: missing {TEST_LABELS}; {TEST_IMAGES} is a "
            f"dangling symlink (to {tmp_path / 'gone'})") in str(error.value)


def test_missing_everywhere_lists_every_place_and_the_fixes(isolated, no_debian):
    with pytest.raises(DatasetNotFoundError) as error:
        fashion_mnist.load_data()
    assert isinstance(error.value, FileNotFoundError) and isinstance(error.value, OSError)
    message = str(error.value)
    keras = isolated / ".keras" / "datasets" / "fashion-mnist"
    cache = isolated / ".cache" / "glassnet" / "datasets" / "fashion-mnist"
    expected = [
        "Fashion-MNIST could not be found or downloaded. Places looked, in order:",
        "1. GLASSNET_DATA_DIR: not set",
        f"2. Keras cache {keras}: no such folder",
        f"3. Debian package dataset-fashion-mnist {fashion_mnist.DEBIAN_DIR}: no such folder",
        f"4. glassnet cache {cache}: no such folder",
        f"5. download from {fashion_mnist.BASE_URL}: download failed: "
        "<urlopen error network disabled in tests>",
        "sudo apt-get install dataset-fashion-mnist",
        "set GLASSNET_DATA_DIR",
        "allow network access",
    ]
    for line in expected:
        assert line in message
    assert not list(cache.glob("*"))  # the failed download left nothing behind


# --------------------------------------------------- a folder the user named: use or reject

def _break(folder, problem, name, tmp_path):
    """Make ``folder / name`` missing, a dangling symlink or a directory."""
    path = folder / name
    path.unlink()
    if problem == "dangling symlink":
        path.symlink_to(tmp_path / f"gone-{name}")
        return f"{name} is a dangling symlink (to {tmp_path / f'gone-{name}'})"
    if problem == "directory":
        path.mkdir()
        return f"{name} is a directory, not a file"
    return f"missing {name}"


@pytest.mark.parametrize("problem", ["missing", "dangling symlink", "directory"])
@pytest.mark.parametrize("how", ["GLASSNET_DATA_DIR", "path="])
def test_named_folder_with_a_broken_file_is_rejected_not_skipped(tmp_path, monkeypatch,
                                                                 isolated, how, problem):
    env = tmp_path / "env"
    make_dataset(env, seed=4)
    wrong = _break(env, problem, TRAIN_LABELS, tmp_path)
    make_dataset(isolated / ".keras" / "datasets" / "fashion-mnist", seed=5)  # usable
    if how == "path=":
        with pytest.raises(DatasetNotFoundError) as error:
            fashion_mnist.load_data(path=env)
        summary = f"path={env} holds no usable Fashion-MNIST."
    else:
        monkeypatch.setenv("GLASSNET_DATA_DIR", str(env))
        with pytest.raises(DatasetNotFoundError) as error:
            fashion_mnist.load_data()
        summary = f"GLASSNET_DATA_DIR={env} holds no usable Fashion-MNIST."
    message = str(error.value)
    assert message.startswith(f"{summary} What is wrong there:\n  {env}: {wrong}\n")
    assert "Keras cache" not in message and str(DEBIAN_DIR) not in message


def test_data_dir_error_lists_every_problem_of_the_closest_layout(tmp_path, monkeypatch,
                                                                    isolated):
    env = tmp_path / "env"
    make_dataset(env, seed=4)
    (env / TRAIN_LABELS).unlink()
    (env / TEST_IMAGES).unlink()
    (env / TEST_IMAGES).symlink_to(tmp_path / "gone")
    (env / TRAIN_IMAGES).unlink()
    (env / TRAIN_IMAGES).mkdir()
    (env / "fashion-mnist").mkdir()  # the other layout: an empty folder, not closer
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(env))
    with pytest.raises(DatasetNotFoundError) as error:
        fashion_mnist.load_data()
    assert str(error.value) == (
        f"GLASSNET_DATA_DIR={env} holds no usable Fashion-MNIST. What is wrong there:\n"
        f"  {env}: missing {TRAIN_LABELS}; {TRAIN_IMAGES} is a directory, not a file; "
        f"{TEST_IMAGES} is a dangling symlink (to {tmp_path / 'gone'})\n"
        "To fix it, do one of:\n"
        f"  - put {', '.join(FILES)} in {env / 'fashion-mnist'} or in {env} "
        "(uncompressed copies without .gz work too)\n"
        "  - unset GLASSNET_DATA_DIR to use the other sources (Keras' cache, Debian's "
        "package, glassnet's cache, a download)"
    )


def test_data_dir_error_describes_the_subfolder_when_it_is_closer(tmp_path, monkeypatch):
    env = tmp_path / "env"
    make_dataset(env / "fashion-mnist", seed=4)
    (env / "fashion-mnist" / TEST_LABELS).unlink()
    (env / TRAIN_IMAGES).write_bytes(b"a stray file")
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(env))
    with pytest.raises(DatasetNotFoundError) as error:
        fashion_mnist.load_data()
    message = str(error.value)
    assert f"\n  {env / 'fashion-mnist'}: missing {TEST_LABELS}\n" in message
    assert f"\n  {env}:" not in message


@pytest.mark.parametrize("state", ["absent", "empty", "two equal halves"])
def test_data_dir_error_describes_both_layouts_on_a_tie(tmp_path, monkeypatch, state):
    env = tmp_path / "env"
    sub = env / "fashion-mnist"
    if state == "absent":
        details = [f"{sub}: no such folder", f"{env}: no such folder"]
    elif state == "empty":
        sub.mkdir(parents=True)
        details = [f"{sub}: missing {', '.join(FILES)}", f"{env}: missing {', '.join(FILES)}"]
    else:
        make_dataset(sub, seed=1)
        make_dataset(env, seed=2)
        for name in (TRAIN_IMAGES, TRAIN_LABELS):
            (sub / name).unlink()
        for name in (TEST_IMAGES, TEST_LABELS):
            (env / name).unlink()
        details = [f"{sub}: missing {TRAIN_IMAGES}, {TRAIN_LABELS}",
                   f"{env}: missing {TEST_IMAGES}, {TEST_LABELS}"]
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(env))
    with pytest.raises(DatasetNotFoundError) as error:
        fashion_mnist.load_data()
    assert error.value.details == details


def test_data_dir_that_is_a_file_is_rejected(tmp_path, monkeypatch):
    (tmp_path / "env").write_text("not a folder")
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(tmp_path / "env"))
    with pytest.raises(DatasetNotFoundError) as error:
        fashion_mnist.load_data()
    assert error.value.details == [f"{tmp_path / 'env'}: not a folder"]


def test_named_folder_usable_uncompressed_copy_beats_a_broken_gz(tmp_path):
    arrays = make_dataset(tmp_path / "d", seed=4)
    (tmp_path / "d" / TEST_LABELS).unlink()
    (tmp_path / "d" / TEST_LABELS).mkdir()
    idx.write_idx(tmp_path / "d" / TEST_LABELS[:-3], arrays[TEST_LABELS])
    assert_loaded(fashion_mnist.load_data(path=tmp_path / "d"), arrays)


def test_unset_environment_variable_is_listed(no_debian):
    with pytest.raises(DatasetNotFoundError, match=r"1\. GLASSNET_DATA_DIR: not set"):
        fashion_mnist.load_data()


# -------------------------------------------------------------------------- download

class FakeResponse(io.BytesIO):
    """What urlopen returns: read(n), headers, a context manager."""

    def __init__(self, data, length=None, on_read=None):
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data) if length is None else length)}
        self.on_read = on_read

    def read(self, size=-1):
        if self.on_read is not None:
            self.on_read()
        return super().read(size)


class FakeOpener:
    """Serves ``files`` ({url: bytes}) from memory and records the requested URLs."""

    def __init__(self, files, length=None, on_read=None):
        self.files, self.length, self.on_read, self.urls = files, length, on_read, []

    def __call__(self, url, timeout=None):
        self.urls.append(url)
        return FakeResponse(self.files[url], self.length, self.on_read)


def _mirror(tmp_path, monkeypatch):
    """A local mirror of tiny files, with the loader's digests set to theirs."""
    mirror = tmp_path / "mirror"
    arrays = make_dataset(mirror, seed=3)
    digests = {name: hashlib.sha256((mirror / name).read_bytes()).hexdigest()
               for name in FILES}
    monkeypatch.setattr(fashion_mnist, "SHA256", digests)
    return mirror, arrays


def test_download_through_a_file_url(tmp_path, monkeypatch, isolated, no_debian, capsys):
    mirror, arrays = _mirror(tmp_path, monkeypatch)
    monkeypatch.setattr(fashion_mnist, "BASE_URL", mirror.as_uri() + "/")
    monkeypatch.setattr(sources, "urlopen", REAL_URLOPEN)  # file:// only: no network
    assert_loaded(fashion_mnist.load_data(), arrays)
    cache = isolated / ".cache" / "glassnet" / "datasets" / "fashion-mnist"
    assert sorted(p.name for p in cache.iterdir()) == sorted(FILES)  # no .part left
    for name in FILES:
        assert (cache / name).read_bytes() == (mirror / name).read_bytes()
    err = capsys.readouterr().err
    assert f"Downloading data from {mirror.as_uri()}/{TRAIN_IMAGES}" in err
    size = (mirror / TRAIN_IMAGES).stat().st_size
    assert f"{size}/{size} [{'=' * 30}] 100%" in err


def test_download_is_atomic_and_fetches_only_missing_files(tmp_path, monkeypatch,
                                                            isolated, no_debian):
    mirror, arrays = _mirror(tmp_path, monkeypatch)
    cache = isolated / ".cache" / "glassnet" / "datasets" / "fashion-mnist"
    cache.mkdir(parents=True)
    (cache / TRAIN_IMAGES).write_bytes((mirror / TRAIN_IMAGES).read_bytes())
    seen = []

    def while_reading():  # during the transfer only a temporary file exists
        seen.append(sorted(p.name for p in cache.iterdir()))

    files = {fashion_mnist.BASE_URL + name: (mirror / name).read_bytes() for name in FILES}
    opener = FakeOpener(files, on_read=while_reading)
    monkeypatch.setattr(sources, "urlopen", opener)
    replaced = []
    real_replace = os.replace
    monkeypatch.setattr(sources.os, "replace",
                        lambda a, b: (replaced.append((Path(a), Path(b))), real_replace(a, b)))
    assert_loaded(fashion_mnist.load_data(), arrays)
    assert opener.urls == [fashion_mnist.BASE_URL + n for n in FILES if n != TRAIN_IMAGES]
    first = seen[0]
    assert TRAIN_LABELS not in first and any(n.endswith(".part") for n in first)
    for source, destination in replaced:
        assert source.parent == destination.parent == cache
        assert source.name.endswith(".part") and destination.name in FILES


def test_digest_mismatch_is_an_error_and_keeps_the_old_file(tmp_path, monkeypatch, capsys):
    destination = tmp_path / "cache" / TRAIN_LABELS
    destination.parent.mkdir()
    destination.write_bytes(b"old good file")
    url = "https://mirror.invalid/" + TRAIN_LABELS
    monkeypatch.setattr(sources, "urlopen", FakeOpener({url: b"tampered bytes"}))
    expected = hashlib.sha256(b"the real bytes").hexdigest()
    with pytest.raises(CorruptFileError) as error:
        sources.download(url, destination, expected)
    message = str(error.value)
    assert str(destination) in message and url in message and expected in message
    assert hashlib.sha256(b"tampered bytes").hexdigest() in message
    assert destination.read_bytes() == b"old good file"
    assert sorted(p.name for p in destination.parent.iterdir()) == [TRAIN_LABELS]


def test_digest_mismatch_through_load_data_leaves_no_partial_file(tmp_path, monkeypatch,
                                                                   isolated, no_debian):
    mirror, _ = _mirror(tmp_path, monkeypatch)
    files = {fashion_mnist.BASE_URL + name: (mirror / name).read_bytes() for name in FILES}
    files[fashion_mnist.BASE_URL + TRAIN_LABELS] += b"extra"
    monkeypatch.setattr(sources, "urlopen", FakeOpener(files))
    with pytest.raises(CorruptFileError, match="SHA-256") as error:
        fashion_mnist.load_data()
    assert TRAIN_LABELS in str(error.value)
    cache = isolated / ".cache" / "glassnet" / "datasets" / "fashion-mnist"
    assert sorted(p.name for p in cache.iterdir()) == [TRAIN_IMAGES]  # verified one kept


@pytest.mark.parametrize("failure", ["short transfer", "connection lost"])
def test_failed_transfer_is_listed_and_removed(tmp_path, monkeypatch, isolated, no_debian,
                                               failure):
    mirror, _ = _mirror(tmp_path, monkeypatch)
    files = {fashion_mnist.BASE_URL + name: (mirror / name).read_bytes() for name in FILES}
    if failure == "short transfer":
        opener = FakeOpener(files, length=10 ** 9)
    else:
        def lose_connection():
            raise ConnectionResetError("connection reset by peer")
        opener = FakeOpener(files, on_read=lose_connection)
    monkeypatch.setattr(sources, "urlopen", opener)
    with pytest.raises(DatasetNotFoundError, match=r"download failed: .*(Incomplete|reset)"):
        fashion_mnist.load_data()
    cache = isolated / ".cache" / "glassnet" / "datasets" / "fashion-mnist"
    assert not list(cache.iterdir())


@pytest.mark.parametrize("done,total,expected", [
    (0, 200, "\r0/200 [>.............................]   0%"),
    (100, 200, "\r100/200 [===============>..............]  50%"),
    (200, 200, "\r200/200 [==============================] 100%"),
    (123, 0, "\r123 bytes"),
])
def test_progress_bar(done, total, expected):
    stream = io.StringIO()
    sources._show_progress(stream, done, total, None)
    assert stream.getvalue() == expected


# ----------------------------------------------------------------------------- MNIST

def make_npz(path, seed=4, **overrides):
    """Write a tiny mnist.npz (sizes from TINY_MNIST_SHAPES, ``overrides`` replacing
    arrays); its arrays.  Different seeds give different arrays."""
    rng = np.random.default_rng(seed)
    arrays = {
        key: rng.integers(0, 256 if key.startswith("x") else 10, shape, dtype=np.uint8)
        for key, shape in TINY_MNIST_SHAPES.items()
    }
    arrays.update(overrides)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    return arrays


def assert_mnist(result, arrays):
    (x_train, y_train), (x_test, y_test) = result
    for key, array in zip(mnist.KEYS, (x_train, y_train, x_test, y_test)):
        np.testing.assert_array_equal(array, arrays[key])
        assert array.dtype == np.uint8


def test_mnist_from_keras_cache(isolated):
    arrays = make_npz(isolated / ".keras" / "datasets" / "mnist.npz")
    assert_mnist(mnist.load_data(), arrays)


def test_mnist_source_order(tmp_path, monkeypatch, isolated):
    keras = make_npz(isolated / ".keras" / "datasets" / "mnist.npz", seed=4)
    make_npz(isolated / ".cache" / "glassnet" / "datasets" / "mnist.npz", seed=9)
    env = make_npz(tmp_path / "data" / "mnist" / "mnist.npz", seed=5)
    make_npz(tmp_path / "data" / "mnist.npz", seed=3)
    explicit = make_npz(tmp_path / "abs" / "m.npz", seed=6)
    assert_mnist(mnist.load_data(), keras)
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(tmp_path / "data"))
    assert_mnist(mnist.load_data(), env)
    assert_mnist(mnist.load_data(path=str(tmp_path / "abs" / "m.npz")), explicit)


def test_mnist_glassnet_cache_after_keras_cache(isolated):
    arrays = make_npz(isolated / ".cache" / "glassnet" / "datasets" / "mnist.npz", seed=9)
    assert_mnist(mnist.load_data(), arrays)


def test_mnist_download(tmp_path, monkeypatch, isolated):
    source = tmp_path / "served.npz"
    arrays = make_npz(source, seed=7)
    data = source.read_bytes()
    monkeypatch.setattr(mnist, "SHA256", hashlib.sha256(data).hexdigest())
    monkeypatch.setattr(sources, "urlopen", FakeOpener({mnist.URL: data}))
    assert_mnist(mnist.load_data(), arrays)
    cached = isolated / ".cache" / "glassnet" / "datasets" / "mnist.npz"
    assert cached.read_bytes() == data


def test_mnist_missing_everywhere(isolated):
    with pytest.raises(DatasetNotFoundError) as error:
        mnist.load_data()
    message = str(error.value)
    assert "MNIST could not be found or downloaded. Places looked, in order:" in message
    assert "1. GLASSNET_DATA_DIR: not set" in message
    assert f"2. Keras cache {isolated / '.keras' / 'datasets'}: no such folder" in message
    cache = isolated / ".cache" / "glassnet" / "datasets"
    assert f"3. glassnet cache {cache}: no such folder" in message
    assert f"4. download from {mnist.URL}: download failed" in message


@pytest.mark.parametrize("problem", ["missing", "dangling symlink", "directory"])
def test_mnist_data_dir_with_a_broken_archive_is_rejected_not_skipped(tmp_path, monkeypatch,
                                                                      isolated, problem):
    env = tmp_path / "env"
    make_npz(env / "mnist.npz")
    wrong = _break(env, problem, "mnist.npz", tmp_path)
    make_npz(isolated / ".keras" / "datasets" / "mnist.npz")  # usable
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(env))
    with pytest.raises(DatasetNotFoundError) as error:
        mnist.load_data()
    message = str(error.value)
    assert message.startswith(
        f"GLASSNET_DATA_DIR={env} holds no usable MNIST. What is wrong there:\n  {env}: {wrong}\n"
    )
    assert f"put Keras' mnist.npz as mnist.npz in {env / 'mnist'} or in {env}" in message
    assert "unset GLASSNET_DATA_DIR" in message and "Keras cache" not in message


def test_mnist_absolute_path_that_is_a_directory_is_rejected(tmp_path, isolated):
    make_npz(isolated / ".keras" / "datasets" / "mnist.npz")
    (tmp_path / "m.npz").mkdir()
    with pytest.raises(DatasetNotFoundError) as error:
        mnist.load_data(path=str(tmp_path / "m.npz"))
    assert error.value.details == [f"{tmp_path}: m.npz is a directory, not a file"]
    assert str(error.value).startswith(f"path={tmp_path / 'm.npz'} holds no usable MNIST.")


@pytest.mark.parametrize(("damage", "message"), [
    ("truncate", "cannot read it as a .npz archive"),
    ("missing key", "it has no array y_train, x_test, y_test"),
    ("float images", "x_train: expected 3 uint8 images of 28x28, received 3 float32 images "
                     "of 28x28"),
    ("counts", "y_train: expected 3 labels, received 5 labels"),
    ("label out of range", "y_test: label 12 is outside 0..9"),
])
def test_mnist_bad_archive_names_the_file(isolated, damage, message):
    path = isolated / ".keras" / "datasets" / "mnist.npz"
    if damage == "missing key":
        path.parent.mkdir(parents=True)
        np.savez(path, x_train=np.zeros((1, 28, 28), dtype=np.uint8))
    elif damage == "float images":
        make_npz(path, x_train=np.zeros((3, 28, 28), dtype=np.float32))
    elif damage == "counts":
        make_npz(path, y_train=np.zeros(5, dtype=np.uint8))
    elif damage == "label out of range":
        make_npz(path, y_test=np.array([1, 12], dtype=np.uint8))
    else:
        make_npz(path)
        path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(CorruptFileError) as error:
        mnist.load_data()
    assert f"Dataset file {path} is corrupt: {message}" in str(error.value)


def test_import_does_not_load_the_network_modules():
    """ssl, sockets and http.client load only when a download starts (import time, W4)."""
    import subprocess
    import sys

    code = ("import sys, glassnet; "
            "print(sorted(m for m in ('ssl', 'socket', 'http.client', 'urllib.request') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
