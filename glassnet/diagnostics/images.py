"""Plots of images and of what a network does with them: image grids, the confusion
matrix, a convolution's filters, feature maps and saliency maps."""
import math

import numpy as np

from glassnet.diagnostics.plots import _DPI, _figure_class, _new_axes


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


def _paste(tiles, n_cols, fill, gap=1):
    """Tiles of one shape (h, w) pasted row by row, ``gap`` pixels of ``fill`` between."""
    height, width = tiles[0].shape
    n_rows = math.ceil(len(tiles) / n_cols)
    mosaic = np.full((n_rows * (height + gap) - gap, n_cols * (width + gap) - gap), fill,
                     dtype=np.float32)
    for index, tile in enumerate(tiles):
        row, col = divmod(index, n_cols)
        top, left = row * (height + gap), col * (width + gap)
        mosaic[top:top + height, left:left + width] = tile
    return mosaic


def _scaled(a):
    """``a`` stretched to [0, 1] (a constant array becomes 0)."""
    a = np.asarray(a, dtype=np.float32)
    low, span = a.min(), a.max() - a.min()
    return (a - low) / span if span > 0 else np.zeros_like(a)


def plot_filters(kernel, n_cols=8, title=None):
    """The filters of a convolution: one (k_h, k_w) tile per filter k'.

    ``kernel`` is a Conv2D's weight w[u, v, k, k'] of shape (k_h, k_w, C, F).  For a
    first layer on grey images (C = 1) tile k' is w[:, :, 0, k'], the pattern that
    filter looks for: positive weights red, negative blue, on one common scale
    (white = 0), so strong and weak filters can be told apart.  With C > 1 input
    channels a tile shows the mean over them.
    """
    kernel = np.asarray(kernel, dtype=np.float32)
    if kernel.ndim != 4:
        raise ValueError("plot_filters: expected a Conv2D kernel of shape (k_h, k_w, C, F). "
                         f"Received: kernel.shape={kernel.shape}")
    filters = kernel.mean(axis=2)  # (k_h, k_w, F)
    tiles = [filters[:, :, k] for k in range(filters.shape[-1])]
    n_cols = min(n_cols, len(tiles))
    limit = float(np.abs(filters).max()) or 1.0
    mosaic = _paste(tiles, n_cols, fill=np.nan)
    n_rows = math.ceil(len(tiles) / n_cols)
    figure = _figure_class()(figsize=(0.75 * n_cols + 1.2, 0.75 * n_rows + 0.6), dpi=_DPI,
                             layout="constrained")
    ax = figure.add_subplot()
    shown = ax.imshow(mosaic, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    ax.set_axis_off()
    figure.colorbar(shown, ax=ax, shrink=0.8, label="weight")
    ax.set_title(title or f"{len(tiles)} filters of {kernel.shape[0]}x{kernel.shape[1]}")
    return figure


def plot_feature_maps(image, maps, n_channels=8, title=None):
    """An image and, row by row, the feature maps it produces after each layer.

    ``maps = {layer name: array (H, W, C)}`` (e.g. ``feature_maps(model, x[:1])`` with
    the batch axis taken off).  Each row shows the ``n_channels`` channels with the
    largest mean activation, each stretched to its own range (dark = strong): deeper
    rows are smaller (after pooling) and more abstract.
    """
    if not maps:
        raise ValueError("plot_feature_maps: there are no feature maps to show. "
                         "Received: maps={}")
    rows = [("input", [_scaled(_image(image))])]
    for name, a in maps.items():
        a = np.asarray(a)
        if a.ndim != 3:
            raise ValueError("plot_feature_maps: each map must have the shape (H, W, C). "
                             f"Received: {name} of shape {a.shape}")
        strongest = np.argsort(a.mean(axis=(0, 1)))[::-1][:n_channels]
        label = f"{name}\n{a.shape[0]}x{a.shape[1]}x{a.shape[2]}"
        rows.append((label, [_scaled(a[:, :, k]) for k in strongest]))
    n_cols = max(len(tiles) for _, tiles in rows)
    figure = _figure_class()(figsize=(1.1 * n_cols + 1.5, 1.15 * len(rows)), dpi=_DPI,
                             layout="constrained")
    axes = figure.subplots(len(rows), 1)
    for ax, (label, tiles) in zip(np.atleast_1d(axes), rows):
        gap = max(1, tiles[0].shape[1] // 7)
        mosaic = _paste(tiles, n_cols, fill=np.nan, gap=gap)  # (H, n_cols * (W + gap) - gap)
        ax.imshow(mosaic, cmap="binary", vmin=0.0, vmax=1.0, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize="small")
    figure.suptitle(title or "Feature maps, strongest channels first")
    return figure


def plot_saliency(images, maps, titles=None, title=None):
    """Images (top row) and their saliency maps |dS_c/dx| (bottom row, bright = large).

    ``maps`` from ``saliency(model, images, c)``, the images' shape; channels are
    reduced by their maximum, as Simonyan et al. do.  Each map is scaled to its own
    maximum.  ``titles``: one short text per image (e.g. "Coat / Coat").
    """
    images = [_image(image) for image in images]
    maps = [np.asarray(m) for m in maps]
    if not images or len(images) != len(maps):
        raise ValueError("plot_saliency: expected one saliency map per image. "
                         f"Received: {len(images)} images and {len(maps)} maps")
    maps = [m.max(axis=-1) if m.ndim == 3 else _image(m) for m in maps]  # (H, W)
    n = len(images)
    figure = _figure_class()(figsize=(1.35 * n + 0.4, 3.2), dpi=_DPI, layout="constrained")
    top, bottom = figure.subplots(2, 1)
    gap = max(1, images[0].shape[1] // 7)
    top.imshow(_paste([_scaled(i) for i in images], n, np.nan, gap), cmap="binary",
               vmin=0.0, vmax=1.0, interpolation="nearest")
    bottom.imshow(_paste([_scaled(m) for m in maps], n, np.nan, gap), cmap="inferno",
                  vmin=0.0, vmax=1.0, interpolation="nearest")
    for ax in (top, bottom):
        ax.set_axis_off()
    width = images[0].shape[1] + gap
    for index, text in enumerate(titles or []):
        top.text(index * width + (width - gap) / 2 - 0.5, -1.5, text, ha="center",
                 va="bottom", fontsize="x-small")
    figure.suptitle(title or "Saliency |dS_c / dx|")
    return figure
