"""BLAS threads for a compiled step, chosen per op from what was measured on this kind of
machine.

Two facts (README, "Threads"):

- OpenBLAS's threads spin while they wait for each other.  On a machine whose cores
  other processes keep busy, a product run with every core's thread waits for a thread
  that is not running: the W1 step went from ~1 ms to 7-95 ms with 2 threads, and stayed
  at ~2-6 ms with 1.  On a quiet machine 2 threads are faster (W1 0.65 vs 0.8 ms).
- The number of threads can change a product's last bits: OpenBLAS cuts the sum over k
  differently (here (32, 784) @ (784, 300) differed by 5e-5; (784, 32) @ (32, 300) did
  not).

So a program's BLAS ops (matrix products, Dense and convolutions, forward and backward)
are each run once, when the program is made, with one thread and with the default
number, on the traced values:

- where the results are equal bit for bit, the op *follows the load*: the default
  number of threads while other processes leave the cores free, one thread otherwise
  (``LoadMeter``: the CPU time other processes used over the last half second);
- where they differ, the op always runs with one thread, so that no result of a
  compiled step depends on the load, or on how many workers share the machine.

Eager steps (``jit_compile=False``) run with the process's settings, as any NumPy code.
``threadpoolctl`` (a dependency) sets OpenBLAS's, MKL's or BLIS's threads; without a
BLAS it can steer, or with one thread by default, nothing changes.
"""
import os
import time

import numpy as np

from glassnet.autodiff.convolution import Conv
from glassnet.autodiff.primitives import MatMul
from glassnet.compiler.fused import Linear

BLAS_OPS = (MatMul, Linear, Conv)  # and their subclasses (LinearRelu, ConvBias, ...)
FOLLOWS_LOAD = "load"  # a node's ``threads``: follows the load, or 1 (always one thread)


class Blas:
    """The BLAS libraries' thread count, read and set through threadpoolctl."""

    def __init__(self):
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - a dependency; kept working without it
            self._libraries = []
        else:
            self._libraries = ThreadpoolController().select(user_api="blas").lib_controllers
        self.default = max([lib.num_threads for lib in self._libraries], default=1)
        self.current = self.default

    def set(self, threads):
        if threads != self.current:
            for library in self._libraries:
                library.set_num_threads(threads)
            self.current = threads


class LoadMeter:
    """How many threads the cores have room for: the default number while other
    processes left that many cores free (to half a core) over the last ``interval``
    seconds, else 1.  Linux (/proc); elsewhere always the default."""

    def __init__(self, default, interval=0.5):
        self.default = default
        self.interval = interval
        self.threads = default
        self._last = None if default == 1 else _cpu_times()

    def __call__(self):
        if self._last is None:
            return self.threads
        now = time.monotonic()
        if now - self._last[0] >= self.interval:
            current = _cpu_times()
            if current is None:
                self._last = None
                return self.threads
            wall = current[0] - self._last[0]
            others = (current[1] - self._last[1]) - (current[2] - self._last[2])
            free = (os.cpu_count() or 1) - others / wall
            self.threads = self.default if free >= self.default - 0.5 else 1
            self._last = current
        return self.threads


def _cpu_times():
    """(now, seconds of CPU all processes used, seconds this process used), or None."""
    try:
        with open("/proc/stat") as file:
            fields = file.readline().split()[1:]
        with open("/proc/self/stat") as file:
            own = file.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    busy = sum(int(value) for value in fields[:8]) - int(fields[3]) - int(fields[4])
    return time.monotonic(), busy / tick, (int(own[11]) + int(own[12])) / tick


_BLAS = None


def blas():
    """The process's ``Blas`` (made once: threadpoolctl scans the loaded libraries)."""
    global _BLAS
    if _BLAS is None:
        _BLAS = Blas()
    return _BLAS


def plan(nodes, value_of):
    """Sets ``node.threads`` of every BLAS FunctionNode: FOLLOWS_LOAD where one thread and
    the default number give the same forward and backward results, else 1.
    ``value_of(ref)`` gives a traced input's value."""
    library = blas()
    for node in nodes:
        if isinstance(getattr(node, "fn", None), BLAS_OPS):
            same = library.default == 1 or _thread_invariant(node, value_of, library)
            node.threads = FOLLOWS_LOAD if same else 1


def _thread_invariant(node, value_of, library):
    inputs = [value_of(ref) for ref, _ in node.refs]
    results = []
    for threads in (1, library.default):
        library.set(threads)
        out = node.fn.forward(*inputs)
        upstream = np.random.default_rng(0).standard_normal(out.shape).astype(out.dtype)
        grads = node.fn.backward(upstream) if node.graph else ()
        results.append([np.array(out)] + [np.array(g) for g in grads if g is not None])
    library.set(library.default)
    return all(np.array_equal(a, b) for a, b in zip(*results))
