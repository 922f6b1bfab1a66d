"""Batches as Keras passes them around: ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``.

``keras.utils.unpack_x_y_sample_weight`` and ``pack_x_y_sample_weight``, with Keras 3's
rules: a list counts as a tuple (so ``[x, y]`` is unpacked too), anything that is not a
tuple or list is ``x`` alone.
"""


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from a batch, with None for what the batch leaves out.

    ``x`` -> (x, None, None); ``(x,)`` -> (x, None, None); ``(x, y)`` -> (x, y, None);
    ``(x, y, sample_weight)`` as it is.  Lists are read as tuples, as in Keras 3.
    """
    if not isinstance(data, (tuple, list)):
        return data, None, None
    if not 1 <= len(data) <= 3:
        raise ValueError(
            "unpack_x_y_sample_weight: data must be `x`, `(x,)`, `(x, y)` or "
            f"`(x, y, sample_weight)`. Received: a {type(data).__name__} of length {len(data)}: "
            f"{_short(data)}"
        )
    x, y, sample_weight = (*data, None, None)[:3]
    return x, y, sample_weight


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The batch tuple ``fit`` reads: the inverse of ``unpack_x_y_sample_weight``.

    ``x`` alone stays unwrapped unless it is a tuple or list, which becomes ``(x,)``
    (otherwise its entries would be read as x and y); a given ``y`` gives ``(x, y)``,
    a given ``sample_weight`` ``(x, y, sample_weight)``.
    """
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return x, y
    return x, y, sample_weight


def _short(data, limit=200):
    text = repr(data)
    return text if len(text) <= limit else text[:limit] + "..."
