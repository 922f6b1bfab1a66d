"""Argument helpers shared by the layers that work on images (N, H, W, C)."""
from glassnet import validation
from glassnet.autodiff.sliding_windows import data_format, spatial_axes  # noqa: F401


def pairs(owner, name, value, dims=2):
    """Keras' three spellings of per-side sizes, as ((before, after),) * dims:
    an int n (all sides), one int per axis (both sides), or one (before, after) per axis."""
    if isinstance(value, (list, tuple)) and len(value) == dims:
        per_axis = [item if isinstance(item, (list, tuple)) else (item, item) for item in value]
    else:
        per_axis = [(value, value)] * dims
    try:
        sides = [validation.integer(owner, name, side) for a, b in per_axis for side in (a, b)]
    except (TypeError, ValueError):  # not ints, negative, or not pairs
        raise ValueError(
            f"{owner}: {name} must be an int, one int per spatial axis or one (before, after) "
            f"pair per axis, all >= 0. Received: {name}={value!r}"
        ) from None
    return tuple(zip(sides[0::2], sides[1::2]))
