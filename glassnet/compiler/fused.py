"""Fused ops: the single ops a compiled step runs in place of a pattern of primitives
(``compiler.fusion`` finds the patterns in a traced step).

Eager code is written as the equations: a Dense layer with a ReLU is a MatMul, an Add, a
comparison and a Where, four ops and four passes over the activations.  Each op here
computes the same function as its pattern in one op, in place where it can, with its
gradient written out by hand.  The tests check every fused op against the composite it
replaces, forward and backward.
"""
import numpy as np

from glassnet.autodiff.convolution import Conv, conv_node
from glassnet.autodiff.engine import Function
from glassnet.autodiff.tensor import wrap


def keep_where(a, mask):
    """a where ``mask`` is true, else 0.  The mask is cast to a's dtype first: NumPy
    multiplies two float arrays faster than a float array by a bool one."""
    return a * mask.astype(a.dtype)


class Linear(Function):
    """out = x W + b  (the affine part of Dense).

    Equations:
        dL/dx = g W^T        (skipped when x needs no gradient, e.g. the network input)
        dL/dW = x^T g        (over every leading axis of x)
        dL/db = sum over the leading axes of g
    """

    def forward(self, x, W, b):
        self.x, self.W = x, W
        out = np.matmul(x, W)  # (..., units)
        out += b
        return out

    def backward(self, g):
        dx = np.matmul(g, self.W.T) if self.needs_grad[0] else None
        dW = db = None
        if self.needs_grad[1]:
            x2 = self.x.reshape(-1, self.x.shape[-1])  # (rows, n_inputs)
            dW = np.matmul(x2.T, g.reshape(-1, g.shape[-1]))  # (n_inputs, units)
        if self.needs_grad[2]:
            db = np.add.reduce(g.reshape(-1, g.shape[-1]), axis=0)  # (units,)
        return dx, dW, db


class LinearRelu(Linear):
    """out = max(x W + b, 0)  (a Dense layer with ``activation="relu"``), one node.

    Equations:
        dL/dz = g where out > 0, else 0      (z = x W + b)
        then dL/dx, dL/dW, dL/db from dL/dz as in Linear
    """

    def forward(self, x, W, b):
        out = super().forward(x, W, b)
        np.maximum(out, 0, out=out)
        self.out = out
        return out

    def backward(self, g):
        return super().backward(keep_where(g, self.out > 0))


class Relu(Function):
    """out = max(x, 0);  dL/dx = g where x > 0, else 0."""

    def forward(self, x):
        self.positive = x > 0
        return keep_where(x, self.positive)

    def backward(self, g):
        return (keep_where(g, self.positive),)


class Elu(Function):
    """out = x if x > 0 else alpha (e^x - 1).

    Equations:
        dL/dx = g                  where x > 0
              = g alpha e^x        elsewhere
    (e^x taken as expm1(x) + 1, as the composite ``ops.elu`` differentiates it.)
    """

    def __init__(self, alpha):
        self.alpha = alpha

    def forward(self, x):
        self.positive = x > 0
        self.expm1 = np.expm1(np.minimum(x, 0))
        negative = self.expm1
        if self.alpha != 1:
            negative = negative * x.dtype.type(self.alpha)
        return np.where(self.positive, x, negative)

    def backward(self, g):
        alpha = g.dtype.type(self.alpha)
        return (np.where(self.positive, g, (g * alpha) * (self.expm1 + 1)),)


class Softmax(Function):
    """p = softmax(z) along ``axis``.

    Equations (e = e^(z - max z), s = sum_k e_k):
        p     = e / s
        dL/dz = (g / s - sum_k g_k p_k / s) * e      (= p * (g - sum_k g_k p_k))
    written as the composite ``ops.softmax`` differentiates it, so the numbers are the same.
    """

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, z):
        self.axes = _axes(self.axis, z.ndim)
        self.e = np.exp(z - np.max(z, axis=self.axes, keepdims=True))
        self.s = np.sum(self.e, axis=self.axes, keepdims=True)
        self.p = self.e / self.s
        return self.p

    def backward(self, g):
        ds = np.sum(-g * self.p / self.s, axis=self.axes, keepdims=True)
        return ((g / self.s + ds) * self.e,)


class SparseSoftmaxCrossEntropy(Function):
    """Per-sample cross-entropy of integer labels from logits z (classes last), the labels
    given as ``positions`` = m K + y_m into the flattened (M, K) logits.

    Equations (e = e^(z - max z), s = sum_j e_j):
        CE    = -log softmax(z)_y = log s - (z_y - max z)
        dL/dz = g e / s - g onehot(y)
    Computed with the operations of the composite (``ops.log_softmax``, a take at the
    labels, a negation) and its gradient, in the same order: the numbers are the same.
    """

    def __init__(self, shape):
        self.shape = shape  # of the result: z.shape[:-1]

    def forward(self, z, positions):
        self.positions = positions
        shifted = z - np.max(z, axis=(z.ndim - 1,), keepdims=True)  # (..., K)
        self.e = np.exp(shifted)
        self.s = np.sum(self.e, axis=(z.ndim - 1,), keepdims=True)  # (..., 1)
        log_s = np.log(self.s).reshape(-1)  # (M,)
        log_p_y = shifted.reshape(-1)[positions] - log_s[positions // z.shape[-1]]
        return np.reshape(-log_p_y, self.shape)

    def backward(self, g):
        dz = (g.reshape(self.s.shape) / self.s) * self.e
        dz.reshape(-1)[self.positions] += -g.reshape(-1)
        return dz, None


def _axes(axis, ndim):
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(sorted(a % ndim for a in axes))


def linear(x, W, b):
    return Linear().apply(x, W, b)


def linear_relu(x, W, b):
    return LinearRelu().apply(x, W, b)


def relu(x):
    return Relu().apply(x)


def elu(x, alpha=1.0):
    return Elu(alpha).apply(x)


def softmax(z, axis=-1):
    return Softmax(axis).apply(z)


def sparse_softmax_cross_entropy(logits, labels):
    """Per-sample -log softmax(logits)[label]; ``labels`` an integer array."""
    labels = np.asarray(labels, dtype=np.intp)
    positions = np.arange(labels.size) * logits.shape[-1] + labels.reshape(-1)
    op = SparseSoftmaxCrossEntropy(labels.shape)
    return op.apply(logits, wrap(positions))  # an input (no gradient): not cast


class BatchNormTraining(Function):
    """Batch normalization with the mini-batch's own statistics (training mode).

    Equations (m = number of values per feature, over ``axes``):
        mu      = (1/m) sum x                 sigma^2 = (1/m) sum (x - mu)^2
        x_hat   = (x - mu) / sqrt(sigma^2 + epsilon)
        z       = gamma x_hat + beta
        dL/dbeta  = sum g                     dL/dgamma = sum g x_hat
        dL/dx     = gamma / sqrt(sigma^2 + epsilon) / m
                    * (m g - sum g - x_hat sum(g x_hat))
    ``mean`` and ``variance`` (the batch statistics) are kept on the op: fusion hands them
    to the layer's moving averages.
    """

    def __init__(self, axes, epsilon):
        self.axes, self.epsilon = axes, epsilon

    def forward(self, x, gamma, beta):
        axes = self.axes
        mu = x.mean(axis=axes, keepdims=True)
        centered = x - mu
        variance = np.mean(centered * centered, axis=axes, keepdims=True)
        self.std = np.sqrt(variance + x.dtype.type(self.epsilon))
        self.x_hat = centered / self.std
        self.gamma = gamma
        self.mean, self.variance = mu, variance
        return self.x_hat * gamma + beta

    def backward(self, g):
        axes, x_hat = self.axes, self.x_hat
        sum_g = np.add.reduce(g, axis=axes, keepdims=True)
        sum_g_x_hat = np.add.reduce(g * x_hat, axis=axes, keepdims=True)
        dx = None
        if self.needs_grad[0]:
            m = g.size // sum_g.size
            dx = (self.gamma / self.std / m) * (m * g - sum_g - x_hat * sum_g_x_hat)
        dgamma = sum_g_x_hat if self.needs_grad[1] else None
        dbeta = sum_g if self.needs_grad[2] else None
        return dx, dgamma, dbeta


class ConvBias(Conv):
    """z = conv(x, w) + b  (the affine part of a Conv layer), one node.

    Equations (channels last; b added at every pixel):
        z[n, i, j, k'] = conv(x, w)[n, i, j, k'] + b[k']
        dL/db[k'] = sum over n, i, j of g[n, i, j, k']
        dL/dx, dL/dw as in Conv
    The bias is added in place to the matrix product's output: no second pass, no
    second array.
    """

    def forward(self, x, w, b):
        z = super().forward(x, w)  # a fresh array (or a channels-first view of one)
        z += b.reshape(b.shape + (1,) * (z.ndim - 2)) if self.channels_first else b
        return z

    def backward(self, g):
        dx, dw = super().backward(g)
        db = None
        if self.needs_grad[2]:
            channel = 1 if self.channels_first else g.ndim - 1
            db = np.add.reduce(g, axis=tuple(a for a in range(g.ndim) if a != channel))
        return dx, dw, db


class ConvBiasRelu(ConvBias):
    """out = max(conv(x, w) + b, 0)  (a Conv layer with ``activation="relu"``), one node.

    Equations:
        dL/dz = g where out > 0, else 0      (z = conv(x, w) + b)
        then dL/dx, dL/dw, dL/db from dL/dz as in ConvBias
    """

    def forward(self, x, w, b):
        out = super().forward(x, w, b)
        np.maximum(out, 0, out=out)
        self.out = out
        return out

    def backward(self, g):
        return super().backward(keep_where(g, self.out > 0))


def conv_bias(x, w, b, strides=1, padding="valid", data_format=None, dilation_rate=1,
              relu=False):
    """conv(x, w) + b in one node (and its ReLU too with ``relu=True``); arguments as
    ``glassnet.ops.conv``."""
    function = ConvBiasRelu if relu else ConvBias
    return conv_node(x, w, strides, padding, data_format, dilation_rate, function).apply(x, w, b)
