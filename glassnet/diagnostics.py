"""Glass-box diagnostics: what the gradients and activations of a network do while it trains.

``callbacks.GradientMonitor`` measures, on a few sampled training batches, three things
per layer; this module holds the equations, the ``Diagnostics`` record that collects
them, and the plots of the lecture report.

Equations (layer l with weights w_l = all its trainable arrays taken together,
g_l = dL/dw_l the gradient of the batch loss L, a_l the layer's output on the batch,
w_l and w_l' the weights before and after the optimizer step):

    grad_norm_l     = ||g_l||_2 = sqrt(sum g_l^2)
    update_ratio_l  = ||w_l' - w_l||_2 / ||w_l||_2          (plain SGD: ||eta * g_l|| / ||w_l||)
    activation_mean_l           = mean(a_l)
    activation_std_l            = std(a_l)                  (population std: divide by n)
    activation_zero_fraction_l  = #(a_l == 0) / n

Why they matter:
    * Vanishing / exploding gradients.  Backpropagation multiplies the gradient by each
      layer's Jacobian on its way to the input: delta_{l-1} = W_l^T (delta_l * f'(z_l)).
      With sigmoid units f' <= 1/4, so with a naive initialization the norms shrink layer
      after layer toward the input (the lower layers barely learn); with too large weights
      they grow (explode).  Plot grad_norm per layer on a log scale: a healthy network
      has norms of the same order in every layer (He/Glorot initialization, ReLU-like
      activations and BatchNormalization are the lecture's cures).
    * The update-to-weight ratio tells how fast each layer's weights really move.  The
      usual rule of thumb: about 1e-3 is healthy; much lower (1e-6) and the layer is
      frozen in practice (learning rate too small, or vanishing gradients); much higher
      (1e-1) and training is unstable.
    * Dead ReLUs: a ReLU unit whose input is negative for every example outputs 0 and
      gets no gradient, so it never recovers.  The fraction of exactly-zero outputs shows
      them: about 0.5 is normal for ReLU, near 1 means most of the layer is dead.  The
      mean and std show saturation (sigmoid outputs stuck near 0 or 1) and the drift of
      the activations' scale from layer to layer that BatchNormalization removes.

The plotting functions need matplotlib (``pip install 'glassnet[plot]'``).  They draw on
a ``matplotlib.figure.Figure`` of their own (no pyplot, no GUI, no global state: they
work on a machine without a display and in loops that make hundreds of plots) and
return it: ``fig.savefig("norms.png")``; a notebook shows a returned Figure as an image.
Pass ``ax=`` to draw into an axes of your own figure instead.
"""
import math

import numpy as np

GRADIENT_FIELDS = ("grad_norm", "update_ratio")
ACTIVATION_FIELDS = ("activation_mean", "activation_std", "activation_zero_fraction")

_DPI = 100
_FIGSIZE = (8, 5)


# --------------------------------------------------------------------------------------
# the quantities
# --------------------------------------------------------------------------------------
def gradient_norm(grads):
    """||g||_2 = sqrt(sum g^2) over several arrays taken together (None counts as zero)."""
    total = sum(float(np.vdot(g, g)) for g in grads if g is not None)
    return math.sqrt(total)


def update_ratio(before, after):
    """||w' - w||_2 / ||w||_2 over several arrays taken together.

    ``before`` holds copies of the weights w before the optimizer step, ``after`` the
    weights w' after it.  Weights that are all zero give inf (or nan when they did not
    move either): no relative size exists then.
    """
    step = sum(float(np.sum(np.square(a - b, dtype=np.float64))) for b, a in zip(before, after))
    size = sum(float(np.sum(np.square(b, dtype=np.float64))) for b in before)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sqrt(step) / np.sqrt(size))


def activation_stats(a):
    """(mean, std, fraction of exactly-zero entries) of an activation array ``a``."""
    a = np.asarray(a)
    return float(np.mean(a)), float(np.std(a)), float(np.count_nonzero(a == 0) / a.size)


# --------------------------------------------------------------------------------------
# the record
# --------------------------------------------------------------------------------------
class Diagnostics:
    """The measurements of one ``fit``: per layer, one value per epoch (and per batch).

    ``GradientMonitor`` fills it and sets it as ``history.diagnostics``.  Each per-epoch
    value is the mean over that epoch's sampled batches; nan where a layer has no sample
    (e.g. a layer frozen during part of the training).

    Attributes:
        layers: names of the layers with trainable weights, input side first (the keys
            of ``grad_norm`` and ``update_ratio``).
        activation_layers: names of the layers whose outputs were watched (the keys of
            the three ``activation_*`` dicts).
        epochs: the epoch indices ``[0, 1, ...]``.
        grad_norm: ``{layer name: [||g||_2 per epoch]}``.
        update_ratio: ``{layer name: [||w' - w|| / ||w|| per epoch]}``.
        activation_mean, activation_std, activation_zero_fraction:
            ``{layer name: [value per epoch]}``.
        batches: the per-batch records when ``GradientMonitor(every_n_batches=N)``:
            ``{"epoch", "batch", "grad_norm": {name: value}, "update_ratio": {...},
            "activation_mean": {...}, ...}``; otherwise empty.
    """

    def __init__(self):
        self.layers = []
        self.activation_layers = []
        self.epochs = []
        self.grad_norm = {}
        self.update_ratio = {}
        self.activation_mean = {}
        self.activation_std = {}
        self.activation_zero_fraction = {}
        self.batches = []

    def add_epoch(self, epoch, records):
        """Appends one epoch: the mean over ``records`` (the sampled batches' records)."""
        _append_means(self, self.layers, GRADIENT_FIELDS, records)
        _append_means(self, self.activation_layers, ACTIVATION_FIELDS, records)
        self.epochs.append(int(epoch))

    def to_dict(self):
        """A JSON-ready dict (non-finite values become None, i.e. JSON null)."""
        d = {"layers": list(self.layers), "activation_layers": list(self.activation_layers),
             "epochs": list(self.epochs)}
        for field in GRADIENT_FIELDS + ACTIVATION_FIELDS:
            d[field] = {name: [_to_json(v) for v in values]
                        for name, values in getattr(self, field).items()}
        d["batches"] = [_map_numbers(record, _to_json) for record in self.batches]
        return d

    @classmethod
    def from_dict(cls, d):
        """The inverse of ``to_dict`` (None becomes nan)."""
        diagnostics = cls()
        diagnostics.layers = list(d["layers"])
        diagnostics.activation_layers = list(d["activation_layers"])
        diagnostics.epochs = [int(e) for e in d["epochs"]]
        for field in GRADIENT_FIELDS + ACTIVATION_FIELDS:
            setattr(diagnostics, field, {name: [_from_json(v) for v in values]
                                         for name, values in d.get(field, {}).items()})
        diagnostics.batches = [_map_numbers(record, _from_json) for record in d.get("batches", [])]
        return diagnostics

    def __repr__(self):
        return (f"<Diagnostics epochs={len(self.epochs)} layers={len(self.layers)} "
                f"activation_layers={len(self.activation_layers)} batches={len(self.batches)}>")


def _append_means(diagnostics, names, fields, records):
    """Adds new layer names (nan for the epochs before) and appends each field's mean."""
    for record in records:
        for field in fields:
            for name in record.get(field, {}):
                if name not in names:
                    names.append(name)
                    for f in fields:
                        getattr(diagnostics, f)[name] = [math.nan] * len(diagnostics.epochs)
    for field in fields:
        for name in names:
            samples = [r[field][name] for r in records if name in r.get(field, {})]
            getattr(diagnostics, field)[name].append(_mean(samples))


def _mean(values):
    return float(np.mean(values)) if values else math.nan


def _to_json(value):
    return float(value) if math.isfinite(value) else None


def _from_json(value):
    return math.nan if value is None else float(value)


def _map_numbers(record, convert):
    """A batch record with ``convert`` applied to every per-layer value."""
    return {key: ({name: convert(v) for name, v in value.items()}
                  if isinstance(value, dict) else value)
            for key, value in record.items()}


# --------------------------------------------------------------------------------------
# plotting
# --------------------------------------------------------------------------------------
def _figure_class():
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            "glassnet.diagnostics: plotting needs matplotlib, an optional dependency: "
            "pip install 'glassnet[plot]' (or pip install matplotlib)."
        ) from error
    return Figure


def _new_axes(ax, figsize=_FIGSIZE):
    """(figure, axes): ``ax`` and its figure, or a new Figure (no pyplot) with one axes."""
    figure_class = _figure_class()
    if ax is not None:
        return ax.figure, ax
    figure = figure_class(figsize=figsize, dpi=_DPI, layout="constrained")
    return figure, figure.add_subplot()


def _colors(n, cmap="viridis"):
    """n colours along a colormap, dark (input side / early) to light (output side / late)."""
    from matplotlib import colormaps

    return [colormaps[cmap](x) for x in np.linspace(0.0, 0.85, n)]


def _legend(ax, n_entries):
    """A legend inside for a few entries, outside on the right for many."""
    if n_entries <= 6:
        ax.legend(fontsize="small")
    else:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  frameon=False, ncol=1 if n_entries <= 16 else 2)


def _integer_ticks(ax):
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _epoch_positions(owner, diagnostics, epochs):
    """Positions in ``diagnostics.epochs`` of the chosen epochs (negative: from the end)."""
    n = len(diagnostics.epochs)
    if n == 0:
        raise ValueError(f"{owner}: the diagnostics hold no epoch yet (was fit run with "
                         "the GradientMonitor?). Received: diagnostics with epochs=[]")
    positions = []
    for epoch in epochs:
        if isinstance(epoch, (int, np.integer)) and -n <= epoch < 0:
            positions.append(n + int(epoch))
        elif epoch in diagnostics.epochs:
            positions.append(diagnostics.epochs.index(epoch))
        else:
            raise ValueError(
                f"{owner}: no such epoch in the diagnostics; recorded epochs are "
                f"{diagnostics.epochs} (or a negative position like -1). Received: epoch={epoch!r}"
            )
    return positions


def plot_gradient_norms(diagnostics, ax=None, title=None):
    """||g||_2 of each layer vs epoch, log scale: one line per layer, dark = input side.

    Lines ordered from the input (dark) to the output (light); in a network with
    vanishing gradients the dark lines lie decades below the light ones.
    """
    figure, ax = _new_axes(ax)
    for name, color in zip(diagnostics.layers, _colors(len(diagnostics.layers))):
        ax.plot(diagnostics.epochs, diagnostics.grad_norm[name], marker="o", markersize=3,
                color=color, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(r"gradient norm $\|g\|_2$ (log scale)")
    ax.set_title(title or "Gradient norm per layer")
    ax.grid(True, which="major", alpha=0.4)
    _integer_ticks(ax)
    if diagnostics.layers:
        _legend(ax, len(diagnostics.layers))
    return figure


def plot_gradient_norms_by_layer(diagnostics, epochs=None, ax=None, title=None, label=None):
    """The vanishing-gradient picture: ||g||_2 vs layer (input on the left), log scale.

    One line per chosen epoch (``epochs``: epoch numbers, or negative positions such as
    -1 for the last; default the first and the last).  To compare networks on one axes,
    call it once per network with the same ``ax`` and a ``label`` (e.g. "sigmoid"): the
    lines are then named "label, epoch e" and the x axis shows the depth 1, 2, ... (the
    layer names differ between networks) instead of the layer names.
    """
    if epochs is None:
        epochs = [0, -1] if len(diagnostics.epochs) > 1 else [-1]
    positions = _epoch_positions("plot_gradient_norms_by_layer", diagnostics, epochs)
    figure, ax = _new_axes(ax)
    depth = np.arange(1, len(diagnostics.layers) + 1)
    network_color = f"C{len(ax.get_lines()) // max(len(positions), 1)}"  # one colour per network
    colors = _colors(len(positions), "plasma")
    for i, position in enumerate(positions):
        epoch = diagnostics.epochs[position]
        norms = [diagnostics.grad_norm[name][position] for name in diagnostics.layers]
        if label is None:
            ax.plot(depth, norms, marker="o", markersize=4, color=colors[i],
                    label=f"epoch {epoch}")
        else:
            last = i == len(positions) - 1
            ax.plot(depth, norms, marker="o", markersize=4, color=network_color,
                    linestyle="-" if last else ("--", ":", "-.")[i % 3],  # last epoch solid
                    label=f"{label}, epoch {epoch}")
    ax.set_yscale("log")
    if label is None:
        ax.set_xticks(depth)
        ax.set_xticklabels(diagnostics.layers, rotation=45 if len(depth) > 6 else 0,
                           ha="right" if len(depth) > 6 else "center")
        ax.set_xlabel("layer (input side on the left)")
    else:
        _integer_ticks(ax)
        ax.set_xlabel("layer depth (1 = next to the input)")
    ax.set_ylabel(r"gradient norm $\|g\|_2$ (log scale)")
    ax.set_title(title or "Gradient norm by layer")
    ax.grid(True, which="major", alpha=0.4)
    _legend(ax, len(ax.get_lines()))
    return figure


def plot_activation_stats(diagnostics, epoch=-1, title=None):
    """Mean, std and fraction of zeros of each layer's outputs at one epoch (bars).

    ``epoch``: an epoch number, or a negative position (-1, the default: the last).
    A zero fraction near 1 marks dead ReLUs; a mean near 0 or 1 with a tiny std marks
    saturated sigmoids.
    """
    names = diagnostics.activation_layers
    if not names:
        raise ValueError(
            "plot_activation_stats: the diagnostics hold no activation records (was the "
            "GradientMonitor created with activations=False?). Received: activation_layers=[]"
        )
    (position,) = _epoch_positions("plot_activation_stats", diagnostics, [epoch])
    figure_class = _figure_class()
    figure = figure_class(figsize=(8, 6), dpi=_DPI, layout="constrained")
    axes = figure.subplots(3, 1, sharex=True)
    x = np.arange(len(names))
    rows = [("activation_mean", "mean"), ("activation_std", "std"),
            ("activation_zero_fraction", "fraction of zeros")]
    for ax, (field, ylabel), color in zip(axes, rows, ("#3b6ea8", "#5a9e6f", "#c0504d")):
        values = [getattr(diagnostics, field)[name][position] for name in names]
        ax.bar(x, values, color=color, width=0.7)
        ax.set_ylabel(ylabel)
        ax.grid(True, axis="y", alpha=0.4)
        ax.axhline(0.0, color="black", linewidth=0.6)
    axes[2].set_ylim(0.0, 1.0)
    axes[2].set_xticks(x)
    axes[2].set_xticklabels(names, rotation=45 if len(names) > 6 else 0,
                            ha="right" if len(names) > 6 else "center")
    axes[2].set_xlabel("layer (input side on the left)")
    default = f"Activations per layer, epoch {diagnostics.epochs[position]}"
    figure.suptitle(title or default)
    return figure


def _history_dict(history):
    """``history.history`` for a History object, else the dict itself."""
    return getattr(history, "history", history)


def plot_history(history_dict, ax=None, title=None, ylim=(0, 1)):
    """The lecture's ``pd.DataFrame(history.history).plot(); grid; ylim(0, 1)``.

    Every key (loss, accuracy, val_loss, val_accuracy, ...) vs epoch (counted from 0,
    like the DataFrame's index) on one axes.  Accepts a History or its ``.history`` dict;
    ``ylim=None`` lets matplotlib choose.
    """
    history = _history_dict(history_dict)
    figure, ax = _new_axes(ax)
    for key, values in history.items():
        ax.plot(np.arange(len(values)), values, label=key)
    ax.grid(True)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel("epoch")
    _integer_ticks(ax)
    if title:
        ax.set_title(title)
    if history:
        ax.legend(fontsize="small")
    return figure


def plot_comparison(histories, key, ax=None, title=None, ylim=None, logy=False):
    """One line per experiment for one metric: ``histories = {label: history dict}``.

    E.g. ``plot_comparison({"SGD": h1, "Adam": h2}, "val_accuracy")``.  Histories
    without ``key`` are left out; at least one must have it.
    """
    histories = {label: _history_dict(h) for label, h in histories.items()}
    present = {label: h[key] for label, h in histories.items() if key in h}
    if not present:
        keys = sorted({k for h in histories.values() for k in h})
        raise ValueError(
            f"plot_comparison: no history has the key {key!r}; their keys are {keys}. "
            f"Received: key={key!r}"
        )
    figure, ax = _new_axes(ax)
    for label, values in present.items():
        ax.plot(np.arange(len(values)), values, marker="o", markersize=3, label=label)
    if logy:
        ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel("epoch")
    ax.set_ylabel(key)
    ax.set_title(title or f"{key} per epoch")
    ax.grid(True, alpha=0.4)
    _integer_ticks(ax)
    _legend(ax, len(present))
    return figure


def _labels(labels):
    """Integer class indices from indices or one-hot / probability rows."""
    labels = np.asarray(labels)
    return labels.argmax(axis=-1) if labels.ndim == 2 else labels.astype(int).ravel()


def _image(image):
    """An image ready for imshow: (H, W) or (H, W, 3); a flat square image is reshaped."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        return image[..., 0]  # (H, W, 1) -> (H, W)
    if image.ndim == 1:
        side = math.isqrt(image.size)
        if side * side == image.size:
            return image.reshape(side, side)  # (H*W,) -> (H, W)
    return image


def plot_image_grid(images, true_labels, class_names, predicted_labels=None, n_rows=4,
                    n_cols=10, title=None):
    """The lecture's grid of images (In [8], In [23]) with their class names.

    Without predictions each title is the true class; with ``predicted_labels`` it is
    "pred / true", in red when the prediction is wrong.  Labels may be class indices or
    one-hot / probability rows.  Shows the first ``n_rows * n_cols`` images, drawn as one
    mosaic on a single axes (40 separate axes take seconds to render).
    """
    true_labels = _labels(true_labels)
    predicted = None if predicted_labels is None else _labels(predicted_labels)
    count = min(n_rows * n_cols, len(images))
    if count == 0:
        raise ValueError("plot_image_grid: there are no images to show. "
                         f"Received: {len(images)} images, n_rows={n_rows}, n_cols={n_cols}")
    mosaic, (cell_h, cell_w, head) = _mosaic([_image(images[i]) for i in range(count)],
                                             n_rows, n_cols)
    cell_inches = 1.2 if predicted is None else 1.45
    width = n_cols * cell_inches
    height = width * mosaic.shape[0] / mosaic.shape[1]
    title_inches = 0.4 if title else 0.0
    figure = _figure_class()(figsize=(width, height + title_inches), dpi=_DPI)
    ax = figure.add_axes((0.0, 0.0, 1.0, height / (height + title_inches)))
    ax.imshow(mosaic, cmap="binary", interpolation="nearest", aspect="auto")
    ax.set_axis_off()
    for index in range(count):
        row, col = divmod(index, n_cols)
        true_name = class_names[true_labels[index]]
        text, color = true_name, "black"
        if predicted is not None:
            text = f"{class_names[predicted[index]]} / {true_name}"
            color = "#c0392b" if predicted[index] != true_labels[index] else "black"
        ax.text((col + 0.5) * cell_w - 0.5, row * cell_h + head - 1.0, text, ha="center",
                va="bottom", fontsize=8 if predicted is None else 7, color=color)
    if title:
        figure.suptitle(title, y=1.0 - 0.08 / (height + title_inches), va="top")
    return figure


def _mosaic(tiles, n_rows, n_cols):
    """The tiles pasted into one array with a gap and a title band above each.

    Returns (mosaic, (cell height, cell width, title band height)) in pixels; the
    background is white: the lowest value (the "binary" colormap), or 1 for RGB.
    """
    tiles = np.stack(tiles).astype(np.float32)  # (count, H, W) or (count, H, W, 3)
    rgb = tiles.ndim == 4
    if rgb and tiles.max() > 1.0:
        tiles = tiles / 255.0
    height, width = tiles.shape[1:3]
    gap, head = max(1, width // 7), max(4, height // 3)
    cell_h, cell_w = head + height, gap + width
    background = 1.0 if rgb else tiles.min()
    mosaic = np.full((n_rows * cell_h, n_cols * cell_w) + tiles.shape[3:], background,
                     dtype=np.float32)
    for index, tile in enumerate(tiles):
        row, col = divmod(index, n_cols)
        top, left = row * cell_h + head, col * cell_w + gap // 2
        mosaic[top:top + height, left:left + width] = tile
    return mosaic, (cell_h, cell_w, head)


def _confusion_counts(y_true, y_pred, n_classes):
    """C[i, j] = number of examples of true class i predicted as class j."""
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def plot_confusion_matrix(y_true, y_pred, class_names, ax=None, title=None):
    """The confusion matrix C[i, j] = #(true class i, predicted class j), annotated.

    Rows are the true classes, columns the predictions; the diagonal holds the correct
    answers.  ``y_pred`` may be class indices or probability rows (argmax is taken).
    """
    y_true, y_pred = _labels(y_true), _labels(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "plot_confusion_matrix: y_true and y_pred must hold one label per example. "
            f"Received: y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}"
        )
    n = len(class_names)
    counts = _confusion_counts(y_true, y_pred, n)
    figure, ax = _new_axes(ax, figsize=(7.5, 6.5))
    ax.imshow(counts, cmap="Blues")
    threshold = counts.max() / 2.0
    for i in range(n):
        for j in range(n):
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if counts[i, j] > threshold else "black")
    ax.set_xticks(np.arange(n))
    ax.set_yticks(np.arange(n))
    ax.set_xticklabels(class_names, rotation=45, ha="right")
    ax.set_yticklabels(class_names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    ax.set_title(title or f"Confusion matrix (accuracy {accuracy:.2%})")
    return figure
