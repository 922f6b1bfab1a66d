"""Compiled steps: the eager step traced once, replayed for every batch.

Eager glassnet is the textbook: a training step runs Layer.__call__, the losses and
the autodiff engine, Python line by Python line.  ``fit``, ``evaluate`` and ``predict``
(with ``compile(jit_compile="auto")``, the default) run instead a *program* recorded
from that same code: the ops it applied, in order, on numbered arrays (``trace``),
checked on two batches and replayed (``program``) by ``CompiledFunction``.  The
numbers are those of the eager step; only the Python around the ops is gone.
``model.compiled_program()`` prints what runs.
"""
from glassnet.compiler import kernels
from glassnet.compiler.function import CompiledFunction, CompileError
from glassnet.compiler.program import Program
from glassnet.compiler.trace import Trace

__all__ = ["CompileError", "CompiledFunction", "Program", "Trace", "kernels"]
