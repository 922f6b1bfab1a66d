"""A validated trace, replayed for every batch.

``Program.run(inputs)`` walks the nodes once: each FunctionNode calls its op's
``forward`` on this batch's arrays (the op objects of the trace are reused, so their
``backward`` sees this batch's saved values), a GradientNode sweeps ``backward`` over
the graph nodes before it exactly as ``autodiff.engine`` does (same order, same
sums, so the gradients are bit-identical to eager ones), HostNodes call their NumPy
function again, AssignNodes write Variables.  No Layer, loss object or Tensor is
involved: that Python is what a replay saves.
"""
import numpy as np

from glassnet.autodiff import tensor as _tensor
from glassnet.autodiff.engine import _owned, unbroadcast
from glassnet.compiler import threads
from glassnet.compiler.trace import (
    Constant,
    FunctionNode,
    GradientNode,
    HostNode,
    SavedRef,
    Slot,
    VariableRef,
    host_output_slots,
)


class Program:
    """The nodes of a trace, the shapes it saw, and how to rebuild the outputs."""

    def __init__(self, trace, outputs, name, nodes=None):
        self.name = name
        self.nodes = trace.nodes if nodes is None else nodes  # fused (compiler.fusion)
        self.num_inputs = trace.num_inputs
        self.num_slots = trace.num_slots
        self.outputs = outputs  # the traced result with OutputLeaf leaves
        self.shapes = [trace.shape_of(Slot(i)) for i in range(trace.num_slots)]
        self._producers = {}
        self._sweeps = {}  # position of a GradientNode -> the graph nodes before it, last first
        for position, node in enumerate(self.nodes):
            if type(node) is FunctionNode:
                node.fn.inputs = ()  # the trace's tensors are no longer needed
                if node.graph:
                    self._producers[node.out.index] = node
            elif type(node) is GradientNode:
                self._sweeps[position] = [
                    n for n in reversed(self.nodes[:position])
                    if type(n) is FunctionNode and n.graph
                ]
        threads.plan(self.nodes, trace.value_of)
        self._blas = threads.blas()
        self._load = threads.LoadMeter()

    # --- replay -----------------------------------------------------------------------
    def run(self, inputs):
        """The traced function's result for this batch's input arrays."""
        values = [None] * self.num_slots
        values[:self.num_inputs] = inputs
        default = self._default = self._blas.read()
        self._room = self._load(default)  # BLAS threads the cores have room for now
        try:
            for position, node in enumerate(self.nodes):
                kind = type(node)
                if kind is FunctionNode:
                    if node.threads is not None:
                        self._use_threads(node)
                    self._forward(node, values)
                elif kind is GradientNode:
                    self._gradient(node, position, values)
                elif kind is HostNode:
                    _host(node, values)
                else:
                    _assign(node, values)
        finally:
            self._blas.set(default)
        return _rebuild(self.outputs, values)

    def _use_threads(self, node):
        wanted = node.threads
        self._blas.set(self._room if wanted == threads.FOLLOWS_LOAD
                       else 1 if wanted == 1 else self._default)

    @staticmethod
    def _forward(node, values):
        for name, ref in node.bound.items():
            setattr(node.fn, name, _read(ref, values))
        arrays = []
        for ref, operand_dtype in node.refs:
            value = _read(ref, values)
            if operand_dtype is not None and type(ref) is not Constant:
                value = np.asarray(value, dtype=operand_dtype)
            arrays.append(value)
        out = node.fn.forward(*arrays)
        values[node.out.index] = out if type(out) is np.ndarray else np.asarray(out)

    def _gradient(self, node, position, values):
        """``engine._backpropagate`` over the graph nodes recorded before ``position``."""
        root = _key(node.output)
        pending = {root: _seed(node, values)}
        wanted = {_key(source) for source in node.sources}
        results, handed_out, leaves = {}, set(), []
        if root not in self._producers:
            leaves.append(root)
        for producer in self._sweeps[position]:
            key = producer.out.index
            grad = pending.pop(key, None)
            if grad is None:
                continue
            if key in wanted:
                results[key] = _owned(grad, handed_out)
            if producer.threads is not None:
                self._use_threads(producer)
            parent_grads = producer.fn.backward(grad)
            for (ref, _), needed, parent_grad in zip(producer.refs, producer.needs,
                                                     parent_grads):
                if not needed or parent_grad is None:
                    continue
                shape = _read(ref, values).shape
                if parent_grad.shape != shape:
                    parent_grad = unbroadcast(parent_grad, shape)
                parent = _key(ref)
                previous = pending.get(parent)
                if previous is not None:
                    pending[parent] = previous + parent_grad
                    continue
                pending[parent] = parent_grad
                if parent not in self._producers:
                    leaves.append(parent)
        for leaf in leaves:
            results[leaf] = _owned(pending[leaf], handed_out)
        for source, out in zip(node.sources, node.outs):
            if out is not None:
                values[out.index] = results[_key(source)]

    # --- the glass box ------------------------------------------------------------------
    def describe(self):
        """The program as text: one line per node, with the shape of what it makes."""
        lines = [f"program {self.name}: {self.num_inputs} inputs, {len(self.nodes)} ops"]
        for index in range(self.num_inputs):
            lines.append(f"  %{index} = input {self._shape_text(index)}")
        for node in self.nodes:
            line = f"  {node.text()}"
            made = _made_slots(node)
            if made:
                line += "   " + ", ".join(self._shape_text(slot.index) for slot in made)
            lines.append(line)
        return "\n".join(lines)

    def _shape_text(self, index):
        shape, dtype = self.shapes[index]
        return f"{tuple(shape)} {dtype}"


class OutputLeaf:
    """One leaf of the traced result: where its value is and whether it was a Tensor
    (with the logits it was tagged with, as softmax outputs are for the losses)."""

    __slots__ = ("logits", "ref", "tensor")

    def __init__(self, ref, tensor, logits=None):
        self.ref = ref
        self.tensor = tensor
        self.logits = logits

    def same(self, other):
        return (type(other) is OutputLeaf and self.ref.same(other.ref)
                and self.tensor == other.tensor
                and (self.logits is None) == (other.logits is None)
                and (self.logits is None or self.logits.same(other.logits)))


def _read(ref, values):
    kind = type(ref)
    if kind is Slot:
        return values[ref.index]
    if kind is VariableRef:
        return ref.variable.data
    if kind is SavedRef:
        return getattr(ref.node.fn, ref.attribute)
    return ref.value


def _key(ref):
    if type(ref) is Slot:
        return ref.index
    if type(ref) is VariableRef:
        return ("variable", id(ref.variable))
    return ("constant", id(ref))


def _seed(node, values):
    """The upstream gradient of the output (ones for a scalar), as the engine makes it."""
    output = _read(node.output, values)
    if node.seed is None:
        return np.ones_like(output)
    return np.asarray(_read(node.seed, values), dtype=output.dtype).reshape(output.shape)


def _host(node, values):
    def argument(ref, was_tensor):
        if type(ref) is VariableRef:
            return ref.variable
        value = _read(ref, values)
        return _tensor.wrap(value) if was_tensor and type(ref) is Slot else value

    args = [argument(ref, was_tensor) for ref, was_tensor in node.arg_refs]
    kwargs = {key: argument(ref, t) for key, (ref, t) in node.kwarg_refs.items()}
    result = node.fn(*args, **kwargs)
    _store(node.outputs, result, values)


def _store(outputs, result, values):
    if outputs is None:
        return
    if isinstance(outputs, tuple) and len(outputs) == 2 and isinstance(outputs[0], Slot):
        values[outputs[0].index] = result.data if isinstance(result, _tensor.Tensor) else result
    elif isinstance(outputs, dict):
        for key, value in outputs.items():
            _store(value, result[key], values)
    else:
        for value, part in zip(outputs, result):
            _store(value, part, values)


def _assign(node, values):
    getattr(node.variable, node.how)(_read(node.value, values))


def _rebuild(outputs, values):
    if isinstance(outputs, OutputLeaf):
        value = _read(outputs.ref, values)
        if not outputs.tensor:
            return value
        tensor = _tensor.wrap(value)
        if outputs.logits is not None:
            tensor._keras_logits = _tensor.wrap(_read(outputs.logits, values))
        return tensor
    if isinstance(outputs, dict):
        return {key: _rebuild(value, values) for key, value in outputs.items()}
    if isinstance(outputs, (list, tuple)):
        return type(outputs)(_rebuild(value, values) for value in outputs)
    return outputs


def _made_slots(node):
    kind = type(node)
    if kind is FunctionNode:
        return [node.out]
    if kind is GradientNode:
        return [out for out in node.outs if out is not None]
    if kind is HostNode:
        return host_output_slots(node)
    return []
