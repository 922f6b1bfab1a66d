"""The op table: one row per primitive and composite op, one test per property.

Each row gives the glassnet function (Tensors in, Tensor out), an independent
NumPy reference for the forward, the input shapes (broadcasting cases included)
and an input domain (see ``helpers.random_inputs``). The parametrised tests
check, for every row: forward vs NumPy (float64), backward vs float64 central
differences with a random upstream gradient, float32 in -> float32 out and
float32 gradients, no graph under ``no_grad``, and, where PyTorch has the op,
forward and backward vs PyTorch in float64 to 1e-5 relative.
"""
import math
import zlib
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import assert_gradients, assert_no_graph, random_inputs, torch_reference

from glassnet import ops
from glassnet.autodiff import Tensor, grad, no_grad


@dataclass(frozen=True)
class Case:
    """One row of the table."""

    op: str  # the glassnet.ops name it covers (or "getitem")
    label: str  # what distinguishes this row from the op's other rows
    fn: Callable  # glassnet: one Tensor per input -> Tensor
    ref: Callable  # NumPy: one array per input -> array
    shapes: tuple  # one shape per input
    domain: object = "real"  # helpers.random_inputs domain (or one per input)
    torch: Optional[Callable] = None  # PyTorch: one tensor per input -> tensor
    eps: float = 1e-6  # finite-difference step
    rtol: float = 1e-5  # backward tolerance against finite differences

    @property
    def id(self):
        return f"{self.op}[{self.label}]"

    def inputs(self, dtype=np.float64):
        seed = zlib.crc32(self.id.encode())
        return [a.astype(dtype) for a in random_inputs(self.shapes, self.domain, seed)]


def _shapes_label(shapes):
    return "+".join(str(s).replace(" ", "") for s in shapes)


# --------------------------------------------------------------------------
# Element-wise binary ops, over the broadcasting cases
# --------------------------------------------------------------------------

BROADCASTS = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((2, 3), ()), ((), (2, 3))]


def binary(op, fn, ref, torch_fn, domain="real"):
    return [
        Case(op, _shapes_label(shapes), fn, ref, shapes, domain, torch_fn)
        for shapes in BROADCASTS
    ]


BINARY = [
    *binary("add", ops.add, np.add, torch.add),
    *binary("subtract", ops.subtract, np.subtract, torch.sub),
    *binary("multiply", ops.multiply, np.multiply, torch.mul),
    *binary("divide", ops.divide, np.divide, torch.div, ("real", "positive")),
    *binary("power", ops.power, np.power, torch.pow, ("positive", "real")),
    *binary("maximum", ops.maximum, np.maximum, torch.maximum, "distinct"),
    *binary("minimum", ops.minimum, np.minimum, torch.minimum, "distinct"),
]

# Operators and scalar exponents.
OPERATORS = [
    Case("add", "a+b", lambda a, b: a + b, np.add, ((3, 1), (4,)), torch=torch.add),
    Case("subtract", "a-b", lambda a, b: a - b, np.subtract, ((3, 4), (3, 1)), torch=torch.sub),
    Case("multiply", "a*b", lambda a, b: a * b, np.multiply, ((3, 4), (4,)), torch=torch.mul),
    Case("divide", "a/b", lambda a, b: a / b, np.divide, ((3, 4), (4,)), ("real", "positive"),
         torch.div),
    Case("negative", "-a", lambda a: -a, np.negative, ((3, 4),), torch=torch.neg),
    Case("power", "a**3", lambda a: ops.power(a, 3), lambda a: a**3, ((3, 4),),
         torch=lambda a: a**3),
    Case("power", "a**0.5", lambda a: a**0.5, np.sqrt, ((3, 4),), "positive",
         lambda a: a**0.5),
    Case("power", "a**-1.5", lambda a: a**-1.5, lambda a: a**-1.5, ((3, 4),), "positive",
         lambda a: a**-1.5),
    Case("power", "2**a", lambda a: 2.0**a, lambda a: 2.0**a, ((3, 4),), torch=lambda a: 2.0**a),
]

# where: a fixed condition, broadcast against the branches.
COND_34 = np.random.default_rng(7).random((3, 4)) > 0.5
COND_31 = np.array([[True], [False], [True]])
WHERE = [
    Case("where", "(3,4)", lambda a, b: ops.where(COND_34, a, b),
         lambda a, b: np.where(COND_34, a, b), ((3, 4), (3, 4)),
         torch=lambda a, b: torch.where(torch.from_numpy(COND_34), a, b)),
    Case("where", "cond(3,1)+(1,4)+(4,)", lambda a, b: ops.where(COND_31, a, b),
         lambda a, b: np.where(COND_31, a, b), ((1, 4), (4,)),
         torch=lambda a, b: torch.where(torch.from_numpy(COND_31), a, b)),
    Case("where", "scalar-branch", lambda a: ops.where(COND_34, a, 0.0),
         lambda a: np.where(COND_34, a, 0.0), ((3, 4),),
         torch=lambda a: torch.where(torch.from_numpy(COND_34), a, 0.0)),
]

# --------------------------------------------------------------------------
# matmul: 2-D, batched, 1-D vectors, broadcast batches
# --------------------------------------------------------------------------

MATMUL_SHAPES = [
    ((3, 4), (4, 2)),
    ((2, 3, 4), (2, 4, 2)),  # batched
    ((2, 1, 3, 4), (3, 4, 2)),  # batch axes broadcast: (2, 1) with (3,)
    ((3, 4), (2, 4, 2)),  # 2-D against a batch
    ((4,), (4, 2)),  # vector @ matrix
    ((3, 4), (4,)),  # matrix @ vector
    ((4,), (4,)),  # dot product
    ((4,), (2, 4, 3)),  # vector @ batch
    ((2, 3, 4), (4,)),  # batch @ vector
]
MATMUL = [
    Case("matmul", _shapes_label(shapes), ops.matmul, np.matmul, shapes, torch=torch.matmul)
    for shapes in MATMUL_SHAPES
] + [
    Case("matmul", "a@b", lambda a, b: a @ b, np.matmul, ((3, 4), (4, 2)), torch=torch.matmul),
    Case("dot", "alias", ops.dot, np.matmul, ((3, 4), (4, 2)), torch=torch.matmul),
]

# --------------------------------------------------------------------------
# Element-wise unary ops
# --------------------------------------------------------------------------

_erf = np.vectorize(math.erf)


def unary(op, fn, ref, torch_fn, domain="real", shapes=((3, 4),)):
    return [Case(op, str(s).replace(" ", ""), fn, ref, (s,), domain, torch_fn) for s in shapes]


UNARY = [
    *unary("negative", ops.negative, np.negative, torch.neg, shapes=((3, 4), ())),
    *unary("exp", ops.exp, np.exp, torch.exp, shapes=((3, 4), ())),
    *unary("expm1", ops.expm1, np.expm1, torch.expm1),
    *unary("log", ops.log, np.log, torch.log, "positive", shapes=((3, 4), ())),
    *unary("log1p", ops.log1p, np.log1p, torch.log1p, "positive"),
    *unary("sqrt", ops.sqrt, np.sqrt, torch.sqrt, "positive"),
    *unary("abs", ops.abs, np.abs, torch.abs, "distinct"),
    Case("abs", "abs()", lambda a: abs(a), np.abs, ((3, 4),), "distinct", torch.abs),
    *unary("tanh", ops.tanh, np.tanh, torch.tanh),
    *unary("erf", ops.erf, _erf, torch.erf),
    Case("clip", "[-0.5,0.5]", lambda a: ops.clip(a, -0.5, 0.5),
         lambda a: np.minimum(np.maximum(a, -0.5), 0.5), ((4, 5),), "distinct",
         lambda a: torch.clamp(a, -0.5, 0.5)),
    Case("clip", "[None,0.5]", lambda a: ops.clip(a, None, 0.5), lambda a: np.minimum(a, 0.5),
         ((4, 5),), "distinct", lambda a: torch.clamp(a, max=0.5)),
    Case("clip", "[-0.5,None]", lambda a: ops.clip(a, -0.5, None),
         lambda a: np.maximum(a, -0.5), ((4, 5),), "distinct",
         lambda a: torch.clamp(a, min=-0.5)),
    # float64 -> float32 rounds, so the finite differences need a larger step.
    Case("cast", "float32", lambda a: ops.cast(a, "float32"), lambda a: a.astype(np.float32),
         ((3, 4),), torch=lambda a: a.to(torch.float32), eps=1e-3, rtol=1e-3),
]

# --------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------

AXES = [(None, False), (1, False), (-1, False), ((0, 2), False), ((-1, 0), True), (None, True)]


def _torch_dims(x, axis):
    if axis is None:
        return tuple(range(x.ndim))
    return axis


def reduction(op, fn, ref, torch_fn, domain="real"):
    return [
        Case(
            op,
            f"axis={axis},keepdims={keepdims}",
            lambda a, axis=axis, keepdims=keepdims: fn(a, axis=axis, keepdims=keepdims),
            lambda a, axis=axis, keepdims=keepdims: ref(a, axis=axis, keepdims=keepdims),
            ((2, 3, 4),),
            domain,
            lambda a, axis=axis, keepdims=keepdims: torch_fn(
                a, dim=_torch_dims(a, axis), keepdim=keepdims
            ),
        )
        for axis, keepdims in AXES
    ]


REDUCTIONS = [
    *reduction("sum", ops.sum, np.sum, torch.sum),
    *reduction("mean", ops.mean, np.mean, torch.mean),
    *reduction("max", ops.max, np.max, torch.amax, "distinct"),
    Case("sum", "method", lambda a: a.sum(axis=0), lambda a: a.sum(axis=0), ((3, 4),),
         torch=lambda a: a.sum(dim=0)),
    Case("mean", "method", lambda a: a.mean(), lambda a: a.mean(), ((3, 4),),
         torch=lambda a: a.mean()),
    Case("max", "method", lambda a: a.max(axis=-1), lambda a: a.max(axis=-1), ((3, 4),),
         "distinct", lambda a: a.amax(dim=-1)),
    Case("max", "scalar-input", ops.max, np.max, ((),), torch=torch.amax),
]

# --------------------------------------------------------------------------
# Shape ops
# --------------------------------------------------------------------------


def _torch_take(a, indices, axis):
    indices = torch.as_tensor(np.asarray(indices))
    if axis is None:
        a, axis = a.reshape(-1), 0
    axis = axis % a.ndim
    picked = torch.index_select(a, axis, indices.reshape(-1))
    return picked.reshape(a.shape[:axis] + indices.shape + a.shape[axis + 1:])


def _torch_getitem(a, index):
    if isinstance(index, np.ndarray):
        return a[torch.from_numpy(index)]
    if index == np.s_[::-1]:
        return a.flip(0)  # torch has no negative steps
    return a[index]


MASK = np.random.default_rng(3).random((3, 4)) > 0.4
GETITEM_INDICES = {
    "[1:,::2]": np.s_[1:, ::2],
    "[::-1]": np.s_[::-1],
    "[1]": np.s_[1],
    "[-1,2]": np.s_[-1, 2],
    "[[0,2,0]]": np.s_[[0, 2, 0]],  # repeated rows accumulate
    "[:,[1,1,3]]": np.s_[:, [1, 1, 3]],
    "[[0,1,1],[2,2,0]]": np.s_[[0, 1, 1], [2, 2, 0]],
    "[None,...,1]": np.s_[None, ..., 1],
    "[mask]": MASK,
}
GETITEM = [
    Case("getitem", label, lambda a, i=index: a[i], lambda a, i=index: a[i], ((3, 4),),
         torch=lambda a, i=index: _torch_getitem(a, i))
    for label, index in GETITEM_INDICES.items()
]

TAKES = [
    ([0, 2, 2, 1], 0),
    ([1, 1, 3], 1),
    ([[0, 3], [3, 3]], -1),
    ([5, 5, 0, 11], None),
    (2, 1),
]
TAKE = [
    Case("take", f"{indices},axis={axis}".replace(" ", ""),
         lambda a, i=indices, ax=axis: ops.take(a, i, axis=ax),
         lambda a, i=indices, ax=axis: np.take(a, i, axis=ax), ((3, 4),),
         torch=lambda a, i=indices, ax=axis: _torch_take(a, i, ax))
    for indices, axis in TAKES
]

SHAPE_OPS = [
    Case("reshape", "(6,4)", lambda a: ops.reshape(a, (6, 4)), lambda a: a.reshape(6, 4),
         ((2, 3, 4),), torch=lambda a: a.reshape(6, 4)),
    Case("reshape", "(-1,)", lambda a: ops.reshape(a, (-1,)), lambda a: a.reshape(-1),
         ((2, 3, 4),), torch=lambda a: a.reshape(-1)),
    Case("reshape", "method(4,-1,2)", lambda a: a.reshape(4, -1, 2),
         lambda a: a.reshape(4, -1, 2), ((2, 3, 4),), torch=lambda a: a.reshape(4, -1, 2)),
    Case("transpose", "default", ops.transpose, np.transpose, ((2, 3, 4),),
         torch=lambda a: a.permute(2, 1, 0)),
    Case("transpose", "(1,0,2)", lambda a: ops.transpose(a, (1, 0, 2)),
         lambda a: np.transpose(a, (1, 0, 2)), ((2, 3, 4),), torch=lambda a: a.permute(1, 0, 2)),
    Case("transpose", "(-1,0,1)", lambda a: ops.transpose(a, (-1, 0, 1)),
         lambda a: np.transpose(a, (2, 0, 1)), ((2, 3, 4),), torch=lambda a: a.permute(2, 0, 1)),
    Case("transpose", ".T", lambda a: a.T, lambda a: a.T, ((3, 4),), torch=lambda a: a.T),
    *GETITEM,
    *TAKE,
    Case("pad", "per-axis", lambda a: ops.pad(a, [(1, 0), (2, 3)]),
         lambda a: np.pad(a, [(1, 0), (2, 3)]), ((3, 4),),
         torch=lambda a: torch.nn.functional.pad(a, (2, 3, 1, 0))),
    Case("repeat", "axis=1", lambda a: ops.repeat(a, 3, axis=1),
         lambda a: np.repeat(a, 3, axis=1), ((2, 3, 2),),
         torch=lambda a: torch.repeat_interleave(a, 3, dim=1)),
    Case("concatenate", "axis=0", lambda *xs: ops.concatenate(xs, axis=0),
         lambda *xs: np.concatenate(xs, axis=0), ((2, 3), (1, 3), (3, 3)),
         torch=lambda *xs: torch.cat(xs, dim=0)),
    Case("concatenate", "axis=-1", lambda *xs: ops.concatenate(xs, axis=-1),
         lambda *xs: np.concatenate(xs, axis=-1), ((2, 1), (2, 3)),
         torch=lambda *xs: torch.cat(xs, dim=-1)),
    Case("stack", "axis=0", lambda *xs: ops.stack(xs, axis=0), lambda *xs: np.stack(xs, axis=0),
         ((2, 3), (2, 3), (2, 3)), torch=lambda *xs: torch.stack(xs, dim=0)),
    Case("stack", "axis=-1", lambda *xs: ops.stack(xs, axis=-1),
         lambda *xs: np.stack(xs, axis=-1), ((2, 3), (2, 3)),
         torch=lambda *xs: torch.stack(xs, dim=-1)),
]

# --------------------------------------------------------------------------
# Composites (glassnet.ops.nn)
# --------------------------------------------------------------------------


def _keras_relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras' ReLU recipe: x * (x > threshold), clipped to [0, max_value], minus the slope part."""
    out = x * (x > threshold)
    if max_value is not None:
        out = np.clip(out, 0.0, max_value)
    return out - negative_slope * np.maximum(threshold - x, 0.0)


def _torch_relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    out = F.threshold(x, threshold, 0.0)
    if max_value is not None:
        out = torch.clamp(out, 0.0, max_value)
    return out - negative_slope * F.relu(threshold - x)


RELU_ARGS = [
    {},
    {"negative_slope": 0.1},
    {"max_value": 1.0},
    {"threshold": 0.5},
    {"negative_slope": 0.1, "max_value": 1.0, "threshold": 0.5},
]
RELU = [
    Case("relu", ",".join(f"{k}={v}" for k, v in kw.items()) or "plain",
         lambda a, kw=kw: ops.relu(a, **kw), lambda a, kw=kw: _keras_relu(a, **kw),
         ((4, 5),), "distinct", lambda a, kw=kw: _torch_relu(a, **kw))
    for kw in RELU_ARGS
]


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def _softmax(x, axis):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

ACTIVATIONS = [
    *RELU,
    Case("leaky_relu", "default", ops.leaky_relu, lambda a: np.where(a >= 0, a, 0.2 * a),
         ((4, 5),), "distinct", lambda a: F.leaky_relu(a, 0.2)),
    Case("leaky_relu", "0.3", lambda a: ops.leaky_relu(a, negative_slope=0.3),
         lambda a: np.where(a >= 0, a, 0.3 * a), ((4, 5),), "distinct",
         lambda a: F.leaky_relu(a, 0.3)),
    Case("elu", "default", ops.elu, lambda a: np.where(a > 0, a, np.expm1(a)), ((4, 5),),
         "distinct", F.elu),
    Case("elu", "alpha=0.5", lambda a: ops.elu(a, alpha=0.5),
         lambda a: np.where(a > 0, a, 0.5 * np.expm1(a)), ((4, 5),), "distinct",
         lambda a: F.elu(a, alpha=0.5)),
    Case("selu", "", ops.selu,
         lambda a: SELU_SCALE * np.where(a > 0, a, SELU_ALPHA * np.expm1(a)), ((4, 5),),
         "distinct", F.selu),
    Case("sigmoid", "", ops.sigmoid, _sigmoid, ((4, 5),), torch=torch.sigmoid),
    Case("hard_sigmoid", "", ops.hard_sigmoid, lambda a: np.clip(a / 6.0 + 0.5, 0.0, 1.0),
         ((4, 5),), "wide", F.hardsigmoid),
    Case("softplus", "", ops.softplus, lambda a: np.log1p(np.exp(a)), ((4, 5),), "wide",
         F.softplus),
    Case("softsign", "", ops.softsign, lambda a: a / (1.0 + np.abs(a)), ((4, 5),), "distinct",
         F.softsign),
    Case("silu", "", ops.silu, lambda a: a * _sigmoid(a), ((4, 5),), torch=F.silu),
    Case("swish", "alias", ops.swish, lambda a: a * _sigmoid(a), ((4, 5),), torch=F.silu),
    Case("gelu", "approximate", ops.gelu, _gelu_tanh, ((4, 5),), "wide",
         lambda a: F.gelu(a, approximate="tanh")),
    Case("gelu", "exact", lambda a: ops.gelu(a, approximate=False),
         lambda a: 0.5 * a * (1.0 + _erf(a / math.sqrt(2.0))), ((4, 5),), "wide",
         lambda a: F.gelu(a, approximate="none")),
]

for _axis, _shape in [(-1, (3, 4)), (0, (3, 4)), (1, (2, 3, 4))]:
    ACTIVATIONS += [
        Case("softmax", f"axis={_axis},{_shape}".replace(" ", ""),
             lambda a, ax=_axis: ops.softmax(a, axis=ax), lambda a, ax=_axis: _softmax(a, ax),
             (_shape,), torch=lambda a, ax=_axis: torch.softmax(a, dim=ax)),
        Case("log_softmax", f"axis={_axis},{_shape}".replace(" ", ""),
             lambda a, ax=_axis: ops.log_softmax(a, axis=ax),
             lambda a, ax=_axis: np.log(_softmax(a, ax)), (_shape,),
             torch=lambda a, ax=_axis: torch.log_softmax(a, dim=ax)),
    ]


def _np_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis  # NumPy wants tuples, Keras lists


def _statistic(op, fn, ref, torch_fn, axis, keepdims, domain="real"):
    return Case(
        op,
        f"axis={axis},keepdims={keepdims}".replace(" ", ""),
        lambda a: fn(a, axis, keepdims),
        lambda a: ref(a, axis, keepdims),
        ((2, 3, 4),),
        domain,
        lambda a: torch_fn(a, _torch_dims(a, axis), keepdims),
    )


STAT_AXES = [(None, False), (0, False), (-1, False), ((0, 2), True), ([0, 1], False)]
STATISTICS = [
    _statistic(op, fn, ref, torch_fn, axis, keepdims, domain)
    for axis, keepdims in STAT_AXES
    for op, fn, ref, torch_fn, domain in [
        ("min", lambda a, ax, k: ops.min(a, axis=ax, keepdims=k),
         lambda a, ax, k: np.min(a, axis=_np_axis(ax), keepdims=k),
         lambda a, d, k: torch.amin(a, dim=d, keepdim=k), "distinct"),
        ("var", lambda a, ax, k: ops.var(a, axis=ax, keepdims=k),
         lambda a, ax, k: np.var(a, axis=_np_axis(ax), keepdims=k),
         lambda a, d, k: torch.var(a, dim=d, correction=0, keepdim=k), "real"),
        ("std", lambda a, ax, k: ops.std(a, axis=ax, keepdims=k),
         lambda a, ax, k: np.std(a, axis=_np_axis(ax), keepdims=k),
         lambda a, d, k: torch.std(a, dim=d, correction=0, keepdim=k), "real"),
        ("logsumexp", lambda a, ax, k: ops.logsumexp(a, axis=ax, keepdims=k),
         lambda a, ax, k: np.log(np.sum(np.exp(a), axis=_np_axis(ax), keepdims=k)),
         lambda a, d, k: torch.logsumexp(a, dim=d, keepdim=k), "real"),
    ]
]


MOMENTS = [
    Case("moments", f"{part},axes={axes},keepdims={keepdims}".replace(" ", ""),
         lambda a, p=index, ax=axes, k=keepdims: ops.moments(a, ax, keepdims=k)[p],
         lambda a, f=np_fn, ax=axes, k=keepdims: f(a, axis=tuple(ax), keepdims=k),
         ((2, 3, 4),),
         torch=lambda a, f=torch_fn, ax=axes, k=keepdims: f(a, tuple(ax), k))
    for index, part, np_fn, torch_fn in [
        (0, "mean", np.mean, lambda a, d, k: torch.mean(a, dim=d, keepdim=k)),
        (1, "variance", np.var, lambda a, d, k: torch.var(a, dim=d, correction=0, keepdim=k)),
    ]
    for axes, keepdims in [([0, 1], False), ([0], True), ((0, 1, 2), False)]
]

SHAPE_COMPOSITES = [
    Case("square", "", ops.square, np.square, ((3, 4),), torch=torch.square),
    *[
        Case("squeeze", f"axis={axis}".replace(" ", ""),
             lambda a, ax=axis: ops.squeeze(a, axis=ax),
             lambda a, ax=axis: np.squeeze(a, axis=_np_axis(ax)), ((1, 3, 1, 4),),
             torch=lambda a, ax=axis: a.squeeze() if ax is None else a.squeeze(_np_axis(ax)))
        for axis in [None, 0, -2, (0, 2), [0, 2]]
    ],
    *[
        Case("expand_dims", f"axis={axis}", lambda a, ax=axis: ops.expand_dims(a, ax),
             lambda a, ax=axis: np.expand_dims(a, ax), ((3, 4),),
             torch=lambda a, ax=axis: a.unsqueeze(ax))
        for axis in [0, 1, -1]
    ],
]

# --------------------------------------------------------------------------
# Element-wise math (glassnet.ops.math)
# --------------------------------------------------------------------------

MATH = [
    *unary("sin", ops.sin, np.sin, torch.sin, shapes=((3, 4), ())),
    *unary("cos", ops.cos, np.cos, torch.cos),
    *unary("tan", ops.tan, np.tan, torch.tan),
    # |x| < 1 for arcsin, arccos, arctanh; x > 1 for arccosh (the lambdas move the domain)
    Case("arcsin", "0.45x", lambda a: ops.arcsin(a * 0.45), lambda a: np.arcsin(a * 0.45),
         ((3, 4),), torch=lambda a: torch.asin(a * 0.45)),
    Case("arccos", "0.45x", lambda a: ops.arccos(a * 0.45), lambda a: np.arccos(a * 0.45),
         ((3, 4),), torch=lambda a: torch.acos(a * 0.45)),
    Case("arctanh", "0.45x", lambda a: ops.arctanh(a * 0.45), lambda a: np.arctanh(a * 0.45),
         ((3, 4),), torch=lambda a: torch.atanh(a * 0.45)),
    Case("arccosh", "x+1", lambda a: ops.arccosh(a + 1.0), lambda a: np.arccosh(a + 1.0),
         ((3, 4),), "positive", lambda a: torch.acosh(a + 1.0)),
    *unary("arctan", ops.arctan, np.arctan, torch.atan),
    *unary("sinh", ops.sinh, np.sinh, torch.sinh),
    *unary("cosh", ops.cosh, np.cosh, torch.cosh),
    *unary("arcsinh", ops.arcsinh, np.arcsinh, torch.asinh),
    *binary("arctan2", ops.arctan2, np.arctan2, torch.atan2, "distinct"),
    *unary("log2", ops.log2, np.log2, torch.log2, "positive"),
    *unary("log10", ops.log10, np.log10, torch.log10, "positive"),
    *unary("rsqrt", ops.rsqrt, lambda a: 1.0 / np.sqrt(a), torch.rsqrt, "positive"),
    *unary("reciprocal", ops.reciprocal, np.reciprocal, torch.reciprocal, "positive"),
    *binary("true_divide", ops.true_divide, np.true_divide, torch.true_divide,
            ("real", "positive")),
    *binary("mod", ops.mod, np.mod, torch.remainder, ("real", "positive")),
    Case("mod", "x%0.75", lambda a: ops.mod(a, 0.75), lambda a: np.mod(a, 0.75), ((3, 4),),
         torch=lambda a: torch.remainder(a, 0.75)),
    *unary("absolute", ops.absolute, np.abs, torch.abs, "distinct"),
]

ZEROS_34 = np.ones((3, 4))
ZEROS_34[0, 1] = ZEROS_34[2, 3] = 0.0  # divisors that are exactly zero
MATH_MORE = [
    *unary("fabs", ops.fabs, np.fabs, torch.abs, "distinct"),
    *unary("exp2", ops.exp2, np.exp2, torch.exp2),
    *unary("deg2rad", ops.deg2rad, np.deg2rad, torch.deg2rad),
    *unary("rad2deg", ops.rad2deg, np.rad2deg, torch.rad2deg),
    *binary("hypot", ops.hypot, np.hypot, torch.hypot, "distinct"),
    *binary("logaddexp", ops.logaddexp, np.logaddexp, torch.logaddexp),
    Case("logaddexp", "large", lambda a, b: ops.logaddexp(a * 300, b * 300),
         lambda a, b: np.logaddexp(a * 300, b * 300), ((3, 4), (3, 4)),
         torch=lambda a, b: torch.logaddexp(a * 300, b * 300)),
    *binary("divide_no_nan", ops.divide_no_nan, np.divide, torch.div, ("real", "positive")),
    Case("divide_no_nan", "zeros", lambda a, b: ops.divide_no_nan(a, b * ZEROS_34),
         lambda a, b: np.where(ZEROS_34 == 0, 0.0, a / np.where(ZEROS_34 == 0, 1.0, b)),
         ((3, 4), (3, 4)), ("real", "positive"),
         lambda a, b: torch.where(torch.from_numpy(ZEROS_34) == 0, 0.0,
                                  a / torch.where(torch.from_numpy(ZEROS_34) == 0, 1.0, b))),
]
# --------------------------------------------------------------------------
# Reductions, running totals, sorting (glassnet.ops.reduction)
# --------------------------------------------------------------------------

# Exact zeros inside the products (prod and cumprod divide by nothing): x * ZEROS_234.
ZEROS_234 = np.ones((2, 3, 4))
ZEROS_234[0, 1, 2] = ZEROS_234[0, 1, 3] = ZEROS_234[1, 0, 0] = 0.0
ZEROS_T = torch.from_numpy(ZEROS_234)

REDUCTIONS_MORE = [
    *reduction("prod", ops.prod, np.prod, lambda a, dim, keepdim: _torch_prod(a, dim, keepdim)),
    *[
        Case("prod", f"zeros,axis={axis}", lambda a, ax=axis: ops.prod(a * ZEROS_234, axis=ax),
             lambda a, ax=axis: np.prod(a * ZEROS_234, axis=ax), ((2, 3, 4),),
             torch=lambda a, ax=axis: _torch_prod(a * ZEROS_T, _torch_dims(a, ax), False))
        for axis in [None, -1, (0, 2)]
    ],
    Case("max", "initial", lambda a: ops.max(a, axis=1, initial=0.3),
         lambda a: np.max(a, axis=1, initial=0.3), ((3, 4),), "distinct",
         lambda a: torch.clamp(torch.amax(a, dim=1), min=0.3)),
    Case("min", "initial", lambda a: ops.min(a, axis=0, initial=-0.3),
         lambda a: np.min(a, axis=0, initial=-0.3), ((3, 4),), "distinct",
         lambda a: torch.clamp(torch.amin(a, dim=0), max=-0.3)),
    Case("average", "axis=None", ops.average, np.average, ((3, 4),), torch=torch.mean),
    Case("average", "weights-like-x", lambda a, w: ops.average(a, axis=0, weights=w),
         lambda a, w: np.average(a, axis=0, weights=w), ((3, 4), (3, 4)), ("real", "positive"),
         lambda a, w: (a * w).sum(0) / w.sum(0)),
    Case("average", "weights-1d", lambda a, w: ops.average(a, axis=1, weights=w),
         lambda a, w: np.average(a, axis=1, weights=w), ((3, 4), (4,)), ("real", "positive"),
         lambda a, w: (a * w).sum(1) / w.sum()),
    *[
        Case("cumsum", f"axis={axis}", lambda a, ax=axis: ops.cumsum(a, axis=ax),
             lambda a, ax=axis: np.cumsum(a, axis=ax), ((2, 3, 4),),
             torch=lambda a, ax=axis: torch.cumsum(a.reshape(-1) if ax is None else a,
                                                   dim=0 if ax is None else ax))
        for axis in [None, 0, -1]
    ],
    *[
        Case("cumprod", f"{label}axis={axis}", lambda a, ax=axis, m=mask: ops.cumprod(a * m, ax),
             lambda a, ax=axis, m=mask: np.cumprod(a * m, axis=ax), ((2, 3, 4),),
             torch=lambda a, ax=axis, m=mask: torch.cumprod(
                 (a * torch.from_numpy(m)).reshape(-1) if ax is None else a * torch.from_numpy(m),
                 dim=0 if ax is None else ax))
        for axis in [None, 1, -1]
        for label, mask in [("", np.ones((2, 3, 4))), ("zeros,", ZEROS_234)]
    ],
    *[
        Case("diff", f"n={n},axis={axis}", lambda a, n=n, ax=axis: ops.diff(a, n=n, axis=ax),
             lambda a, n=n, ax=axis: np.diff(a, n=n, axis=ax), ((3, 5),),
             torch=lambda a, n=n, ax=axis: torch.diff(a, n=n, dim=ax))
        for n, axis in [(1, -1), (2, 0), (3, 1)]
    ],
    *[
        Case("sort", f"axis={axis}", lambda a, ax=axis: ops.sort(a, axis=ax),
             lambda a, ax=axis: np.sort(a, axis=ax), ((3, 4),), "distinct",
             lambda a, ax=axis: torch.sort(a.reshape(-1) if ax is None else a,
                                           dim=0 if ax is None else ax).values)
        for axis in [-1, 0, None]
    ],
    *[
        Case("top_k", f"k={k},{shape}".replace(" ", ""), lambda a, k=k: ops.top_k(a, k)[0],
             lambda a, k=k: -np.sort(-a, axis=-1)[..., :k], (shape,), "distinct",
             lambda a, k=k: torch.topk(a, k).values)
        for k, shape in [(2, (3, 5)), (1, (6,)), (3, (2, 2, 3))]
    ],
]


REDUCTIONS_MORE += [
    Case("amax", "axis=1", lambda a: ops.amax(a, axis=1), lambda a: np.amax(a, axis=1),
         ((3, 4),), "distinct", lambda a: torch.amax(a, dim=1)),
    Case("amin", "keepdims", lambda a: ops.amin(a, axis=0, keepdims=True),
         lambda a: np.amin(a, axis=0, keepdims=True), ((3, 4),), "distinct",
         lambda a: torch.amin(a, dim=0, keepdim=True)),
]


def _torch_prod(a, dim, keepdim):
    for d in sorted(np.atleast_1d(dim).tolist(), reverse=True):
        a = torch.prod(a, dim=d % a.ndim if a.ndim else d, keepdim=True)
    if not keepdim:
        for d in sorted((np.atleast_1d(dim) % a.ndim).tolist(), reverse=True):
            a = a.squeeze(d)
    return a


# Norms: vector ords along an axis; matrix ords over two axes (SVD for 2, -2, "nuc").
VECTOR_ORDS = [None, 1, 2, np.inf, -np.inf, 3, 0.5]
MATRIX_ORDS = [None, "fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf]
NORMS = [
    *[
        Case("norm", f"ord={ord},axis=1", lambda a, o=ord: ops.norm(a, ord=o, axis=1),
             lambda a, o=ord: np.linalg.norm(a, ord=o, axis=1), ((3, 4),), "distinct",
             lambda a, o=ord: torch.linalg.vector_norm(a, ord=2 if o is None else o, dim=1))
        for ord in VECTOR_ORDS
    ],
    *[
        Case("norm", f"ord={ord},matrix", lambda a, o=ord: ops.norm(a, ord=o),
             lambda a, o=ord: np.linalg.norm(a, ord=o), ((3, 4),), "distinct",
             lambda a, o=ord: torch.linalg.matrix_norm(a, ord="fro" if o is None else o))
        for ord in MATRIX_ORDS
    ],
    Case("norm", "flat,keepdims", lambda a: ops.norm(a, keepdims=True),
         lambda a: np.linalg.norm(a.reshape(-1)).reshape(1, 1, 1), ((2, 3, 4),),
         torch=lambda a: torch.linalg.vector_norm(a).reshape(1, 1, 1)),
    Case("norm", "axes(2,0),nuc", lambda a: ops.norm(a, ord="nuc", axis=(2, 0)),
         lambda a: np.linalg.norm(a, ord="nuc", axis=(2, 0)), ((2, 3, 4),), "distinct",
         lambda a: torch.linalg.matrix_norm(a, ord="nuc", dim=(2, 0))),
    Case("norm", "axis=-1,keepdims", lambda a: ops.norm(a, axis=-1, keepdims=True),
         lambda a: np.linalg.norm(a, axis=-1, keepdims=True), ((2, 3, 4),),
         torch=lambda a: torch.linalg.vector_norm(a, dim=-1, keepdim=True)),
]

# --------------------------------------------------------------------------
# Rearranging, cutting, gathering (glassnet.ops.manipulation)
# --------------------------------------------------------------------------

SCATTER_INDEX = np.array([[0, 1], [2, 3], [0, 1], [1, 0]])  # (0, 1) twice: the values add
UNIQUE_INDEX = np.array([[0, 1], [2, 3], [1, 0]])
ALONG_INDEX = np.array([[2, 0, 0, 1], [1, 1, 3, 0], [0, 2, 2, 3]])


def _scatter_numpy(values, index, shape):
    out = np.zeros(shape, dtype=values.dtype)
    np.add.at(out, tuple(index.T), values)
    return out


def _scatter_torch(values, index, shape):
    out = torch.zeros(shape, dtype=values.dtype)
    return out.index_put(tuple(torch.from_numpy(index.T)), values, accumulate=True)


def _assign_numpy(a, index, u):
    out = a.copy()
    out[index] = u
    return out


def _assign_torch(a, index, u):
    out = a.clone()
    out[index] = u
    return out


SHAPE_MORE = [
    Case("broadcast_to", "(4,)->(2,3,4)", lambda a: ops.broadcast_to(a, (2, 3, 4)),
         lambda a: np.broadcast_to(a, (2, 3, 4)).copy(), ((4,),),
         torch=lambda a: torch.broadcast_to(a, (2, 3, 4))),
    Case("broadcast_to", "(3,1)->(3,4)", lambda a: ops.broadcast_to(a, (3, 4)),
         lambda a: np.broadcast_to(a, (3, 4)).copy(), ((3, 1),),
         torch=lambda a: torch.broadcast_to(a, (3, 4))),
    Case("ravel", "", ops.ravel, np.ravel, ((2, 3, 4),), torch=torch.ravel),
    Case("swapaxes", "(0,2)", lambda a: ops.swapaxes(a, 0, -1), lambda a: np.swapaxes(a, 0, 2),
         ((2, 3, 4),), torch=lambda a: torch.swapaxes(a, 0, 2)),
    Case("moveaxis", "0->-1", lambda a: ops.moveaxis(a, 0, -1), lambda a: np.moveaxis(a, 0, -1),
         ((2, 3, 4),), torch=lambda a: torch.movedim(a, 0, -1)),
    Case("moveaxis", "[0,1]->[2,0]", lambda a: ops.moveaxis(a, [0, 1], [2, 0]),
         lambda a: np.moveaxis(a, [0, 1], [2, 0]), ((2, 3, 4),),
         torch=lambda a: torch.movedim(a, (0, 1), (2, 0))),
    Case("flip", "all", ops.flip, np.flip, ((2, 3, 4),), torch=lambda a: torch.flip(a, (0, 1, 2))),
    Case("flip", "axis=(0,2)", lambda a: ops.flip(a, axis=(0, 2)),
         lambda a: np.flip(a, axis=(0, 2)), ((2, 3, 4),), torch=lambda a: torch.flip(a, (0, 2))),
    Case("roll", "flat", lambda a: ops.roll(a, 5), lambda a: np.roll(a, 5), ((3, 4),),
         torch=lambda a: torch.roll(a, 5)),
    Case("roll", "axes", lambda a: ops.roll(a, (1, -3), axis=(0, 2)),
         lambda a: np.roll(a, (1, -3), axis=(0, 2)), ((2, 3, 4),),
         torch=lambda a: torch.roll(a, (1, -3), (0, 2))),
    *[
        Case("split", f"{sections},piece{k}",
             lambda a, s=sections, k=k: ops.split(a, s, axis=1)[k],
             lambda a, s=sections, k=k: np.split(a, s, axis=1)[k], ((2, 6),),
             torch=lambda a, s=sections, k=k: _torch_split(a, s)[k])
        for sections, k in [(3, 0), (3, 2), ([1, 4], 1), ([1, 4], 2)]
    ],
    Case("tile", "(2,1,3)", lambda a: ops.tile(a, (2, 1, 3)), lambda a: np.tile(a, (2, 1, 3)),
         ((3, 2),), torch=lambda a: torch.tile(a, (2, 1, 3))),
    Case("tile", "2", lambda a: ops.tile(a, 2), lambda a: np.tile(a, 2), ((3, 2),),
         torch=lambda a: torch.tile(a, (2,))),
    Case("take_along_axis", "axis=1", lambda a: ops.take_along_axis(a, ALONG_INDEX, axis=1),
         lambda a: np.take_along_axis(a, ALONG_INDEX, axis=1), ((3, 4),),
         torch=lambda a: torch.take_along_dim(a, torch.from_numpy(ALONG_INDEX), dim=1)),
    Case("take_along_axis", "axis=0,broadcast",
         lambda a: ops.take_along_axis(a, ALONG_INDEX[:2, :1], axis=0),
         lambda a: np.take_along_axis(a, ALONG_INDEX[:2, :1], axis=0), ((3, 4),),
         torch=lambda a: torch.take_along_dim(a, torch.from_numpy(ALONG_INDEX[:2, :1]), dim=0)),
    Case("take_along_axis", "axis=None",
         lambda a: ops.take_along_axis(a, np.array([5, 0, 5, 11]), axis=None),
         lambda a: np.take_along_axis(a.ravel(), np.array([5, 0, 5, 11]), axis=0), ((3, 4),),
         torch=lambda a: a.reshape(-1)[torch.tensor([5, 0, 5, 11])]),
    Case("slice", "(1,0)+(2,3)", lambda a: ops.slice(a, (1, 0), (2, 3)), lambda a: a[1:3, 0:3],
         ((3, 4),), torch=lambda a: a[1:3, 0:3]),
    Case("slice_update", "(1,2)", lambda a, u: ops.slice_update(a, (1, 2), u),
         lambda a, u: _assign_numpy(a, np.s_[1:3, 2:4], u), ((3, 4), (2, 2)),
         torch=lambda a, u: _assign_torch(a, np.s_[1:3, 2:4], u)),
    Case("scatter", "repeats-add", lambda v: ops.scatter(SCATTER_INDEX, v, (3, 4)),
         lambda v: _scatter_numpy(v, SCATTER_INDEX, (3, 4)), ((4,),),
         torch=lambda v: _scatter_torch(v, SCATTER_INDEX, (3, 4))),
    Case("scatter", "rows", lambda v: ops.scatter(np.array([[2], [0]]), v, (3, 4)),
         lambda v: _scatter_numpy(v, np.array([[2], [0]]), (3, 4)), ((2, 4),),
         torch=lambda v: _scatter_torch(v, np.array([[2], [0]]), (3, 4))),
    Case("scatter_update", "unique", lambda a, u: ops.scatter_update(a, UNIQUE_INDEX, u),
         lambda a, u: _assign_numpy(a, tuple(UNIQUE_INDEX.T), u), ((3, 4), (3,)),
         torch=lambda a, u: _assign_torch(a, tuple(torch.from_numpy(UNIQUE_INDEX.T)), u)),
    Case("scatter_update", "add", lambda a, u: ops.scatter_update(a, SCATTER_INDEX, u, "add"),
         lambda a, u: a + _scatter_numpy(u, SCATTER_INDEX, (3, 4)), ((3, 4), (4,)),
         torch=lambda a, u: a + _scatter_torch(u, SCATTER_INDEX, (3, 4))),
    *[
        Case("meshgrid", indexing,
             lambda a, b, i=indexing: ops.stack(ops.meshgrid(a, b, indexing=i)),
             lambda a, b, i=indexing: np.stack(np.meshgrid(a, b, indexing=i)), ((3,), (4,)),
             torch=lambda a, b, i=indexing: torch.stack(torch.meshgrid(a, b, indexing=i)))
        for indexing in ["xy", "ij"]
    ],
]


SHAPE_MORE += [
    Case("copy", "", ops.copy, np.copy, ((3, 4),), torch=torch.clone),
    Case("hstack", "2d", lambda *xs: ops.hstack(xs), lambda *xs: np.hstack(xs), ((3, 2), (3, 4)),
         torch=lambda *xs: torch.hstack(xs)),
    Case("hstack", "1d", lambda *xs: ops.hstack(xs), lambda *xs: np.hstack(xs), ((3,), (2,)),
         torch=lambda *xs: torch.hstack(xs)),
    Case("vstack", "1d+2d", lambda *xs: ops.vstack(xs), lambda *xs: np.vstack(xs),
         ((4,), (2, 4)), torch=lambda *xs: torch.vstack(xs)),
    *[
        Case("unstack", f"axis={axis},piece{k}",
             lambda a, ax=axis, k=k: ops.unstack(a, axis=ax)[k],
             lambda a, ax=axis, k=k: np.moveaxis(a, ax, 0)[k], ((2, 3, 4),),
             torch=lambda a, ax=axis, k=k: torch.unbind(a, dim=ax)[k])
        for axis, k in [(0, 1), (-1, 2)]
    ],
]


def _torch_split(a, sections):
    return torch.tensor_split(a, sections, dim=1)


# --------------------------------------------------------------------------
# Products, diagonals, triangles (glassnet.ops.matrix)
# --------------------------------------------------------------------------

EINSUMS = [
    ("ij,jk->ik", ((3, 4), (4, 2))),
    ("ij,ij", ((3, 4), (3, 4))),  # implicit output: all summed
    ("bij,bkj->bik", ((2, 3, 4), (2, 5, 4))),
    ("...ij,jk->...ik", ((2, 3, 4), (4, 2))),
    ("ij,k->ik", ((3, 4), (5,))),  # j summed away inside the first operand
    ("ij->ji", ((3, 4),)),
    ("i,i,i->", ((4,), (4,), (4,))),
    ("ij,jk", ((1, 4), (4, 2))),
]
MATRIX = [
    *[
        Case("einsum", spec, lambda *xs, s=spec: ops.einsum(s, *xs),
             lambda *xs, s=spec: np.einsum(s, *xs), shapes,
             torch=lambda *xs, s=spec: torch.einsum(s, *xs))
        for spec, shapes in EINSUMS
    ],
    *[
        Case("tensordot", f"axes={axes}".replace(" ", ""),
             lambda a, b, ax=axes: ops.tensordot(a, b, axes=ax),
             lambda a, b, ax=axes: np.tensordot(a, b, axes=ax), shapes,
             torch=lambda a, b, ax=axes: torch.tensordot(a, b, dims=ax))
        for axes, shapes in [
            (2, ((2, 3, 4), (3, 4, 5))),
            (1, ((3, 4), (4, 2))),
            (0, ((3,), (2, 2))),
            (([1, 0], [0, 2]), ((3, 2, 4), (2, 5, 3))),
        ]
    ],
    Case("outer", "", ops.outer, np.outer, ((3,), (2, 2)),
         torch=lambda a, b: torch.outer(a.reshape(-1), b.reshape(-1))),
    Case("vdot", "", ops.vdot, np.vdot, ((3, 4), (3, 4)),
         torch=lambda a, b: torch.dot(a.reshape(-1), b.reshape(-1))),
    *[
        Case("diagonal", f"offset={off},axes=({a1},{a2})",
             lambda a, o=off, a1=a1, a2=a2: ops.diagonal(a, o, a1, a2),
             lambda a, o=off, a1=a1, a2=a2: np.diagonal(a, o, a1, a2), ((3, 4, 5),),
             torch=lambda a, o=off, a1=a1, a2=a2: torch.diagonal(a, o, a1, a2))
        for off, a1, a2 in [(0, 0, 1), (1, 1, 2), (-1, 2, 0), (3, 1, 2)]
    ],
    *[
        Case("trace", f"offset={off}", lambda a, o=off: ops.trace(a, offset=o),
             lambda a, o=off: np.trace(a, offset=o), ((3, 4),),
             torch=lambda a, o=off: torch.diagonal(a, o).sum())
        for off in [0, 1, -2]
    ],
    Case("trace", "3d,axes=(1,2)", lambda a: ops.trace(a, axis1=1, axis2=2),
         lambda a: np.trace(a, axis1=1, axis2=2), ((2, 3, 4),),
         torch=lambda a: torch.diagonal(a, 0, 1, 2).sum(-1)),
    *[
        Case("diag", f"k={k},{shape}".replace(" ", ""), lambda a, k=k: ops.diag(a, k=k),
             lambda a, k=k: np.diag(a, k=k), (shape,), torch=lambda a, k=k: torch.diag(a, k))
        for k, shape in [(0, (3,)), (2, (3,)), (-1, (3,)), (0, (3, 4)), (1, (3, 4)),
                         (-2, (3, 4))]
    ],
    *[
        Case(name, f"k={k},{shape}".replace(" ", ""), lambda a, f=fn, k=k: f(a, k=k),
             lambda a, f=np_fn, k=k: f(a, k=k), (shape,), torch=lambda a, f=t_fn, k=k: f(a, k))
        for name, fn, np_fn, t_fn in [("triu", ops.triu, np.triu, torch.triu),
                                      ("tril", ops.tril, np.tril, torch.tril)]
        for k, shape in [(0, (3, 4)), (1, (2, 3, 4)), (-1, (4, 3))]
    ],
]

MATRIX += [
    *[
        Case("inner", _shapes_label(shapes), ops.inner, np.inner, shapes, torch=torch.inner)
        for shapes in [((4,), (4,)), ((2, 3, 4), (5, 4)), ((3, 4), ())]
    ],
]

# --------------------------------------------------------------------------
# ops.nn: activations, normalization, cross-entropies
# --------------------------------------------------------------------------

LABELS = np.array([2, 0, 3])
EPS = 1e-7  # Keras' backend.epsilon()


def _np_log_p(output, from_logits, axis=-1):
    if from_logits:
        shifted = output - output.max(axis=axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return np.log(np.clip(output / output.sum(axis=axis, keepdims=True), EPS, 1 - EPS))


def _np_bce(t, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def _np_batch_norm(x, mean, variance, offset, scale, epsilon):
    return (x - mean) / np.sqrt(variance + epsilon) * scale + offset


def _np_normalize(x, axis, order):
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.maximum(norm, EPS)


NN_MORE = [
    Case("log_sigmoid", "", lambda a: ops.log_sigmoid(a * 10), lambda a: -np.logaddexp(0, -a * 10),
         ((4, 5),), torch=lambda a: F.logsigmoid(a * 10)),
    Case("relu6", "", lambda a: ops.relu6(a * 4), lambda a: np.clip(a * 4, 0, 6), ((4, 5),),
         "distinct", lambda a: F.relu6(a * 4)),
    Case("hard_silu", "", lambda a: ops.hard_silu(a * 4),
         lambda a: a * 4 * np.clip(a * 4 / 6 + 0.5, 0, 1), ((4, 5),), "distinct",
         lambda a: F.hardswish(a * 4)),
    Case("hard_swish", "alias", lambda a: ops.hard_swish(a * 4),
         lambda a: a * 4 * np.clip(a * 4 / 6 + 0.5, 0, 1), ((4, 5),), "distinct",
         lambda a: F.hardswish(a * 4)),
    Case("batch_normalization", "axis=-1",
         lambda x, m, v, b, g: ops.batch_normalization(x, m, v, -1, b, g, epsilon=0.01),
         lambda x, m, v, b, g: _np_batch_norm(x, m, v, b, g, 0.01),
         ((3, 4), (4,), (4,), (4,), (4,)), ("real", "real", "positive", "real", "real"),
         lambda x, m, v, b, g: (x - m) / torch.sqrt(v + 0.01) * g + b),
    Case("batch_normalization", "axis=1,no-affine",
         lambda x, m, v: ops.batch_normalization(x, m, v, axis=1),
         lambda x, m, v: _np_batch_norm(x, m[:, None], v[:, None], 0.0, 1.0, 1e-3),
         ((2, 3, 4), (3,), (3,)), ("real", "real", "positive"),
         lambda x, m, v: (x - m[:, None]) / torch.sqrt(v[:, None] + 1e-3)),
    *[
        Case("normalize", f"axis={axis},order={order}",
             lambda a, ax=axis, o=order: ops.normalize(a, axis=ax, order=o),
             lambda a, ax=axis, o=order: _np_normalize(a, ax, o), ((3, 4),), "distinct",
             lambda a, ax=axis, o=order: F.normalize(a, p=o, dim=ax, eps=EPS))
        for axis, order in [(-1, 2), (0, 2), (-1, 1), (0, 3)]
    ],
    Case("categorical_crossentropy", "probs", ops.categorical_crossentropy,
         lambda t, p: -(t * _np_log_p(p, False)).sum(-1), ((3, 4), (3, 4)),
         ("real", "positive"), lambda t, p: -(t * torch.log(p / p.sum(-1, keepdim=True))).sum(-1)),
    Case("categorical_crossentropy", "logits,axis=0",
         lambda t, z: ops.categorical_crossentropy(t, z, from_logits=True, axis=0),
         lambda t, z: -(t * _np_log_p(z, True, 0)).sum(0), ((4, 3), (4, 3)),
         torch=lambda t, z: F.cross_entropy(z.T, t.T, reduction="none")),
    Case("sparse_categorical_crossentropy", "probs",
         lambda p: ops.sparse_categorical_crossentropy(LABELS, p),
         lambda p: -np.take_along_axis(_np_log_p(p, False), LABELS[:, None], -1)[:, 0],
         ((3, 4),), "positive", lambda p: F.nll_loss(torch.log(p / p.sum(-1, keepdim=True)),
                                                     torch.from_numpy(LABELS), reduction="none")),
    Case("sparse_categorical_crossentropy", "logits",
         lambda z: ops.sparse_categorical_crossentropy(LABELS, z, from_logits=True),
         lambda z: -np.take_along_axis(_np_log_p(z, True), LABELS[:, None], -1)[:, 0],
         ((3, 4),), torch=lambda z: F.cross_entropy(z, torch.from_numpy(LABELS),
                                                    reduction="none")),
    Case("binary_crossentropy", "probs",
         lambda t, z: ops.binary_crossentropy(t, ops.sigmoid(z)),
         lambda t, z: _np_bce(t, 1 / (1 + np.exp(-z))), ((3, 4), (3, 4)),
         torch=lambda t, z: -(t * F.logsigmoid(z) + (1 - t) * F.logsigmoid(-z))),
    Case("binary_crossentropy", "logits",
         lambda t, z: ops.binary_crossentropy(t, z, from_logits=True),
         lambda t, z: np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))), ((3, 4), (3, 4)),
         torch=lambda t, z: F.binary_cross_entropy_with_logits(z, t, reduction="none")),
]

TABLE = [
    *BINARY,
    *OPERATORS,
    *WHERE,
    *MATMUL,
    *UNARY,
    *REDUCTIONS,
    *SHAPE_OPS,
    *ACTIVATIONS,
    *STATISTICS,
    *MOMENTS,
    *SHAPE_COMPOSITES,
    *MATH,
    *MATH_MORE,
    *REDUCTIONS_MORE,
    *NORMS,
    *SHAPE_MORE,
    *MATRIX,
    *NN_MORE,
]
TORCH_TABLE = [case for case in TABLE if case.torch is not None]

# glassnet.ops names that are not differentiable, hence not rows of the table.
NOT_DIFFERENTIABLE = {
    "Tensor", "argmax", "convert_to_numpy", "convert_to_tensor", "equal", "one_hot",
    "stop_gradient",
    # piecewise constant, bool-valued or index-valued (tests/test_ops_math.py)
    "all", "any", "argmin", "argsort", "ceil", "count_nonzero", "floor", "floor_divide",
    "greater", "greater_equal", "isfinite", "isinf", "isnan", "less", "less_equal",
    "logical_and", "logical_not", "logical_or", "logical_xor", "not_equal", "round", "sign",
    "isclose", "trunc", "nonzero", "ndim", "size", "is_tensor",
    # constants made from shapes and values (tests/test_ops_creation.py)
    "arange", "eye", "full", "full_like", "identity", "linspace", "ones", "ones_like",
    "shape", "tri", "zeros", "zeros_like",
}


def by_id(cases):
    return pytest.mark.parametrize("case", cases, ids=[case.id for case in cases])


# --------------------------------------------------------------------------
# One test per property
# --------------------------------------------------------------------------


# Differentiable ops with a test file of their own (naive loops, PyTorch, Keras' values).
TESTED_ELSEWHERE = {
    "conv": "tests/test_convolution.py",
    "conv_transpose": "tests/test_convolution_variants.py",
    "depthwise_conv": "tests/test_convolution_variants.py",
    "separable_conv": "tests/test_convolution_variants.py",
    "max_pool": "tests/test_pooling.py",
    "average_pool": "tests/test_pooling.py",
    # control flow: Python branches and loops around differentiable functions
    "cond": "tests/test_ops_control_flow.py",
    "fori_loop": "tests/test_ops_control_flow.py",
    "while_loop": "tests/test_ops_control_flow.py",
    "map": "tests/test_ops_control_flow.py",
    "vectorized_map": "tests/test_ops_control_flow.py",
    "scan": "tests/test_ops_control_flow.py",
}


def test_table_covers_every_differentiable_op():
    public = {
        name for name in dir(ops) if not name.startswith("_") and callable(getattr(ops, name))
    }
    covered = {case.op for case in TABLE}
    assert public - NOT_DIFFERENTIABLE - set(TESTED_ELSEWHERE) - covered == set()
    assert len({case.id for case in TABLE}) == len(TABLE), "row ids must be unique"


@by_id(TABLE)
def test_forward_matches_numpy(case):
    arrays = case.inputs()
    out = case.fn(*[Tensor(a) for a in arrays])
    expected = np.asarray(case.ref(*arrays))
    assert out.shape == expected.shape
    assert out.dtype == expected.dtype
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)


@by_id(TABLE)
def test_backward_matches_finite_differences(case):
    seed = zlib.crc32(case.id.encode())
    assert_gradients(case.fn, case.inputs(), rtol=case.rtol, atol=1e-7, seed=seed, eps=case.eps)


@by_id(TABLE)
def test_float32_stays_float32(case):
    tensors = [Tensor(a, requires_grad=True) for a in case.inputs(np.float32)]
    out = case.fn(*tensors)
    assert out.dtype == np.float32
    upstream = np.random.default_rng(0).standard_normal(out.shape).astype(np.float32)
    for tensor, g in zip(tensors, grad(out, tensors, output_grad=upstream)):
        assert g.dtype == np.float32
        assert g.shape == tensor.shape


@by_id(TABLE)
def test_nothing_recorded_under_no_grad(case):
    tensors = [Tensor(a, requires_grad=True) for a in case.inputs()]
    with no_grad():
        out = case.fn(*tensors)
    assert_no_graph(out)
    np.testing.assert_array_equal(out.data, case.fn(*tensors).data)


@by_id(TORCH_TABLE)
def test_matches_torch(case):
    torch_reference(case.fn, case.torch, case.inputs(), seed=zlib.crc32(case.id.encode()))


# --------------------------------------------------------------------------
# Python numbers as operands keep float32
# --------------------------------------------------------------------------

SCALAR_OPERAND_OPS = {
    "add": (ops.add, np.add),
    "subtract": (ops.subtract, np.subtract),
    "multiply": (ops.multiply, np.multiply),
    "divide": (ops.divide, np.divide),
    "power": (ops.power, np.power),
    "maximum": (ops.maximum, np.maximum),
    "minimum": (ops.minimum, np.minimum),
    "where": (lambda a, b: ops.where(COND_34, a, b), lambda a, b: np.where(COND_34, a, b)),
}


@pytest.mark.parametrize("scalar", [1.5, 2])
@pytest.mark.parametrize("tensor_first", [True, False], ids=["tensor-scalar", "scalar-tensor"])
@pytest.mark.parametrize("name", sorted(SCALAR_OPERAND_OPS))
def test_python_scalar_operand_keeps_float32(name, tensor_first, scalar):
    fn, ref = SCALAR_OPERAND_OPS[name]
    x = random_inputs([(3, 4)], "positive", seed=1)[0].astype(np.float32)
    t = Tensor(x, requires_grad=True)
    out = fn(t, scalar) if tensor_first else fn(scalar, t)
    expected = ref(x, np.float32(scalar)) if tensor_first else ref(np.float32(scalar), x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, expected, rtol=1e-6)
    (g,) = grad(out, [t], output_grad=np.ones(out.shape, dtype=np.float32))
    assert g.dtype == np.float32


# --------------------------------------------------------------------------
# Behaviour at ties and branch points (outside the table's safe domains)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_max_shares_the_gradient_among_ties_like_torch(axis):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]])
    dims = tuple(range(x.ndim)) if axis is None else axis
    torch_reference(lambda a: ops.max(a, axis=axis), lambda a: torch.amax(a, dim=dims), [x])


def test_maximum_at_ties_sends_the_gradient_to_the_first_operand():
    # TensorFlow's convention (x >= y), which Keras inherits.
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([1.0, 5.0, 3.0]), requires_grad=True)
    ga, gb = grad(ops.maximum(a, b), [a, b], output_grad=np.ones(3))
    np.testing.assert_array_equal(ga, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(gb, [0.0, 1.0, 0.0])


SMOOTH_AT_BRANCH_POINTS = {
    "softplus": (ops.softplus, F.softplus),
    "softsign": (ops.softsign, F.softsign),
    "elu": (ops.elu, F.elu),
    "silu": (ops.silu, F.silu),
    "gelu": (lambda a: ops.gelu(a, approximate=False), F.gelu),
    "sigmoid": (ops.sigmoid, torch.sigmoid),
    "softmax": (ops.softmax, lambda a: torch.softmax(a, dim=-1)),
    "log_softmax": (ops.log_softmax, lambda a: torch.log_softmax(a, dim=-1)),
    "logsumexp": (lambda a: ops.logsumexp(a, axis=-1), lambda a: torch.logsumexp(a, dim=-1)),
}


@pytest.mark.parametrize("name", sorted(SMOOTH_AT_BRANCH_POINTS))
def test_smooth_functions_have_the_true_gradient_at_branch_points(name):
    # Zeros (where |x| or relu branch) and tied maxima (where the max shift branches).
    fn, torch_fn = SMOOTH_AT_BRANCH_POINTS[name]
    x = np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    torch_reference(fn, torch_fn, [x])


def test_relu_threshold_is_strict_like_keras():
    # keras.activations.relu([-10, -5, 0, 5, 10], threshold=5) == [0, 0, 0, 0, 10]
    x = np.array([-10.0, -5.0, 0.0, 5.0, 10.0])
    np.testing.assert_array_equal(ops.relu(x, threshold=5.0).data, _keras_relu(x, threshold=5.0))
    assert ops.relu(x, threshold=5.0).data[3] == 0.0


def test_softplus_does_not_overflow():
    x = Tensor(np.array([-1000.0, 1000.0], dtype=np.float32), requires_grad=True)
    out = ops.softplus(x)
    np.testing.assert_allclose(out.data, [0.0, 1000.0])
    (g,) = grad(out, [x], output_grad=np.ones(2, dtype=np.float32))
    np.testing.assert_allclose(g, [0.0, 1.0])


def test_softmax_and_logsumexp_do_not_overflow():
    x = np.array([[1000.0, 1000.0, -1000.0]])
    np.testing.assert_allclose(ops.softmax(x).data, [[0.5, 0.5, 0.0]])
    np.testing.assert_allclose(ops.logsumexp(x, axis=-1).data, [1000.0 + math.log(2.0)])
    np.testing.assert_allclose(ops.log_softmax(x).data[0, :2], [-math.log(2.0)] * 2)


def test_cast_sends_the_gradient_back_in_the_source_dtype():
    x = Tensor(np.array([1.5, -2.0], dtype=np.float32), requires_grad=True)
    y = ops.cast(x, "float64")
    assert y.dtype == np.float64
    (g,) = grad(y, [x], output_grad=np.array([0.25, 4.0]))
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, [0.25, 4.0])
    assert ops.cast(x, "float32") is x  # no-op casts add no node
