"""Element-wise math (``keras.ops.sin``, ``floor``, ``mod``, ``logical_and``, ``isnan``, ...).

Dtypes follow Keras 3: functions with a real-valued result (sin, log2, floor, true_divide,
...) turn integer and bool inputs into ``floatx`` (float32); comparisons and tests return
bool; ``sign``, ``mod`` and ``floor_divide`` keep an integer dtype.

Smooth functions are differentiable (trigonometric primitives in ``autodiff.primitives``,
the rest composed).  Piecewise-constant ones (floor, ceil, round, sign, floor_divide) and
the bool-valued ones have a zero gradient almost everywhere: they return constants, leaves
with no graph, so nothing flows back through them.
"""
import math

import numpy as np

from glassnet import config
from glassnet.autodiff import primitives as P
from glassnet.autodiff.tensor import Tensor, convert_to_tensor


def floating(x):
    """``x`` as a Tensor, with integer and bool dtypes cast to floatx (Keras' rule for
    functions whose result is real-valued)."""
    x = convert_to_tensor(x)
    if x.dtype.kind in "iub":
        return P.cast(x, config.floatx())
    return x


def array(x):
    """The NumPy array behind ``x`` (no graph, no copy)."""
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def constant(values):
    """A leaf Tensor (no graph) around the result of a non-differentiable op."""
    return Tensor(np.asarray(values))


def _arrays(x1, x2):
    """Both operands as arrays, except Python numbers, which NumPy treats as "weak": they
    take the other operand's dtype, as in Keras (``int32 tensor % 3`` stays int32)."""
    return _operand(x1), _operand(x2)


def _operand(x):
    if isinstance(x, (bool, int, float)):
        return x
    return array(x)


# --------------------------------------------------------------------------
# Exponentials, logarithms, roots (primitives, integers cast to floatx first)
# --------------------------------------------------------------------------


def exp(x):
    """Equations: y = e^x,  dy/dx = y"""
    return P.exp(floating(x))


def expm1(x):
    """Equations: y = e^x - 1 (exact near 0),  dy/dx = e^x"""
    return P.expm1(floating(x))


def log(x):
    """Equations: y = ln x,  dy/dx = 1 / x"""
    return P.log(floating(x))


def log1p(x):
    """Equations: y = ln(1 + x) (exact near 0),  dy/dx = 1 / (1 + x)"""
    return P.log1p(floating(x))


def sqrt(x):
    """Equations: y = sqrt(x),  dy/dx = 1 / (2 y)"""
    return P.sqrt(floating(x))


def tanh(x):
    """Equations: y = tanh(x),  dy/dx = 1 - y^2"""
    return P.tanh(floating(x))


def erf(x):
    """Equations: y = (2 / sqrt(pi)) int_0^x e^(-t^2) dt,  dy/dx = (2 / sqrt(pi)) e^(-x^2)"""
    return P.erf(floating(x))


# --------------------------------------------------------------------------
# Trigonometric and hyperbolic functions (primitives)
# --------------------------------------------------------------------------


def sin(x):
    """Equations: y = sin(x),  dy/dx = cos(x)"""
    return P.sin(floating(x))


def cos(x):
    """Equations: y = cos(x),  dy/dx = -sin(x)"""
    return P.cos(floating(x))


def tan(x):
    """Equations: y = tan(x),  dy/dx = 1 + y^2"""
    return P.tan(floating(x))


def arcsin(x):
    """Equations: y = arcsin(x) for |x| <= 1,  dy/dx = 1 / sqrt(1 - x^2)"""
    return P.arcsin(floating(x))


def arccos(x):
    """Equations: y = arccos(x) for |x| <= 1,  dy/dx = -1 / sqrt(1 - x^2)"""
    return P.arccos(floating(x))


def arctan(x):
    """Equations: y = arctan(x),  dy/dx = 1 / (1 + x^2)"""
    return P.arctan(floating(x))


def arctan2(x1, x2):
    """The angle of the point (x2, x1) in (-pi, pi].

    Equations: y = atan2(x1, x2),  dy/dx1 = x2 / (x1^2 + x2^2),  dy/dx2 = -x1 / (x1^2 + x2^2)
    """
    return P.arctan2(floating(x1), floating(x2))


def sinh(x):
    """Equations: y = (e^x - e^-x) / 2,  dy/dx = cosh(x)"""
    return P.sinh(floating(x))


def cosh(x):
    """Equations: y = (e^x + e^-x) / 2,  dy/dx = sinh(x)"""
    return P.cosh(floating(x))


def arcsinh(x):
    """Equations: y = log(x + sqrt(x^2 + 1)),  dy/dx = 1 / sqrt(x^2 + 1)"""
    return P.arcsinh(floating(x))


def arccosh(x):
    """Equations: y = log(x + sqrt(x^2 - 1)) for x >= 1,  dy/dx = 1 / sqrt(x^2 - 1)"""
    return P.arccosh(floating(x))


def arctanh(x):
    """Equations: y = log((1 + x) / (1 - x)) / 2 for |x| < 1,  dy/dx = 1 / (1 - x^2)"""
    return P.arctanh(floating(x))


# --------------------------------------------------------------------------
# Logarithms, roots, quotients (composites)
# --------------------------------------------------------------------------


def log2(x):
    """Equations: log2(x) = ln(x) / ln(2)"""
    return P.divide(P.log(floating(x)), math.log(2.0))


def log10(x):
    """Equations: log10(x) = ln(x) / ln(10)"""
    return P.divide(P.log(floating(x)), math.log(10.0))


def rsqrt(x):
    """Equations: rsqrt(x) = 1 / sqrt(x)"""
    return P.divide(1.0, P.sqrt(floating(x)))


def reciprocal(x):
    """Equations: reciprocal(x) = 1 / x"""
    return P.divide(1.0, floating(x))


def true_divide(x1, x2):
    """x1 / x2 as real numbers (integers become floatx first)."""
    return P.divide(floating(x1), floating(x2))


def mod(x1, x2):
    """The remainder of floor division, with the sign of ``x2`` (as NumPy and Keras).

    Equations:
        mod(x1, x2) = x1 - x2 * floor(x1 / x2)
        d/dx1 = 1,   d/dx2 = -floor(x1 / x2)    (floor is piecewise constant)
    """
    a, b = _arrays(x1, x2)
    if np.result_type(a, b).kind in "iub":
        return constant(np.mod(a, b))  # integers: no gradient
    x1, x2 = floating(x1), floating(x2)
    quotient = constant(np.floor_divide(x1.data, x2.data))  # (broadcast shape)
    return P.subtract(x1, P.multiply(x2, quotient))


def exp2(x):
    """Equations: exp2(x) = 2^x = e^(x ln 2)"""
    return P.exp(P.multiply(floating(x), math.log(2.0)))


def fabs(x):
    """|x| as a real number (integers become floatx, unlike ``abs``)."""
    return P.abs(floating(x))


def deg2rad(x):
    """Equations: rad = deg * pi / 180"""
    return P.multiply(floating(x), math.pi / 180.0)


def rad2deg(x):
    """Equations: deg = rad * 180 / pi"""
    return P.multiply(floating(x), 180.0 / math.pi)


def hypot(x1, x2):
    """Equations: hypot(x1, x2) = sqrt(x1^2 + x2^2)"""
    x1, x2 = floating(x1), floating(x2)
    return P.sqrt(P.add(P.multiply(x1, x1), P.multiply(x2, x2)))


def logaddexp(x1, x2):
    """log(e^x1 + e^x2) without overflow, with the true gradient at x1 = x2.

    Equations:
        logaddexp(x1, x2) = m + log(e^(x1 - m) + e^(x2 - m)),   m = max(x1, x2) (a constant)
        d/dx1 = e^x1 / (e^x1 + e^x2)
    """
    x1, x2 = floating(x1), floating(x2)
    m = constant(np.maximum(x1.data, x2.data))  # (broadcast shape)
    total = P.add(P.exp(P.subtract(x1, m)), P.exp(P.subtract(x2, m)))
    return P.add(P.log(total), m)


def divide_no_nan(x1, x2):
    """x1 / x2, and 0 where x2 == 0 (with a zero gradient there, never NaN).

    Equations:
        y = x1 / x2 if x2 != 0 else 0
    """
    x1, x2 = floating(x1), floating(x2)
    zero = x2.data == 0
    safe_x2 = P.where(zero, np.ones((), x2.dtype), x2)  # no 0 / 0 in forward or backward
    return P.where(zero, np.zeros((), x2.dtype), P.divide(x1, safe_x2))


# --------------------------------------------------------------------------
# Piecewise-constant functions: constants, no gradient
# --------------------------------------------------------------------------


def floor(x):
    """The largest integer <= x (as floatx for integer input, like Keras)."""
    return constant(np.floor(array(floating(x))))


def ceil(x):
    """The smallest integer >= x (as floatx for integer input, like Keras)."""
    return constant(np.ceil(array(floating(x))))


def round(x, decimals=0):
    """x rounded to ``decimals`` decimal places, halves to even (0.5 -> 0, 1.5 -> 2)."""
    return constant(np.round(array(x), decimals))


def sign(x):
    """-1, 0 or 1 with the sign of x (the dtype of x)."""
    return constant(np.sign(array(x)))


def floor_divide(x1, x2):
    """floor(x1 / x2), in the common dtype of x1 and x2."""
    a, b = _arrays(x1, x2)
    return constant(np.floor_divide(a, b))


def trunc(x):
    """x rounded towards zero (its own dtype)."""
    return constant(np.trunc(array(x)))


# --------------------------------------------------------------------------
# Comparisons, logic, tests: bool constants
# --------------------------------------------------------------------------


def _compare(numpy_fn, x1, x2):
    a, b = _arrays(x1, x2)
    return P.compare(numpy_fn, a, b)  # a graph-free node: compiled steps recompute it


def equal(x1, x2):
    """x1 == x2, element-wise (bool; the operands broadcast)."""
    return _compare(np.equal, x1, x2)


def not_equal(x1, x2):
    """x1 != x2, element-wise (bool)."""
    return _compare(np.not_equal, x1, x2)


def greater(x1, x2):
    """x1 > x2, element-wise (bool)."""
    return _compare(np.greater, x1, x2)


def greater_equal(x1, x2):
    """x1 >= x2, element-wise (bool)."""
    return _compare(np.greater_equal, x1, x2)


def less(x1, x2):
    """x1 < x2, element-wise (bool)."""
    return _compare(np.less, x1, x2)


def less_equal(x1, x2):
    """x1 <= x2, element-wise (bool)."""
    return _compare(np.less_equal, x1, x2)


def logical_and(x1, x2):
    """x1 and x2 (non-zero is true), element-wise (bool)."""
    return constant(np.logical_and(array(x1), array(x2)))


def logical_or(x1, x2):
    """x1 or x2 (non-zero is true), element-wise (bool)."""
    return constant(np.logical_or(array(x1), array(x2)))


def logical_xor(x1, x2):
    """Exactly one of x1 and x2 is true (non-zero), element-wise (bool)."""
    return constant(np.logical_xor(array(x1), array(x2)))


def logical_not(x):
    """not x (zero is false), element-wise (bool)."""
    return constant(np.logical_not(array(x)))


def isnan(x):
    """Whether each entry is NaN (bool)."""
    return constant(np.isnan(array(x)))


def isinf(x):
    """Whether each entry is +inf or -inf (bool)."""
    return constant(np.isinf(array(x)))


def isfinite(x):
    """Whether each entry is neither NaN nor infinite (bool)."""
    return constant(np.isfinite(array(x)))


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether |x1 - x2| <= atol + rtol |x2|, element-wise (bool)."""
    return constant(np.isclose(array(x1), array(x2), rtol=rtol, atol=atol, equal_nan=equal_nan))
