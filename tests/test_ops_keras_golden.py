"""glassnet.ops against real Keras (tests/data/keras-golden/ops.json, made by
scripts/make_keras_golden_ops.py with Keras 3.15.1, JAX backend, float32).

Each golden entry is a Python expression over ``ops``, ``np`` and named inputs; here the
same text runs with glassnet.ops and must give Keras' values (float32 tolerance), dtype
and shape.  The gradient entries give d/d<input> of sum(w * expression) from jax.grad.
"""
import numpy as np
import pytest
from conftest import golden

from glassnet import ops
from glassnet.autodiff import Tensor, grad

RTOL, ATOL = 2e-5, 2e-6


@pytest.fixture(scope="module")
def data():
    return golden("ops")


def _inputs(data):
    return {name: np.asarray(entry["value"], dtype=entry["dtype"])
            for name, entry in data["inputs"].items()}


def _evaluate(expression, env):
    return eval(expression, {**env, "ops": ops, "np": np})


def _assert_matches(result, expected, where):
    if "list" in expected:
        assert isinstance(result, (tuple, list)), f"{where}: expected a sequence"
        assert len(result) == len(expected["list"]), where
        for k, (r, e) in enumerate(zip(result, expected["list"])):
            _assert_matches(r, e, f"{where}[{k}]")
        return
    array = np.asarray(result.data if isinstance(result, Tensor) else result)
    assert array.shape == tuple(expected["shape"]), where
    assert array.dtype.name == expected["dtype"], where
    want = np.asarray(expected["value"], dtype=expected["dtype"])
    if want.dtype.kind == "f":
        np.testing.assert_allclose(array, want, rtol=RTOL, atol=ATOL, err_msg=where)
    else:
        np.testing.assert_array_equal(array, want, err_msg=where)


def _value_ids():
    return [key for key, entry in golden("ops")["values"].items() if "error" not in entry]


def _gradient_ids():
    return list(golden("ops")["gradients"])


@pytest.mark.parametrize("expression", _value_ids())
def test_value_dtype_and_shape_match_keras(expression, data):
    result = _evaluate(expression, _inputs(data))
    _assert_matches(result, data["values"][expression], expression)


@pytest.mark.parametrize("expression", _gradient_ids())
def test_gradient_matches_jax(expression, data):
    entry = data["gradients"][expression]
    env = _inputs(data)
    sources = {name: Tensor(env[name], requires_grad=True) for name in entry["grads"]}
    out = _evaluate(expression, {**env, **sources})
    upstream = np.asarray(entry["w"], dtype=out.dtype)
    grads = grad(out, list(sources.values()), output_grad=upstream)
    for (name, g), expected in zip(zip(sources, grads), entry["grads"].values()):
        expected = np.asarray(expected, dtype=np.float32)
        g = np.zeros_like(expected) if g is None else g
        np.testing.assert_allclose(g, expected, rtol=1e-4, atol=1e-5, err_msg=name)
