"""Fusion: patterns of a traced program replaced by one fused op of ``autodiff.fused``.

The layers are written as the equations (Dense: ``activation(x W + b)``: a MatMul, an
Add and the activation, three ops and three passes over the activations); a compiled
step runs the fused op instead, which computes the same numbers with fewer passes:

    MatMul(x, W) -> Add(., b)              =>  Linear(x, W, b)        (+= b in place)
    MatMul(x, W) -> Add(., b) -> Relu(.)   =>  LinearRelu(x, W, b)    (max in place)

A rule applies only where the result is the same: W and b are variables, x has two axes
(so the bias gradient sums over the same single axis), and no other op reads the
intermediate values.  The compiled-vs-eager tests check every rule against the unfused
eager graph.
"""
from glassnet.autodiff import fused, primitives
from glassnet.compiler.trace import FunctionNode, HostNode, Slot, VariableRef


def fuse(trace, outputs_refs):
    """The trace's nodes with the patterns above fused (a new list; the trace is kept)."""
    uses = _uses(trace.nodes, outputs_refs)
    nodes = list(trace.nodes)
    producers = {node.out.index: node for node in nodes if type(node) is FunctionNode}
    fused_nodes = {}  # id(first node of a pattern) -> the fused node
    removed = set()
    for add in nodes:
        match = _linear(add, producers, uses, trace)
        if match is None:
            continue
        matmul, bias_ref = match
        after = _single_consumer(add, nodes, uses)
        if after is not None and type(after.fn) is fused.Relu and after.needs[0] == add.graph:
            node = _fused_node(fused.LinearRelu(), matmul, add, bias_ref, after.out, after.graph)
            removed.update({id(add), id(after)})
        else:
            node = _fused_node(fused.Linear(), matmul, add, bias_ref, add.out, add.graph)
            removed.add(id(add))
        fused_nodes[id(matmul)] = node
    return [fused_nodes.get(id(node), node) for node in nodes if id(node) not in removed]


def _linear(add, producers, uses, trace):
    """(MatMul node, bias ref) when ``add`` is MatMul(x, W) + b of the fusable kind."""
    if type(add) is not FunctionNode or type(add.fn) is not primitives.Add or add.bound:
        return None
    (first, first_dtype), (second, second_dtype) = add.refs
    if first_dtype is not None or second_dtype is not None or type(first) is not Slot:
        return None
    matmul = producers.get(first.index)
    if (matmul is None or type(matmul.fn) is not primitives.MatMul or matmul.bound
            or uses.get(first.index) != 1):
        return None
    (x, x_dtype), (w, w_dtype) = matmul.refs
    if x_dtype is not None or w_dtype is not None or type(w) is not VariableRef:
        return None
    if type(second) is not VariableRef or second.variable.data.ndim != 1:
        return None
    if type(x) is Slot and len(trace.shape_of(x)[0]) != 2:
        return None
    if w.variable.data.ndim != 2 or matmul.graph != add.graph:
        return None
    return matmul, second


def _fused_node(fn, matmul, add, bias_ref, out, graph):
    (x, _), (w, _) = matmul.refs
    needs = (matmul.needs[0], matmul.needs[1], add.needs[1])
    fn.needs_grad = needs
    return FunctionNode(fn, [(x, None), (w, None), (bias_ref, None)], needs, graph, {}, out, {})


def _single_consumer(node, nodes, uses):
    """The one FunctionNode reading ``node``'s output, when it is the only reader."""
    if uses.get(node.out.index) != 1:
        return None
    for other in nodes:
        if type(other) is FunctionNode and any(
            type(ref) is Slot and ref.index == node.out.index for ref, _ in other.refs
        ):
            return other if not other.bound else None
    return None


def _uses(nodes, outputs_refs):
    """How many times each slot is read (by nodes, gradients and the step's results)."""
    counts = {}

    def count(ref):
        if type(ref) is Slot:
            counts[ref.index] = counts.get(ref.index, 0) + 1

    for node in nodes:
        kind = type(node)
        if kind is FunctionNode:
            for ref, _ in node.refs:
                count(ref)
            for ref in node.bound.values():
                count(ref)
        elif kind is HostNode:
            for ref, _ in node.arg_refs + list(node.kwarg_refs.values()):
                count(ref)
        elif hasattr(node, "output"):  # GradientNode
            count(node.output)
            for source in node.sources:
                count(source)
            if node.seed is not None:
                count(node.seed)
        else:  # AssignNode
            count(node.value)
    for ref in outputs_refs:
        count(ref)
    return counts
