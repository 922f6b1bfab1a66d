"""The hook between eager code and the step compiler (``glassnet.compiler``).

While a step is being traced, ``active`` holds the recording ``Trace``; the engine,
Variables and Tensors report to it what they do (an op applied, a gradient taken, a
variable assigned, a value read into Python).  When nothing is traced ``active`` is
None and each hook costs one attribute read.

``host`` marks a plain NumPy function (label checks, random draws) as one step of
the program: traced, it is recorded as a call to replay, and nothing it does inside
is recorded op by op.
"""
import functools

active = None  # the Trace being recorded, or None


def host(fn):
    """Decorator: ``fn`` (arrays in, arrays out, no graph) runs again at every replay."""

    @functools.wraps(fn)
    def traced(*args, **kwargs):
        global active
        trace = active
        if trace is None:
            return fn(*args, **kwargs)
        active = None  # what fn does inside is not recorded op by op
        try:
            result = fn(*args, **kwargs)
        finally:
            active = trace
        trace.host(fn, args, kwargs, result)
        return result

    return traced


def value_read(tensor, how):
    """A traced Tensor turned into a Python value (``bool``, ``float``, ...)."""
    if active is not None:
        active.value_read(tensor, how)
