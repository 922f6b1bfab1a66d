"""Checks for layer constructor arguments, with Keras-style messages."""
import numbers


def positive_int(layer_name, argument, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(
            f"{layer_name}: {argument} must be a positive integer. Received: {argument}={value!r}"
        )
    return int(value)


def fraction(layer_name, argument, value, include_one=False):
    """A float in [0, 1) (or [0, 1] when ``include_one``)."""
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    inside = is_number and value >= 0 and (value <= 1 if include_one else value < 1)
    if not inside:
        interval = "[0, 1]" if include_one else "[0, 1)"
        raise ValueError(
            f"{layer_name}: {argument} must be a float in {interval}. Received: {argument}={value!r}"
        )
    return float(value)


def non_negative(layer_name, argument, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(
            f"{layer_name}: {argument} must be a non-negative number. "
            f"Received: {argument}={value!r}"
        )
    return float(value)
