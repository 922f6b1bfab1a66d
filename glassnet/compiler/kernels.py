"""One-pass kernels for the element-wise chains of a compiled step (``glassnet[jit]``).

An optimizer's ``update_step`` is the textbook: one NumPy statement per equation, each a
pass over every parameter (Adam: 12 passes).  A compiled train step updates each
variable in one pass instead, with a loop compiled by numba, when numba is installed
(``pip install glassnet[jit]``; it is imported here only, on the first compiled step).
Each kernel does, per element, the very float32 operations of ``update_step`` in the
same order (numba's defaults: no fused multiply-add, IEEE division and square root), so
the weights are bit-identical; ``tests/test_kernels.py`` checks it.
"""
import importlib.util

import numpy as np

_kernels = None  # {name: compiled function}, built on first use


def available():
    """Whether numba is installed (the ``jit`` extra)."""
    return importlib.util.find_spec("numba") is not None


def optimizer_update(optimizer):
    """``update(g, variable, eta)`` doing ``optimizer.update_step`` in one pass, or None
    when there is no kernel for this optimizer (or numba is missing)."""
    from glassnet.optimizers.adam import Adam
    from glassnet.optimizers.sgd import SGD

    kind = type(optimizer)
    if kind is Adam and not optimizer.amsgrad:
        make = _adam_update
    elif kind is SGD and not optimizer.nesterov:
        make = _sgd_update
    else:
        return None
    if not available():
        return None
    return make(optimizer, _compiled())


def _adam_update(optimizer, kernels):
    adam = kernels["adam"]

    def update(g, variable, eta):
        theta = variable.data
        if not _flat_ok(theta, g):
            return optimizer.update_step(g, variable, eta)
        cast = theta.dtype.type
        t = cast(optimizer.iterations.data + 1)
        alpha = eta * np.sqrt(1 - cast(optimizer.beta_2) ** t) / (1 - cast(optimizer.beta_1) ** t)
        m = optimizer._slot(variable, "momentum")
        s = optimizer._slot(variable, "velocity")
        adam(theta.reshape(-1), g.reshape(-1), m.reshape(-1), s.reshape(-1), cast(alpha),
             cast(1 - optimizer.beta_1), cast(1 - optimizer.beta_2), cast(optimizer.epsilon))

    return update


def _sgd_update(optimizer, kernels):
    plain, momentum = kernels["sgd"], kernels["sgd_momentum"]

    def update(g, variable, eta):
        theta = variable.data
        if not _flat_ok(theta, g):
            return optimizer.update_step(g, variable, eta)
        if optimizer.momentum == 0:
            plain(theta.reshape(-1), g.reshape(-1), eta)
            return None
        m = optimizer._slot(variable, "momentum")
        momentum(theta.reshape(-1), g.reshape(-1), m.reshape(-1),
                 theta.dtype.type(optimizer.momentum), eta)
        return None

    return update


def _flat_ok(theta, g):
    """The kernels take contiguous float32/float64 arrays of one dtype and size."""
    return (theta.flags.c_contiguous and isinstance(g, np.ndarray) and g.flags.c_contiguous
            and g.dtype == theta.dtype and g.size == theta.size)


def _compiled():
    global _kernels
    if _kernels is None:
        import numba

        jit = numba.njit(cache=True, nogil=True, error_model="numpy", boundscheck=False)

        def adam(theta, g, m, s, alpha, one_minus_beta_1, one_minus_beta_2, epsilon):
            for i in range(theta.size):  # update_step's statements, element by element
                m[i] = m[i] + (g[i] - m[i]) * one_minus_beta_1
                s[i] = s[i] + (g[i] * g[i] - s[i]) * one_minus_beta_2
                theta[i] = theta[i] - (m[i] * alpha) / (np.sqrt(s[i]) + epsilon)

        def sgd(theta, g, eta):
            for i in range(theta.size):
                theta[i] = theta[i] - g[i] * eta

        def sgd_momentum(theta, g, m, beta, eta):
            for i in range(theta.size):
                m[i] = m[i] * beta - g[i] * eta
                theta[i] = theta[i] + m[i]

        _kernels = {"adam": jit(adam), "sgd": jit(sgd), "sgd_momentum": jit(sgd_momentum)}
    return _kernels
