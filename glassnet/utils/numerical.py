"""to_categorical and normalize (``keras.utils``)."""
import numpy as np


def to_categorical(x, num_classes=None):
    """Class indices -> one-hot rows (float64, as Keras 3 returns).

    A trailing axis of size 1 is dropped first; ``num_classes`` defaults to max + 1.
    """
    x = np.asarray(x)
    if x.dtype.kind == "f" and not np.all(np.mod(x, 1) == 0):
        raise ValueError("to_categorical: labels must be whole numbers. Received: float labels")
    x = x.astype(np.int64)
    if x.ndim > 1 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    if x.size and x.min() < 0:
        raise ValueError(f"to_categorical: labels must be >= 0. Received: a label {x.min()}")
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    elif x.size and x.max() >= num_classes:
        raise ValueError(
            f"to_categorical: label {x.max()} is out of range for num_classes={num_classes}."
        )
    categorical = np.zeros(x.shape + (num_classes,), dtype=np.float64)
    np.put_along_axis(categorical, x[..., None], 1.0, axis=-1)
    return categorical


def normalize(x, axis=-1, order=2):
    """x / ||x||_order along ``axis`` (zero norms are left as they are)."""
    x = np.asarray(x)
    norms = np.atleast_1d(np.linalg.norm(x, ord=order, axis=axis))
    norms[norms == 0] = 1
    return x / np.expand_dims(norms, axis)
