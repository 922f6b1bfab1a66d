"""plot_model: a PNG diagram of a model's layers, drawn with matplotlib.

Keras draws with pydot and the Graphviz programs; glassnet draws the same boxes
and arrows with matplotlib (an optional dependency, ``pip install glassnet[plot]``),
so it works after a plain pip install with no system packages.
"""
from glassnet import tree
from glassnet.layers.input_layer import InputLayer


def _graph(model):
    """(layers in drawing order, edges as (from index, to index)) for any model."""
    nodes = getattr(model, "_nodes", None)
    if nodes is not None:  # functional
        layers = []
        for node in nodes:
            if node.layer not in layers:
                layers.append(node.layer)
        edges = set()
        for node in nodes:
            for parent in tree.flatten(node.inputs) if node.inputs is not None else []:
                edges.add((layers.index(parent.node.layer), layers.index(node.layer)))
        return layers, sorted(edges)
    layers = list(model.layers)
    input_layer = getattr(model, "_input_layer", None)
    if input_layer is not None:
        layers = [input_layer] + layers
    return layers, [(i, i + 1) for i in range(len(layers) - 1)]


def _label(layer, show_shapes, show_layer_names, show_layer_activations, show_dtype,
           show_trainable):
    title = type(layer).__name__
    lines = [f"{layer.name} ({title})" if show_layer_names else title]
    activation = getattr(layer, "activation", None)
    if show_layer_activations and activation is not None:
        lines.append(f"Activation: {getattr(activation, '__name__', activation)}")
    if show_shapes:
        input_shape = layer.batch_shape if isinstance(layer, InputLayer) else layer._build_shape
        if input_shape is not None and not isinstance(layer, InputLayer):
            input_shape = (None,) + tuple(input_shape[1:])
        lines.append(f"Input shape: {input_shape}")
        lines.append(f"Output shape: {layer.output_shape}")
    if show_dtype:
        lines.append(f"dtype: {layer.dtype}")
    if show_trainable:
        lines.append(f"Trainable: {layer.trainable}")
    return "\n".join(lines)


def _levels(n_layers, edges):
    """Each layer's depth: the longest path to it from a layer with no inputs."""
    level = [0] * n_layers
    for _ in range(n_layers):
        for a, b in edges:
            level[b] = max(level[b], level[a] + 1)
    return level


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, **kwargs):
    """Draws the model's layers as boxes joined by arrows and saves a PNG.

    Arguments follow ``keras.utils.plot_model``; ``rankdir`` "TB" draws top to
    bottom, "LR" left to right.  Returns an ``IPython.display.Image`` in a
    notebook, else None.
    """
    if rankdir not in ("TB", "LR"):
        raise ValueError(
            f"plot_model: rankdir must be 'TB' or 'LR'. Received: rankdir={rankdir!r}"
        )
    if not model.built:
        raise ValueError(
            f"plot_model: the model {model.name} is not built yet. Give it an input shape "
            "(an Input or input_shape=) or call it on data first."
        )
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "plot_model needs matplotlib: pip install 'glassnet[plot]' (or matplotlib)."
        ) from error
    layers, edges = _graph(model)
    labels = [
        _label(layer, show_shapes, show_layer_names, show_layer_activations, show_dtype,
               show_trainable)
        for layer in layers
    ]
    positions = _positions(_levels(len(layers), edges), rankdir)
    figure = _draw(plt, labels, positions, edges, rankdir)
    figure.savefig(to_file, dpi=dpi, bbox_inches="tight")
    plt.close(figure)
    return _notebook_image(to_file)


def _positions(levels, rankdir):
    """(x, y) per layer: levels go down (TB) or right (LR); siblings spread across."""
    columns = {}
    positions = []
    for level in levels:
        slot = columns.get(level, 0)
        columns[level] = slot + 1
        top_down = (slot * 4.0, -level * 1.6)
        positions.append(top_down if rankdir == "TB" else (level * 4.5, -slot * 1.6))
    return positions


def _draw(plt, labels, positions, edges, rankdir):
    xs = [p[0] for p in positions]
    ys = [p[1] for p in positions]
    width = max(xs) - min(xs) + 4.5
    height = max(ys) - min(ys) + 1.6
    figure = plt.figure(figsize=(max(3.0, width * 0.9), max(1.2, height * 0.75)))
    axes = figure.add_axes([0, 0, 1, 1])
    axes.set_axis_off()
    box = {"boxstyle": "round,pad=0.4", "facecolor": "#eef3fb", "edgecolor": "#34495e"}
    for (x, y), label in zip(positions, labels):
        axes.text(x, y, label, ha="center", va="center", fontsize=8, family="monospace", bbox=box)
    for a, b in edges:
        (x0, y0), (x1, y1) = positions[a], positions[b]
        axes.annotate(
            "", xy=(x1, y1), xytext=(x0, y0),
            arrowprops={"arrowstyle": "->", "color": "#34495e", "shrinkA": 22, "shrinkB": 22},
        )
    axes.set_xlim(min(xs) - 2.3, max(xs) + 2.3)
    axes.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    return figure


def _notebook_image(path):
    try:
        from IPython import get_ipython
        from IPython.display import Image
    except ImportError:
        return None
    if get_ipython() is None:
        return None
    return Image(filename=path)
