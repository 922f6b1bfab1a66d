"""Differentiable functions for writing your own layers and losses (``keras.ops``).

The primitives (with hand-written gradients) come from ``glassnet.autodiff``; the rest
is composed of them, grouped by concept:

    math.py          element-wise: trigonometry, logarithms, floor/round, comparisons, logic
    reduction.py     sum/mean/prod/..., argmin/argmax, cumsum/cumprod/diff, sort/top_k
    manipulation.py  flip/roll/tile/split, slice/slice_update, take_along_axis, scatter, where
                     (not "shape.py": the module would hide the function ``ops.shape``)
    matrix.py        einsum/tensordot/outer/vdot, diagonal/trace/diag/triu/tril, norm
    nn.py            activations, statistics, normalization, cross-entropies
    control_flow.py  cond, fori_loop, while_loop, map, vectorized_map, scan
    numpy.py         pad, repeat
    creation.py      ones, zeros, arange, eye, ...
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
    matmul,
    maximum,
    minimum,
    multiply,
    negative,
    power,
    reshape,
    stack,
    subtract,
    take,
    transpose,
)
from glassnet.autodiff.tensor import Tensor, convert_to_numpy, convert_to_tensor
from glassnet.ops import image  # keras.ops.image: resize, affine_transform
from glassnet.ops.control_flow import cond, fori_loop, map, scan, vectorized_map, while_loop
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
from glassnet.ops.manipulation import (
    broadcast_to,
    copy,
    flip,
    hstack,
    is_tensor,
    meshgrid,
    moveaxis,
    ndim,
    nonzero,
    ravel,
    roll,
    scatter,
    scatter_update,
    size,
    slice,
    slice_update,
    split,
    swapaxes,
    take_along_axis,
    tile,
    unstack,
    vstack,
    where,
)
from glassnet.ops.math import (
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    ceil,
    cos,
    cosh,
    deg2rad,
    divide_no_nan,
    equal,
    erf,
    exp,
    exp2,
    expm1,
    fabs,
    floor,
    floor_divide,
    greater,
    greater_equal,
    hypot,
    isclose,
    isfinite,
    isinf,
    isnan,
    less,
    less_equal,
    log,
    log1p,
    log2,
    log10,
    logaddexp,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    mod,
    not_equal,
    rad2deg,
    reciprocal,
    round,
    rsqrt,
    sign,
    sin,
    sinh,
    sqrt,
    tan,
    tanh,
    true_divide,
    trunc,
)
from glassnet.ops.matrix import (
    diag,
    diagonal,
    einsum,
    inner,
    norm,
    outer,
    tensordot,
    trace,
    tril,
    triu,
    vdot,
)
from glassnet.ops.nn import (
    batch_normalization,
    binary_crossentropy,
    categorical_crossentropy,
    elu,
    expand_dims,
    gelu,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    leaky_relu,
    log_sigmoid,
    log_softmax,
    logsumexp,
    moments,
    normalize,
    one_hot,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softmax,
    softplus,
    softsign,
    sparse_categorical_crossentropy,
    square,
    squeeze,
    std,
    stop_gradient,
    var,
)
from glassnet.ops.numpy import pad, repeat
from glassnet.ops.reduction import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    argsort,
    average,
    count_nonzero,
    cumprod,
    cumsum,
    diff,
    max,
    mean,
    min,
    prod,
    sort,
    sum,
    top_k,
)

swish = silu
dot = matmul
absolute = abs
