"""Recording one eager run of a step as a flat list of nodes.

Every array the step makes gets a *slot* (a number); a node reads slots, Variables
and constants and writes new slots:

    FunctionNode   an autodiff op (``Function.apply``): forward now, backward later
    HostNode       a ``tracing.host`` NumPy function (label checks, random draws)
    GradientNode   ``autodiff.grad(output, sources)``: the backward sweep over the
                   FunctionNodes recorded before it
    AssignNode     ``variable.assign/assign_add/assign_sub(value)``

Arrays are recognised by identity: the trace keeps every slot's array alive, so no
other array can take its ``id`` while recording.  An array the trace did not make
(a NumPy result computed from ``.data``) is a *constant*; when a constant depends on
the batch, two traces of two batches differ, and the step is not compiled.
"""
import numpy as np

from glassnet import tree
from glassnet.autodiff.tensor import Tensor
from glassnet.autodiff.variable import Variable


class Slot:
    """A value made during the step (an input, or a node's output)."""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index

    def same(self, other):
        return type(other) is Slot and other.index == self.index

    def text(self):
        return f"%{self.index}"


class VariableRef:
    """A Variable, read at every replay (its array is updated in place between steps)."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    def same(self, other):
        return type(other) is VariableRef and other.variable is self.variable

    def text(self):
        return self.variable.path or self.variable.name or "variable"


class SavedRef:
    """A value a fused op keeps (BatchNormTraining's batch ``mean``): fusion puts it where
    the unfused program read the slot that computed it (``compiler.fusion``)."""

    __slots__ = ("attribute", "node")

    def __init__(self, node, attribute):
        self.node = node
        self.attribute = attribute

    def same(self, other):
        return (type(other) is SavedRef and other.node is self.node
                and other.attribute == self.attribute)

    def text(self):
        return f"{self.node.out.text()}.{self.attribute}"


class Constant:
    """A value fixed at trace time: a number, a setting, an array made outside the ops."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def same(self, other):
        return type(other) is Constant and same_value(self.value, other.value)

    def text(self):
        value = self.value
        if isinstance(value, np.ndarray):
            return f"const{value.shape}" if value.size > 4 else f"const({value.tolist()})"
        return repr(value) if isinstance(value, (int, float, str, bool, type(None))) else (
            f"<{type(value).__name__}>")


def same_value(a, b):
    """Equal settings: arrays by dtype, shape and values; objects (generators) by identity."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and a.shape == b.shape and np.array_equal(a, b, equal_nan=True))
    if isinstance(a, Tensor) or isinstance(b, Tensor):  # a Tensor made outside the ops
        return (isinstance(a, Tensor) and isinstance(b, Tensor)
                and same_value(a.data, b.data))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(
            same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if type(a) is not type(b):
        return False
    if isinstance(a, (int, float, complex, str, bytes, bool, type(None), np.generic, slice)):
        return a == b if not (isinstance(a, float) and a != a) else b != b
    if a is b:
        return True
    fields = _fields(a)  # a settings object (pooling windows, ...): equal by its fields
    return fields is not None and same_value(fields, _fields(b))


def _fields(value):
    """The attributes of a plain settings object, or None (generators, functions, ...)."""
    if callable(value) or isinstance(value, np.random.Generator):
        return None
    if hasattr(value, "__dict__"):
        return vars(value)
    slots = getattr(type(value), "__slots__", None)
    if slots:
        return {name: getattr(value, name, None) for name in slots}
    return None


class Trace:
    """What one eager run of a step did, node by node (see the module docstring)."""

    def __init__(self, input_arrays, variables):
        self.nodes = []
        self.problems = []
        self._slot_of = {}
        self._arrays = []  # every slot's array, kept alive while recording
        self._variables = {id(v.data): v for v in variables}
        for array in input_arrays:
            self.new_slot(array)
        self.num_inputs = len(input_arrays)

    @property
    def num_slots(self):
        return len(self._arrays)

    def new_slot(self, array):
        self._slot_of[id(array)] = len(self._arrays)
        self._arrays.append(array)
        return Slot(len(self._arrays) - 1)

    def ref(self, value):
        """The Slot, VariableRef or Constant that ``value`` (Tensor, array, other) is."""
        if isinstance(value, Variable):
            return VariableRef(value)
        array = value.data if isinstance(value, Tensor) else value
        if isinstance(array, np.ndarray):
            index = self._slot_of.get(id(array))
            if index is not None:
                return Slot(index)
            variable = self._variables.get(id(array))
            if variable is not None:
                return VariableRef(variable)
        return Constant(value)

    def value_of(self, ref):
        """The value a ref had in this trace (a slot's array, a variable's data, ...)."""
        if type(ref) is Slot:
            return self._arrays[ref.index]
        if type(ref) is VariableRef:
            return ref.variable.data
        return ref.value

    def shape_of(self, slot):
        array = self._arrays[slot.index]
        return array.shape, array.dtype

    # --- what the hooks report ---------------------------------------------------
    def function(self, fn, inputs, arrays, settings, out):
        """``fn.apply(*inputs)`` ran; ``arrays`` are what its forward received."""
        refs = []
        for x, array in zip(inputs, arrays):
            ref = self.ref(x)
            if not isinstance(x, Tensor) and isinstance(ref, Constant):
                ref = Constant(array)  # the operand as forward got it (converted)
            operand_dtype = None if isinstance(x, Tensor) else array.dtype
            refs.append((ref, operand_dtype))
        needs = tuple(isinstance(x, Tensor) and x.requires_grad for x in inputs)
        graph = out._fn is fn
        bound = {name: self.ref(value) for name, value in settings.items()
                 if isinstance(value, np.ndarray)}  # array arguments made during the step
        bound = {name: ref for name, ref in bound.items() if not isinstance(ref, Constant)}
        for name in bound:
            settings[name] = None  # compared through its ref instead
        node = FunctionNode(fn, refs, needs, graph, settings, self.new_slot(out.data), bound)
        self.nodes.append(node)

    def host(self, fn, args, kwargs, result):
        leaves = tree.flatten(result)
        if not all(leaf is None or isinstance(leaf, (np.ndarray, Tensor)) for leaf in leaves):
            self.problems.append(
                f"{fn.__qualname__} returned a Python value, which a replay cannot follow")
            return
        arg_refs = [(self.ref(a), isinstance(a, Tensor)) for a in args]
        kwarg_refs = {k: (self.ref(v), isinstance(v, Tensor)) for k, v in kwargs.items()}
        outputs = tree.map_structure(
            lambda leaf: None if leaf is None else (
                self.new_slot(leaf.data if isinstance(leaf, Tensor) else leaf),
                isinstance(leaf, Tensor)),
            result)
        self.nodes.append(HostNode(fn, arg_refs, kwarg_refs, outputs))

    def gradient(self, output, sources, output_grad, grads):
        seed = None if output_grad is None else self.ref(output_grad)
        outs = [None if g is None else self.new_slot(g) for g in grads]
        self.nodes.append(GradientNode(self.ref(output), [self.ref(s) for s in sources],
                                       seed, outs))

    def assign(self, variable, how, value):
        self.nodes.append(AssignNode(variable, how, self.ref(value)))

    def value_read(self, tensor, how):
        if isinstance(self.ref(tensor), Slot):
            self.problems.append(
                f"a value computed in the step was read into Python ({how}), so the step "
                "depends on the data in a way a replay cannot follow")


class FunctionNode:
    """An autodiff op: ``out = fn.forward(*inputs)``; ``fn.backward`` in GradientNodes."""

    threads = None  # BLAS ops: how many threads a replay gives them (compiler.threads)

    def __init__(self, fn, refs, needs, graph, settings, out, bound):
        self.fn = fn
        self.refs = refs  # [(ref, operand dtype or None for Tensors)]
        self.needs = needs
        self.graph = graph  # recorded for gradients (some input requires one)
        self.settings = settings  # vars(fn) before forward: the op's arguments
        self.out = out
        self.bound = bound  # {attribute: ref}: array arguments made during the step

    def same(self, other):
        return (type(other) is FunctionNode and type(other.fn) is type(self.fn)
                and self.needs == other.needs and self.graph == other.graph
                and self.out.same(other.out) and len(self.refs) == len(other.refs)
                and all(a.same(b) and da == db
                        for (a, da), (b, db) in zip(self.refs, other.refs))
                and self.bound.keys() == other.bound.keys()
                and all(self.bound[k].same(other.bound[k]) for k in self.bound)
                and same_value(self.settings, other.settings))

    def text(self):
        args = ", ".join(ref.text() for ref, _ in self.refs)
        return f"{self.out.text()} = {type(self.fn).__name__}({args})"


class HostNode:
    """A ``tracing.host`` function, called again with this step's values."""

    def __init__(self, fn, arg_refs, kwarg_refs, outputs):
        self.fn = fn
        self.arg_refs = arg_refs
        self.kwarg_refs = kwarg_refs
        self.outputs = outputs  # the result's structure with (Slot, was a Tensor) leaves

    def same(self, other):
        def same_refs(a, b):
            return len(a) == len(b) and all(
                ra.same(rb) and ta == tb for (ra, ta), (rb, tb) in zip(a, b))

        return (type(other) is HostNode and other.fn is self.fn
                and same_refs(self.arg_refs, other.arg_refs)
                and self.kwarg_refs.keys() == other.kwarg_refs.keys()
                and same_refs(list(self.kwarg_refs.values()), list(other.kwarg_refs.values()))
                and [slot.index for slot in host_output_slots(self)]
                == [slot.index for slot in host_output_slots(other)])

    def text(self):
        outs = ", ".join(slot.text() for slot in host_output_slots(self)) or "-"
        args = [ref.text() for ref, _ in self.arg_refs]
        args += [f"{k}={ref.text()}" for k, (ref, _) in self.kwarg_refs.items()]
        return f"{outs} = {self.fn.__qualname__}({', '.join(args)})"


class GradientNode:
    """``grad(output, sources)``: the backward sweep over the FunctionNodes before it."""

    def __init__(self, output, sources, seed, outs):
        self.output = output
        self.sources = sources
        self.seed = seed
        self.outs = outs  # a Slot per source (None where the gradient is None)

    def same(self, other):
        def same_optional(a, b):
            return (a is None and b is None) or (a is not None and b is not None and a.same(b))

        return (type(other) is GradientNode and self.output.same(other.output)
                and len(self.sources) == len(other.sources)
                and all(a.same(b) for a, b in zip(self.sources, other.sources))
                and same_optional(self.seed, other.seed)
                and all(same_optional(a, b) for a, b in zip(self.outs, other.outs)))

    def text(self):
        outs = ", ".join("None" if o is None else o.text() for o in self.outs)
        sources = ", ".join(s.text() for s in self.sources)
        return f"{outs} = grad({self.output.text()}, [{sources}])"


class AssignNode:
    """``variable.assign/assign_add/assign_sub(value)``."""

    def __init__(self, variable, how, value):
        self.variable = variable
        self.how = how
        self.value = value

    def same(self, other):
        return (type(other) is AssignNode and other.variable is self.variable
                and other.how == self.how and self.value.same(other.value))

    def text(self):
        return f"{VariableRef(self.variable).text()}.{self.how}({self.value.text()})"


def host_output_slots(node):
    """The slots a HostNode's result fills, in order."""
    return [slot for slot, _ in _leaves(node.outputs)]


def _leaves(outputs):
    if outputs is None:
        return []
    if isinstance(outputs, tuple) and len(outputs) == 2 and isinstance(outputs[0], Slot):
        return [outputs]
    if isinstance(outputs, dict):
        return [leaf for value in outputs.values() for leaf in _leaves(value)]
    if isinstance(outputs, (list, tuple)):
        return [leaf for value in outputs for leaf in _leaves(value)]
    return []
