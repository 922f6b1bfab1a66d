"""Control flow (``keras.ops.cond``, ``fori_loop``, ``while_loop``, ``map``, ``scan``, ...).

glassnet runs eagerly, so these are plain Python branches and loops.  They exist so that
Keras code written for compiled backends runs unchanged; gradients flow through whatever
the functions compute.  Values may be nested structures (lists, tuples, dicts of tensors);
``map``, ``vectorized_map`` and ``scan`` slice their inputs along the first axis and stack
the per-step outputs leaf by leaf.
"""
from glassnet import tree
from glassnet.autodiff import primitives as P
from glassnet.autodiff.tensor import convert_to_tensor


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` is true, else ``false_fn()``."""
    return true_fn() if bool(pred) else false_fn()


def fori_loop(lower, upper, body_fun, init_val):
    """Runs ``val = body_fun(i, val)`` for i = lower, ..., upper - 1 and returns val
    (its leaves as tensors)."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return tree.map_structure(convert_to_tensor, val)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Runs ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` holds (at most
    ``maximum_iterations`` times) and returns loop_vars as tensors, in the structure it
    was given (a single value, or a tuple / list of values)."""
    is_sequence = isinstance(loop_vars, (tuple, list))
    values = tuple(loop_vars) if is_sequence else (loop_vars,)
    iterations = 0
    while bool(cond(*values)):
        if maximum_iterations is not None and iterations >= maximum_iterations:
            break
        values = body(*values)
        values = tuple(values) if isinstance(values, (tuple, list)) else (values,)
        iterations += 1
    values = tree.map_structure(convert_to_tensor, values)  # Python numbers too, as Keras
    if not is_sequence:
        return values[0]
    return type(loop_vars)(values)


def map(f, xs):
    """``f`` applied to each slice of ``xs`` along its first axis, the results stacked:
    map(f, xs)[i] = f(xs[i])."""
    steps = [f(x) for x in _slices(xs)]
    return _stack(steps)


def vectorized_map(function, elements):
    """``function`` applied to each slice of ``elements`` along the first axis, the results
    stacked (here a loop; the same values as Keras' vectorized version)."""
    return map(function, elements)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Carries a state through the slices of ``xs``: ``carry, y_i = f(carry, x_i)``; returns
    the last carry and the stacked ys.  Without xs, f gets None ``length`` times.  With
    ``reverse=True`` the slices are visited last to first and ys keeps xs' order.
    ``unroll`` is accepted for compatibility (a Python loop has nothing to unroll)."""
    if xs is None:
        if length is None:
            raise ValueError("scan: give xs or length. Received: xs=None, length=None")
        inputs = [None] * int(length)
    else:
        inputs = list(_slices(xs))
        if length is not None and int(length) != len(inputs):
            raise ValueError(
                f"scan: length must match the first axis of xs ({len(inputs)}). "
                f"Received: length={length}"
            )
    order = range(len(inputs) - 1, -1, -1) if reverse else range(len(inputs))
    carry, ys = init, [None] * len(inputs)
    for i in order:
        carry, ys[i] = f(carry, inputs[i])
    if not ys or ys[0] is None:
        return carry, None
    return carry, _stack(ys)


def _slices(xs):
    """The structures xs[0], xs[1], ... (every leaf sliced along its first axis)."""
    leaves = [convert_to_tensor(leaf) for leaf in tree.flatten(xs)]
    sizes = {leaf.shape[0] if leaf.ndim else None for leaf in leaves}
    if len(sizes) != 1 or None in sizes:
        raise ValueError(
            "map: every input must have the same first dimension. Received shapes: "
            f"{[leaf.shape for leaf in leaves]}"
        )
    (n,) = sizes
    for i in range(n):
        picked = iter([leaf[i] for leaf in leaves])
        yield tree.map_structure(lambda _, picked=picked: next(picked), xs)


def _stack(steps):
    """The per-step structures stacked leaf by leaf along a new first axis."""
    columns = zip(*[tree.flatten(step) for step in steps])
    stacked = iter([P.stack([convert_to_tensor(v) for v in column]) for column in columns])
    return tree.map_structure(lambda _: next(stacked), steps[0])
