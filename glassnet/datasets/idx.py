"""The IDX file format (MNIST, Fashion-MNIST) and a fast, strict reader for it.

An IDX file is a tiny header followed by one array in C order:

    byte 0, 1   0x00 0x00                 (the magic number starts with two zero bytes)
    byte 2      dtype code                0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                                          0x0D float32, 0x0E float64
    byte 3      ndim                      number of dimensions
    4 * ndim    sizes                     one big-endian uint32 per dimension
    the rest    data                      prod(sizes) items, big-endian, C order

So the magic number of an image file is 0x00000803 (2051: uint8, 3 dimensions
N x 28 x 28) and of a label file 0x00000801 (2049: uint8, 1 dimension N).  The files
are usually gzip-compressed (``*.gz``).

Reading is one ``gzip.decompress`` and one ``np.frombuffer`` over the whole payload
(no per-item Python loop).  Every inconsistency (a truncated gzip stream, a bad CRC,
a wrong magic number, an unknown dtype code, sizes in the header that do not match
the number of bytes that follow, a shape NumPy cannot hold) raises ``CorruptFileError``
naming the file: a bad file never becomes a wrong array (tests/test_idx_fuzz.py checks
this on generated files).  ``check_shape`` and ``check_labels`` then hold the arrays
to what the dataset must contain.
"""
import gzip
import math
import os
import struct
import zlib

import numpy as np

# dtype code (byte 2 of the magic number) -> big-endian NumPy dtype
DTYPE_CODES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODE_OF = {dtype.newbyteorder("="): code for code, dtype in DTYPE_CODES.items()}
IMAGES_MAGIC = 0x00000803  # 2051: uint8, 3 dimensions (N, rows, cols)
LABELS_MAGIC = 0x00000801  # 2049: uint8, 1 dimension (N,)
MAX_NDIM = 32  # NumPy 1 holds at most 32 dimensions (NumPy 2: 64); datasets use 1 to 4
_MAX_BYTES = np.iinfo(np.intp).max  # NumPy's limit on itemsize * (product of nonzero sizes)


class CorruptFileError(ValueError):
    """A dataset file exists but its content is damaged; ``path`` names the file."""

    def __init__(self, path, problem, advice=None):
        self.path = os.fspath(path)
        self.problem = problem
        if advice is None:
            advice = "Delete it (or replace it with a good copy) and load again."
        super().__init__(f"Dataset file {self.path} is corrupt: {problem}. {advice}")


def read_idx(path, magic=None):
    """The array stored in the IDX file ``path`` (gzip-compressed if it ends in ``.gz``).

    ``magic`` (e.g. ``IMAGES_MAGIC``) is the magic number the file must have, i.e. its
    dtype code and ndim.  The result is a writable array in native byte order with the
    header's shape.
    """
    return parse_idx(_read_bytes(path), path, magic)


def parse_idx(data, path="<bytes>", magic=None):
    """Decode the IDX bytes ``data``; ``path`` only names the file in errors."""
    if len(data) < 4:
        raise CorruptFileError(path, f"{len(data)} bytes is too short for an IDX header")
    _check_magic(data, path, magic)
    dtype, ndim = DTYPE_CODES[data[2]], data[3]
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise CorruptFileError(
            path, f"the header declares {ndim} sizes but the file has {len(data)} bytes"
        )
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    found = len(data) - header_size
    if found != expected:
        raise CorruptFileError(
            path,
            f"the header says shape {shape} ({expected} data bytes) "
            f"but {found} data bytes follow it",
        )
    _check_shape_fits(shape, dtype, path)
    array = np.frombuffer(data, dtype=dtype, offset=header_size).reshape(shape)
    array = array.astype(dtype.newbyteorder("="), copy=False)
    return array if array.flags.writeable else array.copy()  # read-only when data is bytes


def _check_magic(data, path, magic):
    """The first four bytes: 0x00 0x00, a known dtype code, at most MAX_NDIM dimensions,
    and exactly ``magic`` when it is given."""
    zero0, zero1, code, ndim = data[:4]
    if zero0 != 0 or zero1 != 0:
        hint = " (this is gzip data: name the file *.gz)" if data[:2] == b"\x1f\x8b" else ""
        raise CorruptFileError(
            path,
            f"wrong magic number 0x{bytes(data[:4]).hex()}: an IDX file starts with "
            f"0x0000{hint}",
        )
    if magic is not None and int.from_bytes(data[:4], "big") != magic:
        raise CorruptFileError(
            path,
            f"wrong magic number 0x{bytes(data[:4]).hex()} (dtype code 0x{code:02X}, "
            f"ndim {ndim}), expected 0x{magic:08x} ({_describe(magic)})",
        )
    if code not in DTYPE_CODES:
        raise CorruptFileError(
            path,
            f"unknown IDX dtype code 0x{code:02X} (known: "
            + ", ".join(f"0x{c:02X}" for c in DTYPE_CODES) + ")",
        )
    if ndim > MAX_NDIM:
        raise CorruptFileError(
            path, f"the header declares {ndim} dimensions, more than the {MAX_NDIM} supported"
        )


def _check_shape_fits(shape, dtype, path):
    """NumPy refuses a shape whose nonzero sizes multiply past its index range, even
    when another size is 0 (the array is empty); such a header is corrupt too."""
    nonzero = math.prod(size for size in shape if size) * dtype.itemsize
    if nonzero > _MAX_BYTES:
        raise CorruptFileError(path, f"the header's shape {shape} is too large for any array")


def write_idx(path, array):
    """Write ``array`` as an IDX file (gzip-compressed if ``path`` ends in ``.gz``)."""
    array = np.asarray(array)
    code = _CODE_OF.get(array.dtype.newbyteorder("="))
    if code is None:
        raise TypeError(
            "write_idx: the array's dtype must be one of "
            + ", ".join(str(d.newbyteorder("=")) for d in DTYPE_CODES.values())
            + f". Received: dtype={array.dtype}"
        )
    if array.ndim > MAX_NDIM or any(size >= 2**32 for size in array.shape):
        raise ValueError(
            f"write_idx: an IDX file holds at most {MAX_NDIM} dimensions of sizes below "
            f"2**32. Received: shape={array.shape}"
        )
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(DTYPE_CODES[code], copy=False).tobytes()
    opener = gzip.open if os.fspath(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(payload)


def check_shape(array, shape, path, key=None):
    """Raise ``CorruptFileError`` unless ``array`` is uint8 with exactly ``shape``.

    ``shape`` is (N, rows, cols) for images or (N,) for labels; ``key`` names the array
    inside an archive (``"x_test"``).  The message reads, for example,
    ``expected 10000 images of 28x28, received 100 images of 16x16``.
    """
    shape = tuple(shape)
    if array.dtype == np.uint8 and array.shape == shape:
        return
    with_dtype = array.dtype != np.uint8
    expected = _items(shape, np.dtype(np.uint8) if with_dtype else None)
    if array.ndim == len(shape):
        received = _items(array.shape, array.dtype if with_dtype else None)
    else:
        received = f"{array.dtype} data of shape {array.shape}"
    prefix = f"{key}: " if key else ""
    raise CorruptFileError(path, f"{prefix}expected {expected}, received {received}")


def check_labels(labels, path, num_classes=10, key=None):
    """Raise ``CorruptFileError`` when a uint8 label is not in 0..num_classes-1."""
    if labels.size and labels.max() >= num_classes:
        prefix = f"{key}: " if key else ""
        raise CorruptFileError(
            path, f"{prefix}label {labels.max()} is outside 0..{num_classes - 1}"
        )


def _items(shape, dtype=None):
    """``10000 images of 28x28`` for (10000, 28, 28), ``10000 labels`` for (10000,)."""
    kind = f"{dtype} " if dtype is not None else ""
    if len(shape) == 3:
        return f"{shape[0]} {kind}images of {shape[1]}x{shape[2]}"
    if len(shape) == 1:
        return f"{shape[0]} {kind}labels"
    return f"{kind}data of shape {shape}"


def _describe(magic):
    """``uint8, 3 dimensions`` for 0x00000803."""
    code, ndim = magic >> 8 & 0xFF, magic & 0xFF
    dtype = DTYPE_CODES[code].newbyteorder("=") if code in DTYPE_CODES else "unknown dtype"
    return f"{dtype}, {ndim} dimensions"


def _read_bytes(path):
    """The file's bytes, decompressed when it is gzip; a damaged stream names the file."""
    with open(path, "rb") as f:
        raw = f.read()
    if not os.fspath(path).endswith(".gz"):
        return bytearray(raw)
    if not raw:
        raise CorruptFileError(path, "the file is empty (0 bytes)")
    try:
        return bytearray(gzip.decompress(raw))
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        reason = "the gzip stream is truncated" if isinstance(error, EOFError) else error
        raise CorruptFileError(path, f"cannot decompress it ({reason})") from None
