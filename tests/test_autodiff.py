"""The autodiff engine: graph recording, gradient accumulation, broadcasting, no_grad,
Variables, dtype rules for mixed operands, and the Tensor's Python protocol."""
import sys

import numpy as np
import pytest
import torch
from helpers import assert_gradients, assert_no_graph, random_inputs, torch_reference

from glassnet import ops
from glassnet.autodiff import (
    Tensor,
    Variable,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    unbroadcast,
)

# --------------------------------------------------------------------------
# Accumulation: a tensor used more than once gets the sum of its gradients
# --------------------------------------------------------------------------


def test_tensor_used_twice_accumulates():
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * x.data)


def test_diamond_graph_matches_torch():
    # x feeds two branches that meet again, plus a skip connection at another depth.
    def diamond(x, exp, tanh):
        left = exp(x * 0.5)
        right = tanh(x) * x
        return left * right + x

    x = random_inputs([(3, 4)], seed=1)[0]
    torch_reference(lambda t: diamond(t, ops.exp, ops.tanh),
                    lambda t: diamond(t, torch.exp, torch.tanh), [x])
    assert_gradients(lambda t: diamond(t, ops.exp, ops.tanh), [x])


def test_shared_intermediate_reaches_the_leaf_once_per_path():
    x = Tensor(np.array(2.0), requires_grad=True)
    u = x * 3.0
    out = u * u + u  # d/dx = (2u + 1) * 3
    out.backward()
    assert float(x.grad) == pytest.approx((2 * 6.0 + 1) * 3)


def test_consumers_recorded_long_after_their_input_are_all_summed():
    """The reverse sweep goes by recording order: every consumer of ``h`` (one made
    early, one made after a long unrelated chain) adds its part before ``h`` is used."""
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    h = x * 2.0
    early = h * 3.0
    chain = x
    for _ in range(20):
        chain = chain * 1.0
    late = ops.exp(h)
    out = (early + late + chain).sum()
    (dx,) = grad(out, [x])
    np.testing.assert_allclose(dx, 2.0 * (3.0 + np.exp(2.0 * x.data)) + 1.0)


def test_backward_twice_accumulates_into_grad():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    out = (x * x).sum()
    out.backward()
    out.backward()
    np.testing.assert_allclose(x.grad, 2 * (2 * x.data))


def test_stored_gradients_are_writable_and_not_shared():
    # Sum's backward is a read-only broadcast view and Add hands the same array
    # to both inputs; what lands in .grad must still be each leaf's own array.
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    seed = np.array([1.0, 2.0, 3.0])
    (a + b).backward(seed)
    assert a.grad is not b.grad
    assert not np.shares_memory(a.grad, seed)
    a.grad *= 0.0
    np.testing.assert_array_equal(b.grad, seed)

    c = Tensor(np.ones((2, 3)), requires_grad=True)
    (g,) = grad(c.sum(), [c])
    g[0, 0] = 5.0  # writable, and only this one entry changes
    assert g.sum() == 10.0


# --------------------------------------------------------------------------
# Broadcasting is undone in one place
# --------------------------------------------------------------------------


UNBROADCAST = {
    (3, 1): lambda g: g.sum(axis=(0, 2))[:, None],
    (1, 4): lambda g: g.sum(axis=(0, 1))[None, :],
    (4,): lambda g: g.sum(axis=(0, 1)),
    (1, 1, 4): lambda g: g.sum(axis=(0, 1))[None, None, :],
    (): lambda g: g.sum(),
    (2, 3, 4): lambda g: g,
}


@pytest.mark.parametrize("shape", list(UNBROADCAST), ids=str)
def test_unbroadcast_sums_the_broadcast_axes(shape):
    g = np.random.default_rng(0).standard_normal((2, 3, 4))
    out = unbroadcast(g, shape)
    assert out.shape == shape
    np.testing.assert_allclose(out, UNBROADCAST[shape](g))


@pytest.mark.parametrize(
    "shape_a, shape_b",
    [((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 1)), ((3, 4), ()), ((), (2, 1, 4))],
    ids=str,
)
def test_broadcast_gradients_have_the_input_shapes(shape_a, shape_b):
    a, b = random_inputs([shape_a, shape_b], "positive", seed=2)
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = ta * tb + tb
    upstream = np.random.default_rng(3).standard_normal(out.shape)
    ga, gb = grad(out, [ta, tb], output_grad=upstream)
    assert ga.shape == shape_a and gb.shape == shape_b
    torch_reference(lambda x, y: x * y + y, lambda x, y: x * y + y, [a, b])


def test_python_scalar_operand_gets_no_gradient_and_no_error():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (3.0 * x + 1.0).sum().backward()
    np.testing.assert_allclose(x.grad, [3.0, 3.0])


# --------------------------------------------------------------------------
# backward() and grad()
# --------------------------------------------------------------------------


def test_backward_on_non_scalar_needs_grad():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = x * 2.0
    with pytest.raises(ValueError, match=r"pass grad= for an output of shape \(2, 3\)"):
        y.backward()
    y.backward(np.full((2, 3), 0.5))
    np.testing.assert_allclose(x.grad, np.ones((2, 3)))


def test_backward_with_a_grad_of_the_wrong_size_is_a_clear_error():
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"Received: grad.shape=\(4,\)"):
        (x * 2.0).backward(np.ones(4))


def test_backward_on_a_size_one_output_needs_no_grad():
    x = Tensor(np.array([[3.0]]), requires_grad=True)
    (x * x).backward()
    np.testing.assert_allclose(x.grad, [[6.0]])


def test_grad_on_intermediate_tensors():
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    y = x * 2.0
    z = (y * y).sum()
    gy, gx = grad(z, [y, x])
    np.testing.assert_allclose(gy, 2 * y.data)
    np.testing.assert_allclose(gx, 8 * x.data)
    assert x.grad is None and y.grad is None  # grad() stores nothing


def test_grad_with_an_explicit_output_grad():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    (g,) = grad(ops.exp(x), [x], output_grad=np.array([1.0, 0.0, -1.0]))
    np.testing.assert_allclose(g, np.exp(x.data) * [1.0, 0.0, -1.0])


def test_grad_of_unrelated_source_is_none():
    x = Tensor(np.ones(2), requires_grad=True)
    w = Tensor(np.ones(2), requires_grad=True)
    assert grad((x * 2.0).sum(), [x, w])[1] is None


def test_leaves_without_requires_grad_get_no_grad():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, 4.0]))
    out = (a * b).sum()
    out.backward()
    np.testing.assert_allclose(a.grad, b.data)
    assert b.grad is None
    assert out.grad is None  # only leaves keep a gradient


def test_backward_on_an_output_without_graph_stores_nothing():
    x = Tensor(np.array([1.0, 2.0]))
    out = (x * 2.0).sum()
    assert not out.requires_grad
    out.backward()
    assert out.grad is None and x.grad is None


def test_detach_and_stop_gradient_cut_the_graph():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    for cut in (x.detach(), ops.stop_gradient(x)):
        assert_no_graph(cut)
        assert grad((cut * x).sum(), [x])[0].tolist() == x.data.tolist()


def test_comparisons_return_bool_tensors_without_graph():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    for result in (x < 2.0, x <= 2.0, x > 2.0, x >= Tensor(np.array(2.0))):
        assert result.dtype == np.bool_
        assert_no_graph(result)
    np.testing.assert_array_equal((x >= 2.0).data, [False, True, True])


def test_deep_chain_does_not_hit_the_recursion_limit():
    depth = 5000
    assert depth > sys.getrecursionlimit()
    x = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    y = x
    for _ in range(depth):
        y = y * 1.0001 + 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001**depth] * 2, rtol=1e-9)
    del y  # freeing the long chain must not overflow either


# --------------------------------------------------------------------------
# no_grad / enable_grad
# --------------------------------------------------------------------------


def test_no_grad_records_nothing_and_restores_the_mode():
    x = Tensor(np.ones(3), requires_grad=True)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        assert_no_graph(ops.exp(x * 2.0).sum())
    assert is_grad_enabled()
    assert (x * 2.0).requires_grad


def test_no_grad_nesting_and_enable_grad():
    x = Tensor(np.ones(3), requires_grad=True)
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()  # the inner exit keeps the outer mode
        with enable_grad():
            assert is_grad_enabled()
            recorded = x * 2.0
        assert not is_grad_enabled()
        assert_no_graph(x * 2.0)
    assert is_grad_enabled()
    assert recorded.requires_grad and recorded._fn is not None
    (g,) = grad(recorded.sum(), [x])
    np.testing.assert_allclose(g, [2.0, 2.0, 2.0])


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("boom")
    assert is_grad_enabled()


def test_no_grad_as_decorator():
    @no_grad()
    def predict(x):
        """Doubles x."""
        assert not is_grad_enabled()
        return x * 2.0

    x = Tensor(np.ones(2), requires_grad=True)
    assert_no_graph(predict(x))
    assert is_grad_enabled()
    assert predict.__name__ == "predict" and predict.__doc__ == "Doubles x."


# --------------------------------------------------------------------------
# Variable
# --------------------------------------------------------------------------


def test_variable_defaults():
    v = Variable(np.array([1.0, 2.0]), name="kernel", path="sequential/dense/kernel")
    assert v.dtype == np.float32  # float64 values become floatx
    assert v.requires_grad and v.trainable
    assert v.name == "kernel" and v.path == "sequential/dense/kernel"
    assert v.value is v.data
    copy = v.numpy()
    copy[0] = 9.0
    assert v.data[0] == 1.0  # numpy() is a copy
    assert np.asarray(v) is v.data


def test_variable_from_initializer_needs_shape():
    v = Variable(lambda shape, dtype: np.full(shape, 0.5, dtype=dtype), shape=(2, 3))
    assert v.shape == (2, 3) and v.dtype == np.float32
    with pytest.raises(ValueError, match="shape"):
        Variable(lambda shape, dtype: np.zeros(shape, dtype=dtype))


def test_variable_updates_keep_the_same_array():
    v = Variable(np.zeros((2, 3)))
    array = v.data
    v.assign(np.arange(6.0).reshape(2, 3))
    v.assign_add(np.ones((2, 3)))
    v.assign_sub(Tensor(np.full((2, 3), 0.5)))
    assert v.data is array
    assert v.dtype == np.float32
    np.testing.assert_allclose(array, np.arange(6.0).reshape(2, 3) + 0.5)
    v.assign(Tensor(np.zeros((2, 3))))
    assert v.data is array and not array.any()


@pytest.mark.parametrize("shape", [(3, 2), (6,), (2, 3, 1), (3,)], ids=str)
def test_variable_assign_rejects_a_wrong_shape(shape):
    v = Variable(np.zeros((2, 3)), path="dense/kernel")
    with pytest.raises(ValueError, match=r"dense/kernel.*\(2, 3\).*Received: value.shape="):
        v.assign(np.ones(shape))
    assert not v.data.any()


def test_variable_trainable_toggles_gradients():
    v = Variable(np.array([1.0, 2.0]), trainable=False)
    assert not v.requires_grad
    (v * 3.0).sum().backward()
    assert v.grad is None
    v.trainable = True
    assert v.requires_grad
    (v * 3.0).sum().backward()
    np.testing.assert_allclose(v.grad, [3.0, 3.0])
    v.trainable = False
    assert not v.trainable and not v.requires_grad


def test_variable_in_a_graph_gets_the_right_gradient():
    w = Variable(np.array([[1.0, -1.0], [0.5, 2.0]]), dtype="float64")
    x = random_inputs([(3, 2)], seed=4)[0]
    out = ops.tanh(Tensor(x) @ w).sum()
    out.backward()
    expected = x.T @ (1 - np.tanh(x @ w.data) ** 2)
    np.testing.assert_allclose(w.grad, expected)


# --------------------------------------------------------------------------
# dtypes of mixed operands
#
# Rule: operands that are not Tensors (Python numbers, lists, NumPy arrays of any
# kind) take the float dtype of the Tensor operands, so a float32 graph stays
# float32 whatever the user mixes in. Two Tensors of different dtypes follow
# NumPy's promotion (float32 with float64 gives float64).
# --------------------------------------------------------------------------

FLOAT32 = Tensor(np.array([1.0, 2.0, 3.0], dtype=np.float32), requires_grad=True)
OTHER_OPERANDS = {
    "python float": 2.5,
    "python int": 2,
    "list": [1.0, 2.0, 3.0],
    "np.float64 scalar": np.float64(2.5),
    "float64 array": np.array([1.0, 2.0, 3.0]),
    "int64 array": np.array([1, 2, 3]),
    "bool array": np.array([True, False, True]),
}


@pytest.mark.parametrize("name", sorted(OTHER_OPERANDS))
@pytest.mark.parametrize(
    "op",
    [
        lambda t, o: t + o,
        lambda t, o: o + t,
        lambda t, o: o * t,
        lambda t, o: t - o,
        lambda t, o: o / (t + 1.0),
        lambda t, o: ops.maximum(o, t),
        lambda t, o: ops.where(np.array([True, False, True]), t, o),
        lambda t, o: ops.concatenate([t, np.broadcast_to(o, (3,))]),
    ],
    ids=["t+o", "o+t", "o*t", "t-o", "o/t", "maximum", "where", "concatenate"],
)
def test_non_tensor_operands_take_the_tensor_dtype(op, name):
    out = op(FLOAT32, OTHER_OPERANDS[name])
    assert out.dtype == np.float32
    (g,) = grad(out, [FLOAT32], output_grad=np.ones(out.shape, dtype=np.float32))
    assert g.dtype == np.float32


def test_values_of_mixed_operands_are_numpy_values_in_the_tensor_dtype():
    t = Tensor(np.array([1.5, 2.5], dtype=np.float32))
    np.testing.assert_array_equal((t * np.array([0.1, 3.0])).data,
                                  t.data * np.array([0.1, 3.0], dtype=np.float32))
    np.testing.assert_array_equal((t + np.array([1, 2])).data, [2.5, 4.5])


def test_float64_tensor_with_float32_array_stays_float64():
    t = Tensor(np.array([1.0, 2.0]))
    assert (t * np.array([1.0, 2.0], dtype=np.float32)).dtype == np.float64


def test_two_tensors_of_different_dtypes_promote_like_numpy():
    a = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    b = Tensor(np.ones(2, dtype=np.float64), requires_grad=True)
    assert (a + b).dtype == np.float64


def test_tensor_constructor_dtypes():
    assert Tensor(1.5).dtype == np.float32  # Python floats become floatx
    assert Tensor([1.0, 2.0]).dtype == np.float32
    assert Tensor(np.array([1.0])).dtype == np.float64  # arrays keep their dtype
    assert Tensor([1, 2]).dtype.kind == "i"  # integers stay integers
    assert Tensor([1.0], dtype="float64").dtype == np.float64
    with pytest.raises(TypeError, match="cannot convert"):
        Tensor({"a": 1})


def test_ndarray_on_the_left_defers_to_the_tensor():
    t = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    out = np.array([3.0, 4.0]) * t
    assert isinstance(out, Tensor) and out.dtype == np.float32
    np.testing.assert_allclose(grad(out.sum(), [t])[0], [3.0, 4.0])


# --------------------------------------------------------------------------
# The Tensor's Python protocol
# --------------------------------------------------------------------------


def test_tensor_repr():
    t = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32))
    text = repr(t)
    assert text.startswith("<Tensor shape=(2, 2), dtype=float32, numpy=\n")
    assert text.endswith(">")
    body = text.split("\n", 1)[1]
    assert body.splitlines() == ["[[1., 2.],", " [3., 4.]]>"]  # rows aligned
    assert "path=dense/bias" in repr(Variable(np.zeros(2), path="dense/bias"))


def test_tensor_format_and_conversions():
    t = Tensor(np.array(1.23456, dtype=np.float32))
    assert f"{t:.2f}" == "1.23"
    assert format(t) == format(t.data.item())
    assert float(t) == pytest.approx(1.23456, rel=1e-6)
    assert int(Tensor(np.array(3.7))) == 3
    assert bool(Tensor(np.array(1.0)))
    assert t.item() == pytest.approx(1.23456, rel=1e-6)
    vector = Tensor(np.array([1.0, 2.0]))
    assert f"{vector}" == repr(vector)
    assert len(vector) == 2 and vector.size == 2 and vector.ndim == 1


def test_full_reductions_are_arrays():
    # NumPy returns scalars for full reductions; Tensor.data must stay an ndarray.
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    for out in (x.sum(), x.mean(), x.max(), x[1, 2], ops.min(x)):
        assert isinstance(out.data, np.ndarray) and out.shape == ()
        assert np.asarray(out).shape == ()
        assert float(out) == float(out.data)


def test_array_protocol():
    t = Tensor(np.array([1.0, 2.0], dtype=np.float32))
    assert np.asarray(t) is t.data
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert t.numpy() is t.data
    np.testing.assert_array_equal(np.exp(t), np.exp(t.data))  # NumPy functions accept Tensors
