"""Activation functions, by function or by name (``activation="relu"``).

Each takes a Tensor (or array) and returns a Tensor; the math lives in
``glassnet.ops.nn`` so the gradients come from the primitives.  ``softmax`` and
``sigmoid`` remember their input on the output (``_keras_logits``) so that a
cross-entropy loss can work from the logits, exactly and stably, as Keras does.
"""
from glassnet import ops
from glassnet.autodiff.tensor import convert_to_tensor
from glassnet.serialization import lookup


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit.

    Equations:
        relu(z) = max(0, z)
    with Keras' options: ``negative_slope`` below ``threshold``, a cap at ``max_value``.
    """
    if negative_slope < 0:
        raise ValueError(
            f"relu: negative_slope must be >= 0. Received: negative_slope={negative_slope}"
        )
    return ops.relu(x, negative_slope, max_value, threshold)


def leaky_relu(x, negative_slope=0.2):
    """Leaky ReLU: LeakyReLU_alpha(z) = max(alpha z, z), alpha = negative_slope (0.2 here)."""
    return ops.leaky_relu(x, negative_slope)


def elu(x, alpha=1.0):
    """Exponential linear unit.

    Equations:
        ELU_alpha(z) = alpha (exp(z) - 1)   if z < 0
                     = z                    if z >= 0
    """
    return ops.elu(x, alpha)


def selu(x):
    """Scaled ELU: scale * ELU_alpha(z), alpha = 1.6733, scale = 1.0507 (self-normalising)."""
    return ops.selu(x)


def sigmoid(x):
    """Logistic function: sigma(z) = 1 / (1 + exp(-z)).  Tags its output with the logits."""
    x = convert_to_tensor(x)
    out = ops.sigmoid(x)
    out._keras_logits = x
    return out


def hard_sigmoid(x):
    """Piecewise-linear sigmoid: max(0, min(1, z/6 + 1/2))."""
    return ops.hard_sigmoid(x)


def tanh(x):
    """Hyperbolic tangent: tanh(z) = 2 sigma(2z) - 1."""
    return ops.tanh(x)


def softmax(x, axis=-1):
    """Softmax: p_k = exp(z_k) / sum_j exp(z_j) along ``axis``.

    Tags its output with the logits.
    """
    x = convert_to_tensor(x)
    out = ops.softmax(x, axis=axis)
    out._keras_logits = x
    return out


def log_softmax(x, axis=-1):
    """log p_k = z_k - log sum_j exp(z_j) along ``axis``."""
    return ops.log_softmax(x, axis=axis)


def softplus(x):
    """Softplus: log(1 + exp(z)), a smooth ReLU."""
    return ops.softplus(x)


def softsign(x):
    """Softsign: z / (1 + |z|)."""
    return ops.softsign(x)


def silu(x):
    """SiLU / swish: z * sigma(z)."""
    return ops.silu(x)


swish = silu


def gelu(x, approximate=False):
    """Gaussian error linear unit: z * Phi(z), Phi the standard normal CDF (exact by default)."""
    return ops.gelu(x, approximate=approximate)


def exponential(x):
    """exp(z)."""
    return ops.exp(x)


def linear(x):
    """The identity: linear(z) = z."""
    return convert_to_tensor(x)


_ACTIVATIONS = {
    fn.__name__: fn
    for fn in (
        relu,
        leaky_relu,
        elu,
        selu,
        sigmoid,
        hard_sigmoid,
        tanh,
        softmax,
        log_softmax,
        softplus,
        softsign,
        silu,
        gelu,
        exponential,
        linear,
    )
}
_ACTIVATIONS["swish"] = silu


def get(identifier):
    """An activation function from a name, a function, or None (linear)."""
    if identifier is None:
        return linear
    return lookup("activation", identifier, _ACTIVATIONS)


def serialize(activation):
    """The name of a built-in activation, or the function's own name."""
    for name, fn in _ACTIVATIONS.items():
        if fn is activation:
            return name
    return getattr(activation, "__name__", repr(activation))


def deserialize(name):
    return get(name)
