"""Reusable checkers for glassnet's tests.

- ``assert_gradients``: autodiff vs float64 central differences (random upstream gradient).
- ``torch_reference``: forward AND input gradients vs PyTorch, in float64.
- ``random_inputs``: float64 test inputs drawn from a named domain.
- ``assert_no_graph``: an output that recorded nothing.
- ``assert_bad_input_rejected``: a layer that takes some shapes and refuses the last one.
"""
import re

import numpy as np
import pytest
import torch

from glassnet.autodiff import Tensor, grad
from glassnet.autodiff.gradcheck import check_gradients


def assert_gradients(f, arrays, rtol=1e-5, atol=1e-7, seed=0, eps=1e-6):
    """Asserts that autodiff gradients of ``f`` match central differences.

    ``f`` takes one Tensor per array and returns a Tensor. Everything runs in
    float64 with a random upstream gradient d(loss)/d(out) (a constant one can
    hide a wrong backward). Returns the largest absolute error.
    """
    return check_gradients(f, arrays, rtol=rtol, atol=atol, seed=seed, eps=eps)


def torch_reference(fn_glassnet, fn_torch, arrays, rtol=1e-5, atol=1e-8, seed=0):
    """Asserts that glassnet and PyTorch agree on the output and every input gradient.

    Both functions get the same float64 inputs (glassnet Tensors / torch tensors,
    all requiring a gradient) and the output is pulled back with the same random
    upstream gradient. Non-array arguments (axes, indices) belong in the closures.
    """
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    tensors = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn_glassnet(*tensors)
    upstream = np.random.default_rng(seed).standard_normal(out.shape)
    grads = grad(out, tensors, output_grad=upstream)

    torch_inputs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    torch_out = fn_torch(*torch_inputs)
    torch_out.backward(torch.from_numpy(upstream).to(torch_out.dtype))

    np.testing.assert_allclose(
        out.data, torch_out.detach().numpy(), rtol=rtol, atol=atol, err_msg="forward"
    )
    for i, (g, t) in enumerate(zip(grads, torch_inputs)):
        g = np.zeros_like(arrays[i]) if g is None else g
        t_grad = np.zeros_like(arrays[i]) if t.grad is None else t.grad.numpy()
        np.testing.assert_allclose(g, t_grad, rtol=rtol, atol=atol, err_msg=f"grad of input {i}")


def random_inputs(shapes, domain="real", seed=0):
    """One float64 array per shape, with values suited to the op under test.

    Domains:
        "real":      uniform in [-2, 2]
        "positive":  uniform in [0.5, 2] (log, sqrt, power base, divisors)
        "distinct":  all values of all arrays distinct and at least 0.15 apart,
                     each at least 0.075 from any multiple of 0.25, range about
                     +-0.125 n (n = total size): safe around kinks (0, thresholds,
                     clip bounds), ties (max, maximum) and sort orders
        "wide":      as "distinct" with double the spacing (reaches beyond +-3)
    ``domain`` may be a tuple giving one domain per array.
    """
    rng = np.random.default_rng(seed)
    domains = domain if isinstance(domain, tuple) else (domain,) * len(shapes)
    arrays = [None] * len(shapes)
    for name in set(domains):
        picked = [i for i, d in enumerate(domains) if d == name]
        sizes = [int(np.prod(shapes[i], dtype=int)) for i in picked]
        values = _draw(name, sum(sizes), rng)
        for i, chunk in zip(picked, np.split(values, np.cumsum(sizes)[:-1])):
            arrays[i] = chunk.reshape(shapes[i])
    return arrays


def _draw(domain, n, rng):
    if domain == "real":
        return rng.uniform(-2.0, 2.0, n)
    if domain == "positive":
        return rng.uniform(0.5, 2.0, n)
    if domain in ("distinct", "wide"):
        step = 0.25 if domain == "distinct" else 0.5
        centers = (np.arange(n) - n // 2 + 0.5) * step  # odd multiples of step / 2
        return rng.permutation(centers) + rng.uniform(-0.2 * step, 0.2 * step, n)
    raise ValueError(f"random_inputs: unknown domain. Received: domain={domain!r}")


def assert_no_graph(out):
    """Asserts that ``out`` recorded no graph node (as under ``no_grad``)."""
    assert out._fn is None, f"a graph node was recorded: {type(out._fn).__name__}"
    assert not out.requires_grad


def escaped(text):
    """``text`` as a regular expression matching itself, where ``.*`` stays a wildcard."""
    return re.escape(text).replace(r"\.\*", ".*")


def assert_bad_input_rejected(layer, shapes, message):
    """Calls ``layer`` on zeros of each shape but the last (accepted), then asserts that
    the last one raises a ValueError whose text contains ``message``."""
    *good, bad = shapes
    for shape in good:
        layer(np.zeros(shape, dtype=np.float32))
    with pytest.raises(ValueError, match=escaped(message)):
        layer(np.zeros(bad, dtype=np.float32))


def wide_and_deep():
    """The two-input, two-output functional model of tests/data/keras-files (built here as
    Keras built it: the same names, so the same layer order and weight paths)."""
    import glassnet as keras
    from glassnet import layers

    wide = keras.Input(shape=(5,), name="wide")
    deep = keras.Input(shape=(6,), name="deep")
    hidden1 = layers.Dense(8, activation="relu", name="hidden1")(deep)
    hidden2 = layers.Dense(8, activation="relu", name="hidden2")(hidden1)
    concat = layers.Concatenate(name="concat")([wide, hidden2])
    main = layers.Dense(1, name="main_output")(concat)
    aux = layers.Dense(1, name="aux_output")(hidden2)
    return keras.Model(inputs=[wide, deep], outputs=[main, aux], name="wide_and_deep")
