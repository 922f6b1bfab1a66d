"""glassnet.datasets: the IDX reader, source order, bad files, the verified download."""
import gzip
import hashlib
import io
import os
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


def _offline(url, timeout=None):
    raise urllib.error.URLError("network disabled in tests")


@pytest.fixture
def no_debian(tmp_path, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", tmp_path / "no-such-debian-folder")


def make_dataset(folder, n_train, n_test=2, gz=True):
    """Write a tiny valid Fashion-MNIST folder; its train split has ``n_train`` images."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(n_train)
    arrays = {}
    for images_name, labels_name, n in ((TRAIN_IMAGES, TRAIN_LABELS, n_train),
                                        (TEST_IMAGES, TEST_LABELS, n_test)):
        arrays[images_name] = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        arrays[labels_name] = rng.integers(0, 10, size=n, dtype=np.uint8)
    for name, array in arrays.items():
        idx.write_idx(folder / (name if gz else name[:-3]), array)
    return arrays


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
    ("images magic in labels", TRAIN_LABELS, raw_idx(0x08, (2, 28, 28), bytes(1568)),
     "expected 0x00000801"),
    ("float dtype code", TEST_LABELS, raw_idx(0x0D, (2,), bytes(8)), "dtype code 0x0D"),
    ("unknown dtype code", TEST_IMAGES, raw_idx(0x07, (2, 28, 28), bytes(1568)),
     "dtype code 0x07"),
    ("payload too short", TEST_IMAGES, _good_images()[:-5], "but 1563 data bytes"),
    ("payload too long", TRAIN_LABELS, _good_labels() + b"\x00", "but 3 data bytes"),
    ("huge sizes", TRAIN_IMAGES, raw_idx(0x08, (2 ** 32 - 1,) * 3, b""), "but 0 data bytes"),
    ("header cut", TRAIN_LABELS, b"\x00\x00\x08\x01\x00", "declares 1 sizes"),
    ("empty", TEST_LABELS, b"", "too short"),
    ("counts disagree", TRAIN_LABELS, _good_labels(3), "holds 2 images but"),
    ("label out of range", TEST_LABELS, raw_idx(0x08, (2,), b"\x01\x0a"), "label 10"),
]


@pytest.mark.parametrize("case,name,content,message", BAD_FILES,
                         ids=[row[0] for row in BAD_FILES])
def test_bad_file_is_an_error_naming_it(tmp_path, monkeypatch, case, name, content, message):
    data_dir = tmp_path / "data"
    make_dataset(data_dir, n_train=2, n_test=2)
    path = data_dir / name
    good = gzip.decompress(path.read_bytes())
    if callable(content):
        path.write_bytes(content(good))
    else:
        path.write_bytes(gzip.compress(content))
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(data_dir))  # Debian's folder stays real
    with pytest.raises(CorruptFileError, match=message) as error:
        fashion_mnist.load_data()
    wrong_file = path if case != "counts disagree" else data_dir / TRAIN_IMAGES
    assert str(wrong_file) in str(error.value)
    assert isinstance(error.value, ValueError)


def test_bad_raw_file_is_an_error_naming_it(tmp_path):
    make_dataset(tmp_path, n_train=2, gz=False)
    path = tmp_path / TEST_IMAGES[:-3]
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(CorruptFileError, match="but 1567 data bytes") as error:
        fashion_mnist.load_data(path=tmp_path)
    assert error.value.path == str(path)


# ---------------------------------------------------------------------- source order

def test_explicit_path_wins_over_every_other_source(tmp_path, monkeypatch, isolated):
    make_dataset(tmp_path / "explicit", n_train=3)
    make_dataset(tmp_path / "env", n_train=4)
    make_dataset(isolated / ".keras" / "datasets" / "fashion-mnist", n_train=5)
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(tmp_path / "env"))
    (x_train, y_train), _ = fashion_mnist.load_data(path=tmp_path / "explicit")
    assert len(x_train) == len(y_train) == 3
    (x_train, _), _ = fashion_mnist.load_data(path=str(tmp_path / "explicit"))
    assert len(x_train) == 3


def test_explicit_path_is_the_only_place_looked(tmp_path):
    with pytest.raises(DatasetNotFoundError) as error:
        fashion_mnist.load_data(path=tmp_path / "nothing-here")
    message = str(error.value)
    assert f"path= argument {tmp_path / 'nothing-here'}: missing" in message
    assert str(DEBIAN_DIR) not in message


def test_environment_variable_prefers_its_fashion_mnist_subfolder(tmp_path, monkeypatch,
                                                                   isolated):
    arrays = make_dataset(tmp_path / "env" / "fashion-mnist", n_train=4)
    make_dataset(tmp_path / "env", n_train=6)
    make_dataset(isolated / ".keras" / "datasets" / "fashion-mnist", n_train=5)
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(tmp_path / "env"))
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays[TRAIN_IMAGES])
    np.testing.assert_array_equal(y_train, arrays[TRAIN_LABELS])
    np.testing.assert_array_equal(x_test, arrays[TEST_IMAGES])
    np.testing.assert_array_equal(y_test, arrays[TEST_LABELS])


def test_environment_variable_folder_itself(tmp_path, monkeypatch):
    make_dataset(tmp_path / "env", n_train=6, gz=False)  # uncompressed files work too
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(tmp_path / "env"))
    (x_train, _), _ = fashion_mnist.load_data()
    assert len(x_train) == 6


def test_keras_cache_is_preferred_over_debian(isolated):
    assert (DEBIAN_DIR / TRAIN_IMAGES).is_file()
    make_dataset(isolated / ".keras" / "datasets" / "fashion-mnist", n_train=5)
    (x_train, _), _ = fashion_mnist.load_data()
    assert len(x_train) == 5


def test_keras_home_is_respected(tmp_path, monkeypatch, isolated):
    make_dataset(isolated / ".keras" / "datasets" / "fashion-mnist", n_train=5)
    make_dataset(tmp_path / "kh" / "datasets" / "fashion-mnist", n_train=7)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    (x_train, _), _ = fashion_mnist.load_data()
    assert len(x_train) == 7


def test_debian_is_preferred_over_glassnet_cache(isolated):
    make_dataset(isolated / ".cache" / "glassnet" / "datasets" / "fashion-mnist", n_train=3)
    (x_train, _), _ = fashion_mnist.load_data()
    assert len(x_train) == 60000


@pytest.mark.parametrize("variable,cache", [
    (None, ".cache/glassnet/datasets/fashion-mnist"),
    ("XDG_CACHE_HOME", "xdg/glassnet/datasets/fashion-mnist"),
    ("GLASSNET_CACHE_DIR", "gn/datasets/fashion-mnist"),
])
def test_glassnet_cache_location(tmp_path, monkeypatch, isolated, no_debian, variable, cache):
    root = isolated if variable is None else tmp_path
    if variable is not None:
        monkeypatch.setenv(variable, str(tmp_path / cache.split("/")[0]))
    make_dataset(root / cache, n_train=8)
    (x_train, _), _ = fashion_mnist.load_data()
    assert len(x_train) == 8


def test_incomplete_folder_is_skipped_with_its_reason(tmp_path, monkeypatch, isolated):
    env = tmp_path / "env"
    make_dataset(env, n_train=4)
    (env / TEST_LABELS).unlink()
    make_dataset(isolated / ".keras" / "datasets" / "fashion-mnist", n_train=5)
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(env))
    (x_train, _), _ = fashion_mnist.load_data()
    assert len(x_train) == 5
    with pytest.raises(DatasetNotFoundError, match=f"incomplete, missing {TEST_LABELS}"):
        fashion_mnist.load_data(path=env)


def test_missing_everywhere_lists_every_place_and_the_fixes(tmp_path, monkeypatch,
                                                             isolated, no_debian):
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(DatasetNotFoundError) as error:
        fashion_mnist.load_data()
    assert isinstance(error.value, FileNotFoundError) and isinstance(error.value, OSError)
    message = str(error.value)
    keras = isolated / ".keras" / "datasets" / "fashion-mnist"
    cache = isolated / ".cache" / "glassnet" / "datasets" / "fashion-mnist"
    expected = [
        f"1. GLASSNET_DATA_DIR {tmp_path / 'data' / 'fashion-mnist'}: missing",
        f"2. GLASSNET_DATA_DIR {tmp_path / 'data'}: missing",
        f"3. Keras cache {keras}: missing",
        f"4. Debian package dataset-fashion-mnist {fashion_mnist.DEBIAN_DIR}: missing",
        f"5. glassnet cache {cache}: missing",
        f"6. download from {fashion_mnist.BASE_URL}: download failed: "
        "<urlopen error network disabled in tests>",
        "sudo apt-get install dataset-fashion-mnist",
        "set GLASSNET_DATA_DIR",
        "allow network access",
    ]
    for line in expected:
        assert line in message
    assert not list(cache.glob("*"))  # the failed download left nothing behind


def test_unset_environment_variable_is_listed(no_debian):
    with pytest.raises(DatasetNotFoundError, match="1. GLASSNET_DATA_DIR: not set"):
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


def _mirror(tmp_path, monkeypatch, n_train=3):
    """A local mirror of tiny files, with the loader's digests set to theirs."""
    mirror = tmp_path / "mirror"
    arrays = make_dataset(mirror, n_train=n_train)
    digests = {name: hashlib.sha256((mirror / name).read_bytes()).hexdigest()
               for name in FILES}
    monkeypatch.setattr(fashion_mnist, "SHA256", digests)
    return mirror, arrays


def test_download_through_a_file_url(tmp_path, monkeypatch, isolated, no_debian, capsys):
    mirror, arrays = _mirror(tmp_path, monkeypatch)
    monkeypatch.setattr(fashion_mnist, "BASE_URL", mirror.as_uri() + "/")
    monkeypatch.setattr(sources, "urlopen", REAL_URLOPEN)  # file:// only: no network
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays[TRAIN_IMAGES])
    np.testing.assert_array_equal(y_test, arrays[TEST_LABELS])
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
    mirror, _ = _mirror(tmp_path, monkeypatch)
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
    (x_train, _), _ = fashion_mnist.load_data()
    assert len(x_train) == 3
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
    with pytest.raises(DatasetNotFoundError, match="download failed: .*(Incomplete|reset)"):
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

def make_npz(path, n_train=4, n_test=3, **overrides):
    rng = np.random.default_rng(n_train)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    arrays.update(overrides)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    return arrays


def test_mnist_from_keras_cache(isolated):
    arrays = make_npz(isolated / ".keras" / "datasets" / "mnist.npz")
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    for key, array in zip(mnist.KEYS, (x_train, y_train, x_test, y_test)):
        np.testing.assert_array_equal(array, arrays[key])
        assert array.dtype == np.uint8


def test_mnist_source_order(tmp_path, monkeypatch, isolated):
    make_npz(isolated / ".keras" / "datasets" / "mnist.npz", n_train=4)
    make_npz(isolated / ".cache" / "glassnet" / "datasets" / "mnist.npz", n_train=9)
    make_npz(tmp_path / "data" / "mnist" / "mnist.npz", n_train=5)
    make_npz(tmp_path / "abs" / "m.npz", n_train=6)
    assert len(mnist.load_data()[0][0]) == 4
    monkeypatch.setenv("GLASSNET_DATA_DIR", str(tmp_path / "data"))
    assert len(mnist.load_data()[0][0]) == 5
    assert len(mnist.load_data(path=str(tmp_path / "abs" / "m.npz"))[0][0]) == 6


def test_mnist_download(tmp_path, monkeypatch, isolated):
    source = tmp_path / "served.npz"
    arrays = make_npz(source, n_train=7)
    data = source.read_bytes()
    monkeypatch.setattr(mnist, "SHA256", hashlib.sha256(data).hexdigest())
    monkeypatch.setattr(sources, "urlopen", FakeOpener({mnist.URL: data}))
    (x_train, _), _ = mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    cached = isolated / ".cache" / "glassnet" / "datasets" / "mnist.npz"
    assert cached.read_bytes() == data


def test_mnist_missing_everywhere(isolated):
    with pytest.raises(DatasetNotFoundError) as error:
        mnist.load_data()
    message = str(error.value)
    assert f"Keras cache {isolated / '.keras' / 'datasets'}: missing" in message
    assert f"glassnet cache {isolated / '.cache' / 'glassnet' / 'datasets'}: missing" in message
    assert f"download from {mnist.URL}: download failed" in message
    assert "GLASSNET_DATA_DIR: not set" in message


@pytest.mark.parametrize("damage,message", [
    ("truncate", "cannot read it as a .npz archive"),
    ("missing key", "no array y_train, x_test, y_test"),
    ("float images", "expected uint8 data"),
    ("counts", "holds 4 images but"),
])
def test_mnist_bad_archive_names_the_file(isolated, damage, message):
    path = isolated / ".keras" / "datasets" / "mnist.npz"
    if damage == "missing key":
        path.parent.mkdir(parents=True)
        np.savez(path, x_train=np.zeros((1, 28, 28), dtype=np.uint8))
    elif damage == "float images":
        make_npz(path, x_train=np.zeros((4, 28, 28), dtype=np.float32))
    elif damage == "counts":
        make_npz(path, y_train=np.zeros(5, dtype=np.uint8))
    else:
        make_npz(path)
        path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(CorruptFileError, match=message) as error:
        mnist.load_data()
    assert str(path) in str(error.value)


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
