"""Optimizers: Keras' golden trajectories, a float64 reference of keras-spec §1, PyTorch,
variables and slots, in-place updates, learning rates, configs and error messages."""
import math
import re
import warnings

import numpy as np
import pytest
import torch
from conftest import golden

from glassnet import autodiff, optimizers
from glassnet.autodiff import Tensor, Variable
from glassnet.optimizers import (
    SGD,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    Nadam,
    Optimizer,
    RMSprop,
    schedules,
)

# --- Keras golden trajectories -------------------------------------------------------
# The golden file's keys, spelled out as constructor calls (no eval).
GOLDEN_OPTIMIZERS = {
    "SGD()": lambda: SGD(),
    "SGD(learning_rate=0.1, momentum=0.9)": lambda: SGD(learning_rate=0.1, momentum=0.9),
    "SGD(learning_rate=0.1, momentum=0.9, nesterov=True)": lambda: SGD(
        learning_rate=0.1, momentum=0.9, nesterov=True
    ),
    "SGD(learning_rate=0.1, clipvalue=0.5)": lambda: SGD(learning_rate=0.1, clipvalue=0.5),
    "SGD(learning_rate=0.1, clipnorm=1.0)": lambda: SGD(learning_rate=0.1, clipnorm=1.0),
    "SGD(learning_rate=0.1, global_clipnorm=1.0)": lambda: SGD(
        learning_rate=0.1, global_clipnorm=1.0
    ),
    "SGD(learning_rate=0.1, weight_decay=0.1)": lambda: SGD(learning_rate=0.1, weight_decay=0.1),
    "SGD(learning_rate=ExponentialDecay(0.1, 2, 0.5))": lambda: SGD(
        learning_rate=schedules.ExponentialDecay(0.1, 2, 0.5)
    ),
    "Adagrad(learning_rate=0.1)": lambda: Adagrad(learning_rate=0.1),
    "RMSprop(learning_rate=0.01)": lambda: RMSprop(learning_rate=0.01),
    "RMSprop(learning_rate=0.01, centered=True)": lambda: RMSprop(
        learning_rate=0.01, centered=True
    ),
    "RMSprop(learning_rate=0.01, momentum=0.9)": lambda: RMSprop(
        learning_rate=0.01, momentum=0.9
    ),
    "Adam(learning_rate=0.01)": lambda: Adam(learning_rate=0.01),
    "Adam(learning_rate=0.01, amsgrad=True)": lambda: Adam(learning_rate=0.01, amsgrad=True),
    "Adamax(learning_rate=0.01)": lambda: Adamax(learning_rate=0.01),
    "Nadam(learning_rate=0.01)": lambda: Nadam(learning_rate=0.01),
    "AdamW(learning_rate=0.01)": lambda: AdamW(learning_rate=0.01),
}


def test_golden_table_covers_every_keras_configuration():
    assert set(GOLDEN_OPTIMIZERS) == set(golden("optimizers")["trajectories"])


@pytest.mark.parametrize("key", sorted(GOLDEN_OPTIMIZERS))
def test_matches_keras_golden_trajectory(key):
    data = golden("optimizers")
    kernel = Variable(np.array(data["kernel0"], np.float32), name="kernel")
    bias = Variable(np.array(data["bias0"], np.float32), name="bias")
    optimizer = GOLDEN_OPTIMIZERS[key]()
    for t, want in enumerate(data["trajectories"][key]):
        grads = [np.array(data["grad_kernel"][t], np.float32),
                 np.array(data["grad_bias"][t], np.float32)]
        optimizer.apply_gradients(zip(grads, [kernel, bias]))
        assert kernel.dtype == np.float32 and bias.dtype == np.float32
        np.testing.assert_allclose(kernel.data, want["kernel"], rtol=1e-6, atol=0)
        np.testing.assert_allclose(bias.data, want["bias"], rtol=1e-6, atol=0)


# --- 20-step trajectories: a float64 reference of keras-spec §1, and PyTorch ---------------
STEPS = 20
SHAPES = {"dense/kernel": (3, 2), "dense/bias": (2,)}


def _problem(seed=0):
    """Initial values, curvatures h and per-step offsets b of g_t(theta) = h * theta - b_t."""
    rng = np.random.default_rng(seed)
    theta0 = {k: rng.normal(size=s) for k, s in SHAPES.items()}
    h = {k: rng.uniform(0.5, 2.0, size=s) for k, s in SHAPES.items()}
    b = [{k: rng.normal(size=s) for k, s in SHAPES.items()} for _ in range(STEPS)]
    return theta0, h, b


def _gradient(problem, t, theta):
    _, h, b = problem
    return {k: h[k] * theta[k] - b[t][k] for k in SHAPES}


def _f32(x):
    """A float learning rate as the optimizer stores it (a float32 variable)."""
    return float(np.float32(x))


def glassnet_trajectory(make_optimizer, problem):
    variables = {k: Variable(v, dtype="float64", name=k.split("/")[1], path=k)
                 for k, v in problem[0].items()}
    optimizer = make_optimizer()
    trajectory = []
    for t in range(STEPS):
        theta = {k: v.data for k, v in variables.items()}
        grads = _gradient(problem, t, theta)
        optimizer.apply_gradients((grads[k], variables[k]) for k in SHAPES)
        trajectory.append({k: v.numpy() for k, v in variables.items()})
    assert all(v.dtype == np.float64 for v in variables.values())
    return trajectory


# The reference: keras-spec §1 written out for float64 arrays, one step of every variable.
def ref_clip(grads, spec):
    kind, c = spec.get("clip", (None, None))
    if kind == "clipnorm":
        return {k: g * c / max(np.linalg.norm(g), c) for k, g in grads.items()}
    if kind == "global_clipnorm":
        N = math.sqrt(sum(np.sum(g**2) for g in grads.values()))
        return {k: g * c * min(1 / N, 1 / c) for k, g in grads.items()}
    if kind == "clipvalue":
        return {k: np.clip(g, -c, c) for k, g in grads.items()}
    return grads


def ref_update(algo, spec, theta, g, state, t, lr):
    """One variable's keras-spec update; ``state`` holds its slots (created at zero)."""
    eps = spec.get("epsilon", 1e-7)
    if algo == "sgd":
        mu = spec.get("momentum", 0.0)
        if mu == 0:
            return theta - lr * g
        state["m"] = mu * state.get("m", 0.0) - lr * g
        return theta + (mu * state["m"] - lr * g if spec.get("nesterov") else state["m"])
    if algo == "adagrad":
        state["a"] = state.get("a", spec.get("initial_accumulator_value", 0.1)) + g**2
        return theta - lr * g / np.sqrt(state["a"] + eps)
    if algo == "rmsprop":
        rho, mu = spec.get("rho", 0.9), spec.get("momentum", 0.0)
        state["v"] = rho * state.get("v", 0.0) + (1 - rho) * g**2
        den = state["v"] + eps
        if spec.get("centered"):
            state["gbar"] = rho * state.get("gbar", 0.0) + (1 - rho) * g
            den = state["v"] - state["gbar"] ** 2 + eps
        inc = lr * g / np.sqrt(den)
        if mu > 0:
            state["m"] = mu * state.get("m", 0.0) + inc
            return theta - state["m"]
        return theta - inc
    if algo == "adam":
        # Textbook form (bias-corrected m_hat, v_hat) with the paper's epsilon; Keras'
        # epsilon_hat is epsilon * sqrt(1 - beta_2^t), as Adam's docstring states.
        b1, b2 = spec.get("beta_1", 0.9), spec.get("beta_2", 0.999)
        state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g
        state["v"] = b2 * state.get("v", 0.0) + (1 - b2) * g**2
        v = state["v"]
        if spec.get("amsgrad"):
            state["vmax"] = v = np.maximum(state.get("vmax", 0.0), v)
        m_hat, v_hat = state["m"] / (1 - b1**t), v / (1 - b2**t)
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps / math.sqrt(1 - b2**t))
    if algo == "adamax":
        b1, b2 = spec.get("beta_1", 0.9), spec.get("beta_2", 0.999)
        state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g
        state["u"] = np.maximum(b2 * state.get("u", 0.0), np.abs(g))
        return theta - lr * state["m"] / ((1 - b1**t) * (state["u"] + eps))
    if algo == "nadam":
        b1, b2 = spec.get("beta_1", 0.9), spec.get("beta_2", 0.999)
        u_t, u_t1 = b1 * (1 - 0.5 * 0.96**t), b1 * (1 - 0.5 * 0.96 ** (t + 1))
        u_prod = spec["u_prod"]  # already multiplied by u_t for this step
        state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g
        state["v"] = b2 * state.get("v", 0.0) + (1 - b2) * g**2
        m_hat = u_t1 * state["m"] / (1 - u_prod * u_t1) + (1 - u_t) * g / (1 - u_prod)
        v_hat = state["v"] / (1 - b2**t)
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    raise AssertionError(algo)


def reference_trajectory(spec, problem):
    theta = {k: v.copy() for k, v in problem[0].items()}
    states = {k: {} for k in SHAPES}
    spec = dict(spec, u_prod=1.0)
    trajectory = []
    for step in range(STEPS):
        t = step + 1
        lr = spec["lr"](step) if callable(spec["lr"]) else spec["lr"]
        grads = ref_clip(_gradient(problem, step, theta), spec)
        wd = spec.get("weight_decay")
        if wd is not None:
            theta = {k: v - v * wd * lr for k, v in theta.items()}
        spec["u_prod"] *= spec.get("beta_1", 0.9) * (1 - 0.5 * 0.96**t)
        theta = {k: ref_update(spec["algo"], spec, theta[k], grads[k], states[k], t, lr)
                 for k in SHAPES}
        trajectory.append({k: v.copy() for k, v in theta.items()})
    return trajectory


def _exp_decay(step):
    return 0.1 * 0.5 ** (step / 5)


def _piecewise(step):
    return 0.02 if step <= 5 else (0.01 if step <= 10 else 0.005)


# id -> (glassnet optimizer, reference spec)
VARIANTS = {
    "sgd": (lambda: SGD(0.05), {"algo": "sgd", "lr": _f32(0.05)}),
    "sgd_momentum": (
        lambda: SGD(0.05, momentum=0.9),
        {"algo": "sgd", "lr": _f32(0.05), "momentum": 0.9},
    ),
    "sgd_nesterov": (
        lambda: SGD(0.05, momentum=0.9, nesterov=True),
        {"algo": "sgd", "lr": _f32(0.05), "momentum": 0.9, "nesterov": True},
    ),
    "sgd_clipnorm": (
        lambda: SGD(0.05, clipnorm=0.5),
        {"algo": "sgd", "lr": _f32(0.05), "clip": ("clipnorm", 0.5)},
    ),
    "sgd_global_clipnorm": (
        lambda: SGD(0.05, global_clipnorm=0.5),
        {"algo": "sgd", "lr": _f32(0.05), "clip": ("global_clipnorm", 0.5)},
    ),
    "sgd_clipvalue": (
        lambda: SGD(0.05, clipvalue=0.3),
        {"algo": "sgd", "lr": _f32(0.05), "clip": ("clipvalue", 0.3)},
    ),
    "sgd_weight_decay": (
        lambda: SGD(0.05, weight_decay=0.2),
        {"algo": "sgd", "lr": _f32(0.05), "weight_decay": 0.2},
    ),
    "sgd_momentum_weight_decay": (
        lambda: SGD(0.05, momentum=0.9, weight_decay=0.2),
        {"algo": "sgd", "lr": _f32(0.05), "momentum": 0.9, "weight_decay": 0.2},
    ),
    "sgd_schedule": (
        lambda: SGD(schedules.ExponentialDecay(0.1, 5, 0.5)),
        {"algo": "sgd", "lr": _exp_decay},
    ),
    "sgd_callable_lr": (lambda: SGD(lambda: 0.05), {"algo": "sgd", "lr": 0.05}),
    "adagrad": (lambda: Adagrad(0.1), {"algo": "adagrad", "lr": _f32(0.1)}),
    "adagrad_eps0": (
        lambda: Adagrad(0.1, initial_accumulator_value=0.5, epsilon=0.0),
        {"algo": "adagrad", "lr": _f32(0.1), "initial_accumulator_value": 0.5, "epsilon": 0.0},
    ),
    "rmsprop": (lambda: RMSprop(0.01), {"algo": "rmsprop", "lr": _f32(0.01)}),
    "rmsprop_centered": (
        lambda: RMSprop(0.01, centered=True),
        {"algo": "rmsprop", "lr": _f32(0.01), "centered": True},
    ),
    "rmsprop_momentum": (
        lambda: RMSprop(0.01, momentum=0.9),
        {"algo": "rmsprop", "lr": _f32(0.01), "momentum": 0.9},
    ),
    "rmsprop_centered_momentum_eps0": (
        lambda: RMSprop(0.01, rho=0.8, momentum=0.5, centered=True, epsilon=0.0),
        {"algo": "rmsprop", "lr": _f32(0.01), "rho": 0.8, "momentum": 0.5,
         "centered": True, "epsilon": 0.0},
    ),
    "adam": (lambda: Adam(0.01), {"algo": "adam", "lr": _f32(0.01)}),
    "adam_eps0": (
        lambda: Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=0.0),
        {"algo": "adam", "lr": _f32(0.01), "beta_1": 0.8, "beta_2": 0.99, "epsilon": 0.0},
    ),
    "adam_large_eps": (
        lambda: Adam(0.01, epsilon=0.1),
        {"algo": "adam", "lr": _f32(0.01), "epsilon": 0.1},
    ),
    "adam_amsgrad": (
        lambda: Adam(0.01, amsgrad=True),
        {"algo": "adam", "lr": _f32(0.01), "amsgrad": True},
    ),
    "adam_amsgrad_eps0": (
        lambda: Adam(0.01, amsgrad=True, epsilon=0.0),
        {"algo": "adam", "lr": _f32(0.01), "amsgrad": True, "epsilon": 0.0},
    ),
    "adam_global_clipnorm": (
        lambda: Adam(0.01, global_clipnorm=1.0),
        {"algo": "adam", "lr": _f32(0.01), "clip": ("global_clipnorm", 1.0)},
    ),
    "adam_weight_decay": (
        lambda: Adam(0.01, weight_decay=0.05),
        {"algo": "adam", "lr": _f32(0.01), "weight_decay": 0.05},
    ),
    "adam_schedule": (
        lambda: Adam(schedules.PiecewiseConstantDecay([5, 10], [0.02, 0.01, 0.005])),
        {"algo": "adam", "lr": _piecewise},
    ),
    "adamax": (lambda: Adamax(0.01), {"algo": "adamax", "lr": _f32(0.01)}),
    "adamax_eps0": (
        lambda: Adamax(0.01, epsilon=0.0),
        {"algo": "adamax", "lr": _f32(0.01), "epsilon": 0.0},
    ),
    "nadam": (lambda: Nadam(0.01), {"algo": "nadam", "lr": _f32(0.01)}),
    "adamw": (
        lambda: AdamW(0.01, weight_decay=0.1),
        {"algo": "adam", "lr": _f32(0.01), "weight_decay": 0.1},
    ),
    "adamw_eps0": (
        lambda: AdamW(0.01, weight_decay=0.1, epsilon=0.0),
        {"algo": "adam", "lr": _f32(0.01), "weight_decay": 0.1, "epsilon": 0.0},
    ),
}


def _assert_trajectories_close(got, want, rtol, atol=1e-12):
    for step, (g, w) in enumerate(zip(got, want)):
        for k in SHAPES:
            np.testing.assert_allclose(g[k], w[k], rtol=rtol, atol=atol,
                                       err_msg=f"step {step + 1}, {k}")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_matches_float64_reference_of_the_spec(variant):
    make_optimizer, spec = VARIANTS[variant]
    problem = _problem()
    got = glassnet_trajectory(make_optimizer, problem)
    want = reference_trajectory(spec, problem)
    # The schedules compute eta in float32 (as Keras does); everything else is float64.
    if "schedule" in variant:
        _assert_trajectories_close(got, want, rtol=1e-6, atol=1e-7)
    else:
        _assert_trajectories_close(got, want, rtol=1e-10)


# PyTorch, where the algorithm is the same one.  Epsilon sits elsewhere in PyTorch's
# Adagrad, RMSprop (outside the square root), Adam/AdamW (added to the bias-corrected
# sqrt(v_hat)) and Adamax (inside the max), so those run with epsilon = 0.
def _torch_clip(kind, c):
    def clip(params):
        if kind == "clipnorm":
            for p in params:
                torch.nn.utils.clip_grad_norm_([p], c)
        elif kind == "global_clipnorm":
            torch.nn.utils.clip_grad_norm_(params, c)
        elif kind == "clipvalue":
            torch.nn.utils.clip_grad_value_(params, c)

    return clip


TORCH_CASES = {
    "sgd": (lambda p: torch.optim.SGD(p, lr=_f32(0.05)), None),
    "sgd_momentum": (lambda p: torch.optim.SGD(p, lr=_f32(0.05), momentum=0.9), None),
    "sgd_nesterov": (
        lambda p: torch.optim.SGD(p, lr=_f32(0.05), momentum=0.9, nesterov=True),
        None,
    ),
    # momentum 0: PyTorch's coupled L2 decay is the same step as Keras' decoupled one.
    "sgd_weight_decay": (lambda p: torch.optim.SGD(p, lr=_f32(0.05), weight_decay=0.2), None),
    "sgd_clipnorm": (lambda p: torch.optim.SGD(p, lr=_f32(0.05)), ("clipnorm", 0.5)),
    "sgd_global_clipnorm": (
        lambda p: torch.optim.SGD(p, lr=_f32(0.05)),
        ("global_clipnorm", 0.5),
    ),
    "sgd_clipvalue": (lambda p: torch.optim.SGD(p, lr=_f32(0.05)), ("clipvalue", 0.3)),
    "adagrad_eps0": (
        lambda p: torch.optim.Adagrad(p, lr=_f32(0.1), initial_accumulator_value=0.5, eps=0.0),
        None,
    ),
    "rmsprop_centered_momentum_eps0": (
        lambda p: torch.optim.RMSprop(
            p, lr=_f32(0.01), alpha=0.8, momentum=0.5, centered=True, eps=0.0
        ),
        None,
    ),
    "adam_eps0": (
        lambda p: torch.optim.Adam(p, lr=_f32(0.01), betas=(0.8, 0.99), eps=0.0),
        None,
    ),
    "adam_amsgrad_eps0": (
        lambda p: torch.optim.Adam(p, lr=_f32(0.01), amsgrad=True, eps=0.0),
        None,
    ),
    "adamw_eps0": (
        lambda p: torch.optim.AdamW(p, lr=_f32(0.01), weight_decay=0.1, eps=0.0),
        None,
    ),
    "adamax_eps0": (lambda p: torch.optim.Adamax(p, lr=_f32(0.01), eps=0.0), None),
    # Keras' Nadam is PyTorch's NAdam with momentum_decay = 1 (0.96^t); same epsilon.
    "nadam": (
        lambda p: torch.optim.NAdam(p, lr=_f32(0.01), eps=1e-7, momentum_decay=1.0),
        None,
    ),
}


def torch_trajectory(make_optimizer, clip, problem, scheduler=None):
    params = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
              for k, v in problem[0].items()}
    optimizer = make_optimizer(list(params.values()))
    scheduler = scheduler(optimizer) if scheduler else None
    trajectory = []
    for t in range(STEPS):
        theta = {k: p.detach().numpy() for k, p in params.items()}
        for k, g in _gradient(problem, t, theta).items():
            params[k].grad = torch.from_numpy(g)
        if clip:
            _torch_clip(*clip)(list(params.values()))
        optimizer.step()
        if scheduler:
            scheduler.step()
        trajectory.append({k: p.detach().numpy().copy() for k, p in params.items()})
    return trajectory


@pytest.mark.parametrize("variant", sorted(TORCH_CASES))
def test_matches_pytorch(variant):
    make_torch, clip = TORCH_CASES[variant]
    problem = _problem()
    got = glassnet_trajectory(VARIANTS[variant][0], problem)
    want = torch_trajectory(make_torch, clip, problem)
    _assert_trajectories_close(got, want, rtol=1e-5)


def test_schedule_matches_pytorch_exponential_lr():
    # No momentum: with a changing eta, PyTorch's buffer holds gradients (scaled by the
    # current eta on use) while Keras' m holds eta * g, so the algorithms differ there.
    problem = _problem()
    got = glassnet_trajectory(lambda: SGD(schedules.ExponentialDecay(0.1, 1, 0.9)), problem)
    want = torch_trajectory(
        lambda p: torch.optim.SGD(p, lr=0.1),
        None,
        problem,
        scheduler=lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9),
    )
    # eta is float32 in the schedule (as in Keras): an absolute floor near zero crossings
    _assert_trajectories_close(got, want, rtol=1e-5, atol=1e-7)


# --- clipping and weight decay: values Keras printed (keras-spec §1, [E]) ------------------
@pytest.mark.parametrize(
    "kwargs, want",
    [
        ({"clipnorm": 1.0}, [[0.6, 0.8], [1.0]]),
        ({"global_clipnorm": 1.0}, [[3 / 13, 4 / 13], [12 / 13]]),
        ({"clipvalue": 0.3}, [[0.3, 0.3], [0.3]]),
        ({"clipnorm": 12.5}, [[3.0, 4.0], [12.0]]),  # norms 5 and 12: unchanged
        ({"global_clipnorm": 13.5}, [[3.0, 4.0], [12.0]]),  # global norm 13: unchanged
        ({"clipvalue": 12.0}, [[3.0, 4.0], [12.0]]),
    ],
)
def test_clipping_matches_keras_example(kwargs, want):
    a, b = Variable(np.zeros(2, np.float32)), Variable(np.zeros(1, np.float32))
    grads = [np.array([3.0, 4.0], np.float32), np.array([12.0], np.float32)]
    SGD(learning_rate=1.0, **kwargs).apply_gradients(zip(grads, [a, b]))
    np.testing.assert_allclose(-a.data, want[0], rtol=1e-6)
    np.testing.assert_allclose(-b.data, want[1], rtol=1e-6)
    np.testing.assert_array_equal(grads[0], [3.0, 4.0])  # the caller's gradients untouched


def test_weight_decay_matches_keras_example():
    w = Variable(np.array([1.0, -2.0], np.float32))
    SGD(learning_rate=0.1, weight_decay=0.5).apply_gradients([(np.array([0.5, 1.0]), w)])
    np.testing.assert_allclose(w.data, [0.9, -2.0], rtol=1e-6)


def test_global_clipnorm_of_non_finite_gradients_is_nan():
    w = Variable(np.zeros(2, np.float32))
    SGD(global_clipnorm=1.0).apply_gradients([(np.array([np.inf, 1.0], np.float32), w)])
    assert np.isnan(w.data).all()


@pytest.mark.parametrize("how", ["var_list", "var_names"])
def test_exclude_from_weight_decay(how):
    kernel = Variable(np.ones(2, np.float32), name="kernel", path="dense/kernel")
    bias = Variable(np.ones(2, np.float32), name="bias", path="dense/bias")
    optimizer = SGD(learning_rate=0.1, weight_decay=0.5)
    if how == "var_list":
        optimizer.exclude_from_weight_decay(var_list=[bias])
    else:
        optimizer.exclude_from_weight_decay(var_names=["bi.s"])
    zero = np.zeros(2, np.float32)
    optimizer.apply_gradients([(zero, kernel), (zero, bias)])
    np.testing.assert_allclose(kernel.data, [0.95, 0.95], rtol=1e-6)
    np.testing.assert_array_equal(bias.data, [1.0, 1.0])


# --- variables, slots, in-place updates, the graph --------------------------------------
def _dense_variables(dtype="float32"):
    rng = np.random.default_rng(1)
    kernel = Variable(rng.normal(size=(3, 2)), dtype=dtype, name="kernel",
                      path="sequential/dense/kernel")
    bias = Variable(rng.normal(size=(2,)), dtype=dtype, name="bias", path="sequential/dense/bias")
    return kernel, bias


def _random_grads(variables, seed):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=v.shape).astype(v.dtype) for v in variables]


@pytest.mark.parametrize(
    "make, slots",
    [
        (lambda: SGD(), []),
        (lambda: SGD(momentum=0.9), ["momentum"]),
        (lambda: Adagrad(), ["accumulator"]),
        (lambda: RMSprop(), ["velocity"]),
        (lambda: RMSprop(momentum=0.5, centered=True),
         ["velocity", "momentum", "average_gradient"]),
        (lambda: Adam(), ["momentum", "velocity"]),
        (lambda: Adam(amsgrad=True), ["momentum", "velocity", "velocity_hat"]),
        (lambda: Adamax(), ["momentum", "norm"]),
        (lambda: AdamW(), ["momentum", "velocity"]),
    ],
)
def test_variables_names_and_order(make, slots):
    kernel, bias = _dense_variables()
    optimizer = make()
    assert [v.name for v in optimizer.variables] == ["iteration", "learning_rate"]
    assert not optimizer.built
    optimizer.apply_gradients(zip(_random_grads([kernel, bias], 0), [kernel, bias]))
    assert optimizer.built
    want = ["iteration", "learning_rate"] + [
        f"sequential_dense_{v}_{slot}" for v in ("kernel", "bias") for slot in slots
    ]
    assert [v.name for v in optimizer.variables] == want
    assert optimizer.iterations.dtype == np.int64
    assert optimizer.variables[1].dtype == np.float32
    assert not any(v.trainable for v in optimizer.variables)
    for slot_variable in optimizer.variables[2:]:
        assert slot_variable.path == f"{optimizer.name}/{slot_variable.name}"


def test_adam_has_2n_plus_2_variables():
    variables = _dense_variables()
    optimizer = Adam()
    optimizer.build(variables)
    assert len(optimizer.variables) == 2 * len(variables) + 2


def test_nadam_keeps_u_product_after_the_slots():
    kernel, bias = _dense_variables()
    optimizer = Nadam()
    optimizer.apply_gradients(zip(_random_grads([kernel, bias], 0), [kernel, bias]))
    assert [v.name for v in optimizer.variables][-1] == "u_product"
    assert len(optimizer.variables) == 2 * 2 + 3


def test_adagrad_accumulator_starts_at_initial_value():
    kernel, _ = _dense_variables()
    optimizer = Adagrad(initial_accumulator_value=0.25)
    optimizer.build([kernel])
    np.testing.assert_array_equal(optimizer.variables[2].data, np.full((3, 2), 0.25))


@pytest.mark.parametrize("name", sorted(GOLDEN_OPTIMIZERS))
def test_updates_are_in_place_and_count_iterations(name):
    kernel, bias = _dense_variables()
    arrays = [kernel.data, bias.data]
    before = [kernel.numpy(), bias.numpy()]
    optimizer = GOLDEN_OPTIMIZERS[name]()
    for step in range(3):
        returned = optimizer.apply_gradients(
            zip(_random_grads([kernel, bias], step), [kernel, bias])
        )
        assert returned is optimizer.iterations
    assert kernel.data is arrays[0] and bias.data is arrays[1]
    assert not np.array_equal(kernel.data, before[0])
    assert int(optimizer.iterations.data) == 3
    slot_arrays = [v.data for v in optimizer.variables]
    optimizer.apply(_random_grads([kernel, bias], 9), [kernel, bias])
    assert all(v.data is a for v, a in zip(optimizer.variables, slot_arrays))


def test_nothing_is_recorded_in_the_graph():
    kernel, bias = _dense_variables()
    loss = (kernel * kernel).sum() + (bias * bias).sum()  # a live graph around the step
    grads = autodiff.grad(loss, [kernel, bias])
    seen = {}

    def learning_rate():  # a callable eta built from a trainable variable
        seen["eta"] = kernel[0, 0] * 0.0 + 0.01
        return seen["eta"]

    def constraint(theta):
        seen["grad_enabled"] = autodiff.is_grad_enabled()
        return theta

    kernel.constraint = constraint
    Adam(learning_rate=learning_rate).apply_gradients(zip(grads, [kernel, bias]))
    assert seen["eta"]._fn is None and not seen["eta"].requires_grad
    assert seen["grad_enabled"] is False
    assert kernel._fn is None and bias._fn is None
    assert autodiff.is_grad_enabled()


def test_gradients_may_be_tensors():
    kernel, bias = _dense_variables()
    twin_kernel, twin_bias = _dense_variables()
    grads = _random_grads([kernel, bias], 0)
    Adam().apply_gradients(zip(grads, [kernel, bias]))
    Adam().apply_gradients(zip([Tensor(g) for g in grads], [twin_kernel, twin_bias]))
    np.testing.assert_array_equal(kernel.data, twin_kernel.data)
    np.testing.assert_array_equal(bias.data, twin_bias.data)


def test_apply_without_variables_uses_the_built_ones():
    kernel, bias = _dense_variables()
    twin_kernel, twin_bias = _dense_variables()
    grads = _random_grads([kernel, bias], 0)
    first, second = RMSprop(), RMSprop()
    first.build([kernel, bias])
    first.apply(grads)
    second.apply(grads, [twin_kernel, twin_bias])
    np.testing.assert_array_equal(kernel.data, twin_kernel.data)


def test_constraint_is_applied_after_the_update():
    received = {}

    def constraint(theta):
        received["theta"] = theta.copy()
        return np.clip(theta, -0.1, 0.1)

    w = Variable(np.array([0.05, 0.0, -0.05], np.float32), constraint=constraint)
    g = np.array([-1.0, 0.2, 1.0], np.float32)
    SGD(learning_rate=0.1).apply_gradients([(g, w)])
    np.testing.assert_allclose(received["theta"], [0.15, -0.02, -0.15], rtol=1e-6)
    np.testing.assert_allclose(w.data, [0.1, -0.02, -0.1], rtol=1e-6)


def test_none_gradients_are_dropped_with_a_warning():
    kernel, bias = _dense_variables()
    before = bias.numpy()
    with pytest.warns(UserWarning, match="sequential/dense/bias"):
        SGD().apply_gradients([(np.ones((3, 2)), kernel), (None, bias)])
    np.testing.assert_array_equal(bias.data, before)


def test_only_none_gradients_raise():
    kernel, _ = _dense_variables()
    with pytest.raises(ValueError, match="no gradients provided"):
        SGD().apply_gradients([(None, kernel)])


def test_non_trainable_variable_raises():
    kernel, bias = _dense_variables()
    bias.trainable = False
    with pytest.raises(ValueError, match="'sequential/dense/bias' is not trainable"):
        SGD().apply_gradients(zip(_random_grads([kernel, bias], 0), [kernel, bias]))


def test_unknown_variable_after_build_raises():
    kernel, bias = _dense_variables()
    optimizer = SGD()
    optimizer.apply_gradients([(np.ones((3, 2)), kernel)])
    with pytest.raises(ValueError, match=r"unknown variables \['sequential/dense/bias'\]"):
        optimizer.apply_gradients([(np.ones(2), bias)])


def test_gradient_shape_mismatch_raises():
    kernel, _ = _dense_variables()
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*shape \(3, 2\)"):
        SGD().apply_gradients([(np.ones((2, 3)), kernel)])


# --- learning rate -----------------------------------------------------------------------
def test_float_learning_rate_is_a_settable_float32_variable():
    optimizer = SGD(learning_rate=0.1)
    eta = optimizer.learning_rate
    assert isinstance(eta, Variable) and eta.name == "learning_rate"
    assert eta.dtype == np.float32 and float(eta) == pytest.approx(0.1)
    optimizer.learning_rate = 0.5
    assert optimizer.learning_rate is eta and float(eta) == 0.5
    w = Variable(np.zeros(1, np.float32))
    optimizer.apply_gradients([(np.ones(1), w)])
    np.testing.assert_allclose(w.data, [-0.5])


def test_schedule_learning_rate_reads_current_value_and_is_not_settable():
    schedule = schedules.ExponentialDecay(0.1, 2, 0.5)
    optimizer = SGD(learning_rate=schedule)
    assert [v.name for v in optimizer.variables] == ["iteration"]
    w = Variable(np.zeros(1, np.float32))
    for _ in range(3):
        optimizer.apply_gradients([(np.ones(1), w)])
    assert optimizer.learning_rate == schedule(3)
    np.testing.assert_allclose(w.data, [-(schedule(0) + schedule(1) + schedule(2))], rtol=1e-6)
    with pytest.raises(TypeError, match="ExponentialDecay"):
        optimizer.learning_rate = 0.1


def test_setting_a_schedule_replaces_the_variable():
    optimizer = SGD(learning_rate=0.1)
    optimizer.learning_rate = schedules.InverseTimeDecay(0.2, 1, 1.0)
    assert [v.name for v in optimizer.variables] == ["iteration"]
    assert optimizer.learning_rate == pytest.approx(0.2)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -0.1, "fast"])
def test_setting_a_bad_learning_rate_raises(bad):
    optimizer = SGD()
    with pytest.raises(ValueError, match=f"Received: learning_rate={bad!r}"):
        optimizer.learning_rate = bad


# --- configs, get, serialize --------------------------------------------------------------
CONFIG_CASES = [
    lambda: SGD(0.2, momentum=0.8, nesterov=True, clipnorm=1.5, name="my_sgd"),
    lambda: Adagrad(0.3, initial_accumulator_value=0.2, epsilon=1e-6, weight_decay=0.01),
    lambda: RMSprop(0.02, rho=0.8, momentum=0.3, epsilon=1e-5, centered=True, clipvalue=2.0),
    lambda: Adam(0.004, beta_1=0.8, beta_2=0.99, epsilon=1e-6, amsgrad=True),
    lambda: Adamax(0.004, beta_1=0.85, beta_2=0.95, global_clipnorm=3.0),
    lambda: Nadam(0.003, beta_1=0.95, beta_2=0.9),
    lambda: AdamW(0.005, weight_decay=0.02, amsgrad=True),
    lambda: Adam(schedules.CosineDecay(0.1, 100, alpha=0.1)),
]


@pytest.mark.parametrize("make", CONFIG_CASES)
def test_config_round_trip(make):
    optimizer = make()
    config = optimizer.get_config()
    clone = type(optimizer).from_config(config)
    assert clone.get_config() == config
    restored = optimizers.deserialize(optimizers.serialize(optimizer))
    assert type(restored) is type(optimizer)
    assert restored.get_config() == config


def test_schedule_is_serialized_in_the_config():
    config = SGD(learning_rate=schedules.ExponentialDecay(0.1, 2, 0.5)).get_config()
    assert config["learning_rate"]["class_name"] == "ExponentialDecay"
    assert config["learning_rate"]["config"]["decay_steps"] == 2


@pytest.mark.parametrize(
    "make, defaults",
    [
        (SGD, {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False}),
        (Adagrad, {"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7}),
        (RMSprop, {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7,
                   "centered": False}),
        (Adam, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7,
                "amsgrad": False}),
        (Adamax, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
        (Nadam, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
        (AdamW, {"learning_rate": 0.001, "weight_decay": 0.004, "beta_1": 0.9,
                 "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False}),
    ],
)
def test_keras_defaults(make, defaults):
    config = make().get_config()
    for key, value in defaults.items():
        assert config[key] == pytest.approx(value, rel=1e-7), key
    shared = {"clipnorm": None, "clipvalue": None, "global_clipnorm": None}
    assert {k: config[k] for k in shared} == shared


@pytest.mark.parametrize(
    "name, cls",
    [("sgd", SGD), ("SGD", SGD), ("adagrad", Adagrad), ("RMSprop", RMSprop), ("adam", Adam),
     ("Adamax", Adamax), ("nadam", Nadam), ("AdamW", AdamW)],
)
def test_get_by_name_gives_a_default_instance(name, cls):
    optimizer = optimizers.get(name)
    assert type(optimizer) is cls
    assert optimizer.get_config()["learning_rate"] == cls().get_config()["learning_rate"]


def test_get_returns_an_optimizer_instance_as_is():
    optimizer = Adam()
    assert optimizers.get(optimizer) is optimizer


def test_get_from_a_config_dict():
    optimizer = optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.5}})
    assert type(optimizer) is SGD and float(optimizer.learning_rate) == 0.5


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="adagrad, adam, adamax, adamw, nadam, rmsprop, sgd"):
        optimizers.get("adamm")


def test_default_names_are_keras_auto_names():
    assert re.fullmatch(r"rm_sprop(_\d+)?", RMSprop().name)
    first, second = Adamax().name, Adamax().name  # "adamax" or "adamax_<n>", then the next
    n = int(first.split("_")[1]) if "_" in first else 0
    assert re.fullmatch(r"adamax(_\d+)?", first) and second == f"adamax_{n + 1}"


def test_is_an_optimizer():
    assert all(isinstance(make(), Optimizer) for make in CONFIG_CASES)


# --- bad input --------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0])
def test_bad_learning_rate_raises(bad):
    with pytest.raises(ValueError, match=f"SGD: `learning_rate` must .* Received: "
                                         f"learning_rate={bad!r}"):
        SGD(learning_rate=bad)


def test_two_clipping_options_raise():
    with pytest.raises(ValueError, match=r"Received: clipnorm=1.0, clipvalue=0.5, "
                                         "global_clipnorm=None"):
        Adam(clipnorm=1.0, clipvalue=0.5)


@pytest.mark.parametrize("arg", ["clipnorm", "clipvalue", "global_clipnorm"])
def test_non_positive_clipping_raises(arg):
    with pytest.raises(ValueError, match=f"Received: {arg}=0"):
        SGD(**{arg: 0.0})


@pytest.mark.parametrize("make", [SGD, RMSprop])
@pytest.mark.parametrize("momentum", [1.5, -0.1])
def test_momentum_outside_unit_interval_raises(make, momentum):
    message = rf"{make.__name__}: momentum must be a finite float in \[0, 1\]. Received: momentum="
    with pytest.raises(ValueError, match=message + str(momentum)):
        make(momentum=momentum)


def test_lr_keyword_warns_and_is_honoured():
    with pytest.warns(DeprecationWarning, match="use `learning_rate`"):
        optimizer = SGD(lr=0.1)
    assert float(optimizer.learning_rate) == pytest.approx(0.1)


@pytest.mark.parametrize(
    "make, arg",
    [(lambda: SGD(learning_rate=1), "learning_rate"), (lambda: SGD(momentum=0), "momentum"),
     (lambda: Adam(learning_rate=1), "learning_rate")],
)
def test_integer_hyperparameters_warn_and_work(make, arg):
    with pytest.warns(DeprecationWarning, match=f"integer `{arg}`"):
        optimizer = make()
    w = Variable(np.zeros(1, np.float32))
    optimizer.apply_gradients([(np.ones(1), w)])
    assert np.isfinite(w.data).all() and w.data[0] < 0


def test_unknown_keyword_raises():
    with pytest.raises(ValueError, match=r"Argument\(s\) not recognized: \{'momentun': 0.9\}"):
        SGD(momentun=0.9)


def test_adamw_requires_weight_decay():
    with pytest.raises(ValueError, match="Received: weight_decay=None"):
        AdamW(weight_decay=None)


def test_unsupported_keras_arguments_raise_unless_default():
    Adam(use_ema=False, ema_momentum=0.99, loss_scale_factor=None)  # a Keras config loads
    with pytest.raises(ValueError, match="Received: use_ema=True"):
        Adam(use_ema=True)


def test_decay_keyword_is_ignored_with_a_warning():
    with pytest.warns(UserWarning, match="InverseTimeDecay"):
        optimizer = SGD(learning_rate=0.1, decay=0.01)
    assert float(optimizer.learning_rate) == pytest.approx(0.1)


def test_no_warning_for_float_arguments():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SGD(learning_rate=0.1, momentum=0.9)
