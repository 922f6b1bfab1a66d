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
are each run once, when the program is made, with one thread and with one per core, on
the traced values:

- where the results are equal bit for bit, the op *follows the load*: the default
  number of threads while other processes leave the cores free, one thread otherwise
  (``LoadMeter``: the CPU time other processes used over the last half second, more than
  half a core is busy);
- where they differ, the op always runs with one thread, so that no result of a
  compiled step depends on the load, or on how many workers share the machine; with
  ``glassnet.config.set_thread_independent(False)`` it runs with the default number
  instead (faster on a quiet machine; its bits then depend on that number, not on the
  load).

The eager calls of a compiled function (its warm-up and the two traced calls) run on one
thread (``one_thread``), so a compiled ``fit`` gives the same numbers with any default.
Eager steps (``jit_compile=False``, or a step that cannot be compiled) run with the
process's settings, as any NumPy code.
``threadpoolctl`` (a dependency) sets OpenBLAS's, MKL's or BLIS's threads; without a
BLAS it can steer, or with one thread by default, nothing changes.
"""
import contextlib
import os
import time

import numpy as np

from glassnet import config
from glassnet.autodiff.convolution import Conv
from glassnet.autodiff.primitives import MatMul
from glassnet.compiler.fused import Linear

BLAS_OPS = (MatMul, Linear, Conv)  # and their subclasses (LinearRelu, ConvBias, ...)
FOLLOWS_LOAD = "load"  # a node's ``threads``: follows the load,
DEFAULT = "default"  # always the default number, or 1 (always one thread)


class Blas:
    """The BLAS libraries' thread count, read and set through threadpoolctl."""

    def __init__(self):
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - a dependency; kept working without it
            self._libraries = []
        else:
            self._libraries = ThreadpoolController().select(user_api="blas").lib_controllers
        self.most = max(os.cpu_count() or 1, self.read())  # what invariance is checked for
        self.current = self.read()

    def read(self):
        """The thread count set now (the process's default, or a threadpoolctl limit)."""
        self.current = max([lib.num_threads for lib in self._libraries], default=1)
        return self.current

    def set(self, threads):
        if threads != self.current:
            for library in self._libraries:
                library.set_num_threads(threads)
            self.current = threads


class LoadMeter:
    """How many threads the cores have room for: ``default`` while other processes used
    less than half a core over the last ``interval`` seconds, else 1.  Linux (/proc);
    elsewhere always ``default``."""

    def __init__(self, interval=0.5):
        self.interval = interval
        self.busy = False
        self._last = _cpu_times()

    def __call__(self, default):
        if self._last is not None and time.monotonic() - self._last[0] >= self.interval:
            current = _cpu_times()
            if current is not None:
                wall = current[0] - self._last[0]
                others = (current[1] - self._last[1]) - (current[2] - self._last[2])
                self.busy = others / wall > 0.5
            self._last = current
        return 1 if self.busy else default


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


@contextlib.contextmanager
def one_thread():
    """BLAS on one thread inside: eager steps whose numbers must not depend on the
    default thread count."""
    library = blas()
    previous = library.read()
    library.set(1)
    try:
        yield
    finally:
        library.set(previous)


def plan(nodes, value_of):
    """Sets ``node.threads`` of every BLAS FunctionNode: FOLLOWS_LOAD where one thread and
    one per core give the same forward and backward results, else 1 (DEFAULT when
    ``config.thread_independent()`` is off).  ``value_of(ref)`` gives a traced input's
    value."""
    library = blas()
    otherwise = 1 if config.thread_independent() else DEFAULT
    for node in nodes:
        if isinstance(getattr(node, "fn", None), BLAS_OPS):
            same = library.most == 1 or _thread_invariant(node, value_of, library)
            node.threads = FOLLOWS_LOAD if same else otherwise


def _thread_invariant(node, value_of, library):
    inputs = [value_of(ref) for ref, _ in node.refs]
    results = []
    previous = library.read()
    for threads in (1, library.most):
        library.set(threads)
        out = node.fn.forward(*inputs)
        upstream = np.random.default_rng(0).standard_normal(out.shape).astype(out.dtype)
        grads = node.fn.backward(upstream) if node.graph else ()
        results.append([np.array(out)] + [np.array(g) for g in grads if g is not None])
    library.set(previous)
    return all(np.array_equal(a, b) for a, b in zip(*results))
