"""Learning-rate schedules: eta as a function of the optimizer step.

An optimizer built with a schedule evaluates ``eta = schedule(step)`` once per
``apply``, where ``step`` is ``optimizer.iterations``, the number of steps already
completed (0 on the first update).  As in Keras, every schedule computes in
float32 (the dtype of a Python-float ``initial_learning_rate``) and returns a
float32 NumPy scalar.
"""
import math

import numpy as np

from glassnet.autodiff import convert_to_numpy

_DTYPE = np.float32


def _as_step(step):
    """The step (an int, array, Tensor or the ``iterations`` Variable) as a float32 scalar."""
    return _DTYPE(convert_to_numpy(step))


def _check_decay_steps(owner, name, value):
    if not value > 0:
        raise ValueError(
            f"{owner}: `{name}` must be > 0. Received: {name}={value!r}"
        )


class LearningRateSchedule:
    """Base class: a callable ``step -> learning rate``, serializable by its config.

    Subclasses implement ``__call__(step)`` and ``get_config()``; ``from_config``
    passes the config back to the constructor.
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override "
            "`__call__(self, step)`."
        )

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override "
            "`get_config()` to be serializable."
        )

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """Exponential decay of the learning rate.

    Equations:
        p       = step / decay_steps            (floor(p) if staircase)
        eta(step) = eta_0 * decay_rate ^ p
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        decay_rate,
        staircase=False,
        name="ExponentialDecay",
    ):
        _check_decay_steps("ExponentialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        eta_0 = _DTYPE(self.initial_learning_rate)
        p = _as_step(step) / _DTYPE(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return eta_0 * _DTYPE(self.decay_rate) ** p

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class PiecewiseConstantDecay(LearningRateSchedule):
    """A constant learning rate on each interval between boundaries.

    Equations:
        eta(step) = values[0]   if step <= boundaries[0]
                    values[i]   if boundaries[i-1] < step <= boundaries[i]
                    values[-1]  if step > boundaries[-1]
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries = list(boundaries)
        values = list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "PiecewiseConstantDecay: `values` must have exactly one more element "
                f"than `boundaries`. Received: boundaries={boundaries} of length "
                f"{len(boundaries)}, values={values} of length {len(values)}"
            )
        if any(b >= c for b, c in zip(boundaries, boundaries[1:])):
            raise ValueError(
                "PiecewiseConstantDecay: `boundaries` must be strictly increasing. "
                f"Received: boundaries={boundaries}"
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = convert_to_numpy(step)
        # the number of boundaries strictly below step is the interval's index
        i = int(np.searchsorted(self.boundaries, step, side="left"))
        return _DTYPE(self.values[i])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """Inverse-time decay of the learning rate.

    Equations:
        p         = step / decay_steps          (floor(p) if staircase)
        eta(step) = eta_0 / (1 + decay_rate * p)
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        decay_rate,
        staircase=False,
        name="InverseTimeDecay",
    ):
        _check_decay_steps("InverseTimeDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        eta_0 = _DTYPE(self.initial_learning_rate)
        p = _as_step(step) / _DTYPE(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return eta_0 / (_DTYPE(1) + _DTYPE(self.decay_rate) * p)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class CosineDecay(LearningRateSchedule):
    """Cosine decay, with an optional linear warmup first.

    Equations (eta_peak = warmup_target, or eta_0 without warmup):
        warmup, step < warmup_steps:
            eta(step) = eta_0 + (eta_peak - eta_0) * step / warmup_steps
        decay, s = min(step - warmup_steps, decay_steps):
            cosine    = 0.5 * (1 + cos(pi * s / decay_steps))
            eta(step) = eta_peak * ((1 - alpha) * cosine + alpha)
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        alpha=0.0,
        name="CosineDecay",
        warmup_target=None,
        warmup_steps=0,
    ):
        _check_decay_steps("CosineDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def __call__(self, step):
        eta_0 = _DTYPE(self.initial_learning_rate)
        decay_steps = _DTYPE(self.decay_steps)
        step = _as_step(step)
        if self.warmup_target is None:
            return self._decay(min(step, decay_steps), decay_steps, eta_0)
        eta_peak = _DTYPE(self.warmup_target)
        warmup_steps = _DTYPE(self.warmup_steps)
        step = min(step, decay_steps + warmup_steps)
        if step < warmup_steps:
            return (eta_peak - eta_0) * (step / warmup_steps) + eta_0
        return self._decay(step - warmup_steps, decay_steps, eta_peak)

    def _decay(self, s, decay_steps, eta_peak):
        cosine = _DTYPE(0.5) * (_DTYPE(1) + np.cos(_DTYPE(math.pi) * (s / decay_steps)))
        return eta_peak * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay from eta_0 to end_learning_rate over decay_steps.

    Equations:
        no cycle: s = min(step, decay_steps),  T = decay_steps
        cycle:    s = step,  T = decay_steps * max(1, ceil(step / decay_steps))
        eta(step) = (eta_0 - eta_end) * (1 - s / T) ^ power + eta_end
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        end_learning_rate=0.0001,
        power=1.0,
        cycle=False,
        name="PolynomialDecay",
    ):
        _check_decay_steps("PolynomialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        eta_0 = _DTYPE(self.initial_learning_rate)
        eta_end = _DTYPE(self.end_learning_rate)
        s = _as_step(step)
        T = _DTYPE(self.decay_steps)
        if self.cycle:
            T = T * (_DTYPE(1) if s == 0 else np.ceil(s / T))
        else:
            s = min(s, T)
        return (eta_0 - eta_end) * (_DTYPE(1) - s / T) ** _DTYPE(self.power) + eta_end

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }
