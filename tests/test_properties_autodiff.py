"""Property-based tests of the autodiff core: random shapes, broadcasting and op chains.

Hypothesis draws the structure (shapes that broadcast, axes, indices, chains of 2-5 ops);
the values come from a drawn seed through ``helpers.random_inputs``, so they are
continuous and in each op's safe domain. Steps with kinks or ties (abs, relu, clip,
maximum, max, ...) report how far the values are from them, and examples closer than
``MARGIN`` are discarded: there, a one-sided derivative is not what finite differences
measure. So are chains whose values grow beyond ``BOUND`` (x^2 of x^2 of ...), where
finite differences drown in rounding. Every example checks the properties that the op
table of tests/test_ops.py checks for its fixed rows:

1. forward: NumPy's result shape and NumPy's values (float64);
2. backward: for every leaf input, a gradient of the leaf's shape (broadcasting undone)
   equal to float64 central differences with a random upstream gradient (never ones);
3. float32 inputs give a float32 output and float32 gradients;
4. under ``no_grad`` nothing is recorded and the values are the same.
"""
import math
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np
import pytest
from helpers import assert_gradients, assert_no_graph, random_inputs
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from glassnet import ops
from glassnet.autodiff import Tensor, grad, no_grad, unbroadcast

SIDES = {"min_side": 1, "max_side": 3}
MAX_SIZE = 36  # the largest intermediate result of a chain (finite differences cost 2n calls)
MARGIN = 1e-3  # the smallest distance from a kink or tie kept (the difference step is 1e-6)
BOUND = 1e3  # the largest intermediate value of a chain kept
seeds = st.integers(0, 2**32 - 1)
shapes = hnp.array_shapes(min_dims=0, max_dims=3, **SIDES)

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# --------------------------------------------------------------------------
# The properties, for any function of Tensors with a NumPy reference
# --------------------------------------------------------------------------


def check_properties(fn, ref, arrays, seed, float32_values=True):
    """Checks forward, backward, float32 and no_grad for ``fn`` on float64 ``arrays``."""
    expected = np.asarray(ref(*arrays))
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)

    # 1. forward: NumPy's shape and values
    assert out.shape == expected.shape, f"output shape {out.shape}, NumPy: {expected.shape}"
    assert out.dtype == np.float64
    scale = np.abs(expected).sum()
    np.testing.assert_allclose(out.data, expected, rtol=1e-9, atol=1e-12 * (1 + scale))

    # 2. backward: each input's gradient has its shape and matches finite differences
    upstream = np.random.default_rng(seed).standard_normal(out.shape)
    for array, g in zip(arrays, grad(out, tensors, output_grad=upstream)):
        assert g is not None
        assert g.shape == array.shape, f"gradient of shape {g.shape} for an input {array.shape}"
        assert g.dtype == np.float64
    # Rounding in the differences grows with the output's size and magnitude.
    assert_gradients(fn, arrays, rtol=1e-5, atol=1e-7 + 1e-9 * scale, seed=seed)

    # 3. float32 stays float32, forward and backward
    tensors32 = [Tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
    out32 = fn(*tensors32)
    assert out32.dtype == np.float32
    if float32_values:
        np.testing.assert_allclose(out32.data, expected, rtol=1e-4, atol=1e-5 * (1 + scale))
    upstream32 = upstream.astype(np.float32)
    for tensor, g in zip(tensors32, grad(out32, tensors32, output_grad=upstream32)):
        assert g.dtype == np.float32
        assert g.shape == tensor.shape

    # 4. no_grad: nothing recorded, same values
    with no_grad():
        quiet = fn(*tensors)
    assert_no_graph(quiet)
    np.testing.assert_array_equal(quiet.data, out.data)
    assert all(t.grad is None for t in tensors)  # grad() stores nothing on the leaves


# --------------------------------------------------------------------------
# Element-wise ops on shapes that broadcast (scalars, 1s, different ranks)
# --------------------------------------------------------------------------

BINARY = {
    "add": (ops.add, np.add, "real"),
    "subtract": (ops.subtract, np.subtract, "real"),
    "multiply": (ops.multiply, np.multiply, "real"),
    "divide": (ops.divide, np.divide, ("real", "positive")),
    "power": (ops.power, np.power, ("positive", "real")),
    "maximum": (ops.maximum, np.maximum, "distinct"),
    "minimum": (ops.minimum, np.minimum, "distinct"),
    "a+b": (lambda a, b: a + b, np.add, "real"),
    "a-b": (lambda a, b: a - b, np.subtract, "real"),
    "a*b": (lambda a, b: a * b, np.multiply, "real"),
    "a/b": (lambda a, b: a / b, np.divide, ("real", "positive")),
    "a**b": (lambda a, b: a**b, np.power, ("positive", "real")),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=25)
@given(pair=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, **SIDES),
       seed=seeds)
def test_binary_ops_on_broadcast_shapes(name, pair, seed):
    fn, ref, domain = BINARY[name]
    arrays = random_inputs(pair.input_shapes, domain, seed)
    assert np.broadcast_shapes(*pair.input_shapes) == pair.result_shape
    check_properties(fn, ref, arrays, seed)


TERNARY = {
    "a*b+c": (lambda a, b, c: a * b + c, lambda a, b, c: a * b + c, "real"),
    "(a-b)/c": (lambda a, b, c: (a - b) / c, lambda a, b, c: (a - b) / c,
                ("real", "real", "positive")),
    "max(a,min(b,c))": (lambda a, b, c: ops.maximum(a, ops.minimum(b, c)),
                        lambda a, b, c: np.maximum(a, np.minimum(b, c)), "distinct"),
}


@pytest.mark.parametrize("name", sorted(TERNARY))
@settings(max_examples=25)
@given(triple=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, **SIDES),
       seed=seeds)
def test_ternary_expressions_on_broadcast_shapes(name, triple, seed):
    fn, ref, domain = TERNARY[name]
    check_properties(fn, ref, random_inputs(triple.input_shapes, domain, seed), seed)


@settings(max_examples=40)
@given(triple=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, **SIDES),
       data=st.data(), seed=seeds)
def test_where_with_a_broadcast_condition(triple, data, seed):
    cond_shape, a_shape, b_shape = triple.input_shapes
    condition = data.draw(hnp.arrays(np.bool_, cond_shape), label="condition")
    arrays = random_inputs([a_shape, b_shape], "real", seed)
    check_properties(
        lambda a, b: ops.where(condition, a, b), lambda a, b: np.where(condition, a, b),
        arrays, seed,
    )


@settings(max_examples=100)
@given(pair=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, **SIDES),
       seed=seeds)
def test_unbroadcast_sums_exactly_the_copies_of_each_element(pair, seed):
    # y = broadcast_to(x, S): dL/dx_i is the sum of dL/dy over the copies of x_i.
    shape, target = pair.input_shapes[0], pair.result_shape
    g = np.random.default_rng(seed).standard_normal(target)
    owner = np.broadcast_to(np.arange(math.prod(shape)).reshape(shape), target)  # index of x_i
    expected = np.bincount(owner.ravel(), weights=g.ravel(), minlength=math.prod(shape))
    result = unbroadcast(g, shape)
    assert result.shape == shape
    np.testing.assert_allclose(result, expected.reshape(shape), rtol=1e-12, atol=1e-12)


@settings(max_examples=50)
@given(pair=hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=2,
                                              **SIDES),
       seed=seeds)
def test_matmul_with_vectors_and_broadcast_batches(pair, seed):
    check_properties(ops.matmul, np.matmul, random_inputs(pair.input_shapes, "real", seed), seed)


# --------------------------------------------------------------------------
# Reductions over random axes
# --------------------------------------------------------------------------


def _normalized(axis, ndim):
    """``axis`` (None, int or tuple, maybe negative) as a sorted tuple of axes >= 0."""
    if axis is None:
        return tuple(range(ndim))
    axis = (axis,) if isinstance(axis, int) else axis
    return tuple(sorted(a % ndim for a in axis))


@st.composite
def reduction_axes(draw, ndim):
    """None, an int or a tuple of distinct axes (any order, some negative) of an ndim array."""
    if ndim == 0:
        return draw(st.sampled_from([None, ()]))
    single = st.integers(-ndim, ndim - 1)
    several = st.lists(single, unique_by=lambda a: a % ndim, max_size=ndim).map(tuple)
    return draw(st.one_of(st.none(), single, several))


def _groups(x, axis):
    """The reduced values of ``x`` as rows: (number of outputs, values per output)."""
    axes = _normalized(axis, x.ndim)
    moved = np.moveaxis(x, axes, range(x.ndim - len(axes), x.ndim))
    return moved.reshape(-1, math.prod(x.shape[a] for a in axes))


def _tie_gap(x, axis):
    """How far the largest value of each reduced group is from the runner-up."""
    rows = np.sort(_groups(x, axis), axis=-1)
    return np.min(rows[:, -1] - rows[:, -2], initial=np.inf) if rows.shape[-1] > 1 else np.inf


REDUCTIONS = {
    "sum": (ops.sum, np.sum, "real"),
    "mean": (ops.mean, np.mean, "real"),
    "max": (ops.max, np.max, "distinct"),
    "min": (ops.min, np.min, "distinct"),
    "var": (ops.var, np.var, "real"),
    "std": (ops.std, np.std, "real"),
    "logsumexp": (ops.logsumexp, lambda x, axis, keepdims: _logsumexp(x, axis, keepdims),
                  "real"),
}


def _logsumexp(x, axis, keepdims):
    shift = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True)) + shift
    return out if keepdims else np.squeeze(out, axis=_normalized(axis, x.ndim))


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@settings(max_examples=25)
@given(shape=shapes, data=st.data(), keepdims=st.booleans(), seed=seeds)
def test_reductions_over_random_axes(name, shape, data, keepdims, seed):
    fn, ref, domain = REDUCTIONS[name]
    axis = data.draw(reduction_axes(len(shape)), label="axis")
    if name == "std":  # sqrt has no derivative at a zero variance (a single value)
        assume(_groups(np.zeros(shape), axis).shape[-1] > 1)
    check_properties(
        lambda x: fn(x, axis=axis, keepdims=keepdims),
        lambda x: ref(x, axis=axis, keepdims=keepdims),
        random_inputs([shape], domain, seed), seed,
    )


# --------------------------------------------------------------------------
# Random chains of 2-5 ops
# --------------------------------------------------------------------------


@dataclass
class Step:
    """One op of a chain: x -> fn(x, *operands), with its NumPy reference.

    ``operands`` index the chain's leaves; ``margin(x, *operands)`` (arrays) says how far
    the values are from the op's kinks or ties.
    """

    label: str
    fn: Callable
    ref: Callable
    operands: tuple = ()
    margin: Optional[Callable] = None


@dataclass
class Chain:
    """Leaf 0 goes through the steps; the other leaves enter as operands."""

    leaves: list = field(default_factory=list)  # [(shape, helpers.random_inputs domain)]
    steps: list = field(default_factory=list)

    def __call__(self, *tensors):
        x = tensors[0]
        for step in self.steps:
            x = step.fn(x, *[tensors[i] for i in step.operands])
        return x

    def reference(self, *arrays):
        x = arrays[0]
        for step in self.steps:
            x = step.ref(x, *[arrays[i] for i in step.operands])
        return x

    def margin(self, *arrays):
        """The smallest distance of any kinked step from its kink (inf if none), or 0
        if an intermediate value leaves [-BOUND, BOUND]."""
        x, worst = arrays[0], np.inf
        for step in self.steps:
            operands = [arrays[i] for i in step.operands]
            if step.margin is not None:
                worst = min(worst, float(step.margin(x, *operands)))
            x = step.ref(x, *operands)
            if not np.all(np.abs(x) <= BOUND):
                return 0.0
        return worst

    def __repr__(self):
        leaves = ", ".join(f"x{i}{shape}:{domain}" for i, (shape, domain) in
                           enumerate(self.leaves))
        return f"Chain(leaves=[{leaves}], steps={' -> '.join(s.label for s in self.steps)})"

    def _repr_pretty_(self, printer, cycle):  # how Hypothesis prints a failing example
        printer.text(repr(self))


def _distance_to(*points):
    return lambda x, *_: min(np.min(np.abs(x - p), initial=np.inf) for p in points)


def _gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


# name -> (glassnet, NumPy, margin).  Inputs of log, sqrt, power... are made safe first.
SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)
UNARY = {
    "negative": (lambda x: -x, np.negative, None),
    "tanh": (ops.tanh, np.tanh, None),
    "sigmoid": (ops.sigmoid, _sigmoid, None),
    "exp(tanh)": (lambda x: ops.exp(ops.tanh(x)), lambda x: np.exp(np.tanh(x)), None),
    "expm1(tanh)": (lambda x: ops.expm1(ops.tanh(x)), lambda x: np.expm1(np.tanh(x)), None),
    "log(x^2+1)": (lambda x: ops.log(x * x + 1.0), lambda x: np.log(x * x + 1.0), None),
    "log1p(x^2)": (lambda x: ops.log1p(ops.square(x)), lambda x: np.log1p(x * x), None),
    "sqrt(x^2+1/4)": (lambda x: ops.sqrt(ops.square(x) + 0.25), lambda x: np.sqrt(x * x + 0.25),
                      None),
    "1/(x^2+1)": (lambda x: 1.0 / (ops.square(x) + 1.0), lambda x: 1.0 / (x * x + 1.0), None),
    "(x^2+1/2)^1.5": (lambda x: ops.power(ops.square(x) + 0.5, 1.5),
                      lambda x: (x * x + 0.5) ** 1.5, None),
    "2^tanh": (lambda x: 2.0 ** ops.tanh(x), lambda x: 2.0 ** np.tanh(x), None),
    "square": (ops.square, np.square, None),
    "erf": (ops.erf, _erf, None),
    "softplus": (ops.softplus, lambda x: np.logaddexp(0.0, x), None),
    "softsign": (ops.softsign, lambda x: x / (1.0 + np.abs(x)), None),
    "silu": (ops.silu, lambda x: x * _sigmoid(x), None),
    "gelu": (ops.gelu, _gelu_tanh, None),
    "gelu_exact": (lambda x: ops.gelu(x, approximate=False),
                   lambda x: 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0))), None),
    "elu": (ops.elu, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))), None),
    # kinked: the margin keeps the values away from the kinks
    "abs": (ops.abs, np.abs, _distance_to(0.0)),
    "relu": (ops.relu, lambda x: np.maximum(x, 0.0), _distance_to(0.0)),
    "relu(0.1,1.5,0.25)": (
        lambda x: ops.relu(x, negative_slope=0.1, max_value=1.5, threshold=0.25),
        lambda x: np.where(x > 0.25, np.minimum(x, 1.5), 0.1 * (x - 0.25)),
        _distance_to(0.25, 1.5),
    ),
    "leaky_relu": (ops.leaky_relu, lambda x: np.where(x >= 0, x, 0.2 * x), _distance_to(0.0)),
    "elu(0.5)": (lambda x: ops.elu(x, alpha=0.5),
                 lambda x: np.where(x > 0, x, 0.5 * np.expm1(np.minimum(x, 0))),
                 _distance_to(0.0)),
    "selu": (ops.selu,
             lambda x: SELU[1] * np.where(x > 0, x, SELU[0] * np.expm1(np.minimum(x, 0))),
             _distance_to(0.0)),
    "hard_sigmoid": (ops.hard_sigmoid, lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0),
                     _distance_to(-3.0, 3.0)),
    "clip": (lambda x: ops.clip(x, -0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5),
             _distance_to(-0.5, 0.5)),
}


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _std_margin(x, axis, keepdims):
    return np.min(np.std(x, axis=axis), initial=np.inf) / 20  # keeps std > 0.02


@st.composite
def reduction_steps(draw, shape):
    name = draw(st.sampled_from(sorted(REDUCTIONS)))
    fn, ref, _ = REDUCTIONS[name]
    axis = draw(reduction_axes(len(shape)))
    keepdims = draw(st.booleans())
    margin = None
    if name == "max":
        margin = lambda x: _tie_gap(x, axis)  # noqa: E731
    elif name == "min":
        margin = lambda x: _tie_gap(-x, axis)  # noqa: E731
    elif name == "std":
        margin = lambda x: _std_margin(x, axis, keepdims)  # noqa: E731
    return Step(
        f"{name}(axis={axis},keepdims={keepdims})",
        lambda x: fn(x, axis=axis, keepdims=keepdims),
        lambda x: ref(x, axis=axis, keepdims=keepdims),
        margin=margin,
    )


@st.composite
def softmax_steps(draw, shape):
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    if draw(st.booleans()):
        return Step(f"softmax(axis={axis})", lambda x: ops.softmax(x, axis=axis),
                    lambda x: _softmax(x, axis))
    return Step(f"log_softmax(axis={axis})", lambda x: ops.log_softmax(x, axis=axis),
                lambda x: _log_softmax(x, axis))


@st.composite
def shape_steps(draw, shape):
    """reshape, transpose, expand_dims, squeeze, indexing or take: values only move."""
    ndim = len(shape)
    kinds = ["reshape", "expand_dims"] + (["transpose", "getitem", "take"] if ndim else [])
    kinds += ["squeeze"] if 1 in shape else []
    kind = draw(st.sampled_from(kinds))
    if kind == "reshape":
        new = list(draw(st.permutations(shape)))
        new.insert(draw(st.integers(0, len(new))), 1)
        if draw(st.booleans()):
            new[draw(st.integers(0, len(new) - 1))] = -1
        new = tuple(new)
        return Step(f"reshape{new}", lambda x: ops.reshape(x, new), lambda x: np.reshape(x, new))
    if kind == "expand_dims":
        axis = draw(st.integers(-ndim - 1, ndim))
        return Step(f"expand_dims({axis})", lambda x: ops.expand_dims(x, axis),
                    lambda x: np.expand_dims(x, axis))
    if kind == "squeeze":
        ones = [i for i, n in enumerate(shape) if n == 1]
        axis = draw(st.one_of(st.none(), st.sampled_from(ones + [i - ndim for i in ones])))
        return Step(f"squeeze({axis})", lambda x: ops.squeeze(x, axis=axis),
                    lambda x: np.squeeze(x, axis=axis))
    if kind == "transpose":
        perm = draw(st.permutations(range(ndim)))
        axes = tuple(a - ndim if draw(st.booleans()) else a for a in perm)
        return Step(f"transpose{axes}", lambda x: ops.transpose(x, axes),
                    lambda x: np.transpose(x, perm))
    if kind == "getitem":
        basic = hnp.basic_indices(shape, allow_newaxis=True)
        advanced = hnp.integer_array_indices(
            shape, result_shape=hnp.array_shapes(min_dims=0, max_dims=2, **SIDES)
        )
        index = draw(st.one_of(basic, advanced))
        assume(np.ones(shape)[index].size > 0)  # later ops (max, softmax) need values
        return Step(f"getitem[{index!r}]", lambda x: x[index], lambda x: x[index])
    axis = draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1)))
    n = math.prod(shape) if axis is None else shape[axis]
    indices = draw(hnp.arrays(np.intp, hnp.array_shapes(min_dims=0, max_dims=2, **SIDES),
                              elements=st.integers(0, n - 1)))
    return Step(f"take({indices.tolist()},axis={axis})",
                lambda x: ops.take(x, indices, axis=axis),
                lambda x: np.take(x, indices, axis=axis))


@st.composite
def partner_shapes(draw, shape):
    """A shape that broadcasts against ``shape``: 1s on some axes, fewer or more axes."""
    dims = [draw(st.sampled_from([n, 1]) if n > 1 else st.integers(1, 3)) for n in shape]
    drop = draw(st.integers(0, len(dims)))
    dims = dims[drop:]
    if drop == 0 and len(dims) < 3:
        dims = draw(st.lists(st.integers(1, 3), max_size=3 - len(dims))) + dims
    return tuple(dims)


# x (op) y for a leaf y: name -> (glassnet, NumPy, domain of y, margin, may reuse a leaf)
BINARY_STEPS = {
    "add": (lambda x, y: x + y, np.add, "real", None, True),
    "subtract": (ops.subtract, np.subtract, "real", None, True),
    "rsubtract": (lambda x, y: y - x, lambda x, y: y - x, "real", None, True),
    "multiply": (lambda x, y: x * y, np.multiply, "real", None, True),
    "divide": (lambda x, y: x / y, np.divide, "positive", None, False),
    "divide_into": (lambda x, y: y / (ops.square(x) + 0.5), lambda x, y: y / (x * x + 0.5),
                    "real", None, True),
    "power": (lambda x, y: ops.power(ops.square(x) + 0.5, y), lambda x, y: (x * x + 0.5) ** y,
              "real", None, True),
    "maximum": (ops.maximum, np.maximum, "real", lambda x, y: np.min(np.abs(x - y)), True),
    "minimum": (lambda x, y: ops.minimum(y, x), lambda x, y: np.minimum(y, x), "real",
                lambda x, y: np.min(np.abs(x - y)), True),
}


def _new_leaf(leaves, shape, domain):
    leaves.append((tuple(shape), domain))
    return len(leaves) - 1


@st.composite
def binary_steps(draw, shape, leaves):
    """x (op) y, y a new leaf of a shape that broadcasts, or a leaf the chain already has."""
    name = draw(st.sampled_from(sorted(BINARY_STEPS)))
    fn, ref, domain, margin, reusable = BINARY_STEPS[name]
    reusable_leaves = [
        i for i, (leaf_shape, _) in enumerate(leaves)
        if reusable and _broadcasts(shape, leaf_shape)
    ]
    if reusable_leaves and draw(st.booleans()):
        operand = draw(st.sampled_from(reusable_leaves))
    else:
        operand = _new_leaf(leaves, draw(partner_shapes(shape)), domain)
    return Step(f"{name}(x{operand})", fn, ref, (operand,), margin)


def _broadcasts(a, b):
    try:
        return math.prod(np.broadcast_shapes(a, b)) <= MAX_SIZE
    except ValueError:
        return False


@st.composite
def combining_steps(draw, shape, leaves):
    """where, matmul, concatenate and stack with a new leaf."""
    ndim = len(shape)
    kinds = ["where", "matmul", "concatenate", "stack"] if ndim else ["where", "stack"]
    kind = draw(st.sampled_from(kinds))
    if kind == "where":
        y = _new_leaf(leaves, draw(partner_shapes(shape)), "real")
        result = np.broadcast_shapes(shape, leaves[y][0])
        condition = draw(hnp.arrays(np.bool_, draw(partner_shapes(result))))
        return Step(f"where({condition.tolist()},x,x{y})",
                    lambda x, y: ops.where(condition, x, y),
                    lambda x, y: np.where(condition, x, y), (y,))
    if kind == "matmul":
        k = draw(st.integers(1, 3))
        if ndim >= 2 and draw(st.booleans()):  # y @ x
            y = _new_leaf(leaves, draw(st.sampled_from([(k, shape[-2]), (shape[-2],)])), "real")
            return Step(f"x{y}@x", lambda x, y: y @ x, lambda x, y: y @ x, (y,))
        y = _new_leaf(leaves, draw(st.sampled_from([(shape[-1], k), (shape[-1],)])), "real")
        return Step(f"matmul(x,x{y})", ops.matmul, np.matmul, (y,))
    if kind == "concatenate":
        axis = draw(st.integers(-ndim, ndim - 1))
        other = list(shape)
        other[axis] = draw(st.integers(1, 2))
        y = _new_leaf(leaves, other, "real")
        if draw(st.booleans()):
            return Step(f"concatenate([x,x{y}],{axis})",
                        lambda x, y: ops.concatenate([x, y], axis=axis),
                        lambda x, y: np.concatenate([x, y], axis=axis), (y,))
        return Step(f"concatenate([x{y},x],{axis})",
                    lambda x, y: ops.concatenate([y, x], axis=axis),
                    lambda x, y: np.concatenate([y, x], axis=axis), (y,))
    axis = draw(st.integers(-ndim - 1, ndim))
    y = _new_leaf(leaves, shape, "real")
    return Step(f"stack([x,x{y}],{axis})", lambda x, y: ops.stack([x, y], axis=axis),
                lambda x, y: np.stack([x, y], axis=axis), (y,))


KINDS = ("unary", "reduction", "softmax", "shape", "binary", "combining")


@st.composite
def chains(draw, min_steps=2, max_steps=5, kinds=KINDS, start=shapes):
    """A random composition of ``min_steps``..``max_steps`` differentiable ops."""
    shape = draw(start)
    chain = Chain(leaves=[(shape, "real")])
    for _ in range(draw(st.integers(min_steps, max_steps))):
        available = [k for k in kinds if shape or k != "softmax"]  # softmax needs an axis
        assume(available)
        kind = draw(st.sampled_from(available))
        leaves = list(chain.leaves)
        if kind == "unary":
            name = draw(st.sampled_from(sorted(UNARY)))
            fn, ref, margin = UNARY[name]
            step = Step(name, fn, ref, margin=margin)
        elif kind == "reduction":
            step = draw(reduction_steps(shape))
        elif kind == "softmax":
            step = draw(softmax_steps(shape))
        elif kind == "shape":
            step = draw(shape_steps(shape))
        elif kind == "binary":
            step = draw(binary_steps(shape, leaves))
        else:
            step = draw(combining_steps(shape, leaves))
        new_shape = _result_shape(step, shape, leaves)
        if math.prod(new_shape) > MAX_SIZE:
            continue  # too big for cheap finite differences: leave this step out
        chain.leaves, shape = leaves, new_shape
        chain.steps.append(step)
    assume(chain.steps)
    return chain


def _result_shape(step, shape, leaves):
    operands = [np.ones(leaves[i][0]) for i in step.operands]
    with np.errstate(all="ignore"):
        return np.shape(step.ref(np.ones(shape), *operands))


def in_layout(array, layout):
    """The same values in another memory layout: "C", "F" (Fortran) or "strided" (a view
    with gaps). The engine and the finite differences must not care."""
    if layout == "F":
        return np.array(array, order="F")  # (asfortranarray would make a scalar 1-D)
    if layout == "strided":
        return np.repeat(array[..., None], 2, axis=-1)[..., 0]  # every other element
    return array


layouts = st.sampled_from(["C", "F", "strided"])


def _check_chain(chain, seed, layout, float32_values):
    shapes_, domains = zip(*chain.leaves)
    arrays = random_inputs(list(shapes_), tuple(domains), seed)
    assume(chain.margin(*arrays) > MARGIN)
    arrays = [in_layout(a, layout) for a in arrays]
    check_properties(chain, chain.reference, arrays, seed, float32_values)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=40)
@given(data=st.data(), seed=seeds, layout=layouts)
def test_single_ops_of_each_kind(kind, data, seed, layout):
    # One step on shapes up to 4-D: every op the chains use, on its own.
    start = hnp.array_shapes(min_dims=int(kind == "softmax"), max_dims=4, **SIDES)
    chain = data.draw(chains(min_steps=1, max_steps=1, kinds=(kind,), start=start), "op")
    _check_chain(chain, seed, layout, float32_values=True)


@settings(max_examples=150)
@given(chain=chains(), seed=seeds, layout=layouts)
def test_random_op_chains(chain, seed, layout):
    _check_chain(chain, seed, layout, float32_values=False)


@settings(max_examples=30)
@given(chain=chains(), seed=seeds)
def test_backward_accumulates_into_leaf_grad_like_grad(chain, seed):
    # Tensor.backward fills .grad of every leaf with what grad() returns, and a
    # second backward adds to it.
    shapes_, domains = zip(*chain.leaves)
    arrays = random_inputs(list(shapes_), tuple(domains), seed)
    assume(chain.margin(*arrays) > MARGIN)
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = chain(*tensors)
    upstream = np.random.default_rng(seed).standard_normal(out.shape)
    expected = grad(out, tensors, output_grad=upstream)
    chain(*tensors).backward(upstream)
    for tensor, g in zip(tensors, expected):
        np.testing.assert_allclose(tensor.grad, g, rtol=1e-12, atol=1e-12)
    chain(*tensors).backward(upstream)
    for tensor, g in zip(tensors, expected):
        np.testing.assert_allclose(tensor.grad, 2 * g, rtol=1e-12, atol=1e-12)
