"""Checks for user-given arguments, with Keras-style messages.

Every check returns the value in its plain Python form (``int``, ``float``, ``tuple``) or
raises ``ValueError`` naming the owner, the argument, what was expected and what was
received::

    Dense: units must be a positive integer. Received: units=0

``owner`` is a string ("Dense", "fit") or an object, whose class name is used.
"""
import math
import numbers

import numpy as np


def integer(owner, name, value, minimum=0, allow_none=False):
    """``value`` as an ``int`` >= ``minimum`` (bool, float and str are refused)."""
    if value is None and allow_none:
        return None
    is_int = isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool)
    if not (is_int and value >= minimum):
        _fail(owner, name, value, _integer_text(minimum) + (" or None" if allow_none else ""))
    return int(value)


def positive_integer(owner, name, value, allow_none=False):
    """``value`` as an ``int`` >= 1."""
    return integer(owner, name, value, minimum=1, allow_none=allow_none)


def real(owner, name, value, low=None, high=None, *, include_low=True, include_high=True,
         allow_none=False):
    """``value`` as a finite ``float`` in the interval between ``low`` and ``high``.

    ``include_low``/``include_high`` say whether the ends belong to it: ``real(o, "rate",
    r, 0, 1, include_high=False)`` accepts 0 <= r < 1.
    """
    if value is None and allow_none:
        return None
    is_real = isinstance(value, (numbers.Real, np.floating, np.integer))
    ok = is_real and not isinstance(value, bool) and math.isfinite(value)
    if ok and low is not None:
        ok = value >= low if include_low else value > low
    if ok and high is not None:
        ok = value <= high if include_high else value < high
    if not ok:
        expected = "a finite float" + _interval_text(low, high, include_low, include_high)
        _fail(owner, name, value, expected + (" or None" if allow_none else ""))
    return float(value)


def non_negative(owner, name, value):
    """``value`` as a finite float >= 0."""
    return real(owner, name, value, low=0)


def fraction(owner, name, value, include_one=False):
    """``value`` as a float in [0, 1) (or [0, 1] when ``include_one``)."""
    return real(owner, name, value, 0, 1, include_high=include_one)


def seed(owner, value, name="seed"):
    """A random seed: an integer or None."""
    return integer(owner, name, value, minimum=-(2**63), allow_none=True)


def shape(owner, name, value, minimum=0, allow_none=False):
    """``value`` as a tuple of ints >= ``minimum`` (an int means a 1-D shape); with
    ``allow_none``, a None entry stands for a dimension not known yet."""
    dims = (value,) if isinstance(value, (numbers.Integral, np.integer)) else value
    try:
        dims = tuple(dims)
    except TypeError:
        dims = None
    valid = dims is not None and all(_is_dim(d, minimum, allow_none) for d in dims)
    if not valid:
        kind = {0: "non-negative integers", 1: "positive integers"}.get(
            minimum, f"integers >= {minimum}"
        )
        unknown = " (None for a size not known yet)" if allow_none else ""
        _fail(owner, name, value, f"a tuple of {kind}{unknown}")
    return tuple(None if d is None else int(d) for d in dims)


def one_of(owner, name, value, options):
    """``value`` when it is one of ``options``."""
    if value not in options:
        _fail(owner, name, value, "one of " + ", ".join(repr(o) for o in options))
    return value


def _is_dim(d, minimum, allow_none):
    if d is None:
        return allow_none
    return isinstance(d, (numbers.Integral, np.integer)) and not isinstance(d, bool) \
        and d >= minimum


def _integer_text(minimum):
    if minimum == 1:
        return "a positive integer"
    if minimum == 0:
        return "a non-negative integer"
    if minimum <= -(2**63):
        return "an integer"
    return f"an integer >= {minimum}"


def _interval_text(low, high, include_low, include_high):
    if low is None and high is None:
        return ""
    if high is None:
        return f" {'>=' if include_low else '>'} {low:g}"
    if low is None:
        return f" {'<=' if include_high else '<'} {high:g}"
    return f" in {'[' if include_low else '('}{low:g}, {high:g}{']' if include_high else ')'}"


def _fail(owner, name, value, expected):
    owner = owner if isinstance(owner, str) else type(owner).__name__
    raise ValueError(f"{owner}: {name} must be {expected}. Received: {name}={value!r}")
