"""The graph machinery: ``Function.apply`` records, ``backward`` replays in reverse.

Every primitive op is a ``Function`` subclass with ``forward`` (NumPy arrays in,
one array out) and ``backward`` (the upstream gradient in, one gradient per input
out).  ``backward`` may return gradients in the *broadcast* shape; they are
summed back to each input's shape here, in ``unbroadcast``, and nowhere else.
"""
import abc
import heapq
import itertools

import numpy as np

from glassnet.autodiff import tensor as _tensor
from glassnet.autodiff import tracing
from glassnet.autodiff.tensor import Tensor


class Function(abc.ABC):
    """One node of the graph: a primitive op applied to some inputs.

    Subclasses set their non-tensor arguments in ``__init__`` and implement
    ``forward(*arrays)`` and ``backward(grad)``.  In ``backward``,
    ``self.needs_grad[i]`` says whether input i wants a gradient; return
    ``None`` for those that do not, to skip the work.
    """

    inputs = ()
    needs_grad = ()
    seq = 0  # recording order: every op is recorded after the ops that made its inputs

    @abc.abstractmethod
    def forward(self, *arrays):
        """Computes the output array from the input arrays."""

    @abc.abstractmethod
    def backward(self, grad):
        """Returns one gradient (or None) per input, given d(loss)/d(output)."""

    def apply(self, *inputs):
        """Runs ``forward`` on the inputs' arrays and records the node if needed."""
        trace = tracing.active
        settings = None if trace is None else dict(vars(self))  # before forward saves state
        arrays = [x.data if isinstance(x, Tensor) else _operand(x, inputs) for x in inputs]
        data = self.forward(*arrays)
        out = _tensor.wrap(data if type(data) is np.ndarray else np.asarray(data))
        if _tensor._grad_enabled:
            needs = tuple([isinstance(x, Tensor) and x.requires_grad for x in inputs])
            if True in needs:
                self.inputs = inputs
                self.needs_grad = needs
                self.seq = next(_recorded)
                out._fn = self
                out.requires_grad = True
        if trace is not None:
            trace.function(self, inputs, arrays, settings, out)
        return out


_recorded = itertools.count(1)


def _operand(x, inputs):
    """The array behind a non-Tensor input.

    Non-Tensor operands (numbers, lists, arrays of any kind) take the float dtype
    of the Tensor inputs, so a float32 graph stays float32; a Python number beside a
    float array, or a Python int beside an integer array, takes that array's dtype (a
    number is weakly typed, as in NumPy and Keras).
    """
    for other in inputs:
        if isinstance(other, Tensor) and other.data.dtype.kind == "f":
            return np.asarray(x, dtype=other.data.dtype)
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        kinds = "f" if isinstance(x, float) else "fiu"
        for other in inputs:
            data = other.data if isinstance(other, Tensor) else other
            if isinstance(data, np.ndarray) and data.dtype.kind in kinds:
                return np.asarray(x, dtype=data.dtype)
    return _tensor._as_array(x, None)


def unbroadcast(grad, shape):
    """Sums ``grad`` over the axes that broadcasting added or stretched to reach ``shape``.

    Equations:
        y = f(broadcast(x))  =>  dL/dx = sum over broadcast axes of dL/dy
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    assert grad.shape == shape, f"gradient of shape {grad.shape} for an input of shape {shape}"
    return grad


def _backpropagate(root, seed, wanted=()):
    """Reverse sweep from ``root``; returns {id(tensor): (tensor, grad)} for leaves and ``wanted``.

    Every recorded op has a sequence number, and an op's inputs were made before
    it, so taking the pending ops latest-first (a heap) visits each op once, after
    all the ops that consume its output: its gradient is complete by then.
    """
    seed = _check_seed(root, seed)
    pending = {id(root): seed}  # id(tensor) -> the gradient summed so far
    results = {}
    handed_out = set()
    leaves = [root] if root._fn is None else []
    heap = [] if root._fn is None else [(-root._fn.seq, id(root), root)]
    while heap:
        _, key, node = heapq.heappop(heap)
        grad = pending.pop(key)
        if key in wanted:
            results[key] = (node, _owned(grad, handed_out))
        fn = node._fn
        for parent, needed, parent_grad in zip(fn.inputs, fn.needs_grad, fn.backward(grad)):
            if not needed or parent_grad is None:
                continue
            if parent_grad.shape != parent.data.shape:
                parent_grad = unbroadcast(parent_grad, parent.data.shape)
            parent_key = id(parent)
            previous = pending.get(parent_key)
            if previous is not None:
                pending[parent_key] = previous + parent_grad
                continue
            pending[parent_key] = parent_grad
            if parent._fn is None:
                leaves.append(parent)
            else:
                heapq.heappush(heap, (-parent._fn.seq, parent_key, parent))
    for leaf in leaves:
        results[id(leaf)] = (leaf, _owned(pending[id(leaf)], handed_out))
    return results


def _check_seed(root, seed):
    """The upstream gradient of ``root`` as an array of its shape (ones for a scalar)."""
    if not isinstance(root, Tensor):
        raise TypeError(f"backward: expected a Tensor. Received: {type(root).__name__}")
    if seed is None:
        if root.data.size != 1:
            raise ValueError(
                "backward: a gradient can be implied only for a scalar output; pass "
                f"grad= for an output of shape {root.shape}."
            )
        return np.ones_like(root.data)
    seed = np.asarray(seed, dtype=root.dtype)
    if seed.size != root.data.size:
        raise ValueError(
            f"backward: grad must have the output's shape {root.shape}. "
            f"Received: grad.shape={seed.shape}"
        )
    return seed.reshape(root.shape)


def _owned(grad, handed_out):
    """``grad`` itself if the caller may keep and modify it, else a copy.

    A fresh array from a backward (a matmul, a sum) is handed out as is; a view,
    a read-only broadcast, or an array already given to another tensor is copied.
    """
    if grad.flags.owndata and grad.flags.writeable and id(grad) not in handed_out:
        handed_out.add(id(grad))
        return grad
    return np.array(grad)


def backward(root, grad=None):
    """Accumulates d(root)/d(leaf) into ``leaf.grad`` for every leaf that requires it."""
    for node, g in _backpropagate(root, grad).values():
        if node._fn is None and node.requires_grad:
            node.grad = g if node.grad is None else node.grad + g


def grad(output, sources, output_grad=None):
    """Returns d(output)/d(source) for each source (``None`` if it does not depend on it).

    ``sources`` may be leaves (variables) or intermediate tensors; nothing is
    stored on the tensors, so this is the functional way to differentiate.
    """
    sources = list(sources)
    results = _backpropagate(output, output_grad, wanted={id(s) for s in sources})
    grads = [results[id(s)][1] if id(s) in results else None for s in sources]
    if tracing.active is not None:
        tracing.active.gradient(output, sources, output_grad, grads)
    return grads
