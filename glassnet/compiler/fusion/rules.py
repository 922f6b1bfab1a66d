"""The fusion rules: each looks at an anchor node (the last op of its pattern) and
returns a ``Match`` or None.  ``RULES`` lists them in the order they are tried; the
longer pattern first where two end on the same op (linear_relu before relu)."""
import operator

import numpy as np

from glassnet.autodiff import primitives as P
from glassnet.autodiff.convolution import Conv
from glassnet.compiler import fused
from glassnet.compiler.fusion.graph import Match, constant_number, is_number
from glassnet.compiler.trace import VariableRef

GREATER = (np.greater, operator.gt)


def relu_input(where, graph):
    """(z, [compare, where]) when ``where`` is where(z > 0, z, 0), else None."""
    if type(where.fn) is not P.Where:
        return None
    (z, _), (zero, _) = where.refs
    compare = graph.made_by(where.bound.get("condition"), P.Compare)
    if compare is None or compare.fn.compare not in GREATER or not is_number(zero, 0):
        return None
    (x, _), (threshold, _) = compare.refs
    if not (x.same(z) and is_number(threshold, 0)):
        return None
    return z, [compare, where]


def linear_parts(add, graph):
    """(x, W, b, [matmul, add]) when ``add`` is x W + b with W (2-D) and b (1-D) variables
    and a 2-D x (so b's gradient sums over one axis, as the unfused Add's does)."""
    if type(add.fn) is not P.Add:
        return None
    (product, _), (b, _) = add.refs
    matmul = graph.made_by(product, P.MatMul)
    if matmul is None or type(b) is not VariableRef or b.variable.data.ndim != 1:
        return None
    (x, _), (w, _) = matmul.refs
    if type(w) is not VariableRef or w.variable.data.ndim != 2 or graph.ndim(x) not in (2, None):
        return None
    return x, w, b, [matmul, add]


def conv_parts(add, graph):
    """(conv node, b, [conv, add]) when ``add`` is conv(x, w) + b, channels last."""
    if type(add.fn) is not P.Add:
        return None
    (z, _), (b, _) = add.refs
    conv = graph.made_by(z, Conv)
    if conv is None or conv.fn.channels_first:
        return None
    if type(b) is not VariableRef or b.variable.data.ndim != 1:
        return None
    return conv, b, [conv, add]


def _under_relu(where, graph, parts_of):
    """(parts_of(the Add), the ReLU's nodes) when ``where`` is the ReLU of an Add that
    ``parts_of`` recognises, else None."""
    relu = relu_input(where, graph)
    add = relu and graph.made_by(relu[0], P.Add)
    parts = add and parts_of(add, graph)
    return (parts, relu[1]) if parts else None


def linear_relu(where, graph):
    found = _under_relu(where, graph, linear_parts)
    if not found:
        return None
    (x, w, b, nodes), relu_nodes = found
    return Match(fused.LinearRelu(), [x, w, b], nodes + relu_nodes)


def linear(add, graph):
    parts = linear_parts(add, graph)
    if parts is None:
        return None
    x, w, b, nodes = parts
    return Match(fused.Linear(), [x, w, b], nodes)


def _conv_bias(conv, b, nodes, function):
    op = function(conv.fn.strides, conv.fn.dilation, conv.fn.pads, conv.fn.channels_first)
    (x, _), (w, _) = conv.refs
    return Match(op, [x, w, b], nodes)


def conv_bias_relu(where, graph):
    found = _under_relu(where, graph, conv_parts)
    if not found:
        return None
    (conv, b, nodes), relu_nodes = found
    return _conv_bias(conv, b, nodes + relu_nodes, fused.ConvBiasRelu)


def conv_bias(add, graph):
    parts = conv_parts(add, graph)
    return parts and _conv_bias(*parts, fused.ConvBias)


def relu(where, graph):
    found = relu_input(where, graph)
    return found and Match(fused.Relu(), [found[0]], found[1])


def elu(where, graph):
    """where(x > 0, x, alpha expm1(min(x, 0)))"""
    if type(where.fn) is not P.Where:
        return None
    (x, _), (negative, _) = where.refs
    compare = graph.made_by(where.bound.get("condition"), P.Compare)
    if compare is None or compare.fn.compare not in GREATER:
        return None
    scale = graph.made_by(negative, P.Multiply)
    expm1 = scale and graph.made_by(scale.refs[0][0], P.Expm1)
    minimum = expm1 and graph.made_by(expm1.refs[0][0], P.Minimum)
    alpha = scale and constant_number(scale.refs[1][0])
    if not minimum or alpha is None:
        return None
    if not (compare.refs[0][0].same(x) and is_number(compare.refs[1][0], 0)
            and minimum.refs[0][0].same(x) and is_number(minimum.refs[1][0], 0)):
        return None
    return Match(fused.Elu(alpha), [x], [minimum, expm1, scale, compare, where])


def _shifted_exp(e_ref, graph):
    """(x, axis, [max, subtract, exp]) when ``e_ref`` is exp(x - max(x, axis, keepdims))."""
    exp = graph.made_by(e_ref, P.Exp)
    subtract = exp and graph.made_by(exp.refs[0][0], P.Subtract)
    if not subtract:
        return None
    (x, _), (peak, _) = subtract.refs
    maximum = graph.made_by(peak, P.Max)
    if maximum is None or not maximum.fn.keepdims or not maximum.refs[0][0].same(x):
        return None
    return x, maximum.fn.axis, [maximum, subtract, exp]


def softmax(divide, graph):
    """e / sum(e, axis, keepdims), e = exp(x - max(x, axis, keepdims))"""
    if type(divide.fn) is not P.Divide:
        return None
    (e, _), (total, _) = divide.refs
    found = _shifted_exp(e, graph)
    sum_node = graph.made_by(total, P.Sum)
    if not found or sum_node is None or not sum_node.refs[0][0].same(e):
        return None
    x, axis, nodes = found
    if not (sum_node.fn.keepdims and sum_node.fn.axis == axis):
        return None
    return Match(fused.Softmax(axis), [x], nodes + [sum_node, divide])


def softmax_cross_entropy(negative, graph):
    """-reshape(take(reshape(log_softmax(z), (-1,)), positions)), classes last, where
    log_softmax(z) = s - log(sum(exp(s))), s = z - max z."""
    if type(negative.fn) is not P.Negative:
        return None
    shaped = graph.made_by(negative.refs[0][0], P.Reshape)
    take = shaped and graph.made_by(shaped.refs[0][0], P.Take)
    flat = take and graph.made_by(take.refs[0][0], P.Reshape)
    log_p = flat and graph.made_by(flat.refs[0][0], P.Subtract)
    if not log_p or take.fn.axis != 0 or "indices" not in take.bound:
        return None
    (shifted, _), (log_total, _) = log_p.refs
    log = graph.made_by(log_total, P.Log)
    total = log and graph.made_by(log.refs[0][0], P.Sum)
    found = total and _shifted_exp(total.refs[0][0], graph)
    if not found:
        return None
    z, axis, nodes = found
    if not (nodes[1].out.same(shifted) and total.fn.keepdims and total.fn.axis == axis
            and axis in (-1, graph.ndim(z) - 1) and flat.fn.new_shape in ((-1,), -1)):
        return None
    op = fused.SparseSoftmaxCrossEntropy(shaped.fn.new_shape)
    return Match(op, [z, take.bound["indices"]],
                 nodes + [total, log, log_p, flat, take, shaped, negative])


def batch_norm(add, graph):
    """x_hat gamma + beta, x_hat = (x - mu) / sqrt(sigma^2 + eps), (mu, sigma^2) the
    moments of x with keepdims; mu and sigma^2 stay readable (the moving averages)."""
    if type(add.fn) is not P.Add:
        return None
    (scaled, _), (beta, _) = add.refs
    multiply = graph.made_by(scaled, P.Multiply)
    divide = multiply and graph.made_by(multiply.refs[0][0], P.Divide)
    centered = divide and graph.made_by(divide.refs[0][0], P.Subtract)
    sqrt = divide and graph.made_by(divide.refs[1][0], P.Sqrt)
    plus_eps = sqrt and graph.made_by(sqrt.refs[0][0], P.Add)
    if not (centered and plus_eps):
        return None
    (x, _), (mu, _) = centered.refs
    (sigma2, _), (eps, _) = plus_eps.refs
    moments = _moments(x, mu, sigma2, graph)
    epsilon = constant_number(eps)
    if moments is None or epsilon is None:
        return None
    axes, moment_nodes = moments
    op = fused.BatchNormTraining(axes, epsilon)
    nodes = moment_nodes + [centered, plus_eps, sqrt, divide, multiply, add]
    return Match(op, [x, multiply.refs[1][0], beta], nodes,
                 exports={mu: "mean", sigma2: "variance"})


def _moments(x, mu, sigma2, graph):
    """(axes, nodes) when mu = mean(x) and sigma2 = mean((x - mu)^2), keepdims."""
    mean = graph.made_by(mu, P.Mean)
    variance = graph.made_by(sigma2, P.Mean)
    square = variance and graph.made_by(variance.refs[0][0], P.Multiply)
    centered = square and graph.made_by(square.refs[0][0], P.Subtract)
    if not (mean and centered) or not square.refs[1][0].same(square.refs[0][0]):
        return None
    if not (mean.refs[0][0].same(x) and centered.refs[0][0].same(x)
            and centered.refs[1][0].same(mu)):
        return None
    if not (mean.fn.keepdims and variance.fn.keepdims and mean.fn.axes == variance.fn.axes):
        return None
    return mean.fn.axes, [mean, centered, square, variance]


RULES = (linear_relu, linear, conv_bias_relu, conv_bias, relu, elu, softmax,
         softmax_cross_entropy, batch_norm)
