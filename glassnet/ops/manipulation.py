"""Rearranging, cutting and gathering (``keras.ops.flip``, ``split``, ``tile``, ``slice``, ...).

All built from the primitives (reshape, transpose, getitem, take, take_along_axis,
broadcast_to, concatenate, where, scatter), so their gradients come for free: each entry of
the output is a copy of one entry of the input, and the gradient goes back to where it
was copied from (summed when it was copied more than once).
"""
import builtins

import numpy as np

from glassnet.autodiff import primitives as P
from glassnet.autodiff.tensor import Tensor, convert_to_tensor
from glassnet.ops.math import array, constant
from glassnet.ops.numpy import pad


def _axes(axis, ndim, name):
    """``axis`` (an int, a sequence or None for all) as a list of axes in [0, ndim)."""
    axes = range(ndim) if axis is None else np.atleast_1d(axis).tolist()
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(
                f"{name}: axis {a} is out of bounds for a tensor of rank {ndim}. "
                f"Received: axis={axis!r}"
            )
    return [a % ndim for a in axes]


# --------------------------------------------------------------------------
# Rearranging
# --------------------------------------------------------------------------


def ravel(x):
    """x flattened to one axis (row-major order)."""
    return P.reshape(x, (-1,))


def broadcast_to(x, shape):
    """x repeated along new leading axes and along its axes of size 1 to reach ``shape``.

    Equations:
        y = broadcast(x),   dL/dx = dL/dy summed over the broadcast axes
    """
    x = convert_to_tensor(x)
    try:
        np.broadcast_shapes(x.shape, tuple(shape))
    except ValueError:
        raise ValueError(
            f"broadcast_to: cannot broadcast a tensor of shape {x.shape} to shape "
            f"{tuple(shape)}."
        ) from None
    return P.broadcast_to(x, shape)


def swapaxes(x, axis1, axis2):
    """x with axes ``axis1`` and ``axis2`` interchanged."""
    x = convert_to_tensor(x)
    perm = list(range(x.ndim))
    a, b = _axes([axis1, axis2], x.ndim, "swapaxes")
    perm[a], perm[b] = perm[b], perm[a]
    return P.transpose(x, perm)


def moveaxis(x, source, destination):
    """x with the axes ``source`` moved to positions ``destination``, the others in order."""
    x = convert_to_tensor(x)
    source = _axes(source, x.ndim, "moveaxis")
    destination = _axes(destination, x.ndim, "moveaxis")
    if len(source) != len(destination):
        raise ValueError(
            "moveaxis: source and destination must have the same number of axes. "
            f"Received: source={source}, destination={destination}"
        )
    perm = [a for a in range(x.ndim) if a not in source]
    for dest, src in sorted(zip(destination, source)):
        perm.insert(dest, src)
    return P.transpose(x, perm)


def flip(x, axis=None):
    """x with the order of entries reversed along ``axis`` (all axes if None)."""
    x = convert_to_tensor(x)
    axes = _axes(axis, x.ndim, "flip")
    reverse, keep = builtins.slice(None, None, -1), builtins.slice(None)
    return x[tuple(reverse if a in axes else keep for a in range(x.ndim))]


def roll(x, shift, axis=None):
    """x with its entries shifted by ``shift`` along ``axis``, wrapping around (the
    flattened x if None).

    Equations:
        y_i = x_{(i - shift) mod n}
    """
    x = convert_to_tensor(x)
    if axis is None:
        return P.reshape(roll(ravel(x), shift, 0), x.shape)
    shifts = np.atleast_1d(shift).tolist()
    axes = _axes(axis, x.ndim, "roll")
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    for s, a in zip(shifts, axes):
        n = x.shape[a]
        x = P.take(x, (np.arange(n) - s) % n, axis=a)
    return x


def tile(x, repeats):
    """x repeated ``repeats[i]`` times along axis i (NumPy's rule for unequal lengths:
    ones are prepended to the shorter of x's shape and ``repeats``).

    Equations (one axis of size n, r copies):
        y_{k n + i} = x_i,   dL/dx_i = sum_k dL/dy_{k n + i}
    """
    x = convert_to_tensor(x)
    repeats = np.atleast_1d(repeats).tolist()
    ndim = len(repeats) if len(repeats) > x.ndim else x.ndim
    repeats = [1] * (ndim - len(repeats)) + repeats
    shape = (1,) * (ndim - x.ndim) + x.shape
    spread = [n for size in shape for n in (1, size)]  # (1, n1, 1, n2, ...)
    copies = [n for r, size in zip(repeats, shape) for n in (r, size)]  # (r1, n1, r2, n2, ...)
    y = P.broadcast_to(P.reshape(x, spread), copies)
    return P.reshape(y, [r * size for r, size in zip(repeats, shape)])


def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D tensors: output i holds x[i] along its own axis, repeated
    along the others; ``indexing="xy"`` (Cartesian) swaps the first two axes, "ij" does not.
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij'. Received: {indexing!r}")
    vectors = [ravel(v) for v in x]
    shape = [v.shape[0] for v in vectors]
    positions = list(range(len(vectors)))
    if indexing == "xy" and len(vectors) > 1:
        shape[0], shape[1] = shape[1], shape[0]
        positions[0], positions[1] = 1, 0
    grids = []
    for v, position in zip(vectors, positions):
        along = [1] * len(shape)
        along[position] = -1
        grids.append(P.broadcast_to(P.reshape(v, along), shape))  # (shape)
    return grids


def hstack(xs):
    """The tensors joined along axis 1 (axis 0 for 1-D tensors), as ``np.hstack``."""
    xs = [convert_to_tensor(x) for x in xs]
    return P.concatenate(xs, axis=0 if xs[0].ndim == 1 else 1)


def vstack(xs):
    """The tensors joined along axis 0, 1-D tensors as rows (as ``np.vstack``)."""
    xs = [convert_to_tensor(x) for x in xs]
    rows = [P.reshape(x, (1, -1)) if x.ndim < 2 else x for x in xs]  # (1, n) for 1-D
    return P.concatenate(rows, axis=0)


def copy(x):
    """A copy of x with its own memory (the gradient passes unchanged)."""
    return P.copy(x)


def ndim(x):
    """The number of axes of x (a Python int)."""
    return np.ndim(array(x))


def size(x):
    """The number of entries of x (a Python int)."""
    return int(np.size(array(x)))


def is_tensor(x):
    """Whether x is a glassnet Tensor (NumPy arrays are not)."""
    return isinstance(x, Tensor)


# --------------------------------------------------------------------------
# Cutting
# --------------------------------------------------------------------------


def split(x, indices_or_sections, axis=0):
    """A list of pieces of x along ``axis``: ``indices_or_sections`` equal pieces (an int),
    or cut before each of the given sorted indices."""
    x = convert_to_tensor(x)
    (axis,) = _axes(axis, x.ndim, "split")
    n = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0 or n % sections:
            raise ValueError(
                f"split: the axis of size {n} cannot be split into equal sections. "
                f"Received: indices_or_sections={sections}"
            )
        cuts = list(range(0, n, n // sections))[1:]
    else:
        cuts = [int(i) for i in np.asarray(array(indices_or_sections)).ravel()]
    bounds = [0] + cuts + [n]
    before = (builtins.slice(None),) * axis
    return [x[before + (builtins.slice(start, max(start, stop)),)]
            for start, stop in zip(bounds[:-1], bounds[1:])]


def unstack(x, num=None, axis=0):
    """The list of slices of x along ``axis`` (``num``, if given, must be its size)."""
    x = convert_to_tensor(x)
    (axis,) = _axes(axis, x.ndim, "unstack")
    n = x.shape[axis]
    if num is not None and num != n:
        raise ValueError(
            f"unstack: num must be the size of axis {axis} ({n}). Received: num={num}"
        )
    before = (builtins.slice(None),) * axis
    return [x[before + (i,)] for i in range(n)]


def nonzero(x):
    """The indices of the non-zero entries of x, one int32 tensor per axis."""
    return tuple(constant(i.astype("int32")) for i in np.nonzero(array(x)))


def _region(name, inputs, start_indices, sizes):
    """The tuple of slices covering ``sizes`` entries from ``start_indices`` on each axis."""
    starts = [int(s) for s in np.asarray(array(start_indices)).ravel()]
    sizes = [int(s) for s in sizes]
    fits = len(starts) == len(sizes) == inputs.ndim and all(
        start >= 0 and size >= 0 and start + size <= n
        for start, size, n in zip(starts, sizes, inputs.shape)
    )
    if not fits:
        raise ValueError(
            f"{name}: start_indices and the slice shape need one entry per axis of the "
            f"input, and the slice must fit inside it. Received: start_indices={starts}, "
            f"shape={tuple(sizes)} for an input of shape {inputs.shape}"
        )
    return tuple(builtins.slice(start, start + size) for start, size in zip(starts, sizes))


def slice(inputs, start_indices, shape):
    """The block of ``inputs`` of the given ``shape`` starting at ``start_indices``."""
    inputs = convert_to_tensor(inputs)
    shape = np.asarray(array(shape)).ravel().tolist()
    return inputs[_region("slice", inputs, start_indices, shape)]


def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block starting at ``start_indices`` replaced by ``updates``.

    Equations:
        y = updates inside the block, inputs outside;
        dL/dinputs = dL/dy outside the block (0 inside),  dL/dupdates = dL/dy[block]
    """
    inputs = convert_to_tensor(inputs)
    updates = P.cast(convert_to_tensor(updates), inputs.dtype)
    region = _region("slice_update", inputs, start_indices, updates.shape)
    widths = [(r.start, n - r.stop) for r, n in zip(region, inputs.shape)]
    inside = np.zeros(inputs.shape, dtype=bool)
    inside[region] = True
    return P.where(inside, pad(updates, widths), inputs)


# --------------------------------------------------------------------------
# Gathering and scattering
# --------------------------------------------------------------------------


def take_along_axis(x, indices, axis=None):
    """x's entries at integer ``indices`` along ``axis`` (of the flattened x if None);
    the other axes of x and indices broadcast.

    Equations:
        y[..., i, ...] = x[..., indices[..., i, ...], ...]
    """
    x = convert_to_tensor(x)
    indices = np.asarray(array(indices))
    if indices.dtype.kind not in "iu":
        raise TypeError(f"take_along_axis: indices must be integers. Received: {indices.dtype}")
    if axis is None:
        x, indices, axis = ravel(x), indices.ravel(), 0
    (axis,) = _axes(axis, x.ndim, "take_along_axis")
    if indices.ndim != x.ndim:
        raise ValueError(
            f"take_along_axis: indices must have the rank of x ({x.ndim}). "
            f"Received: indices.shape={indices.shape}"
        )
    shape = list(np.broadcast_shapes(_other_axes(x.shape, axis), _other_axes(indices.shape, axis)))
    x_shape, index_shape = list(shape), list(shape)
    x_shape[axis], index_shape[axis] = x.shape[axis], indices.shape[axis]
    if tuple(x_shape) != x.shape:
        x = P.broadcast_to(x, x_shape)
    return P.take_along_axis(x, np.broadcast_to(indices, index_shape), axis)


def _other_axes(shape, axis):
    """``shape`` with size 1 on ``axis`` (to broadcast the other axes only)."""
    return shape[:axis] + (1,) + shape[axis + 1:]


def _scatter_index(name, indices, shape):
    """Keras' (..., d) integer ``indices`` as NumPy's tuple of d index arrays."""
    indices = np.asarray(array(indices))
    if indices.dtype.kind not in "iu" or indices.ndim < 1 or indices.shape[-1] > len(shape):
        raise ValueError(
            f"{name}: indices must be integers of shape (N, d) with d <= rank {len(shape)}. "
            f"Received: indices.shape={indices.shape}, dtype={indices.dtype}"
        )
    return tuple(np.moveaxis(indices, -1, 0))


def scatter(indices, values, shape):
    """A tensor of ``shape``, zero except at ``indices``, where ``values`` are added (values
    at a repeated index add up).

    Equations:
        y[indices[n]] = sum of values[n'] over the n' with indices[n'] = indices[n]
        dL/dvalues[n] = dL/dy[indices[n]]
    """
    shape = tuple(int(n) for n in shape)
    return P.scatter(_scatter_index("scatter", indices, shape), values, shape)


def scatter_update(inputs, indices, updates, reduction=None):
    """``inputs`` with ``updates`` written at ``indices`` (``reduction=None``: the last
    write to a repeated index wins; ``"add"``: updates are added to inputs)."""
    inputs = convert_to_tensor(inputs)
    index = _scatter_index("scatter_update", indices, inputs.shape)
    updates = P.cast(convert_to_tensor(updates), inputs.dtype)
    if reduction is None:
        return P.scatter_update(inputs, index, updates)
    if reduction == "add":
        return P.add(inputs, P.scatter(index, updates, inputs.shape))
    raise ValueError(
        "scatter_update: glassnet supports reduction=None and reduction='add'. "
        f"Received: reduction={reduction!r}"
    )


def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` is true, else ``x2`` (broadcast together); with only a
    condition, the indices of its true entries, one int32 tensor per axis.

    Equations:
        y = condition ? x1 : x2,  dL/dx1 = dL/dy where condition, dL/dx2 = dL/dy elsewhere
    """
    if x1 is None and x2 is None:
        return nonzero(condition)
    if x1 is None or x2 is None:
        raise ValueError(
            "where: give both x1 and x2, or neither (for the indices of the true entries). "
            f"Received: x1={'None' if x1 is None else 'a value'}, "
            f"x2={'None' if x2 is None else 'a value'}"
        )
    condition = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    x1, x2 = _weak_scalars(x1, x2)
    return P.where(condition.astype(bool, copy=False), x1, x2)


def _weak_scalars(x1, x2):
    """A Python number next to a tensor takes the tensor's dtype (Keras' weak types), so
    ``where(c, float32_array, 0)`` stays float32; a float next to integers is floatx."""
    def weak(number, other):
        if not isinstance(number, (bool, int, float)) or isinstance(other, (bool, int, float)):
            return number
        other = other.data if isinstance(other, Tensor) else np.asarray(other)
        if isinstance(number, float) and other.dtype.kind != "f":
            return convert_to_tensor(number)  # floatx
        return np.asarray(number, dtype=other.dtype)

    return weak(x1, x2), weak(x2, x1)
