"""Differentiable functions for writing your own layers and losses (``keras.ops``).

The primitives (with hand-written gradients) come from ``glassnet.autodiff``;
the composites in ``ops.nn`` are built from them.
"""
from glassnet.autodiff.convolution import conv, conv_transpose
from glassnet.autodiff.pooling import average_pool, max_pool
from glassnet.autodiff.primitives import (
    abs,
    add,
    cast,
    clip,
    concatenate,
    divide,
    erf,
    exp,
    expm1,
    log,
    log1p,
    matmul,
    max,
    maximum,
    mean,
    minimum,
    multiply,
    negative,
    power,
    reshape,
    sqrt,
    stack,
    subtract,
    sum,
    take,
    tanh,
    transpose,
    where,
)
from glassnet.autodiff.tensor import Tensor, convert_to_numpy, convert_to_tensor
from glassnet.ops import image  # keras.ops.image: resize, affine_transform
from glassnet.ops.convolution import depthwise_conv, separable_conv
from glassnet.ops.creation import (
    arange,
    eye,
    full,
    full_like,
    identity,
    linspace,
    ones,
    ones_like,
    shape,
    tri,
    zeros,
    zeros_like,
)
from glassnet.ops.nn import (
    argmax,
    elu,
    equal,
    expand_dims,
    gelu,
    hard_sigmoid,
    leaky_relu,
    log_softmax,
    logsumexp,
    min,
    moments,
    one_hot,
    relu,
    selu,
    sigmoid,
    silu,
    softmax,
    softplus,
    softsign,
    square,
    squeeze,
    std,
    stop_gradient,
    var,
)
from glassnet.ops.numpy import pad, repeat

swish = silu
dot = matmul
