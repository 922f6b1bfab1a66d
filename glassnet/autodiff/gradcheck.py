"""Finite-difference gradient checking, for tests and for the curious."""
import numpy as np

from glassnet.autodiff.engine import grad
from glassnet.autodiff.tensor import Tensor


def numerical_gradient(f, arrays, index, upstream, eps=1e-6):
    """d(sum(upstream * f(*arrays)))/d(arrays[index]) by central differences.

    ``arrays[index]`` is perturbed in place, one element at a time, so any memory
    layout works (a reshape of a Fortran-ordered array would perturb a copy).
    """
    x = arrays[index]
    result = np.zeros(x.shape, dtype=x.dtype)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        plus = np.sum(upstream * np.asarray(f(*arrays)))
        x[i] = saved - eps
        minus = np.sum(upstream * np.asarray(f(*arrays)))
        x[i] = saved
        result[i] = (plus - minus) / (2 * eps)
    return result


def check_gradients(f, arrays, rtol=1e-5, atol=1e-7, seed=0, eps=1e-6):
    """Compares autodiff gradients of ``f`` with central differences, in float64.

    ``f`` takes Tensors and returns a Tensor.  The upstream gradient is random
    (a constant one could hide a wrong backward).  Returns the largest error;
    raises AssertionError naming the input whose gradient disagrees.
    """
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = f(*tensors)
    upstream = np.random.default_rng(seed).standard_normal(out.shape)
    analytic = grad(out, tensors, output_grad=upstream)
    worst = 0.0
    for i, g in enumerate(analytic):
        numeric = numerical_gradient(
            lambda *xs: f(*[Tensor(a) for a in xs]).data, arrays, i, upstream, eps
        )
        g = np.zeros_like(numeric) if g is None else g
        error = np.max(np.abs(g - numeric), initial=0.0)
        worst = max(worst, error)
        if not np.allclose(g, numeric, rtol=rtol, atol=atol):
            raise AssertionError(
                f"gradient of input {i} differs from finite differences by {error:.3g}:\n"
                f"autodiff:\n{g}\nnumerical:\n{numeric}"
            )
    return worst
