"""Learning-rate schedules: Keras' golden values, float64 references, PyTorch, configs, errors."""
import math

import numpy as np
import pytest
import torch
from conftest import golden

from glassnet.autodiff import Variable
from glassnet.optimizers import schedules
from glassnet.optimizers.schedules import (
    CosineDecay,
    ExponentialDecay,
    InverseTimeDecay,
    LearningRateSchedule,
    PiecewiseConstantDecay,
    PolynomialDecay,
)

# The golden file's keys, spelled out as constructor calls (no eval).
GOLDEN_SCHEDULES = {
    "ExponentialDecay(0.1, 3, 0.5)": lambda: ExponentialDecay(0.1, 3, 0.5),
    "ExponentialDecay(0.1, 3, 0.5, staircase=True)": lambda: ExponentialDecay(
        0.1, 3, 0.5, staircase=True
    ),
    "InverseTimeDecay(0.1, 2, 0.5)": lambda: InverseTimeDecay(0.1, 2, 0.5),
    "PiecewiseConstantDecay([3, 6], [0.1, 0.05, 0.01])": lambda: PiecewiseConstantDecay(
        [3, 6], [0.1, 0.05, 0.01]
    ),
    "CosineDecay(0.1, 8)": lambda: CosineDecay(0.1, 8),
    "PolynomialDecay(0.1, 8, 0.01, power=2.0)": lambda: PolynomialDecay(0.1, 8, 0.01, power=2.0),
}


def test_golden_table_covers_every_keras_schedule():
    assert set(GOLDEN_SCHEDULES) == set(golden("schedules")["values"])


@pytest.mark.parametrize("key", sorted(GOLDEN_SCHEDULES))
def test_matches_keras_golden_values(key):
    data = golden("schedules")
    schedule = GOLDEN_SCHEDULES[key]()
    got = np.array([schedule(step) for step in data["steps"]])
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, data["values"][key], rtol=1e-6, atol=1e-9)


# --- float64 references of the keras-spec formulas, over more arguments ---------------
def ref_exponential(eta_0, decay_steps, rate, staircase):
    def f(step):
        p = step / decay_steps
        return eta_0 * rate ** (math.floor(p) if staircase else p)

    return f


def ref_inverse_time(eta_0, decay_steps, rate, staircase):
    def f(step):
        p = step / decay_steps
        return eta_0 / (1 + rate * (math.floor(p) if staircase else p))

    return f


def ref_piecewise(boundaries, values):
    def f(step):
        for boundary, value in zip(boundaries, values):
            if step <= boundary:
                return value
        return values[-1]

    return f


def ref_cosine(eta_0, decay_steps, alpha=0.0, warmup_target=None, warmup_steps=0):
    def f(step):
        if warmup_target is not None and step < warmup_steps:
            return eta_0 + (warmup_target - eta_0) * step / warmup_steps
        peak = eta_0 if warmup_target is None else warmup_target
        s = min(step - (warmup_steps if warmup_target is not None else 0), decay_steps)
        cosine = 0.5 * (1 + math.cos(math.pi * s / decay_steps))
        return peak * ((1 - alpha) * cosine + alpha)

    return f


def ref_polynomial(eta_0, decay_steps, eta_end, power, cycle):
    def f(step):
        if cycle:
            T = decay_steps * max(1, math.ceil(step / decay_steps))
            s = step
        else:
            T, s = decay_steps, min(step, decay_steps)
        return (eta_0 - eta_end) * (1 - s / T) ** power + eta_end

    return f


REFERENCE_CASES = [
    ("exp", ExponentialDecay(0.3, 4, 0.7), ref_exponential(0.3, 4, 0.7, False)),
    ("exp_stair", ExponentialDecay(0.3, 4, 0.7, True), ref_exponential(0.3, 4, 0.7, True)),
    ("inv", InverseTimeDecay(0.2, 3, 1.5), ref_inverse_time(0.2, 3, 1.5, False)),
    ("inv_stair", InverseTimeDecay(0.2, 3, 1.5, True), ref_inverse_time(0.2, 3, 1.5, True)),
    (
        "piecewise",
        PiecewiseConstantDecay([2, 5, 9], [1.0, 0.5, 0.25, 0.125]),
        ref_piecewise([2, 5, 9], [1.0, 0.5, 0.25, 0.125]),
    ),
    ("cos_alpha", CosineDecay(0.2, 10, alpha=0.1), ref_cosine(0.2, 10, alpha=0.1)),
    (
        "cos_warmup",
        CosineDecay(0.0, 12, alpha=0.05, warmup_target=0.4, warmup_steps=5),
        ref_cosine(0.0, 12, alpha=0.05, warmup_target=0.4, warmup_steps=5),
    ),
    ("poly", PolynomialDecay(0.5, 7, 0.05, power=0.5), ref_polynomial(0.5, 7, 0.05, 0.5, False)),
    (
        "poly_cycle",
        PolynomialDecay(0.5, 7, 0.05, power=2.0, cycle=True),
        ref_polynomial(0.5, 7, 0.05, 2.0, True),
    ),
]


@pytest.mark.parametrize("schedule, reference", [c[1:] for c in REFERENCE_CASES],
                         ids=[c[0] for c in REFERENCE_CASES])
def test_matches_float64_reference(schedule, reference):
    steps = range(0, 31)
    got = [float(schedule(step)) for step in steps]
    want = [reference(step) for step in steps]
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-8)


def _torch_lrs(make_scheduler, eta_0, steps):
    param = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([param], lr=eta_0)
    scheduler = make_scheduler(optimizer)
    lrs = []
    for _ in range(steps):
        lrs.append(scheduler.get_last_lr()[0])
        optimizer.step()
        scheduler.step()
    return lrs


@pytest.mark.parametrize(
    "schedule, make_scheduler",
    [
        (
            ExponentialDecay(0.1, 1, 0.8),
            lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.8),
        ),
        (
            CosineDecay(0.1, 10, alpha=0.2),
            lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.02),
        ),
        (
            PolynomialDecay(0.1, 10, end_learning_rate=0.0, power=2.0),
            lambda opt: torch.optim.lr_scheduler.PolynomialLR(opt, total_iters=10, power=2.0),
        ),
    ],
    ids=["exponential", "cosine", "polynomial"],
)
def test_matches_torch_schedulers(schedule, make_scheduler):
    want = _torch_lrs(make_scheduler, 0.1, 10)
    got = [float(schedule(step)) for step in range(10)]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


def test_accepts_the_iterations_variable_as_step():
    step = Variable(np.int64(7), dtype="int64", trainable=False, name="iteration")
    schedule = ExponentialDecay(0.1, 3, 0.5)
    assert schedule(step) == schedule(7)


@pytest.mark.parametrize("factory", sorted(GOLDEN_SCHEDULES))
def test_config_round_trip(factory):
    schedule = GOLDEN_SCHEDULES[factory]()
    clone = type(schedule).from_config(schedule.get_config())
    assert clone.get_config() == schedule.get_config()
    restored = schedules.deserialize(schedules.serialize(schedule))
    assert type(restored) is type(schedule)
    assert [restored(s) for s in range(10)] == [schedule(s) for s in range(10)]


def test_cosine_warmup_config_round_trip():
    schedule = CosineDecay(0.0, 10, alpha=0.1, warmup_target=0.3, warmup_steps=4)
    restored = schedules.deserialize(schedules.serialize(schedule))
    assert restored.get_config() == schedule.get_config()


@pytest.mark.parametrize(
    "make",
    [
        lambda: ExponentialDecay(0.1, 0, 0.5),
        lambda: InverseTimeDecay(0.1, 0, 0.5),
        lambda: CosineDecay(0.1, 0),
        lambda: PolynomialDecay(0.1, 0),
    ],
    ids=["exponential", "inverse_time", "cosine", "polynomial"],
)
def test_non_positive_decay_steps_raise(make):
    with pytest.raises(ValueError, match="decay_steps=0"):
        make()


def test_piecewise_length_mismatch_raises():
    with pytest.raises(ValueError, match="one more element"):
        PiecewiseConstantDecay([3, 6], [0.1, 0.05])


def test_piecewise_boundaries_must_increase():
    with pytest.raises(ValueError, match=r"Received: boundaries=\[6, 3\]"):
        PiecewiseConstantDecay([6, 3], [0.1, 0.05, 0.01])


def test_deserialize_unknown_class_lists_valid_ones():
    with pytest.raises(ValueError, match="ExponentialDecay"):
        schedules.deserialize({"class_name": "NoSuchDecay", "config": {}})


def test_base_class_must_be_overridden():
    with pytest.raises(NotImplementedError, match="__call__"):
        LearningRateSchedule()(0)
    with pytest.raises(NotImplementedError, match="get_config"):
        LearningRateSchedule().get_config()
