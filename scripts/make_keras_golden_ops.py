"""Writes tests/data/keras-golden/ops.json: real Keras' results (values, dtypes, shapes) of
``keras.ops`` calls, and some of their gradients, for tests/test_ops_keras_golden.py.

Run it with real Keras (JAX backend, float32), from outside the repository so that
``import keras`` finds Keras and not glassnet:

    cd /tmp && KERAS_BACKEND=jax ~/.cache/glassnet-bench/venvs/jax/bin/python \\
        /work/main/scripts/make_keras_golden_ops.py

Each call is a Python expression over ``ops`` (keras.ops / glassnet.ops), ``np`` and the
named inputs; the test evaluates the same text with glassnet.  "values" holds results
(a tensor, or a list for tuple/list results); "gradients" holds d/d<input> of
sum(w * expression) for a fixed random w of the result's shape (w is stored too).
"""
import json
from pathlib import Path

import jax
import keras
import numpy as np
from keras import ops

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "keras-golden" / "ops.json"


def make_inputs():
    rng = np.random.default_rng(20261127)
    floats = {
        "x": rng.normal(0, 1.5, (3, 4)),
        "y": rng.normal(0, 1.5, (3, 4)),
        "v": rng.normal(0, 1, (5,)),
        "b": rng.normal(0, 1, (2, 3, 4)),
        "u": rng.uniform(-0.9, 0.9, (3, 4)),  # arcsin, arctanh
        "big": rng.uniform(1.1, 3.0, (3, 4)),  # arccosh
        "halves": np.array([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, 1.25, -3.7]),
        "zeros": np.array([[2.0, 0.0, 3.0, -1.5], [0.0, 0.0, 1.5, 2.0], [1.5, -2.0, 0.5, 3.0]]),
        "ties": np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [0.0, -1.0, 0.0, 5.0, 5.0]]),
        "special": np.array([0.0, -1.0, np.inf, -np.inf, np.nan, 2.5]),
        "probs": rng.dirichlet(np.ones(4), 3),
        "p_sig": rng.uniform(0.02, 0.98, (3, 4)),
        "onehot": np.eye(4)[[2, 0, 3]],
        "mean": rng.normal(0, 1, (4,)),
        "variance": rng.uniform(0.5, 2, (4,)),
        "gamma": rng.normal(1, 0.2, (4,)),
        "beta": rng.normal(0, 0.2, (4,)),
        "weights": rng.uniform(0.1, 2.0, (4,)),
        "upd": rng.normal(0, 1, (2, 2)),
        "vals": rng.normal(0, 1, (3,)),
        "rows": rng.normal(0, 1, (3, 4)),
    }
    ints = {
        "i": np.array([[3, -7, 0, 5], [-2, 8, 1, -4], [6, 0, -3, 9]]),
        "j": np.array([[2, 3, -5, 4], [3, -2, 7, 2], [-4, 6, 2, 3]]),
        "labels": np.array([2, 0, 3]),
        "idx": np.array([[0, 3, 1, 2], [2, 2, 0, 1], [3, 0, 0, 1]]),
        "sidx": np.array([[0, 1], [2, 3], [0, 1]]),
        "mask_b": np.array([[1, 0, 1, 1], [0, 0, 1, 0], [1, 1, 0, 0]]),
    }
    out = {key: value.astype(np.float32) for key, value in floats.items()}
    out.update({key: value.astype(np.int32) for key, value in ints.items()})
    out["bools"] = out.pop("mask_b").astype(bool)
    out["i8"] = ints["i"].astype(np.int8)
    out["u8"] = np.abs(ints["i"]).astype(np.uint8)
    return out


VALUES = [
    # element-wise math and its dtypes
    "ops.sin(x)", "ops.cos(x)", "ops.tan(u)", "ops.arcsin(u)", "ops.arccos(u)",
    "ops.arctan(x)", "ops.arctan2(x, y)", "ops.sinh(x)", "ops.cosh(x)", "ops.arcsinh(x)",
    "ops.arccosh(big)", "ops.arctanh(u)", "ops.sin(i)", "ops.arctan2(i, j)",
    "ops.floor(x)", "ops.ceil(x)", "ops.floor(i)", "ops.ceil(i)", "ops.round(halves)",
    "ops.round(x, 1)", "ops.round(i)", "ops.sign(x)", "ops.sign(i)", "ops.sign(zeros)",
    "ops.log2(big)", "ops.log10(big)", "ops.log2(i * i + 1)", "ops.rsqrt(big)",
    "ops.reciprocal(x)", "ops.reciprocal(i + 10)",
    "ops.mod(x, y)", "ops.mod(i, j)", "ops.mod(i, 3)", "ops.mod(x, 0.75)",
    "ops.floor_divide(x, y)", "ops.floor_divide(i, j)", "ops.floor_divide(i, 4)",
    "ops.true_divide(x, y)", "ops.true_divide(i, j)",
    "ops.logical_and(x > 0, y > 0)", "ops.logical_or(i, bools)", "ops.logical_xor(x > 0, bools)",
    "ops.logical_not(i)", "ops.greater(x, y)", "ops.greater_equal(i, 0)", "ops.less(x, 0.5)",
    "ops.less_equal(i, j)", "ops.not_equal(i, 0)", "ops.equal(i, j)",
    "ops.isnan(special)", "ops.isinf(special)", "ops.isfinite(special)", "ops.isnan(i)",
    # reductions
    "ops.sum(i)", "ops.sum(i8)", "ops.sum(u8, axis=0)", "ops.sum(bools, axis=1)",
    "ops.mean(i)", "ops.mean(bools, axis=0)", "ops.max(x, axis=0, initial=1.0)",
    "ops.min(i, axis=1, initial=-5)",
    "ops.prod(x, axis=1)", "ops.prod(zeros, axis=0, keepdims=True)", "ops.prod(i)",
    "ops.prod(i8, axis=1)", "ops.prod(x, dtype='float32')",
    "ops.all(x > -3)", "ops.all(bools, axis=0)", "ops.any(i, axis=1, keepdims=True)",
    "ops.argmin(x)", "ops.argmin(x, axis=0)", "ops.argmax(ties, axis=1)",
    "ops.argmax(ties, axis=1, keepdims=True)", "ops.argmin(ties)",
    "ops.average(x)", "ops.average(x, axis=1, weights=weights)",
    "ops.average(x, axis=0, weights=y * y)", "ops.average(i, axis=1)",
    "ops.count_nonzero(zeros)", "ops.count_nonzero(zeros, axis=1)",
    "ops.cumsum(x)", "ops.cumsum(x, axis=0)", "ops.cumsum(i, axis=1)", "ops.cumsum(bools)",
    "ops.cumprod(zeros, axis=1)", "ops.cumprod(i8, axis=0)", "ops.cumprod(x)",
    "ops.diff(x)", "ops.diff(x, n=2, axis=0)", "ops.diff(i, axis=1)",
    "ops.logsumexp(x, axis=1)",
    # sorting
    "ops.sort(x)", "ops.sort(x, axis=0)", "ops.sort(i)", "ops.argsort(ties)",
    "ops.argsort(x, axis=0)", "ops.top_k(ties, 3)", "ops.top_k(x, 2)", "ops.top_k(i, 1)",
    # norms
    "ops.norm(x)", "ops.norm(v)", "ops.norm(x, axis=1)", "ops.norm(x, axis=0, keepdims=True)",
    "ops.norm(x, ord=1, axis=1)", "ops.norm(x, ord=np.inf, axis=1)",
    "ops.norm(x, ord=-np.inf, axis=1)", "ops.norm(zeros, ord=0, axis=1)",
    "ops.norm(x, ord=3, axis=1)", "ops.norm(x, ord=0.5, axis=0)",
    "ops.norm(x, ord='fro')", "ops.norm(x, ord='nuc')", "ops.norm(x, ord=2)",
    "ops.norm(x, ord=-2)", "ops.norm(x, ord=1)", "ops.norm(x, ord=-1)", "ops.norm(x, ord=np.inf)",
    "ops.norm(x, ord=-np.inf)", "ops.norm(b, axis=(0, 2))", "ops.norm(b, ord=2, axis=(2, 1))",
    "ops.norm(b, ord='nuc', axis=(1, 2), keepdims=True)", "ops.norm(i)",
    "ops.norm(b, keepdims=True)",
    # shape
    "ops.flip(x)", "ops.flip(b, axis=1)", "ops.flip(b, axis=(0, 2))",
    "ops.roll(x, 2)", "ops.roll(x, -1, axis=1)", "ops.roll(b, (1, 2), axis=(0, 2))",
    "ops.broadcast_to(v[:4], (3, 4))", "ops.broadcast_to(x[:1], (2, 3, 4))",
    "ops.ravel(b)", "ops.swapaxes(b, 0, 2)", "ops.moveaxis(b, 0, -1)",
    "ops.moveaxis(b, [0, 1], [2, 0])",
    "ops.split(x, 2, axis=1)", "ops.split(x, [1, 2], axis=0)", "ops.split(v, [2])",
    "ops.tile(x, 2)", "ops.tile(x, (2, 1))", "ops.tile(v, (2, 1, 2))",
    "ops.take_along_axis(x, idx, axis=1)", "ops.take_along_axis(x, idx[:2] % 3, axis=0)",
    "ops.take_along_axis(x, sidx, axis=1)", "ops.take_along_axis(x, idx[:1] % 3, axis=0)",
    "ops.take_along_axis(v, np.array([4, 0, 0]), axis=None)",
    "ops.slice(x, (1, 0), (2, 3))", "ops.slice(b, (0, 1, 2), (2, 2, 1))",
    "ops.slice_update(x, (1, 2), upd)", "ops.slice_update(i, (0, 1), np.ones((2, 2), 'int32'))",
    "ops.scatter(np.array([[0, 1], [2, 3], [0, 1]]), vals, (3, 4))",
    "ops.scatter(np.array([[2], [0]]), rows[:2], (3, 4))",
    "ops.scatter_update(x, np.array([[0, 1], [2, 3]]), vals[:2])",
    "ops.scatter_update(x, np.array([[1]]), rows[:1])",
    "ops.scatter_update(x, np.array([[0, 0], [0, 0], [1, 1]]), vals, reduction='add')",
    "ops.meshgrid(v[:2], v[2:])", "ops.meshgrid(v[:2], v[2:], indexing='ij')",
    "ops.meshgrid(v[:2], v[2:4], v[4:], indexing='xy')",
    "ops.where(bools)", "ops.where(x > 0, x, 0)", "ops.where(i > 0, i, j)",
    # products and diagonals
    "ops.outer(v, v[:3])", "ops.outer(x, v)", "ops.einsum('ij,kj->ik', x, y)",
    "ops.einsum('ij,ij', x, y)", "ops.einsum('...ij,jk->...ik', b, y.T)",
    "ops.einsum('ij->ji', x)", "ops.einsum('bij,bkj->bik', b, b)", "ops.einsum('ij,j', x, v[:4])",
    "ops.einsum('ij,k->ik', x, v)", "ops.einsum('ij,jk->ik', i, j.T)",
    "ops.tensordot(x, y)", "ops.tensordot(x, y, axes=([1], [1]))",
    "ops.tensordot(b, y, axes=2)", "ops.tensordot(x, v, axes=0)",
    "ops.tensordot(b, x, axes=([1, 2], [0, 1]))",
    "ops.vdot(x, y)", "ops.vdot(i, j)",
    "ops.trace(x)", "ops.trace(x, offset=1)", "ops.trace(x, offset=-1)", "ops.trace(i)",
    "ops.trace(b, axis1=1, axis2=2)", "ops.trace(bools)",
    "ops.diag(v)", "ops.diag(v[:3], k=1)", "ops.diag(v[:3], k=-2)", "ops.diag(x)",
    "ops.diag(x, k=2)", "ops.diag(x, k=-1)",
    "ops.diagonal(x)", "ops.diagonal(x, offset=1)", "ops.diagonal(b, offset=-1, axis1=1, axis2=2)",
    "ops.diagonal(b, axis1=2, axis2=0)",
    "ops.triu(x)", "ops.triu(x, k=1)", "ops.tril(x, k=-1)", "ops.tril(b)", "ops.triu(i, k=-1)",
    # nn
    "ops.log_sigmoid(x * 20)", "ops.relu6(x * 5)", "ops.hard_silu(x * 3)",
    "ops.hard_swish(x * 3)",
    "ops.categorical_crossentropy(onehot, probs)",
    "ops.categorical_crossentropy(onehot, x, from_logits=True)",
    "ops.categorical_crossentropy(probs.T, x.T, from_logits=True, axis=0)",
    "ops.categorical_crossentropy(onehot, onehot)",
    "ops.sparse_categorical_crossentropy(labels, probs)",
    "ops.sparse_categorical_crossentropy(labels, x, from_logits=True)",
    "ops.sparse_categorical_crossentropy(labels[:, None], x, from_logits=True)",
    "ops.binary_crossentropy(onehot, p_sig)",
    "ops.binary_crossentropy(onehot, x, from_logits=True)",
    "ops.binary_crossentropy(onehot, onehot)",
    "ops.batch_normalization(x, mean, variance, axis=-1)",
    "ops.batch_normalization(x, mean, variance, axis=1, offset=beta, scale=gamma, epsilon=0.01)",
    "ops.batch_normalization(b, mean[:3], variance[:3], axis=1, scale=gamma[:3])",
    "ops.normalize(x)", "ops.normalize(x, axis=0)", "ops.normalize(x, order=1)",
    "ops.normalize(x, axis=0, order=3)", "ops.normalize(zeros * 0)",
    "ops.one_hot(labels, 4, axis=0)",
    # more element-wise math and helpers
    "ops.fabs(i)", "ops.exp2(x)", "ops.exp2(i)", "ops.deg2rad(x)", "ops.rad2deg(i)",
    "ops.hypot(x, y)", "ops.hypot(i, j)", "ops.logaddexp(x * 30, y * 30)", "ops.logaddexp(i, j)",
    "ops.divide_no_nan(x, zeros)", "ops.divide_no_nan(i, j * (i > 0))", "ops.trunc(x * 2)",
    "ops.trunc(i)", "ops.isclose(x, x + 1e-6)", "ops.isclose(special, special, equal_nan=True)",
    "ops.amax(x, axis=1)", "ops.amin(i, axis=0, keepdims=True)", "ops.copy(x)",
    "ops.hstack([x, y])", "ops.hstack([v, v[:2]])", "ops.vstack([x, y[:1]])",
    "ops.vstack([v, v])", "ops.unstack(x, axis=1)", "ops.unstack(b, num=2)",
    "ops.nonzero(zeros)", "ops.inner(x, y)", "ops.inner(v, v)", "ops.inner(b, x)",
    "ops.inner(i, j)", "ops.ndim(b)", "ops.size(b)", "ops.exp(i)", "ops.sqrt(i * i)",
    "ops.log1p(bools)",
    # control flow
    "ops.cond(ops.sum(x) > 0, lambda: x + 1, lambda: x - 1)",
    "ops.fori_loop(0, 4, lambda k, acc: acc * 2 + k, v)",
    "ops.while_loop(lambda a: ops.sum(a) < 100, lambda a: a * 2 + 1, i)",
    "ops.while_loop(lambda a, n: n < 3, lambda a, n: (a + v, n + 1), (v, 0))",
    "ops.while_loop(lambda a: ops.sum(a) < 100, lambda a: a * 2 + 1, i, maximum_iterations=2)",
    "ops.map(lambda r: ops.sum(r * r), x)",
    "ops.map(lambda d: d['a'] * d['b'], {'a': x, 'b': y})",
    "ops.vectorized_map(lambda r: ops.outer(r, r[:2]), x)",
    "ops.scan(lambda c, r: (c + r, c * r), v[:4], x)",
    "ops.scan(lambda c, r: (c + r, c * r), v[:4], x, reverse=True)",
    "ops.scan(lambda c, _: (c * 2, c), v, length=3)",
]

GRADIENTS = {
    "ops.sin(x)": ["x"], "ops.tan(u)": ["u"], "ops.arcsin(u)": ["u"], "ops.arccos(u)": ["u"],
    "ops.arctan2(x, y)": ["x", "y"], "ops.arccosh(big)": ["big"], "ops.arctanh(u)": ["u"],
    "ops.mod(x, y)": ["x", "y"], "ops.log2(big)": ["big"], "ops.rsqrt(big)": ["big"],
    "ops.prod(zeros, axis=0, keepdims=True)": ["zeros"], "ops.prod(zeros)": ["zeros"],
    "ops.cumprod(zeros, axis=1)": ["zeros"], "ops.cumprod(zeros)": ["zeros"],
    "ops.cumsum(x, axis=0)": ["x"], "ops.diff(x, n=2, axis=0)": ["x"],
    "ops.sort(x, axis=0)": ["x"], "ops.top_k(ties, 3)[0]": ["ties"],
    "ops.average(x, axis=0, weights=y * y)": ["x", "y"],
    "ops.norm(x, ord=3, axis=1)": ["x"], "ops.norm(x, ord='nuc')": ["x"],
    "ops.norm(x, ord=2)": ["x"], "ops.norm(x, ord=np.inf)": ["x"],
    "ops.roll(b, (1, 2), axis=(0, 2))": ["b"], "ops.tile(x, (2, 1))": ["x"],
    "ops.take_along_axis(x, idx, axis=1)": ["x"],
    "ops.slice_update(x, (1, 2), upd)": ["x", "upd"],
    "ops.scatter(np.array([[0, 1], [2, 3], [0, 1]]), vals, (3, 4))": ["vals"],
    "ops.scatter_update(x, np.array([[0, 1], [2, 3]]), vals[:2])": ["x", "vals"],
    "ops.einsum('...ij,jk->...ik', b, y.T)": ["b", "y"],
    "ops.einsum('ij,k->ik', x, v)": ["x", "v"],
    "ops.tensordot(b, x, axes=([1, 2], [0, 1]))": ["b", "x"], "ops.trace(x, offset=1)": ["x"],
    "ops.diag(v[:3], k=1)": ["v"], "ops.diagonal(b, offset=-1, axis1=1, axis2=2)": ["b"],
    "ops.tril(b)": ["b"], "ops.log_sigmoid(x * 20)": ["x"], "ops.hard_silu(x * 3)": ["x"],
    "ops.categorical_crossentropy(onehot, probs)": ["probs"],
    "ops.sparse_categorical_crossentropy(labels, x, from_logits=True)": ["x"],
    "ops.binary_crossentropy(onehot, p_sig)": ["p_sig"],
    "ops.binary_crossentropy(onehot, x, from_logits=True)": ["x"],
    "ops.batch_normalization(x, mean, variance, axis=1, offset=beta, scale=gamma, epsilon=0.01)":
        ["x", "mean", "variance", "beta", "gamma"],
    "ops.normalize(x)": ["x"], "ops.normalize(x, axis=0, order=3)": ["x"],
    "ops.scan(lambda c, r: (c + r, c * r), v[:4], x)[1]": ["x", "v"],
    "ops.logaddexp(x * 30, y * 30)": ["x", "y"], "ops.hypot(x, y)": ["x", "y"],
    "ops.divide_no_nan(x, zeros)": ["x", "zeros"], "ops.inner(b, x)": ["b", "x"],
    "ops.unstack(b, num=2)[1]": ["b"], "ops.vstack([v, v * 2])": ["v"],
}


def encode(result):
    if isinstance(result, (tuple, list)):
        return {"list": [encode(r) for r in result]}
    array = np.asarray(result)
    return {"value": array.tolist(), "dtype": str(array.dtype), "shape": list(array.shape)}


def jax_gradient(expression, names, inputs, seed):
    """d/d<names> of sum(w * expression), with w ~ N(0, 1) of the result's shape."""
    def f(*args):
        env = {**inputs, **dict(zip(names, args)), "ops": ops, "np": np}
        return eval(expression, env)

    out = np.asarray(f(*[inputs[n] for n in names]))
    w = np.random.default_rng(seed).normal(0, 1, out.shape).astype(np.float32)
    grads = jax.grad(lambda *a: jax.numpy.sum(w * f(*a)), argnums=tuple(range(len(names))))(
        *[jax.numpy.asarray(inputs[n]) for n in names]
    )
    return {"w": w.tolist(), "grads": {n: np.asarray(g).tolist() for n, g in zip(names, grads)}}


def main():
    inputs = make_inputs()
    env = {**inputs, "ops": ops, "np": np}
    values = {}
    for expression in VALUES:
        try:
            values[expression] = encode(eval(expression, env))
        except Exception as error:  # recorded (the test skips it) and reported below
            values[expression] = {"error": type(error).__name__}
            print(f"{expression}: {type(error).__name__}: {error}")
    gradients = {
        expression: jax_gradient(expression, names, inputs, seed)
        for seed, (expression, names) in enumerate(GRADIENTS.items())
    }
    OUT.write_text(json.dumps({
        "note": f"keras.ops with Keras {keras.__version__}, {keras.backend.backend()} "
                "backend, float32; inputs int32/float32 (i8: int8, u8: uint8, bools: bool)",
        "inputs": {k: {"value": v.tolist(), "dtype": str(v.dtype)} for k, v in inputs.items()},
        "values": values,
        "gradients": gradients,
    }, indent=None))
    print(f"wrote {OUT} ({len(values)} values, {len(gradients)} gradients)")


if __name__ == "__main__":
    main()
