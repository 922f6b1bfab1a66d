"""``CompiledFunction``: a step function traced per input signature, then replayed.

For each signature (the shapes and dtypes of the inputs, plus what the caller adds,
such as which variables are trainable) the calls go:

    1st call   eager (layers build, optimizers create their slots)
    2nd call   eager, traced: trace A
    3rd call   eager, traced: trace B, compared node by node with A
    later      the program of B, replayed

(the eager calls with BLAS on one thread, as ``compiler.threads`` explains).

Two traces of two different batches must be identical: an array computed outside
glassnet's ops from the batch (a constant of the trace) would differ between them.
When they differ, or a trace meets something a replay cannot follow (a traced value
read into Python), the function falls back to eager for good, with one warning
naming the reason; with ``strict=True`` (``jit_compile=True``) that is an error.
"""
import warnings

import numpy as np

from glassnet import tree
from glassnet.autodiff import tracing
from glassnet.autodiff.tensor import Tensor
from glassnet.compiler import fusion, threads
from glassnet.compiler.program import OutputLeaf, Program
from glassnet.compiler.trace import Constant, Trace

WARMUP_CALLS = 1


class CompileError(RuntimeError):
    """A step asked to be compiled (``jit_compile=True``) cannot be."""


class CompiledFunction:
    """``fn(*args)``, compiled (see the module docstring).

    Arguments:
        fn: the step function: Tensors and arrays in, a structure of them out.
        variables: a function returning the Variables the step may read (so arrays of
            theirs are recognised as the variables).
        name: for messages and ``describe``.
        strict: raise CompileError instead of falling back to eager.
    """

    def __init__(self, fn, variables, name, strict=False):
        self.fn = fn
        self.variables = variables
        self.name = name
        self.strict = strict
        self.fallback_reason = None
        self.program = None  # the most recent program (for describe)
        self.replayed = False  # whether the last call ran a program
        self._entries = {}  # signature -> calls so far (int), a pending trace, or a Program

    def __call__(self, key, *args):
        """The result of ``fn(*args)``; ``key`` is the caller's part of the signature."""
        self.replayed = False
        if self.fallback_reason is not None:
            return self.fn(*args)
        leaves = tree.flatten(args)
        inputs = [leaf.data if isinstance(leaf, Tensor) else leaf
                  for leaf in leaves if leaf is not None]
        signature = (key, _signature(args, leaves))
        entry = self._entries.get(signature, 0)
        if type(entry) is Program:
            self.replayed = True
            return entry.run(inputs)
        if isinstance(entry, int) and entry < WARMUP_CALLS:
            self._entries[signature] = entry + 1
            with threads.one_thread():  # the numbers of a replay, whatever the default
                return self.fn(*args)
        if not all(isinstance(array, np.ndarray) for array in inputs):
            return self._give_up("its inputs are not all arrays", args)
        result, trace, outputs = self._trace(args, inputs)
        if trace.problems:
            return self._give_up(trace.problems[0], None, result)
        if isinstance(entry, int):
            self._entries[signature] = (trace, outputs)
            return result
        first, first_outputs = entry
        difference = _difference(first, first_outputs, trace, outputs)
        if difference:
            return self._give_up(difference, None, result)
        nodes = fusion.fuse(trace, _output_refs(outputs))
        self.program = self._entries[signature] = Program(trace, outputs, self.name, nodes)
        return result

    def _trace(self, args, inputs):
        if tracing.active is not None:
            raise CompileError(f"{self.name}: a compiled step cannot be traced inside another")
        trace = Trace(inputs, self.variables())
        tracing.active = trace
        try:
            with threads.one_thread():
                result = self.fn(*args)
        finally:
            tracing.active = None
        outputs = tree.map_structure(lambda leaf: _output_leaf(trace, leaf), result)
        return result, trace, outputs

    def _give_up(self, reason, args, result=None):
        """Eager from now on, with one warning (or an error in strict mode)."""
        self.fallback_reason = reason
        self._entries.clear()
        message = f"{self.name} runs eagerly (not compiled): {reason}."
        if self.strict:
            raise CompileError(message + " Compile with jit_compile='auto' or False to run "
                               "it eagerly instead.")
        warnings.warn(message, stacklevel=4)
        return self.fn(*args) if args is not None else result


def _signature(args, leaves):
    """Shapes, dtypes and structure: what a program is specialised for."""
    described = tuple(
        None if leaf is None else (
            "tensor" if isinstance(leaf, Tensor) else type(leaf).__name__,
            getattr(leaf, "shape", None), str(getattr(leaf, "dtype", "")))
        for leaf in leaves
    )
    return described, _structure(args)


def _structure(value):
    if isinstance(value, dict):
        return ("dict",) + tuple((key, _structure(v)) for key, v in value.items())
    if isinstance(value, (list, tuple)):
        return (type(value).__name__,) + tuple(_structure(v) for v in value)
    return None


def _output_leaf(trace, leaf):
    if leaf is None:
        return None
    if isinstance(leaf, Tensor):
        logits = getattr(leaf, "_keras_logits", None)
        logits_ref = trace.ref(logits) if isinstance(logits, Tensor) else None
        return OutputLeaf(trace.ref(leaf), True, logits_ref)
    if isinstance(leaf, np.ndarray):
        return OutputLeaf(trace.ref(leaf), False)
    return OutputLeaf(Constant(leaf), False)


def _output_refs(outputs):
    refs = []
    for leaf in tree.flatten(outputs):
        if leaf is not None:
            refs.append(leaf.ref)
            if leaf.logits is not None:
                refs.append(leaf.logits)
    return refs


def _difference(first, first_outputs, second, second_outputs):
    """Why two traces of the same signature differ (None when they do not)."""
    if len(first.nodes) != len(second.nodes):
        return (f"two batches ran different numbers of ops ({len(first.nodes)} and "
                f"{len(second.nodes)}): the step's Python depends on the data")
    for index, (a, b) in enumerate(zip(first.nodes, second.nodes)):
        if not a.same(b):
            return (f"op {index} differs between two batches ({a.text()} vs {b.text()}): "
                    "a value it uses is computed from the data outside glassnet's ops")
    leaves_a = tree.flatten(first_outputs)
    leaves_b = tree.flatten(second_outputs)
    if len(leaves_a) != len(leaves_b) or not all(
        (a is None and b is None) or (a is not None and a.same(b))
        for a, b in zip(leaves_a, leaves_b)
    ):
        return "the step's results differ in kind between two batches"
    return None
