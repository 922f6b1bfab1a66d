"""Products, diagonals and norms (``keras.ops.einsum``, ``tensordot``, ``trace``, ``norm``...).

``einsum`` is a primitive (its gradient is an einsum too); ``tensordot``, ``outer`` and
``vdot`` are einsums; diagonals are gathers (take), triangles a ``where``, norms composed
of sums, maxima and (for the spectral and nuclear norms) the singular-value primitive.
Mixed integer and float operands compute in the float dtype, as in Keras.
"""
import string

import numpy as np

from glassnet.autodiff import primitives as P
from glassnet.autodiff.tensor import convert_to_tensor
from glassnet.ops.manipulation import moveaxis, ravel
from glassnet.ops.math import constant, floating
from glassnet.ops.reduction import accumulator


def _common_dtype(*xs):
    """The tensors cast to one dtype: the float one if any is float (Keras' promotion)."""
    xs = [convert_to_tensor(x) for x in xs]
    floats = [x.dtype for x in xs if x.dtype.kind == "f"]
    dtype = np.result_type(*floats) if floats else np.result_type(*[x.dtype for x in xs])
    return [P.cast(x, dtype) for x in xs]


# --------------------------------------------------------------------------
# Products
# --------------------------------------------------------------------------


def einsum(subscripts, *operands, **kwargs):
    """Einstein summation: the product of the operands, summed over every letter of
    ``subscripts`` missing from the output ("ij,jk->ik" is a matrix product).  Implicit
    outputs ("ij,jk": the letters used once, sorted) and ellipses ("...ij") are accepted.

    Equations:
        out[out letters] = sum over the other letters of prod_i operand_i[letters_i]
    """
    operands = _common_dtype(*operands)
    explicit = _explicit_subscripts(subscripts, [x.ndim for x in operands])
    return P.einsum(explicit, *operands)


def _explicit_subscripts(subscripts, ranks):
    """``subscripts`` with '->' and without '...' (spelled out with unused letters)."""
    spec = subscripts.replace(" ", "")
    inputs, arrow, output = spec.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(ranks):
        raise ValueError(
            f"einsum: {len(terms)} operand subscripts for {len(ranks)} operands. "
            f"Received: subscripts={subscripts!r}"
        )
    letters = [t.replace("...", "") for t in terms]
    spare = [c for c in string.ascii_letters if c not in spec]
    widths = [rank - len(t) for rank, t in zip(ranks, letters)]
    width = max([0] + widths)
    ellipsis = "".join(spare[:width])
    terms = [t.replace("...", ellipsis[width - w:]) for t, w in zip(terms, widths)]
    if not arrow:
        joined = "".join(letters)
        output = "..." + "".join(sorted(c for c in set(joined) if joined.count(c) == 1))
    output = output.replace("...", ellipsis)
    for term, rank in zip(terms, ranks):
        if len(term) != rank or len(set(term)) != len(term):
            raise ValueError(
                f"einsum: each operand needs one distinct letter per axis (repeated letters, "
                f"diagonals, are not supported: use diagonal/trace). Received: "
                f"subscripts={subscripts!r} for operands of ranks {ranks}"
            )
    return ",".join(terms) + "->" + output


def tensordot(x1, x2, axes=2):
    """The sum of products over ``axes``: the last ``axes`` axes of x1 with the first of x2
    (an int), or the axes listed in a pair ``(axes_of_x1, axes_of_x2)``.

    Equations:
        out[i..., k...] = sum_{j...} x1[i..., j...] x2[j..., k...]
    """
    x1, x2 = _common_dtype(x1, x2)
    if isinstance(axes, (int, np.integer)):
        axes1, axes2 = list(range(x1.ndim - axes, x1.ndim)), list(range(axes))
    else:
        axes1, axes2 = (np.atleast_1d(a).tolist() for a in axes)
    axes1, axes2 = [a % x1.ndim for a in axes1], [a % x2.ndim for a in axes2]
    letters = iter(string.ascii_letters)
    sub1 = [next(letters) for _ in range(x1.ndim)]
    sub2 = [next(letters) for _ in range(x2.ndim)]
    for a, b in zip(axes1, axes2):
        sub2[b] = sub1[a]  # the contracted axes share a letter
    out = [c for i, c in enumerate(sub1) if i not in axes1]
    out += [c for i, c in enumerate(sub2) if i not in axes2]
    return P.einsum("".join(sub1) + "," + "".join(sub2) + "->" + "".join(out), x1, x2)


def outer(x1, x2):
    """The outer product of the flattened x1 and x2: out[i, j] = x1_i x2_j."""
    x1, x2 = _common_dtype(x1, x2)
    return P.einsum("i,j->ij", ravel(x1), ravel(x2))


def vdot(x1, x2):
    """The dot product of the flattened x1 and x2: sum_i x1_i x2_i."""
    x1, x2 = _common_dtype(x1, x2)
    return P.einsum("i,i->", ravel(x1), ravel(x2))


def inner(x1, x2):
    """The sum of products over the last axes: out[i..., j...] = sum_k x1[i..., k] x2[j..., k]
    (a product when either is a scalar)."""
    x1, x2 = _common_dtype(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return P.multiply(x1, x2)
    return tensordot(x1, x2, axes=([-1], [-1]))


# --------------------------------------------------------------------------
# Diagonals and triangles
# --------------------------------------------------------------------------


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The entries x[.., i, .., i + offset, ..] of the (axis1, axis2) planes, on a new last
    axis (NumPy's layout)."""
    x = convert_to_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"diagonal: x must have rank >= 2. Received: x.shape={x.shape}")
    planes = moveaxis(x, [axis1, axis2], [-2, -1])  # (..., n, m)
    n, m = planes.shape[-2:]
    rows = np.arange(max(0, -offset), min(n, m - offset))
    flat = P.reshape(planes, planes.shape[:-2] + (n * m,))  # (..., n * m)
    return P.take(flat, rows * m + rows + offset, axis=-1)  # (..., k)


def trace(x, offset=0, axis1=0, axis2=1):
    """The sum of the diagonal entries (see ``diagonal``): sum_i x[i, i + offset]."""
    return P.sum(diagonal(accumulator(x), offset, axis1, axis2), axis=-1)


def diag(x, k=0):
    """For a 1-D x, the square matrix with x on diagonal k and zeros elsewhere; for a
    2-D x, its diagonal k."""
    x = convert_to_tensor(x)
    if x.ndim == 2:
        return diagonal(x, k)
    if x.ndim != 1:
        raise ValueError(f"diag: x must be 1-D or 2-D. Received: x.shape={x.shape}")
    n = x.shape[0]
    size = n + abs(k)
    rows, cols = np.indices((size, size))
    on_diagonal = cols - rows == k
    source = np.where(on_diagonal, np.minimum(rows, cols), n)  # n: the appended zero
    padded = P.concatenate([x, constant(np.zeros(1, dtype=x.dtype))], axis=0)  # (n + 1,)
    return P.take(padded, source, axis=0)  # (size, size)


def _triangle(x, mask):
    x = convert_to_tensor(x)
    return P.where(mask, x, constant(np.zeros((), dtype=x.dtype)))


def tril(x, k=0):
    """x with the entries above diagonal k of the last two axes set to zero."""
    x = convert_to_tensor(x)
    return _triangle(x, np.tri(*x.shape[-2:], k=k, dtype=bool))


def triu(x, k=0):
    """x with the entries below diagonal k of the last two axes set to zero."""
    x = convert_to_tensor(x)
    return _triangle(x, ~np.tri(*x.shape[-2:], k=k - 1, dtype=bool))


# --------------------------------------------------------------------------
# Norms
# --------------------------------------------------------------------------


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector norms (``axis`` an int) and matrix norms (``axis`` a pair); with axis None,
    the 2-norm of the flattened x if ord is None, else x must be 1-D or 2-D.

    Equations (vector):  ord=p: (sum_i |x_i|^p)^(1/p)   (None: p = 2), inf: max_i |x_i|,
                         -inf: min_i |x_i|,  0: the number of non-zero entries (a count:
                         no gradient)
    Equations (matrix):  "fro"/None: sqrt(sum_ij x_ij^2),  "nuc": sum of singular values,
                         2 / -2: largest / smallest singular value,
                         1 / -1: max / min column sum of |x|,  inf / -inf: the same for rows
    """
    x = floating(x)
    if axis is None:
        if ord is None:
            out = _vector_norm(ravel(x), None, 0)
            return P.reshape(out, (1,) * x.ndim if keepdims else ())
        if x.ndim not in (1, 2):
            raise ValueError(
                "norm: with axis=None and an ord, x must be 1-D or 2-D. "
                f"Received: x.shape={x.shape}, ord={ord!r}"
            )
        axis = tuple(range(x.ndim))
    axes = tuple(a % x.ndim for a in np.atleast_1d(axis).tolist())
    if len(axes) == 1:
        out = _vector_norm(x, ord, axes[0])
    elif len(axes) == 2:
        out = _matrix_norm(x, ord, axes)
    else:
        raise ValueError(f"norm: axis must be an int or a pair of ints. Received: axis={axis}")
    return out if keepdims else P.reshape(out, [n for i, n in enumerate(out.shape)
                                                if i not in axes])


def _vector_norm(x, ord, axis):
    """The norm along ``axis``, keeping it (size 1)."""
    if ord is None or ord == 2:
        return P.sqrt(P.sum(P.multiply(x, x), axis=axis, keepdims=True))
    if isinstance(ord, str):
        raise ValueError(f"norm: invalid ord {ord!r} for a vector norm.")
    magnitude = P.abs(x)
    if ord == np.inf:
        return P.max(magnitude, axis=axis, keepdims=True)
    if ord == -np.inf:
        return P.negative(P.max(P.negative(magnitude), axis=axis, keepdims=True))
    if ord == 0:
        count = np.count_nonzero(x.data, axis=axis, keepdims=True)
        return constant(count.astype(x.dtype))
    if ord == 1:
        return P.sum(magnitude, axis=axis, keepdims=True)
    total = P.sum(P.power(magnitude, float(ord)), axis=axis, keepdims=True)
    return P.power(total, 1.0 / ord)


def _matrix_norm(x, ord, axes):
    """The norm over the two ``axes``, keeping them (size 1)."""
    rows, cols = axes
    if ord is None or ord == "fro":
        return P.sqrt(P.sum(P.multiply(x, x), axis=axes, keepdims=True))
    if ord in ("nuc", 2, -2):
        singular = P.singular_values(moveaxis(x, [rows, cols], [-2, -1]))  # (..., k)
        if ord == "nuc":
            picked = P.sum(singular, axis=-1)
        elif ord == 2:
            picked = P.max(singular, axis=-1)
        else:
            picked = P.negative(P.max(P.negative(singular), axis=-1))
        shape = [1 if i in axes else n for i, n in enumerate(x.shape)]
        return P.reshape(picked, shape)
    if ord in (1, -1, np.inf, -np.inf):
        summed_axis, kept_axis = (rows, cols) if ord in (1, -1) else (cols, rows)
        sums = P.sum(P.abs(x), axis=summed_axis, keepdims=True)
        if ord > 0:
            return P.max(sums, axis=kept_axis, keepdims=True)
        return P.negative(P.max(P.negative(sums), axis=kept_axis, keepdims=True))
    raise ValueError(f"norm: invalid ord {ord!r} for a matrix norm.")
