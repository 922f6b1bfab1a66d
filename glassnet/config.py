"""Global numeric settings, as in ``keras.config``: floatx, epsilon, image format; and
glassnet's own: whether compiled steps keep their results independent of BLAS threads."""
import numpy as np

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_THREAD_INDEPENDENT = True


def floatx():
    """The default float type of weights and activations ("float32")."""
    return _FLOATX


def set_floatx(value):
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError(
            "set_floatx: expected one of 'float16', 'float32', 'float64'. "
            f"Received: value={value!r}"
        )
    _FLOATX = str(np.dtype(value))


def epsilon():
    """The fuzz factor used in losses and optimizers (1e-7)."""
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    return _IMAGE_DATA_FORMAT


def set_image_data_format(value):
    global _IMAGE_DATA_FORMAT
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            "set_image_data_format: expected 'channels_last' or 'channels_first'. "
            f"Received: value={value!r}"
        )
    _IMAGE_DATA_FORMAT = value


def thread_independent():
    """Whether compiled steps give the same bits with any BLAS thread count (True, the
    default; see ``glassnet.compiler.threads``)."""
    return _THREAD_INDEPENDENT


def set_thread_independent(value):
    """True: a matrix product whose result depends on the thread count always runs on one
    thread (the same bits on a busy or quiet machine, with any number of workers).
    False: it runs with the default number of threads, faster on a quiet machine, and its
    bits depend on that number (as in other frameworks), never on the load."""
    global _THREAD_INDEPENDENT
    if not isinstance(value, bool):
        raise TypeError(f"set_thread_independent: expected True or False. Received: {value!r}")
    _THREAD_INDEPENDENT = value
