"""Large temporary arrays without page faults: glibc's malloc told to keep big blocks.

A training step makes and frees the same large arrays every step: activations, im2col
matrices, gradients, megabytes each.  glibc's malloc (Linux) serves a block above its
mmap threshold with fresh pages from the kernel and gives them back on ``free``, so every
such array page-faults on first touch, step after step.  The threshold starts at 128 KiB
and rises by itself only up to 32 MiB and only after a large block is freed, so whether a
program is in the slow regime depends on its history (a data set converted before
training may or may not have raised it).  Measured on a 2-core machine, the Keras MNIST
convnet at batch 128: 74 ms per step in the slow regime, 47 ms with large blocks kept.

``keep_large_blocks`` raises the mmap threshold (blocks up to 256 MiB come from malloc's
heap and are reused) and the trim threshold (freed memory up to 512 MiB stays in the
process instead of being handed back at once).  The resident memory of a training run is
then close to its peak for the whole run, which is what a training loop reaches anyway.
Models call it when ``fit``, ``evaluate`` or ``predict`` starts; it changes nothing on
other C libraries, and ``GLASSNET_KEEP_LARGE_BLOCKS=0`` turns it off.
"""
import ctypes
import os
import sys

MMAP_THRESHOLD = 256 << 20  # bytes: blocks up to this size come from the heap
TRIM_THRESHOLD = 512 << 20  # bytes of free heap kept before returning memory to the OS
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)

_done = False


def keep_large_blocks():
    """Sets glibc's malloc thresholds once per process; True if they are set."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux") or os.environ.get("GLASSNET_KEEP_LARGE_BLOCKS") == "0":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl has no mallopt)
        return False
    _done = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
    return _done
