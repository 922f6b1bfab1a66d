"""Image geometry (``keras.ops.image``): resizing and affine/projective warps of images.

Both functions take one image (H, W, C) or a batch (N, H, W, C) ("channels_first": (C, H, W)
or (N, C, H, W)). Each is split in two:

1. *where to sample*, plain NumPy on coordinates only: for every output pixel, the input
   pixels it reads ("taps") and their weights -- no loop over pixels, whole arrays at once;
2. *sampling*, composed from differentiable primitives (take = gather, multiply, sum), so
   the gradient reaches the images for free: dL/dx scatters each output gradient back to
   the taps it was read from, times their weights. The positions are data, not
   differentiated; ``affine_transform`` plans them in one ``tracing.host`` step, so a
   compiled step plans them again for each batch's transforms (``resize``'s depend on
   the shapes only).

Coordinates: pixel (i, j) of an image is the point (x, y) = (j, i), x to the right, y down;
pixel centres sit at integers. They are computed in the images' float dtype (float32 by
default, as TensorFlow does).
"""
import numpy as np

from glassnet import config, validation
from glassnet.autodiff import primitives as P
from glassnet.autodiff import tracing
from glassnet.autodiff.tensor import Tensor, convert_to_tensor
from glassnet.ops.numpy import pad

INTERPOLATIONS = ("bilinear", "nearest")
FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_FAR = 1e9  # coordinates are clipped to +-_FAR before floor(), to stay within int32


# --------------------------------------------------------------------------
# resize
# --------------------------------------------------------------------------


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resizes images to ``size = (height, width)``, as ``tf.image.resize`` does (TF2).

    Equations (one axis: input size n, output size m, scale s = n / m; half-pixel centres,
    no antialiasing; the two axes are done one after the other, which is exact):
        "bilinear":  u   = max((o + 0.5) * s - 0.5, 0)      source position of output o
                     i0  = floor(u),  i1 = min(i0 + 1, n - 1),  t = u - i0
                     y_o = (1 - t) * x[i0] + t * x[i1]
        "nearest":   y_o = x[min(floor((o + 0.5) * s), n - 1)]
    PyTorch's ``F.interpolate(mode="bilinear", align_corners=False)`` and
    ``mode="nearest-exact"`` compute the same sampling.

    ``crop_to_aspect_ratio=True`` first cuts the largest centred window with the target's
    aspect ratio; ``pad_to_aspect_ratio=True`` first pads the short side evenly with
    ``fill_value`` (``fill_mode`` "constant"); then the window is resized.
    """
    owner = "resize"
    height, width = _size(owner, size)
    validation.one_of(owner, "interpolation", interpolation, INTERPOLATIONS)
    validation.one_of(owner, "fill_mode", fill_mode, ("constant",))
    if antialias:
        raise ValueError(f"{owner}: antialias=True is not supported. Received: antialias=True")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(
            f"{owner}: only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be True. "
            f"Received: crop_to_aspect_ratio={crop_to_aspect_ratio!r}, "
            f"pad_to_aspect_ratio={pad_to_aspect_ratio!r}"
        )
    x, restore = _as_batch(owner, images, data_format)  # (N, H, W, C)
    if crop_to_aspect_ratio:
        top, left, rows, cols = crop_box(x.shape[1], x.shape[2], height, width)
        x = x[:, top:top + rows, left:left + cols, :]  # (N, rows, cols, C)
    if pad_to_aspect_ratio:
        x = _pad_to_aspect_ratio(x, height, width, fill_value)
    x = _resize_axis(x, 1, height, interpolation)  # (N, height, W, C)
    x = _resize_axis(x, 2, width, interpolation)  # (N, height, width, C)
    return restore(x)


def crop_box(in_height, in_width, height, width):
    """(top, left, rows, cols): the largest centred window of an (in_height, in_width) image
    with the aspect ratio height : width (Keras' rounding: truncate, at least 1 pixel)."""
    rows = min(in_height, max(int(float(in_width * height) / width), 1))
    cols = min(in_width, max(int(float(in_height * width) / height), 1))
    return (in_height - rows) // 2, (in_width - cols) // 2, rows, cols


def _pad_to_aspect_ratio(x, height, width, fill_value):
    """Pads the short side of (N, H, W, C) images evenly (the same amount on both sides)."""
    in_height, in_width = x.shape[1], x.shape[2]
    rows = max(in_height, int(float(in_width * height) / width))
    cols = max(in_width, int(float(in_height * width) / height))
    top, left = (rows - in_height) // 2, (cols - in_width) // 2
    if top == 0 and left == 0:
        return x
    return pad(x, ((0, 0), (top, top), (left, left), (0, 0)), constant_values=fill_value)


def _resize_axis(x, axis, size, interpolation):
    """Resizes ``x`` along one axis: a gather of the taps, weighted and summed."""
    n = x.shape[axis]
    if n == size:
        return x  # scale 1: every output reads exactly its own pixel
    indices, weights = _resize_taps(n, size, interpolation, x.dtype)  # (K, size) each
    if len(indices) == 1:
        return P.take(x, indices[0], axis=axis)
    gathered = P.take(x, indices, axis=axis)  # (..., K, size, ...)
    shape = [1] * gathered.ndim
    shape[axis:axis + 2] = weights.shape  # K and size, broadcast over the other axes
    return P.sum(P.multiply(gathered, weights.reshape(shape)), axis=axis)


def _resize_taps(n, m, interpolation, dtype):
    """Input indices and weights, (K, m) each, for resizing one axis from n to m pixels."""
    scale = np.asarray(n, dtype) / np.asarray(m, dtype)
    o = np.arange(m, dtype=dtype)
    if interpolation == "nearest":
        i = np.minimum(np.floor((o + dtype.type(0.5)) * scale).astype(np.int64), n - 1)
        return i[None], np.ones((1, m), dtype)
    u = np.maximum((o + dtype.type(0.5)) * scale - dtype.type(0.5), 0)
    i0 = np.floor(u).astype(np.int64)
    t = u - i0
    i1 = np.minimum(i0 + 1, n - 1)
    return np.stack([i0, i1]), np.stack([1 - t, t]).astype(dtype)


# --------------------------------------------------------------------------
# affine_transform
# --------------------------------------------------------------------------


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Warps images by projective transforms (Keras' ``ops.image.affine_transform``).

    ``transform`` is [a0, a1, a2, b0, b1, b2, c0, c1] (one for all images) or one such row
    per image, (N, 8). It maps each OUTPUT pixel (x, y) to the INPUT point it shows:
        k  = c0 * x + c1 * y + 1
        x' = (a0 * x + a1 * y + a2) / k,     y' = (b0 * x + b1 * y + b2) / k
    (rotation, translation and zoom are special cases: c0 = c1 = 0). The output has the
    input's size: out(x, y) = I~(x', y'), where I~ is the input image I extended beyond its
    edges by ``fill_mode``, then interpolated:
        "reflect"   (d c b a | a b c d | d c b a)   mirrored about the edge of the last pixel
        "wrap"      (a b c d | a b c d | a b c d)   periodic
        "nearest"   (a a a a | a b c d | d d d d)   the edge pixel repeated
        "constant"  (k k k k | a b c d | k k k k)   k = fill_value
        "bilinear": i0 = floor(y'), s = y' - i0,  j0 = floor(x'), t = x' - j0
                    I~(x', y') = (1 - s) (1 - t) I_ext[i0, j0]  + (1 - s) t I_ext[i0, j0 + 1]
                               + s (1 - t) I_ext[i0 + 1, j0]    + s t I_ext[i0 + 1, j0 + 1]
        "nearest":  I~(x', y') = I_ext[floor(y' + 0.5), floor(x' + 0.5)]
    Points with k = 0 (at infinity) take fill_value.

    This samples as ``scipy.ndimage.map_coordinates`` (order 1 or 0; modes "reflect",
    "grid-wrap", "nearest", "grid-constant") -- Keras' reference for this op -- and as
    PyTorch's ``grid_sample`` (align_corners=False; padding "reflection", "border", "zeros"
    for reflect, nearest, constant 0; it rounds halves to even). TensorFlow's kernel agrees
    for "reflect" and "nearest"; it differs for "constant" (a point outside [0, n - 1] takes
    k without blending with the edge pixel) and "wrap" (its period formula breaks for
    shifts of n - 1 pixels or more).
    """
    owner = "affine_transform"
    validation.one_of(owner, "interpolation", interpolation, INTERPOLATIONS)
    validation.one_of(owner, "fill_mode", fill_mode, FILL_MODES)
    fill_value = validation.real(owner, "fill_value", fill_value)
    x, restore = _as_batch(owner, images, data_format)  # (N, H, W, C)
    n, height, width, channels = x.shape
    _check_transform(owner, transform, n)
    flat, weights, minus_fill = _sampling_plan(transform, x.shape, x.dtype, interpolation,
                                               fill_mode, fill_value)

    sources = P.reshape(x, (n * height * width, channels))  # one row per input pixel
    gathered = P.take(sources, flat, axis=0)  # (K, N, H, W, C)
    out = P.sum(P.multiply(gathered, weights), axis=0)  # (N, H, W, C)
    if minus_fill is not None:  # the taps outside read fill_value
        out = P.subtract(out, minus_fill)  # (N, H, W, 1) broadcast over C
    return restore(out)


@tracing.host  # where to sample: a compiled step plans it again for each batch's transforms
def _sampling_plan(transform, shape, dtype, interpolation, fill_mode, fill_value):
    """Everything the sampling reads, as plain arrays in their final form:
    flat (K, N, H, W) indices into the (N * H * W, C) pixels, their weights (K, N, H, W, 1),
    and minus the fill term, -fill_value * (weight of the taps that read it), (N, H, W, 1)
    (None when fill_value is 0).

    The fill term is subtracted, negated: x - (-f) is x + f bit for bit, and x - 0 is x
    bit for bit (x + 0 would turn -0.0 into 0.0), so the images no tap of which leaves the
    image come out exactly as without the term; the program has the same ops whether or
    not a batch's transforms reach outside."""
    n, height, width = shape[:3]
    rows = _transform_rows(transform, n, dtype)  # (N, 8)
    xs, ys = source_coordinates(rows, height, width)  # (N, H, W) each
    far = ~(np.isfinite(xs) & np.isfinite(ys))  # k = 0: the point is at infinity
    taps_y = _taps(np.where(far, 0, ys), height, interpolation, fill_mode)
    taps_x = _taps(np.where(far, 0, xs), width, interpolation, fill_mode)
    flat, weights, outside = _corners(taps_y, taps_x, height, width, ~far)  # (K, N, H, W)
    weights = weights[..., None]  # (K, N, H, W, 1): broadcast over C
    if fill_value == 0:
        return flat, weights, None
    if outside is None:  # every tap reads the image
        return flat, weights, np.zeros((n, height, width, 1), dtype)
    rest = fill_value * np.sum(outside, axis=0)[..., None]  # (N, H, W, 1)
    return flat, weights, -rest.astype(dtype)


def source_coordinates(rows, height, width):
    """(x', y'), (N, height, width) each: the input point each output pixel shows."""
    dtype = rows.dtype
    y, x = np.meshgrid(np.arange(height, dtype=dtype), np.arange(width, dtype=dtype),
                       indexing="ij")  # (H, W) each
    a0, a1, a2, b0, b1, b2, c0, c1 = (rows[:, i, None, None] for i in range(8))  # (N, 1, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = c0 * x + c1 * y + 1
        xs = (a0 * x + a1 * y + a2) / k
        ys = (b0 * x + b1 * y + b2) / k
    return xs, ys  # (N, H, W) each


def _taps(coordinates, n, interpolation, fill_mode):
    """1-D taps along one axis of n pixels: indices in [0, n), weights, and whether each
    tap lies inside the image (None when all count as inside: the modes other than
    "constant" read an extended image)."""
    c = np.clip(coordinates, -_FAR, _FAR)
    if interpolation == "nearest":
        raw = np.floor(c + 0.5).astype(np.int32)[None]  # (1, ...)
        weights = np.ones_like(c)[None]
    else:
        i0 = np.floor(c)
        t = c - i0
        raw = np.stack([i0, i0 + 1]).astype(np.int32)  # (2, ...)
        weights = np.stack([1 - t, t])
    inside = (raw >= 0) & (raw < n) if fill_mode == "constant" else None  # None: all
    return _extend(raw, n, fill_mode), weights, inside


def _extend(i, n, fill_mode):
    """Index of x_ext[i] in the image, for the extension chosen by fill_mode.

    The map is tabulated over the range of ``i`` and looked up (faster than the modulo on
    every tap, which it equals)."""
    low, high = int(i.min()), int(i.max())
    if low >= 0 and high < n:
        return i  # every tap inside the image
    if high - low >= i.size:
        return _extension(i, n, fill_mode)
    table = _extension(np.arange(low, high + 1, dtype=i.dtype), n, fill_mode)
    return table[i - low]


def _extension(i, n, fill_mode):
    if fill_mode == "reflect":  # period 2n: 0 1 .. n-1 n-1 .. 1 0
        m = np.mod(i, 2 * n)
        return np.where(m < n, m, 2 * n - 1 - m)
    if fill_mode == "wrap":
        return np.mod(i, n)
    return np.clip(i, 0, n - 1)  # "nearest"; for "constant", any index (its weight is unused)


def _corners(taps_y, taps_x, height, width, finite):
    """Flat input indices (image, row, column) of every 2-D tap, its weight when it reads
    the image, and its weight when it reads fill_value instead (None if no tap does):
    (K, N, H, W) each."""
    rows, weights_y, inside_y = taps_y  # (Ky, N, H, W) each
    cols, weights_x, inside_x = taps_x
    index_type = np.int32 if rows.shape[1] * height * width < 2**31 else np.int64
    image = np.arange(rows.shape[1], dtype=index_type).reshape(-1, 1, 1)  # (N, 1, 1)
    flat = (image * height + rows[:, None]) * width + cols[None, :]  # (Ky, Kx, N, H, W)
    weights = weights_y[:, None] * weights_x[None, :]  # (Ky, Kx, N, H, W)
    shape = (flat.shape[0] * flat.shape[1],) + flat.shape[2:]  # (K, N, H, W)
    reads_image = finite if inside_y is None else inside_y[:, None] & inside_x[None, :] & finite
    if reads_image.all():
        return flat.reshape(shape), weights.reshape(shape), None
    reads_image = np.broadcast_to(reads_image, weights.shape)
    return (flat.reshape(shape), np.where(reads_image, weights, 0).reshape(shape),
            np.where(reads_image, 0, weights).reshape(shape))


def _check_transform(owner, transform, n):
    shape = np.shape(transform.data if isinstance(transform, Tensor) else transform)
    if len(shape) == 1:
        shape = (1,) + shape
    if len(shape) != 2 or shape[1] != 8 or shape[0] not in (1, n):
        raise ValueError(
            f"{owner}: transform must have shape (8,) or (N, 8), N = {n} images. "
            f"Received: transform.shape={np.shape(transform)}"
        )


def _transform_rows(transform, n, dtype):
    """The transforms as (N, 8) rows of ``dtype`` (one row is shared by all images)."""
    rows = np.asarray(transform.data if isinstance(transform, Tensor) else transform)
    if rows.ndim == 1:
        rows = rows[None]  # (1, 8)
    return np.broadcast_to(rows.astype(dtype), (n, 8))


# --------------------------------------------------------------------------
# shapes
# --------------------------------------------------------------------------


def _size(owner, size):
    try:
        height, width = size
    except (TypeError, ValueError):
        height = width = None
    ok = all(validation._is_dim(d, 1, False) for d in (height, width))
    if not ok:
        raise ValueError(
            f"{owner}: size must be a pair of positive integers (height, width). "
            f"Received: size={size!r}"
        )
    return int(height), int(width)


def _as_batch(owner, images, data_format):
    """``images`` as a float (N, H, W, C) Tensor, and the function that undoes the change."""
    data_format = config.image_data_format() if data_format is None else data_format
    validation.one_of(owner, "data_format", data_format, ("channels_last", "channels_first"))
    x = convert_to_tensor(images)
    if x.dtype.kind != "f":
        x = P.cast(x, config.floatx())
    if x.ndim not in (3, 4):
        raise ValueError(
            f"{owner}: images must be one image (rank 3) or a batch of images (rank 4). "
            f"Received: images.shape={x.shape}"
        )
    single = x.ndim == 3
    if single:
        x = P.reshape(x, (1,) + x.shape)  # (1, H, W, C)
    first = data_format == "channels_first"
    if first:
        x = P.transpose(x, (0, 2, 3, 1))  # (N, C, H, W) -> (N, H, W, C)

    def restore(y):
        if first:
            y = P.transpose(y, (0, 3, 1, 2))  # (N, H, W, C) -> (N, C, H, W)
        return P.reshape(y, y.shape[1:]) if single else y

    return x, restore
