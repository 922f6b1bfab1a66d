"""Looking inside a trained network: saliency maps and feature maps.

Both run the model in inference mode (``training=False``): BatchNormalization uses its
moving statistics, Dropout and the random augmentation layers (RandomFlip, ...) pass
their input through unchanged, so the maps belong to the network that predicts.
"""
import numpy as np

from glassnet import config
from glassnet.autodiff import Tensor, enable_grad, grad, no_grad


def saliency(model, x, class_index, batch_size=32):
    """The saliency map |dS_c / dx| of each input for class ``class_index``.

    Equations (Simonyan, Vedaldi & Zisserman 2013):
        z = f(x)                 the model's scores before its final softmax (the logits)
        S_c(x) = z_c             the score of class c
        M(x) = |dS_c / dx|       one value per input entry: the shape of x

    The score is the logit, not the probability p_c = softmax(z)_c: when the model
    ends in a softmax (or sigmoid), glassnet tags its output with that activation's
    input (the logits, as the cross-entropy losses use them), and the gradient is taken
    of those.  Why not p_c: dp_c/dx = p_c (dz_c/dx - sum_j p_j dz_j/dx) also grows when
    the other classes' scores fall, and vanishes once p_c saturates near 1.  A model
    whose output carries no such tag (a linear last layer) is differentiated as it is:
    its outputs are the logits.

    Computed with glassnet's own autodiff: a forward pass of the batch in inference mode,
    then one backward pass of sum_n S_{c_n}(x_n) to the inputs.  In inference mode the
    examples of a batch do not interact, so row n of that gradient is dS_{c_n}(x_n)/dx_n.
    For colour images, Simonyan et al. take the maximum over the channels
    (``maps.max(axis=-1)``).

    Arguments:
        model: a glassnet model (Sequential or functional) with one input and one output
            of shape (batch, classes).
        x: a batch of inputs in the model's input shape, e.g. (N, 28, 28, 1).
        class_index: the class c, an int for every example, or one int per example
            (e.g. the predicted classes).
        batch_size: examples per forward and backward pass.

    Returns:
        A NumPy array of x's shape and floatx dtype (float32), >= 0.

    Example:
        >>> from glassnet.diagnostics import saliency
        >>> predicted = model.predict(x).argmax(axis=-1)
        >>> maps = saliency(model, x, predicted)    # (N, 28, 28, 1), float32
    """
    x = np.asarray(x, dtype=config.floatx())
    if x.ndim < 2:
        raise ValueError("saliency: x must be a batch of inputs, with the batch axis first. "
                         f"Received: x.shape={x.shape}")
    classes = _class_indices(class_index, len(x))
    batch_size = _positive_integer("batch_size", batch_size)
    maps = np.empty_like(x)
    for start in range(0, len(x), batch_size):
        rows = slice(start, start + batch_size)
        maps[rows] = _saliency_batch(model, x[rows], classes[rows])
    return maps


def _saliency_batch(model, x, classes):
    inputs = Tensor(x, requires_grad=True)
    with enable_grad():  # also inside a caller's no_grad block
        outputs = model(inputs, training=False)  # (N, classes)
        scores = _scores(outputs)  # the logits when the output is a softmax/sigmoid
        _check_classes(scores.shape, classes)
        chosen = scores[np.arange(len(classes)), classes]  # (N,): S_{c_n}(x_n)
        (dx,) = grad(chosen.sum(), [inputs])
    return np.abs(dx)  # (N, *input shape)


def _scores(outputs):
    if not isinstance(outputs, Tensor):
        raise ValueError("saliency: the model must have one output of shape (batch, "
                         f"classes). Received: an output of type {type(outputs).__name__}")
    logits = outputs._keras_logits
    return logits if isinstance(logits, Tensor) else outputs


def _check_classes(shape, classes):
    if len(shape) != 2:
        raise ValueError("saliency: the model's output must have the shape (batch, classes). "
                         f"Received: output shape {shape}")
    bad = classes[(classes < 0) | (classes >= shape[1])]
    if bad.size:
        raise ValueError(f"saliency: class_index must be in [0, {shape[1]}) for a model with "
                         f"{shape[1]} outputs. Received: class_index={int(bad[0])}")


def _class_indices(class_index, n):
    """``class_index`` as n integers (one int is repeated); TypeError/ValueError if not."""
    indices = np.asarray(class_index)
    if indices.dtype == bool or not np.issubdtype(indices.dtype, np.integer):
        raise TypeError("saliency: class_index must be an integer or a sequence of integers. "
                        f"Received: class_index={class_index!r}")
    if indices.ndim == 0:
        return np.full(n, int(indices), dtype=np.intp)
    if indices.shape != (n,):
        raise ValueError(f"saliency: class_index must be one integer or one per example ({n}). "
                         f"Received: class_index of shape {indices.shape}")
    return indices.astype(np.intp)


def _positive_integer(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"saliency: {name} must be a positive integer. "
                         f"Received: {name}={value!r}")
    return int(value)


def feature_maps(model, x, layers=None):
    """The outputs of some layers of ``model`` for inputs ``x``, in inference mode.

    For a convolution block the output of image n is a stack of feature maps
    a[n, :, :, k], one (H, W) picture per filter k: where that filter responds.

    Arguments:
        model: a glassnet model (Sequential or functional).
        x: a batch of inputs in the model's input shape.
        layers: layer names (or layers) to record; None: every layer of the model.

    Returns:
        ``{layer name: NumPy array}`` in the order of ``model.layers``.  A layer that
        the model calls more than once keeps its last output.
    """
    chosen = _chosen_layers(model, layers)
    outputs = {}

    def keep(layer, inputs, output):
        outputs[layer.name] = np.array(output.data if isinstance(output, Tensor) else output)

    removers = [layer.register_forward_hook(keep) for layer in chosen]
    try:
        with no_grad():
            model(np.asarray(x, dtype=config.floatx()), training=False)
    finally:
        for remove in removers:
            remove()
    return {layer.name: outputs[layer.name] for layer in chosen if layer.name in outputs}


def _chosen_layers(model, layers):
    if layers is None:
        return list(model.layers)
    by_name = {layer.name: layer for layer in model.layers}
    chosen = []
    for item in layers:
        name = item if isinstance(item, str) else getattr(item, "name", None)
        if name not in by_name:
            raise ValueError(f"feature_maps: the model has no layer {name!r}; its layers are "
                             f"{list(by_name)}. Received: layers={list(layers)!r}")
        chosen.append(by_name[name])
    return chosen
