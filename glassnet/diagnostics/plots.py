"""Plots of a training run: gradient norms, activation statistics, learning curves.

They need matplotlib (``pip install 'glassnet[plot]'``), draw on a
``matplotlib.figure.Figure`` of their own (no pyplot, no GUI, no global state) and
return it; pass ``ax=`` to draw into an axes of your own figure instead.
"""
import numpy as np

_DPI = 100
_FIGSIZE = (8, 5)


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


def plot_accuracy_vs_time(points, groups=None, ax=None, title=None):
    """Test accuracy against training time: one labelled point per experiment.

    ``points = {label: (seconds, accuracy)}``; ``groups = {label: group name}`` colours
    the points by group (a legend entry per group).  The time axis is logarithmic: a
    CNN may take ten times an MLP's minutes.
    """
    if not points:
        raise ValueError("plot_accuracy_vs_time: there are no points to plot. Received: points={}")
    groups = groups or {}
    figure, ax = _new_axes(ax)
    names = list(dict.fromkeys(groups.get(label, "") for label in points))
    for index, name in enumerate(names):
        members = [label for label in points if groups.get(label, "") == name]
        seconds = [points[label][0] for label in members]
        accuracy = [points[label][1] for label in members]
        ax.scatter(seconds, accuracy, s=30, color=f"C{index}", label=name or None, zorder=3)
    by_accuracy = sorted(points, key=lambda label: points[label][1])
    for rank, label in enumerate(by_accuracy):  # neighbours' labels above and below
        ax.annotate(label, points[label], xytext=(5, 4 if rank % 2 else -9),
                    textcoords="offset points", fontsize="x-small")
    ax.margins(x=0.2, y=0.08)
    ax.set_xscale("log")
    ax.set_xlabel("training time, s (log scale)")
    ax.set_ylabel("test accuracy")
    ax.set_title(title or "Test accuracy against training time")
    ax.grid(True, which="both", alpha=0.3)
    if any(names):
        ax.legend(fontsize="small")
    return figure
