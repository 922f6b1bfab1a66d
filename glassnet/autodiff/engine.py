"""The graph machinery: ``Function.apply`` records, ``backward`` replays in reverse.

Every primitive op is a ``Function`` subclass with ``forward`` (NumPy arrays in,
one array out) and ``backward`` (the upstream gradient in, one gradient per input
out).  ``backward`` may return gradients in the *broadcast* shape; they are
summed back to each input's shape here, in ``unbroadcast``, and nowhere else.
"""
import abc

import numpy as np

from glassnet.autodiff import tensor as _tensor
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

    @abc.abstractmethod
    def forward(self, *arrays):
        """Computes the output array from the input arrays."""

    @abc.abstractmethod
    def backward(self, grad):
        """Returns one gradient (or None) per input, given d(loss)/d(output)."""

    def apply(self, *inputs):
        """Runs ``forward`` on the inputs' arrays and records the node if needed."""
        arrays = [x.data if isinstance(x, Tensor) else _operand(x, inputs) for x in inputs]
        data = self.forward(*arrays)
        out = _tensor.wrap(data if type(data) is np.ndarray else np.asarray(data))
        if _tensor._grad_enabled:
            needs = tuple([isinstance(x, Tensor) and x.requires_grad for x in inputs])
            if True in needs:
                self.inputs = inputs
                self.needs_grad = needs
                out._fn = self
                out.requires_grad = True
        return out


def _operand(x, inputs):
    """The array behind a non-Tensor input.

    Non-Tensor operands (numbers, lists, arrays of any kind) take the float dtype
    of the Tensor inputs, so a float32 graph stays float32.
    """
    for other in inputs:
        if isinstance(other, Tensor) and other.data.dtype.kind == "f":
            return np.asarray(x, dtype=other.data.dtype)
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


def _topological_order(root):
    """Tensors reachable from ``root`` through recorded ops, inputs before outputs.

    Only inputs that asked for a gradient (``needs_grad``) are followed.
    """
    order = []
    visited = set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        fn = node._fn
        if fn is not None:
            for parent, needed in zip(fn.inputs, fn.needs_grad):
                if needed and id(parent) not in visited:
                    stack.append((parent, False))
    return order


def _backpropagate(root, seed, wanted=None):
    """Reverse sweep from ``root``; returns {id(tensor): (tensor, grad)} for leaves and ``wanted``."""
    if not isinstance(root, Tensor):
        raise TypeError(f"backward: expected a Tensor. Received: {type(root).__name__}")
    if seed is None:
        if root.data.size != 1:
            raise ValueError(
                "backward: a gradient can be implied only for a scalar output; pass "
                f"grad= for an output of shape {root.shape}."
            )
        seed = np.ones_like(root.data)
    seed = np.asarray(seed, dtype=root.dtype)
    if seed.size != root.data.size:
        raise ValueError(
            f"backward: grad must have the output's shape {root.shape}. "
            f"Received: grad.shape={seed.shape}"
        )
    seed = seed.reshape(root.shape)
    wanted = wanted or set()
    pending = {id(root): seed}
    results = {}
    handed_out = set()
    for node in reversed(_topological_order(root)):
        grad = pending.pop(id(node), None)
        if grad is None:
            continue
        fn = node._fn
        if fn is None or id(node) in wanted:
            results[id(node)] = (node, _owned(grad, handed_out))
        if fn is None:
            continue
        input_grads = fn.backward(grad)
        for parent, needed, parent_grad in zip(fn.inputs, fn.needs_grad, input_grads):
            if not needed or parent_grad is None:
                continue
            if parent_grad.shape != parent.data.shape:
                parent_grad = unbroadcast(parent_grad, parent.data.shape)
            key = id(parent)
            previous = pending.get(key)
            pending[key] = parent_grad if previous is None else previous + parent_grad
    return results


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
    return [results[id(s)][1] if id(s) in results else None for s in sources]
