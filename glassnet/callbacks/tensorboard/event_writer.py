"""A dependency-free writer of TensorBoard event files (scalars and histograms).

Why hand-written rather than ``tensorboardX``: the few protobuf fields TensorBoard needs
for scalars and histograms, plus the CRC-32C checksum of the record framing, take about
120 lines of plain Python here, while ``tensorboardX`` 2.6.5 (0.7 MB) needs ``protobuf``
(2.7 MB) and ``packaging``: some 3.7 MB, 40% of the ~9 MB left under glassnet's 100 MB
install budget, an import-time cost, and a protobuf version to keep compatible with
the user's other packages.  This writer costs nothing to install, so the callback works
in every glassnet install with no optional extra.

The format.  An event file is a TFRecord stream; each record is::

    uint64 length | uint32 masked_crc32c(length) | data | uint32 masked_crc32c(data)

(little-endian) and each ``data`` is one serialized ``tensorflow.Event``.  The messages
and fields written (field numbers from tensorflow/core/util/event.proto and
tensorflow/core/framework/summary.proto):

    Event:          wall_time=1 (double), step=2 (int64), file_version=3 (string),
                    summary=5 (Summary)
    Summary:        value=1 (repeated Summary.Value)
    Summary.Value:  tag=1 (string), simple_value=2 (float), histo=5 (HistogramProto)
    HistogramProto: min=1, max=2, num=3, sum=4, sum_squares=5 (double),
                    bucket_limit=6, bucket=7 (packed repeated double)

Scalars go out as ``simple_value`` and histograms as ``HistogramProto``: the forms
TensorBoard has always read (its data_compat layer turns them into its plugins' tensors).
"""
import functools
import os
import struct
import time

import numpy as np

# --- CRC-32C (Castagnoli), as TFRecord framing checks it ---------------------------------


@functools.cache
def _crc32c_table():
    """The 256-entry lookup table, built on first use (not at ``import glassnet``)."""
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


def crc32c(data):
    """The CRC-32C of ``data`` (bytes): table-driven, one lookup per byte."""
    crc = 0xFFFFFFFF
    table = _crc32c_table()
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    """TFRecord's masked CRC: rotate right by 15 bits, add a constant (mod 2**32)."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(data):
    """One TFRecord: length, its masked CRC, the data, the data's masked CRC."""
    length = struct.pack("<Q", len(data))
    return (
        length + struct.pack("<I", masked_crc32c(length))
        + data + struct.pack("<I", masked_crc32c(data))
    )


# --- protobuf wire format: the few field kinds the messages above use --------------------


def _varint(value):
    value &= 0xFFFFFFFFFFFFFFFF  # negative int64 go out as 10-byte two's complement
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _key(field, wire_type):
    return _varint((field << 3) | wire_type)


def _double(field, value):
    return _key(field, 1) + struct.pack("<d", value)


def _float(field, value):
    return _key(field, 5) + struct.pack("<f", value)


def _int64(field, value):
    return _key(field, 0) + _varint(int(value))


def _bytes(field, value):
    if isinstance(value, str):
        value = value.encode("utf-8")
    return _key(field, 2) + _varint(len(value)) + value


def _packed_doubles(field, values):
    return _bytes(field, np.asarray(values, dtype="<f8").tobytes())


# --- the messages --------------------------------------------------------------------------


def scalar_value(tag, value):
    """A serialized ``Summary.Value`` holding one float32 scalar."""
    return _bytes(1, tag) + _float(2, float(value))


def histogram_proto(values, bins=30):
    """A serialized ``HistogramProto`` of ``values``'s finite entries in ``bins`` buckets.

    Bucket ``i`` counts the values in (``bucket_limit[i-1]``, ``bucket_limit[i]``], as
    TensorBoard reads them; edges come from ``numpy.histogram`` (a constant tensor gets
    the unit range around its value).  NaN and infinities are left out of every field.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        counts, edges = np.zeros(0), np.zeros(1)
        low = high = 0.0
    else:
        counts, edges = np.histogram(values, bins=bins)
        low, high = float(values.min()), float(values.max())
    return (
        _double(1, low) + _double(2, high) + _double(3, float(values.size))
        + _double(4, float(values.sum())) + _double(5, float(np.dot(values, values)))
        + _packed_doubles(6, edges[1:]) + _packed_doubles(7, counts)
    )


def histogram_value(tag, values):
    """A serialized ``Summary.Value`` holding a histogram of ``values``."""
    return _bytes(1, tag) + _bytes(5, histogram_proto(values))


def event(step, wall_time, summary_values=(), file_version=None):
    """A serialized ``Event``: a step, a time, and either a file version or a Summary."""
    data = _double(1, wall_time) + _int64(2, step)
    if file_version is not None:
        data += _bytes(3, file_version)
    if summary_values:
        data += _bytes(5, b"".join(_bytes(1, value) for value in summary_values))
    return data


class EventFileWriter:
    """Appends summaries to a new ``events.out.tfevents.*`` file in ``logdir``.

    The directory is created if needed; the file opens with the ``brain.Event:2`` version
    record TensorBoard expects first.  Writes are buffered: call ``flush`` to make them
    visible to a running TensorBoard, ``close`` when done.
    """

    _counter = 0

    def __init__(self, logdir):
        import socket  # for the host name in the file name; not needed at import time

        os.makedirs(logdir, exist_ok=True)
        EventFileWriter._counter += 1
        stamp = f"{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}"
        name = f"events.out.tfevents.{stamp}.{EventFileWriter._counter}.v2"
        self.path = os.path.join(logdir, name)
        self._file = open(self.path, "wb")  # noqa: SIM115 (kept open across epochs)
        self._write(event(0, time.time(), file_version="brain.Event:2"))

    def scalar(self, tag, value, step):
        """Records ``value`` (stored as float32) under ``tag`` at ``step``."""
        self._write(event(step, time.time(), [scalar_value(tag, value)]))

    def histogram(self, tag, values, step):
        """Records a histogram of the array ``values`` under ``tag`` at ``step``."""
        self._write(event(step, time.time(), [histogram_value(tag, values)]))

    def flush(self):
        if not self._file.closed:
            self._file.flush()

    def close(self):
        if not self._file.closed:
            self._file.close()

    def _write(self, data):
        self._file.write(tfrecord(data))
