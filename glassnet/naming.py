"""Keras' automatic names: ``dense``, ``dense_1``, ... per snake_case class name."""
import re

_counters = {}


def to_snake_case(name):
    """``BatchNormalization`` -> ``batch_normalization``, ``LeakyReLU`` -> ``leaky_re_lu``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base):
    """``base`` the first time, then ``base_1``, ``base_2``, ..."""
    count = _counters.get(base, 0)
    _counters[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def reset_names():
    """Forgets every counter (``backend.clear_session``)."""
    _counters.clear()
