"""``model.summary()``: Keras 3's boxed table of layers, output shapes and parameter counts."""
import textwrap

# inner widths of the columns (text plus one space of padding on each side)
_SEQUENTIAL_WIDTHS = (33, 24, 15)
_FUNCTIONAL_WIDTHS = (31, 22, 11, 22)


def format_size(n_bytes):
    """1,066,440 -> '1.02 MB' (1024-based, two decimals)."""
    size = float(n_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} TB"


def _shape_text(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _wrap(text, width):
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def _row(cells, widths, aligns):
    """One table row; cells wrap to several lines within their column."""
    wrapped = [_wrap(cell, w - 2) for cell, w in zip(cells, widths)]
    height = max(len(lines) for lines in wrapped)
    lines = []
    for i in range(height):
        parts = []
        for cell_lines, w, align in zip(wrapped, widths, aligns):
            text = cell_lines[i] if i < len(cell_lines) else ""
            parts.append(" " + (text.rjust(w - 2) if align == ">" else text.ljust(w - 2)) + " ")
        lines.append("│" + "│".join(parts) + "│")
    return lines


def _rule(widths, left, middle, right, fill):
    return left + middle.join(fill * w for w in widths) + right


def _header(titles, widths, aligns):
    cells = []
    for title, w, align in zip(titles, widths, aligns):
        cells.append(" " + (title.rjust(w - 2) if align == ">" else title.ljust(w - 2)) + " ")
    return "┃" + "┃".join(cells) + "┃"


def summary_lines(model, rows, connected=False, optimizer_params=None):
    """The text lines of the summary.

    ``rows`` are (name and type, output shape, param count[, connected to]) tuples.
    """
    if connected:
        widths, aligns = _FUNCTIONAL_WIDTHS, ("<", "<", ">", "<")
        titles = ("Layer (type)", "Output Shape", "Param #", "Connected to")
    else:
        widths, aligns = _SEQUENTIAL_WIDTHS, ("<", "<", ">")
        titles = ("Layer (type)", "Output Shape", "Param #")
    lines = [f'Model: "{model.name}"', _rule(widths, "┏", "┳", "┓", "━")]
    lines.append(_header(titles, widths, aligns))
    lines.append(_rule(widths, "┡", "╇", "┩", "━"))
    for i, row in enumerate(rows):
        if i:
            lines.append(_rule(widths, "├", "┼", "┤", "─"))
        lines.extend(_row(row, widths, aligns))
    lines.append(_rule(widths, "└", "┴", "┘", "─"))
    lines.extend(_footer(model, optimizer_params))
    return lines


def _count(variables):
    return sum(v.size for v in variables), sum(v.size * v.dtype.itemsize for v in variables)


def _footer(model, optimizer_params):
    trainable, trainable_bytes = _count(model.trainable_weights)
    frozen, frozen_bytes = _count(model.non_trainable_weights)
    total, total_bytes = trainable + frozen, trainable_bytes + frozen_bytes
    lines = []
    if optimizer_params is not None:
        total, total_bytes = total + optimizer_params[0], total_bytes + optimizer_params[1]
    lines.append(f" Total params: {total:,} ({format_size(total_bytes)})")
    lines.append(f" Trainable params: {trainable:,} ({format_size(trainable_bytes)})")
    lines.append(f" Non-trainable params: {frozen:,} ({format_size(frozen_bytes)})")
    if optimizer_params is not None:
        lines.append(
            f" Optimizer params: {optimizer_params[0]:,} ({format_size(optimizer_params[1])})"
        )
    return lines


def layer_row(layer):
    """(name and type, output shape, param count) of a built layer."""
    params = sum(v.size for v in layer.weights) if layer.built else 0
    return (
        f"{layer.name} ({type(layer).__name__})",
        _shape_text(layer.output_shape),
        f"{params:,}",
    )


def print_summary(model, rows, connected=False, line_length=None, print_fn=None):
    """Prints (or passes to ``print_fn``) the summary of ``model``."""
    optimizer = getattr(model, "optimizer", None)
    optimizer_params = None
    if optimizer is not None and getattr(optimizer, "built", False):
        optimizer_params = _count(optimizer.variables)
    text = "\n".join(summary_lines(model, rows, connected, optimizer_params)) + "\n"
    if print_fn is None:
        print(text)
    else:
        print_fn(text)
