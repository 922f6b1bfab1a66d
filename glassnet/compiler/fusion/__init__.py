"""Fusion: patterns of a traced program replaced by one op of ``compiler.fused``.

The layers, losses and activations are written as their equations, so a traced step is
a long list of small ops (a softmax is a max, a subtraction, an exp, a sum and a
division).  Before replaying it, a compiled step looks for the patterns below and runs
one fused op in their place, with fewer passes over memory and less Python:

    rule                   pattern (what the eager code computes)     fused op
    linear_relu            relu(x W + b)                              LinearRelu
    linear                 x W + b                                    Linear
    conv_bias_relu         relu(conv(x, w) + b)                       ConvBiasRelu
    conv_bias              conv(x, w) + b                             ConvBias
    relu                   where(x > 0, x, 0)                         Relu
    elu                    where(x > 0, x, alpha expm1(min(x, 0)))    Elu
    softmax                e / sum(e),  e = exp(x - max x)            Softmax
    softmax_cross_entropy  -take(log_softmax(z), labels)              SparseSoftmaxCrossEntropy
    batch_norm             (x - mu) / sqrt(sigma^2 + eps) gamma + beta  BatchNormTraining

A pattern is replaced only where nothing else reads its intermediate values (the
batch-norm statistics, read by the moving averages, are taken from the fused op).
Every fused op computes the composite's numbers with the same operations, except
BatchNormTraining's gradient (the closed form: equal up to float rounding); the tests
check each rule against the unfused eager graph.
"""
from glassnet.compiler.fusion.graph import Graph
from glassnet.compiler.fusion.rules import RULES
from glassnet.compiler.trace import FunctionNode, HostNode, SavedRef, Slot


def fuse(trace, outputs_refs):
    """The trace's nodes with the patterns of ``RULES`` fused (a new list)."""
    graph = Graph(trace, outputs_refs)
    fused, covered = {}, set()
    for anchor in reversed(trace.nodes):
        if type(anchor) is not FunctionNode or id(anchor) in covered:
            continue
        for rule in RULES:
            match = rule(anchor, graph)
            if match is not None and graph.replaceable(match, covered):
                fused[id(anchor)] = match
                covered.update(id(node) for node in match.nodes)
                break
    nodes = [fused[id(node)].node if id(node) in fused else node for node in trace.nodes
             if id(node) not in covered or id(node) in fused]
    _read_exports(nodes, fused.values())
    return nodes


def _read_exports(nodes, matches):
    """Host functions that read an exported slot read the fused op's saved value."""
    saved = {}
    for match in matches:
        for slot, attribute in match.exports.items():
            saved[slot.index] = SavedRef(match.node, attribute)
    if not saved:
        return
    for node in nodes:
        if type(node) is HostNode:
            node.arg_refs = [(saved.get(ref.index, ref) if type(ref) is Slot else ref, tensor)
                             for ref, tensor in node.arg_refs]
            node.kwarg_refs = {
                key: (saved.get(ref.index, ref) if type(ref) is Slot else ref, tensor)
                for key, (ref, tensor) in node.kwarg_refs.items()}
