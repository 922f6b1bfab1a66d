"""What the fusion rules look at: who makes each slot, who reads it, and the Match."""
from glassnet.compiler.trace import Constant, FunctionNode, HostNode, Slot


class Match:
    """A pattern found: ``nodes`` (the last one is the anchor, whose output the fused op
    makes) are replaced by ``fn`` applied to ``inputs``; ``exports`` maps slots computed
    inside the pattern, which host functions read, to the fused op's attribute."""

    def __init__(self, fn, inputs, nodes, exports=None):
        self.fn = fn
        self.inputs = inputs
        self.nodes = nodes
        self.exports = exports or {}
        anchor = nodes[-1]
        needs = tuple(_needs(ref, nodes) for ref in inputs)
        fn.needs_grad = needs
        self.node = FunctionNode(fn, [(ref, None) for ref in inputs], needs, anchor.graph,
                                 {}, anchor.out, {})


def _needs(ref, nodes):
    """Whether the pattern differentiated with respect to ``ref``."""
    return any(needed and operand.same(ref)
               for node in nodes for (operand, _), needed in zip(node.refs, node.needs))


class Graph:
    """A traced step's nodes indexed for matching."""

    def __init__(self, trace, outputs_refs):
        self.trace = trace
        self.position = {id(node): i for i, node in enumerate(trace.nodes)}
        self.producers = {node.out.index: node for node in trace.nodes
                          if type(node) is FunctionNode}
        self.readers = _readers(trace.nodes, outputs_refs)

    def made_by(self, ref, *ops):
        """The node computing ``ref`` with one of the op classes ``ops``, or None."""
        if type(ref) is not Slot:
            return None
        node = self.producers.get(ref.index)
        return node if node is not None and type(node.fn) in ops else None

    def ndim(self, ref):
        return len(self.trace.shape_of(ref)[0]) if type(ref) is Slot else None

    def replaceable(self, match, covered):
        """True when no node outside the match reads a value made inside it (exported
        values excepted: host functions after the anchor may read those)."""
        inside = {id(node) for node in match.nodes}
        if inside & covered:
            return False
        anchor_position = self.position[id(match.nodes[-1])]
        for node in match.nodes[:-1]:
            for reader in self.readers.get(node.out.index, ()):
                if id(reader) in inside:
                    continue
                exported = any(slot.index == node.out.index for slot in match.exports)
                if not (exported and type(reader) is HostNode
                        and self.position[id(reader)] > anchor_position):
                    return False
        return True


def is_number(ref, value):
    """Whether ``ref`` is a constant equal to ``value`` (a scalar, in any dtype)."""
    if type(ref) is not Constant:
        return False
    constant = ref.value
    return getattr(constant, "shape", ()) == () and constant == value


def constant_number(ref):
    """The scalar of a constant ref (as a Python float), or None."""
    if type(ref) is not Constant or getattr(ref.value, "shape", ()) != ():
        return None
    return float(ref.value)


def _readers(nodes, outputs_refs):
    """slot index -> the nodes (or ``None`` for the step's results) that read it."""
    readers = {}

    def read(ref, node):
        if type(ref) is Slot:
            readers.setdefault(ref.index, []).append(node)

    for node in nodes:
        kind = type(node)
        if kind is FunctionNode:
            for ref, _ in node.refs:
                read(ref, node)
            for ref in node.bound.values():
                read(ref, node)
        elif kind is HostNode:
            for ref, _ in node.arg_refs + list(node.kwarg_refs.values()):
                read(ref, node)
        elif hasattr(node, "sources"):  # GradientNode
            for ref in [node.output, *node.sources, node.seed]:
                if ref is not None:
                    read(ref, node)
        else:  # AssignNode
            read(node.value, node)
    for ref in outputs_refs:
        read(ref, None)
    return readers
