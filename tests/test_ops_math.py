"""The non-differentiable ops of glassnet.ops (comparisons, logic, floor/round/sign,
argmin/argsort, all/any/count_nonzero), Keras' result dtypes for integer inputs, and
the edge cases of the differentiable math the op table does not reach (exact zeros in
products, ties in top_k, argument errors).

Values are compared with NumPy; dtypes with Keras 3's documented rules (the golden file
tests/data/keras-golden/ops.json checks the same calls against real Keras).
"""
import numpy as np
import pytest
import torch
from helpers import assert_gradients, assert_no_graph, escaped, torch_reference

from glassnet import ops
from glassnet.autodiff import Tensor, grad

X = np.array([[1.5, -2.25, 0.0, 3.0], [-0.5, 2.5, -3.5, 0.5], [np.nan, np.inf, -np.inf, -0.0]])
Y = np.array([[1.0, -2.25, 0.5, -3.0], [0.5, 2.0, -3.5, 1.0], [1.0, np.inf, 2.0, 0.0]])
A_INT = np.array([[3, -7, 0, 5], [-2, 8, 1, -4]], dtype=np.int32)
B_INT = np.array([[2, 3, -5, 4], [3, -2, 7, 2]], dtype=np.int32)

# name -> (glassnet call, NumPy reference); each runs on float64, float32 and int32 inputs
BINARY_CONSTANT = {
    "equal": np.equal, "not_equal": np.not_equal, "greater": np.greater,
    "greater_equal": np.greater_equal, "less": np.less, "less_equal": np.less_equal,
    "logical_and": np.logical_and, "logical_or": np.logical_or,
    "logical_xor": np.logical_xor,
}
UNARY_CONSTANT = {
    "logical_not": np.logical_not, "isnan": np.isnan, "isinf": np.isinf,
    "isfinite": np.isfinite, "sign": np.sign, "round": np.round,
}


def _leaf(requires_grad=True, values=X):
    return Tensor(values, requires_grad=requires_grad)


@pytest.mark.parametrize("name", sorted(BINARY_CONSTANT))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_comparisons_and_logic_are_bool_constants(name, dtype):
    a, b = _leaf(values=X.astype(dtype)), _leaf(values=Y.astype(dtype))
    with np.errstate(invalid="ignore"):
        out = getattr(ops, name)(a, b)
        expected = BINARY_CONSTANT[name](X.astype(dtype), Y.astype(dtype))
    assert out.dtype == np.bool_
    np.testing.assert_array_equal(out.data, expected)
    assert_no_graph(out)


@pytest.mark.parametrize("name", sorted(BINARY_CONSTANT))
def test_comparisons_with_python_numbers_and_integers(name):
    out = getattr(ops, name)(A_INT, 0)
    np.testing.assert_array_equal(out.data, BINARY_CONSTANT[name](A_INT, 0))
    out = getattr(ops, name)(1.5, Tensor(A_INT))
    np.testing.assert_array_equal(out.data, BINARY_CONSTANT[name](1.5, A_INT))


@pytest.mark.parametrize("name", sorted(UNARY_CONSTANT))
def test_unary_constants_match_numpy(name):
    with np.errstate(invalid="ignore"):
        out = getattr(ops, name)(_leaf())
        expected = UNARY_CONSTANT[name](X)
    np.testing.assert_array_equal(out.data, expected)
    assert out.dtype == expected.dtype
    assert_no_graph(out)


def test_round_halves_to_even_and_takes_decimals():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.125, 1.2345], dtype=np.float32)
    np.testing.assert_array_equal(ops.round(x).data, [0.0, 2.0, 2.0, -0.0, -2.0, 0.0, 1.0])
    np.testing.assert_allclose(ops.round(x, 2).data, [0.5, 1.5, 2.5, -0.5, -1.5, 0.12, 1.23])
    assert ops.round(x).dtype == np.float32


def test_floor_and_ceil_turn_integers_into_floatx():
    assert ops.floor(A_INT).dtype == np.float32
    assert ops.ceil(A_INT).dtype == np.float32
    np.testing.assert_array_equal(ops.floor(A_INT).data, A_INT.astype(np.float32))
    x = np.array([-1.5, -0.5, 0.5, 1.0], dtype=np.float32)
    np.testing.assert_array_equal(ops.floor(x).data, [-2.0, -1.0, 0.0, 1.0])
    np.testing.assert_array_equal(ops.ceil(x).data, [-1.0, -0.0, 1.0, 1.0])
    assert_no_graph(ops.floor(_leaf()))


def test_sign_keeps_integers():
    out = ops.sign(A_INT)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.data, np.sign(A_INT))


@pytest.mark.parametrize("a, b", [(A_INT, B_INT), (A_INT, 3), (-7, B_INT)])
def test_floor_divide_and_mod_of_integers_stay_integers(a, b):
    assert ops.floor_divide(a, b).dtype == np.int32
    assert ops.mod(a, b).dtype == np.int32
    np.testing.assert_array_equal(ops.floor_divide(a, b).data, np.floor_divide(a, b))
    np.testing.assert_array_equal(ops.mod(a, b).data, np.mod(a, b))


def test_mod_takes_the_sign_of_the_divisor_and_has_gradients():
    a = Tensor(np.array([5.5, -5.5, 5.5, -5.5]), requires_grad=True)
    b = Tensor(np.array([2.0, 2.0, -2.0, -2.0]), requires_grad=True)
    out = ops.mod(a, b)
    np.testing.assert_array_equal(out.data, [1.5, 0.5, -0.5, -1.5])
    ga, gb = grad(out, [a, b], output_grad=np.ones(4))
    np.testing.assert_array_equal(ga, np.ones(4))
    np.testing.assert_array_equal(gb, -np.floor(a.data / b.data))


@pytest.mark.parametrize("name", ["sin", "log2", "rsqrt", "reciprocal", "arctan", "cosh", "exp",
                                  "expm1", "log", "log1p", "sqrt", "tanh", "erf"])
def test_real_valued_functions_turn_integers_into_floatx(name):
    positive = np.array([[1, 2], [4, 8]], dtype=np.int32)
    out = getattr(ops, name)(positive)
    assert out.dtype == np.float32
    reference = getattr(ops, name)(positive.astype(np.float64))
    np.testing.assert_allclose(out.data, reference.data, rtol=1e-6)


def test_true_divide_and_arctan2_of_integers_are_floatx():
    assert ops.true_divide(A_INT, B_INT).dtype == np.float32
    np.testing.assert_allclose(ops.true_divide(A_INT, B_INT).data, A_INT / B_INT, rtol=1e-6)
    assert ops.arctan2(A_INT, B_INT).dtype == np.float32


# --------------------------------------------------------------------------
# Reductions: dtypes, indices, exact zeros
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype, expected", [
    ("bool", "int32"), ("int8", "int32"), ("int16", "int32"), ("uint8", "uint32"),
    ("int32", "int32"), ("int64", "int64"), ("float32", "float32"),
])
def test_sum_and_prod_dtypes_follow_keras(dtype, expected):
    x = np.array([[1, 0, 1], [1, 1, 1]]).astype(dtype)
    for name in ["sum", "prod"]:
        out = getattr(ops, name)(x, axis=1)
        assert out.dtype == np.dtype(expected), name
    np.testing.assert_array_equal(ops.sum(x, axis=1).data, [2, 3])
    np.testing.assert_array_equal(ops.prod(x, axis=1).data, [0, 1])


def test_prod_dtype_argument_and_cumulative_dtypes():
    x = np.array([1, 2, 3], dtype=np.int8)
    assert ops.prod(x, dtype="float32").dtype == np.float32
    assert ops.cumsum(x).dtype == np.int8  # Keras keeps cumsum / cumprod dtypes (bool: int32)
    assert ops.cumprod(np.array([True, True])).dtype == np.int32
    assert ops.cumsum(x, dtype="int64").dtype == np.int64


@pytest.mark.parametrize("dtype", ["int32", "bool"])
def test_mean_and_average_of_integers_are_floatx(dtype):
    x = np.array([[1, 0, 1], [1, 1, 0]]).astype(dtype)
    assert ops.mean(x).dtype == np.float32
    np.testing.assert_allclose(ops.mean(x, axis=0).data, [1.0, 0.5, 0.5])
    assert ops.average(x, axis=1).dtype == np.float32


@pytest.mark.parametrize("name", ["argmin", "argmax"])
@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (-1, True)])
def test_argmin_argmax_are_int32_and_pick_the_first_tie(name, axis, keepdims):
    x = np.array([[1.0, 3.0, 3.0, -1.0], [-1.0, 0.0, 3.0, -1.0]])
    out = getattr(ops, name)(_leaf(values=x), axis=axis, keepdims=keepdims)
    expected = getattr(np, name)(x, axis=axis, keepdims=keepdims)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.data, expected)
    assert_no_graph(out)


def test_argmax_flattens_by_default_like_keras():
    assert int(ops.argmax(np.array([[0.0, 1.0], [5.0, 2.0]]))) == 2


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_all_any_count_nonzero(axis):
    x = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]])
    assert ops.all(x, axis=axis).dtype == np.bool_
    np.testing.assert_array_equal(ops.all(x, axis=axis).data, np.all(x, axis=axis))
    np.testing.assert_array_equal(ops.any(x, axis=axis).data, np.any(x, axis=axis))
    count = ops.count_nonzero(x, axis=axis)
    assert count.dtype == np.int32
    np.testing.assert_array_equal(count.data, np.count_nonzero(x, axis=axis))
    assert ops.all(x, axis=axis, keepdims=True).shape == np.all(x, axis, keepdims=True).shape


def test_argsort_is_stable_and_int32():
    x = np.array([[2.0, 1.0, 2.0, 1.0, 0.0]])
    out = ops.argsort(x)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.data, [[4, 1, 3, 0, 2]])
    np.testing.assert_array_equal(ops.argsort(x, axis=None).data, [4, 1, 3, 0, 2])


def test_top_k_breaks_ties_by_lower_index_and_sends_gradients_there():
    x = Tensor(np.array([[1.0, 3.0, 3.0, 2.0, 3.0]]), requires_grad=True)
    values, indices = ops.top_k(x, 3)
    np.testing.assert_array_equal(values.data, [[3.0, 3.0, 3.0]])
    np.testing.assert_array_equal(indices.data, [[1, 2, 4]])
    assert indices.dtype == np.int32
    (g,) = grad(values, [x], output_grad=np.array([[1.0, 10.0, 100.0]]))
    np.testing.assert_array_equal(g, [[0.0, 1.0, 10.0, 0.0, 100.0]])


@pytest.mark.parametrize("k", [-1, 6, 2.0, True])
def test_top_k_rejects_bad_k(k):
    with pytest.raises(ValueError, match=escaped(f"top_k: k must be an integer between 0 and "
                                                 f"the size of the last axis (5). "
                                                 f"Received: k={k!r}")):
        ops.top_k(np.zeros((2, 5)), k)


ZERO_CASES = {
    "one-zero": np.array([[2.0, 0.0, 3.0, -1.5]]),
    "two-zeros": np.array([[0.0, 2.0, 0.0, 3.0]]),
    "no-zero": np.array([[2.0, -1.0, 3.0, 0.5]]),
}


@pytest.mark.parametrize("name", sorted(ZERO_CASES))
def test_prod_and_cumprod_gradients_are_exact_with_zeros(name):
    x = ZERO_CASES[name]
    torch_reference(lambda a: ops.prod(a, axis=-1), lambda a: torch.prod(a, dim=-1), [x])
    torch_reference(lambda a: ops.cumprod(a, axis=-1), lambda a: torch.cumprod(a, dim=-1), [x])
    assert_gradients(lambda a: ops.cumprod(a, axis=1), [x], seed=3)
    # by hand: d prod / d x_i = the product of the others (1 * 2 * 3 ... without x_i)
    t = Tensor(x, requires_grad=True)
    (g,) = grad(ops.prod(t), [t])
    expected = [np.prod(np.delete(x, i)) for i in range(x.size)]
    np.testing.assert_array_equal(g.ravel(), expected)


def test_average_rejects_mismatched_weights():
    with pytest.raises(ValueError, match=escaped("average: weights must have the shape of x")):
        ops.average(np.ones((3, 4)), axis=0, weights=np.ones(4))
    with pytest.raises(ValueError, match=escaped("Received: weights.shape=(4,), "
                                                 "x.shape=(3, 4), axis=None")):
        ops.average(np.ones((3, 4)), weights=np.ones(4))


# --------------------------------------------------------------------------
# Norms and cross-entropies: arguments and edge cases
# --------------------------------------------------------------------------


def test_norm_arguments_and_errors():
    x = np.arange(24.0).reshape(2, 3, 4)
    assert ops.norm(x).shape == ()
    np.testing.assert_allclose(ops.norm(x).data, np.linalg.norm(x.ravel()))
    assert ops.norm(np.array([3, 4], dtype=np.int32)).dtype == np.float32
    np.testing.assert_array_equal(ops.norm(np.array([[0.0, 2.0, 0.0]]), ord=0, axis=1).data,
                                  [1.0])
    with pytest.raises(ValueError, match=escaped("norm: with axis=None and an ord, x must be "
                                                 "1-D or 2-D. Received: x.shape=(2, 3, 4)")):
        ops.norm(x, ord=1)
    with pytest.raises(ValueError, match=escaped("norm: invalid ord 'fro' for a vector norm.")):
        ops.norm(x, ord="fro", axis=0)
    with pytest.raises(ValueError, match=escaped("norm: invalid ord 3 for a matrix norm.")):
        ops.norm(x, ord=3, axis=(0, 1))
    with pytest.raises(ValueError, match=escaped("norm: axis must be an int or a pair")):
        ops.norm(x, axis=(0, 1, 2))


def test_normalize_caps_the_scale_of_zero_vectors_and_checks_order():
    out = ops.normalize(np.zeros((2, 3), dtype=np.float32))
    np.testing.assert_array_equal(out.data, np.zeros((2, 3)))
    with pytest.raises(ValueError, match=escaped("normalize: order must be an int >= 1. "
                                                 "Received: order=0.5")):
        ops.normalize(np.ones(3), order=0.5)


def test_crossentropies_reject_mismatched_shapes():
    with pytest.raises(ValueError, match=escaped(
            "categorical_crossentropy: target and output must have the same shape (rank >= 1)."
            " Received: target.shape=(3, 4), output.shape=(3, 5)")):
        ops.categorical_crossentropy(np.zeros((3, 4)), np.ones((3, 5)))
    with pytest.raises(ValueError, match=escaped(
            "sparse_categorical_crossentropy: target must have the shape of output without its "
            "last axis. Received: target.shape=(4,), output.shape=(3, 5)")):
        ops.sparse_categorical_crossentropy(np.zeros(4, dtype=int), np.ones((3, 5)))
    with pytest.raises(ValueError, match=escaped("binary_crossentropy: target and output must "
                                                 "have the same shape.")):
        ops.binary_crossentropy(np.zeros(3), np.ones(4))


def test_crossentropies_clip_probabilities_like_keras():
    # p = 0 or 1 exactly: Keras clips to [1e-7, 1 - 1e-7], so the loss is finite.
    target = np.array([[0.0, 1.0]], dtype=np.float32)
    out = ops.categorical_crossentropy(target, np.array([[1.0, 0.0]], dtype=np.float32))
    np.testing.assert_allclose(out.data, [-np.log(np.float32(1e-7))], rtol=1e-6)
    out = ops.binary_crossentropy(target, np.array([[1.0, 0.0]], dtype=np.float32))
    one_minus_eps = np.float32(1.0) - np.float32(1e-7)  # rounds to 1 - 1.19e-7 in float32
    expected = -np.log(np.float32(1.0) - one_minus_eps)  # t = 0, p = 1: -log(1 - p)
    np.testing.assert_allclose(out.data, [[expected, -np.log(np.float32(1e-7))]], rtol=1e-6)
    labels = np.array([[1]])  # (N, 1) labels are squeezed, as in Keras
    out = ops.sparse_categorical_crossentropy(labels, np.array([[0.25, 0.75]]))
    np.testing.assert_allclose(out.data, [-np.log(0.75)])


def test_one_hot_axis_and_out_of_range():
    out = ops.one_hot(np.array([2, 0, 5]), 3, axis=0)
    np.testing.assert_array_equal(out.data, [[0, 1, 0], [0, 0, 0], [1, 0, 0]])
    assert out.dtype == np.float32
    with pytest.raises(ValueError, match=escaped("one_hot: glassnet has no sparse tensors")):
        ops.one_hot(np.array([1]), 2, sparse=True)


def test_keras_argument_names_are_accepted():
    x = np.array([[1.0, -2.0], [3.0, 0.5]])
    ops.clip(x, x_min=-1.0, x_max=1.0)
    ops.add(x1=x, x2=x)
    ops.reshape(x, newshape=(4,))
    ops.concatenate(xs=[x, x], axis=0)
    ops.stack(x=[x, x])
    ops.stop_gradient(variable=x)
    ops.cast(x=x, dtype="float32")
    ops.repeat(x, repeats=2)  # axis=None: flattened, as in Keras
    np.testing.assert_array_equal(ops.repeat(x, 2).data, np.repeat(x, 2))
    ops.moments(x, axes=[0], synchronized=False)


def test_trunc_isclose_and_shape_helpers():
    x = np.array([-1.7, -0.2, 0.5, 2.9], dtype=np.float32)
    np.testing.assert_array_equal(ops.trunc(x).data, [-1.0, -0.0, 0.0, 2.0])
    assert ops.trunc(x).dtype == np.float32
    assert ops.trunc(np.array([3, -4], dtype=np.int32)).dtype == np.int32
    close = ops.isclose(np.array([1.0, np.nan, 2.0]), np.array([1.0 + 1e-9, np.nan, 2.1]))
    np.testing.assert_array_equal(close.data, [True, False, False])
    with_nan = ops.isclose(np.array([np.nan]), np.array([np.nan]), equal_nan=True)
    np.testing.assert_array_equal(with_nan.data, [True])
    assert_no_graph(ops.trunc(_leaf()))
    assert ops.ndim(np.zeros((2, 3, 4))) == 3 and isinstance(ops.ndim(Tensor(1.0)), int)
    assert ops.size(Tensor(np.zeros((2, 3)))) == 6
    assert ops.is_tensor(Tensor(1.0)) and not ops.is_tensor(np.ones(2))
    rows, cols = ops.nonzero(np.array([[0, 3], [4, 0]]))
    np.testing.assert_array_equal(rows.data, [0, 1])
    np.testing.assert_array_equal(cols.data, [1, 0])
    assert rows.dtype == np.int32


def test_logaddexp_splits_the_gradient_evenly_at_ties_and_does_not_overflow():
    a = Tensor(np.array([1.0, 1000.0, -1000.0]), requires_grad=True)
    b = Tensor(np.array([1.0, 1000.0, 0.0]), requires_grad=True)
    out = ops.logaddexp(a, b)
    np.testing.assert_allclose(out.data, [1.0 + np.log(2.0), 1000.0 + np.log(2.0), 0.0])
    ga, gb = grad(out, [a, b], output_grad=np.ones(3))
    np.testing.assert_allclose(ga, [0.5, 0.5, 0.0])
    np.testing.assert_allclose(gb, [0.5, 0.5, 1.0])


def test_divide_no_nan_gives_zero_and_a_zero_gradient_at_zero_divisors():
    a = Tensor(np.array([1.0, 2.0, 0.0]), requires_grad=True)
    b = Tensor(np.array([0.0, 4.0, 0.0]), requires_grad=True)
    out = ops.divide_no_nan(a, b)
    np.testing.assert_array_equal(out.data, [0.0, 0.5, 0.0])
    ga, gb = grad(out, [a, b], output_grad=np.ones(3))
    np.testing.assert_array_equal(ga, [0.0, 0.25, 0.0])
    np.testing.assert_array_equal(gb, [0.0, -2.0 / 16.0, 0.0])


def test_unstack_and_copy():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    pieces = ops.unstack(x, num=3, axis=1)
    assert [p.shape for p in pieces] == [(2,), (2,), (2,)]
    with pytest.raises(ValueError, match=escaped("unstack: num must be the size of axis 1 (3). "
                                                 "Received: num=2")):
        ops.unstack(x, num=2, axis=1)
    copied = ops.copy(x)
    copied.data[0, 0] = 100.0  # its own memory
    assert x.data[0, 0] == 0.0
