"""glassnet.ops control flow (cond, fori_loop, while_loop, map, vectorized_map, scan):
values against plain Python loops, nested structures, Keras' return structures, and
gradients flowing through the loops (float64 finite differences, random upstream).
"""
import numpy as np
import pytest
from helpers import assert_gradients, escaped

from glassnet import ops
from glassnet.autodiff import Tensor

X = np.random.default_rng(0).standard_normal((4, 3))
V = np.random.default_rng(1).standard_normal(3)


def test_cond_calls_one_branch():
    calls = []
    out = ops.cond(ops.sum(X) > 100, lambda: calls.append("t") or 1,
                   lambda: calls.append("f") or 2)
    assert out == 2
    assert calls == ["f"]
    assert ops.cond(np.array(True), lambda: "yes", lambda: "no") == "yes"


def test_cond_is_differentiable_through_the_taken_branch():
    assert_gradients(lambda x: ops.cond(True, lambda: ops.sin(x), lambda: ops.cos(x)), [X])
    assert_gradients(lambda x: ops.cond(False, lambda: ops.sin(x), lambda: x * x), [X])


def test_fori_loop_matches_a_python_loop_and_returns_tensors():
    out = ops.fori_loop(1, 5, lambda i, acc: acc * 2 + i, V)
    expected = V.copy()
    for i in range(1, 5):
        expected = expected * 2 + i
    np.testing.assert_allclose(out.data, expected)
    count = ops.fori_loop(0, 3, lambda i, n: n + 1, 0)
    assert isinstance(count, Tensor)
    assert count.dtype == np.int32 and int(count) == 3
    pair = ops.fori_loop(0, 2, lambda i, s: (s[0] + 1, s[1] * 2), (0, V))
    assert int(pair[0]) == 2
    np.testing.assert_allclose(pair[1].data, V * 4)


def test_fori_loop_gradient():
    assert_gradients(lambda v: ops.fori_loop(0, 3, lambda i, a: ops.sin(a) * (i + 1.0), v), [V])


def test_while_loop_returns_the_structure_it_was_given():
    single = ops.while_loop(lambda a: ops.sum(a) < 50, lambda a: a * 2 + 1, np.ones(3))
    assert isinstance(single, Tensor)
    np.testing.assert_array_equal(single.data, [31.0, 31.0, 31.0])  # 1, 3, 7, 15 (sum 45), 31
    pair = ops.while_loop(lambda a, n: n < 3, lambda a, n: (a + 1.0, n + 1), (V, 0))
    assert isinstance(pair, tuple) and len(pair) == 2
    np.testing.assert_allclose(pair[0].data, V + 3.0)
    assert int(pair[1]) == 3 and pair[1].dtype == np.int32
    as_list = ops.while_loop(lambda a: ops.max(a) < 10, lambda a: [a * 3], [np.ones(2)])
    assert isinstance(as_list, list)
    np.testing.assert_array_equal(as_list[0].data, [27.0, 27.0])


def test_while_loop_stops_at_maximum_iterations():
    out = ops.while_loop(lambda n: True, lambda n: n + 1, 0, maximum_iterations=5)
    assert int(out) == 5
    out = ops.while_loop(lambda n: n < 2, lambda n: n + 1, 0, maximum_iterations=5)
    assert int(out) == 2


def test_while_loop_gradient():
    def f(v):
        return ops.while_loop(lambda a, n: n < 3, lambda a, n: (ops.tanh(a) * 1.5, n + 1),
                              (v, 0))[0]

    assert_gradients(f, [V])


def test_map_and_vectorized_map_stack_per_row_results():
    for fn in [ops.map, ops.vectorized_map]:
        out = fn(lambda row: ops.sum(row * row), X)
        np.testing.assert_allclose(out.data, (X * X).sum(axis=1))
        outer = fn(lambda row: ops.outer(row, row[:2]), X)
        assert outer.shape == (4, 3, 2)
        np.testing.assert_allclose(outer.data[2], np.outer(X[2], X[2, :2]))


def test_map_over_nested_structures():
    out = ops.map(lambda d: {"p": d["a"] * d["b"], "s": d["a"] + 1.0}, {"a": X, "b": X[::-1]})
    assert set(out) == {"p", "s"}
    np.testing.assert_allclose(out["p"].data, X * X[::-1])
    np.testing.assert_allclose(out["s"].data, X + 1.0)
    pairs = ops.map(lambda t: (t[0] - t[1], t[0] * 2.0), (X, X))
    assert isinstance(pairs, tuple)
    np.testing.assert_allclose(pairs[1].data, 2 * X)


def test_map_rejects_mismatched_first_dimensions():
    with pytest.raises(ValueError, match=escaped("map: every input must have the same first "
                                                 "dimension. Received shapes: [(4, 3), (2,)]")):
        ops.map(lambda t: t[0], (X, np.ones(2)))


def test_map_gradient():
    assert_gradients(lambda x: ops.map(lambda r: ops.sum(ops.sin(r) * r), x), [X])


def _python_scan(f, init, xs, reverse=False):
    carry, ys = init, [None] * len(xs)
    order = range(len(xs) - 1, -1, -1) if reverse else range(len(xs))
    for i in order:
        carry, ys[i] = f(carry, xs[i])
    return carry, np.stack(ys)


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_matches_a_python_loop(reverse):
    def step(c, x):
        return c * 0.5 + x, c * x

    carry, ys = ops.scan(step, V, X, reverse=reverse)
    want_carry, want_ys = _python_scan(step, V, X, reverse)
    np.testing.assert_allclose(carry.data, want_carry)
    np.testing.assert_allclose(ys.data, want_ys)


def test_scan_with_length_and_no_outputs():
    carry, ys = ops.scan(lambda c, _: (c * 2.0, c), V, length=3)
    np.testing.assert_allclose(carry.data, V * 8)
    np.testing.assert_allclose(ys.data, np.stack([V, V * 2, V * 4]))
    carry, ys = ops.scan(lambda c, x: (c + x, None), V, X)
    assert ys is None
    np.testing.assert_allclose(carry.data, V + X.sum(axis=0))


def test_scan_errors():
    with pytest.raises(ValueError, match=escaped("scan: give xs or length. Received: xs=None, "
                                                 "length=None")):
        ops.scan(lambda c, x: (c, x), V)
    with pytest.raises(ValueError, match=escaped("scan: length must match the first axis of xs "
                                                 "(4). Received: length=2")):
        ops.scan(lambda c, x: (c, x), V, X, length=2)


def test_scan_gradient_through_carry_and_outputs():
    def f(init, xs):
        carry, ys = ops.scan(lambda c, x: (ops.tanh(c + x), c * x), init, xs)
        return ops.concatenate([carry[None], ys], axis=0)

    assert_gradients(f, [V, X])
