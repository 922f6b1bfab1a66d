"""Learning-rate schedules (``keras.optimizers.schedules``)."""
from glassnet import serialization
from glassnet.optimizers.schedules.learning_rate_schedule import (
    CosineDecay,
    ExponentialDecay,
    InverseTimeDecay,
    LearningRateSchedule,
    PiecewiseConstantDecay,
    PolynomialDecay,
)

_SCHEDULES = {
    cls.__name__: cls
    for cls in (
        CosineDecay,
        ExponentialDecay,
        InverseTimeDecay,
        PiecewiseConstantDecay,
        PolynomialDecay,
    )
}


def serialize(schedule):
    """``{"module", "class_name", "config"}`` for a schedule."""
    return serialization.serialize(schedule)


def deserialize(config):
    """The schedule described by a ``serialize`` dict."""
    if not isinstance(config, dict):
        raise TypeError(
            "schedules.deserialize: expected a dict with 'class_name' and 'config'. "
            f"Received: config={config!r}"
        )
    table = {name.lower(): cls for name, cls in _SCHEDULES.items()}
    return serialization.lookup("learning rate schedule", config, table, _SCHEDULES)


__all__ = [
    "CosineDecay",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "deserialize",
    "serialize",
]
