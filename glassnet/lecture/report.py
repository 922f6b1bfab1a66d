"""The report of a lecture run: ``report.html`` (self-contained) and ``report.md`` + PNGs.

Built only from the saved results (``<out>/<name>/``), so it can be regenerated without
retraining and shows whatever has finished so far.  The page is a list of blocks::

    ("h", level, text)          a heading
    ("p", text)                 a paragraph
    ("table", header, rows)     a table of strings
    ("figures", [(name, png bytes, caption), ...])   figures side by side
    ("pre", title, text)        preformatted text (model summaries), folded in the HTML

rendered once as HTML (every image a base64 PNG data URI, no external CSS or JS) and
once as Markdown (images in ``<out>/figures/``).
"""
import base64
import datetime
import html
import io
import json
import platform
import zipfile
from pathlib import Path

import numpy as np

import glassnet
from glassnet import diagnostics
from glassnet.datasets.fashion_mnist import CLASS_NAMES
from glassnet.diagnostics import Diagnostics
from glassnet.lecture import experiments as registry
from glassnet.lecture import runner, storage

DASH = "—"
LECTURE = "Advances in CNN - Part A (Santosh Chapaneri, RK University, June 2021)"

INTRO = {
    "mlp": (
        "The lecture's first model (In [9]): Flatten, Dense(300, ReLU), Dense(100, ReLU), "
        "Dense(10, softmax), 266,610 parameters, compiled with the "
        "sparse_categorical_crossentropy loss and plain SGD (optimizer=\"sgd\", learning "
        "rate 0.01), trained 30 epochs (In [16]) and tested on the 10,000 test images "
        "(In [18]). The curves are the lecture's In [17]: every key of history.history "
        "against the epoch, y axis from 0 to 1."
    ),
    "vanishing": (
        "\"The Gradient Descent update leaves the lower layers' connection weights virtually "
        "unchanged, and training never converges to a good solution. We call this the "
        "vanishing gradients problem.\" Here a deep network of {layers} hidden layers of "
        "{units} units, with sigmoid activations and \"small random numbers\" as weights "
        "(N(0, 0.05²), Keras' RandomNormal default), is trained with SGD: the sigmoid's "
        "derivative is at most 1/4 and the small weights shrink the gradient further, by "
        "roughly 0.25 × 0.05 × sqrt({units}) ≈ 1/8 at every layer on its way back to the "
        "input, so the lower layers barely move. The same network with ReLU and He "
        "initialization keeps the gradient's scale; with Batch Normalization before each "
        "sigmoid (it \"zero-centers and normalizes each input, then scales and shifts the "
        "result\") the same naive weights train again. A GradientMonitor records the L2 "
        "norm of each layer's weight gradient on sampled batches of every epoch; the plots "
        "show it per layer, input side on the left, on a log scale."
    ),
    "activations": (
        "The lecture's alternatives to the saturating sigmoid: ReLU; Leaky ReLU, "
        "LR(x) = max(alpha x, x), whose hyperparameter alpha \"defines how much the function "
        "leaks\" and \"is typically set to 0.01\"; ELU(x) = alpha (exp(x) - 1) for x < 0, else "
        "x; and SELU with LeCun normal initialization. The ReLU family is paired with He "
        "initialization, compared with Keras' default Glorot uniform. Every model is the "
        "lecture's MLP (300 and 100 hidden units) trained with SGD (learning rate 0.01) for "
        "{epochs} epochs from the same seed, so only the activation and the initializer "
        "differ. act-relu-glorot is exactly opt-sgd (same model, optimizer and seed): equal "
        "numbers show the run is reproducible."
    ),
    "optimizers": (
        "\"Imagine a bowling ball rolling down a gentle slope on a smooth surface: it will "
        "start out slowly, but it will quickly pick up momentum\". Each optimizer runs the "
        "lecture's MLP for {epochs} epochs from the same seed, with the hyperparameters of "
        "its lecture cell: SGD learning rate 0.01 (In [15]); momentum and Nesterov 0.9 with "
        "learning rate 0.001 (In [28], In [29]); AdaGrad 0.001 (In [30]); RMSProp 0.001, "
        "rho 0.9 (In [31]); Adam 0.001, beta_1 0.9, beta_2 0.999 (In [32]); gradient "
        "clipping (In [27]) on SGD 0.01 with clipnorm=1.0 or clipvalue=1.0. The learning "
        "rates are the lecture's, not one common value, so the comparison is of the recipes "
        "as taught: momentum 0.9 at 0.001 moves about as far per step as SGD at 0.01 "
        "(0.001 / (1 - 0.9)), and AdaGrad at 0.001 \"runs the risk of slowing down a bit "
        "too fast\". clipvalue=1.0 only bites when a single partial derivative exceeds 1, "
        "which is rare for this MLP: opt-sgd-clipvalue may then match opt-sgd exactly."
    ),
    "dropout": (
        "The lecture's last two models (In [42] and In [45]): ELU with He normal "
        "initialization and Adam, without regularization and with Batch Normalization and "
        "Dropout (rate 0.2) before each Dense layer, 20 epochs each. \"At every training "
        "step, every neuron ... has a probability p of being temporarily dropped out.\" In "
        "the lecture's run, without it the validation loss climbs from 0.31 (epoch 6) to "
        "0.39 (epoch 20) while the training loss keeps falling: the model overfits; with "
        "Batch Normalization and Dropout the validation loss keeps falling, to 0.27."
    ),
}


# --- entry point --------------------------------------------------------------------------
def write_report(out, stream=None):
    """Writes ``<out>/report.html``, ``<out>/report.md`` and ``<out>/figures/``.

    Returns the two report paths.
    """
    out = Path(out)
    results = storage.saved_results(out, stream)
    blocks = build_blocks(out, results)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    for block in blocks:
        if block[0] == "figures":
            for name, png, _ in block[1]:
                storage.write_atomic(out / "figures" / f"{name}.png", png)
    html_path, md_path = out / "report.html", out / "report.md"
    storage.write_atomic(html_path, render_html(blocks).encode("utf-8"))
    storage.write_atomic(md_path, render_markdown(blocks).encode("utf-8"))
    if stream is not None:
        runner.say(stream, f"Report: {html_path} and {md_path} ({len(results)} experiments)")
    return html_path, md_path


def build_blocks(out, results):
    """The report's blocks, section by section, from ``results`` ({name: result dict})."""
    blocks = [("h", 1, "glassnet reproduces the lecture: Fashion-MNIST"),
              ("p", _preamble(results))]
    if not results:
        return blocks + [("p", "No experiment has finished yet: run `glassnet lecture`.")]
    blocks += accuracy_section(results)
    for group, heading in registry.GROUPS.items():
        members = {name: r for name, r in results.items() if r["group"] == group}
        if members:
            blocks += group_section(out, group, heading, members)
    blocks += best_model_section(out, results)
    blocks += summaries_section(out, results)
    blocks += machine_section(results)
    return blocks


def _preamble(results):
    quick = [r for r in results.values() if r["options"]["quick"]]
    seeds = sorted({r["options"]["seed"] for r in results.values()})
    text = (
        f"The experiments of the lecture \"{LECTURE}\", run with glassnet "
        f"(import glassnet as keras) on NumPy. {len(results)} of {len(registry.NAMES)} "
        f"experiments have a result. Data as in the lecture (In [4]): the first 5,000 "
        f"training images validate, the other 55,000 train, pixels divided by 255.0, the "
        f"10,000 test images give the final numbers; batch size 32; seed "
        f"{', '.join(map(str, seeds)) or DASH}. Generated "
        f"{datetime.datetime.now().isoformat(timespec='seconds')}."
    )
    if quick:
        text += (
            f" {len(quick)} result(s) come from a --quick run (the first "
            f"{runner.QUICK_TRAIN_SIZE:,} training images, at most {runner.QUICK_EPOCHS} "
            "epochs): a smoke test, not comparable with the lecture's numbers."
        )
    return text


# --- sections -------------------------------------------------------------------------------
def accuracy_section(results):
    header = ["Experiment", "What", "Epochs", "Test accuracy", "Test loss",
              "Lecture accuracy", "Difference", "Lecture loss", "s/epoch", "Total"]
    rows = []
    for name, result in results.items():
        test, lecture, timing = result["test"], result.get("lecture"), result["timing"]
        epochs = len(timing["seconds_per_epoch"])
        quick = " (quick)" if result["options"]["quick"] else ""
        rows.append([
            name, result["title"], f"{epochs}{quick}",
            f"{test['accuracy']:.4f}", f"{test['loss']:.4f}",
            f"{lecture['accuracy']:.4f} ({lecture['cell']})" if lecture else DASH,
            f"{100 * (test['accuracy'] - lecture['accuracy']):+.2f} pp" if lecture else DASH,
            f"{lecture['loss']:.4f}" if lecture else DASH,
            _seconds(timing["mean_seconds_per_epoch"]), _seconds(timing["total_seconds"]),
        ])
    note = (
        "Test accuracy and loss of every finished experiment on the 10,000 test images, "
        "next to the lecture's published figure where the lecture gives one (In [18], "
        "In [43], In [46]) and the difference in percentage points; the lecture trains "
        "with TensorFlow, whose random initial weights differ from ours, so a few tenths "
        "of a point either way is the usual run-to-run spread. Seconds per epoch include "
        "the validation pass."
    )
    return [("h", 2, "Test accuracy against the lecture"), ("p", note),
            ("table", header, rows)]


def group_section(out, group, heading, members):
    text = INTRO[group].format(epochs=registry.COMPARISON_EPOCHS, layers=registry.DEEP_LAYERS,
                               units=registry.DEEP_UNITS)
    blocks = [("h", 2, heading), ("p", text)]
    histories = {name: r["history"] for name, r in members.items()}
    if group == "vanishing":
        blocks += gradient_blocks(out, members)
    if len(members) > 1:
        figures = []
        for key in ("val_accuracy", "loss"):
            fig = diagnostics.plot_comparison(histories, key, title=f"{key} per epoch: {group}")
            figures.append((f"{group}-{key}", png_of(fig), f"{key}: {heading.lower()}"))
        blocks += [("h", 3, "Compared"), ("p", ranking(members)), ("figures", figures)]
    curves = []
    for name, history in histories.items():
        fig = diagnostics.plot_history(history, title=name)
        curves.append((f"curves-{name}", png_of(fig), f"Learning curves of {name}"))
    return blocks + [("h", 3, "Learning curves"), ("figures", curves)]


def ranking(members):
    """One sentence: the experiments of a comparison from best to worst test accuracy."""
    ordered = sorted(members, key=lambda n: members[n]["test"]["accuracy"], reverse=True)
    listed = ", ".join(f"{n} {members[n]['test']['accuracy']:.4f}" for n in ordered)
    return f"In this run, test accuracy from best to worst: {listed}."


def gradient_blocks(out, members):
    """The vanishing-gradient pictures and a table of first vs output layer gradients."""
    records = {name: load_diagnostics(out / name) for name in members}
    records = {name: d for name, d in records.items() if d is not None and d.layers}
    if not records:
        return [("p", "No gradient diagnostics were saved for these experiments.")]
    overlay = None
    by_layer, per_epoch, rows = [], [], []
    for name, record in records.items():
        dense = dense_only(record)
        ax = overlay.axes[0] if overlay is not None else None
        overlay = diagnostics.plot_gradient_norms_by_layer(
            dense, epochs=[-1], ax=ax, label=name,
            title="Gradient norm of each Dense layer, last epoch")
        fig = diagnostics.plot_gradient_norms_by_layer(record, title=name)
        by_layer.append((f"gradients-by-layer-{name}", png_of(fig),
                         f"{name}: gradient norm per layer (input on the left)"))
        fig = diagnostics.plot_gradient_norms(record, title=name)
        per_epoch.append((f"gradients-per-epoch-{name}", png_of(fig),
                          f"{name}: gradient norm of each layer per epoch"))
        rows.append(gradient_row(name, dense))
    header = ["Experiment", "‖g‖ first layer", "‖g‖ output layer", "Ratio",
              "Update/weight first layer", "Update/weight output layer"]
    note = ("Last epoch, Dense layers: the gradient norm of the first hidden layer's "
            "weights (next to the input) and of the output layer's, their ratio (far below "
            "1: the gradient vanishes on its way down), and the size of one SGD step "
            "relative to the weights, ||w' - w|| / ||w|| (tiny: \"the lower layers' "
            "connection weights virtually unchanged\").")
    figures = [("gradients-by-layer", png_of(overlay),
                "Gradient norm of each Dense layer (1 = next to the input), last epoch")]
    return [("h", 3, "Gradient norm per layer"), ("figures", figures), ("p", note),
            ("table", header, rows), ("figures", by_layer),
            ("h", 3, "Gradient norms during training"), ("figures", per_epoch)]


def dense_only(record):
    """``record`` restricted to the Dense layers (the BatchNormalization ones left out)."""
    d = record.to_dict()
    d["layers"] = [name for name in record.layers if name.startswith("dense")]
    return Diagnostics.from_dict(d)


def gradient_row(name, dense):
    first, last = dense.layers[0], dense.layers[-1]
    g_first, g_last = dense.grad_norm[first][-1], dense.grad_norm[last][-1]
    return [name, f"{g_first:.3g}", f"{g_last:.3g}", f"{g_first / g_last:.3g}",
            f"{dense.update_ratio[first][-1]:.3g}", f"{dense.update_ratio[last][-1]:.3g}"]


def best_model_section(out, results):
    name = max(results, key=lambda n: results[n]["test"]["accuracy"])
    try:
        with np.load(out / name / "predictions.npz") as saved:
            y_true, y_pred, images = saved["y_true"], saved["y_pred"], saved["images"]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return []  # saved_results checked the file: only a damage since then gets here
    n_rows, n_cols = 4, 10
    shown = min(len(images), n_rows * n_cols)
    grid = diagnostics.plot_image_grid(images[:shown] / 255.0, y_true[:shown], CLASS_NAMES,
                                       predicted_labels=y_pred[:shown], n_rows=shown // n_cols,
                                       n_cols=n_cols)
    matrix = diagnostics.plot_confusion_matrix(y_true, y_pred, CLASS_NAMES,
                                               title=f"Confusion matrix of {name}")
    accuracy = results[name]["test"]["accuracy"]
    text = (
        f"The best model of this run is {name} ({results[name]['title']}), test accuracy "
        f"{accuracy:.4f}. Like the lecture's In [19]-[23] it predicts the first test "
        f"images: each title reads predicted / true class (red when wrong). The "
        f"confusion matrix counts, for each true class (row), the predicted classes "
        f"(columns) over all {len(y_true):,} test images."
    )
    return [("h", 2, "Predictions of the best model"), ("p", text),
            ("figures", [("best-predictions", png_of(grid),
                          f"Predictions of {name} on the first test images")]),
            ("figures", [("best-confusion-matrix", png_of(matrix),
                          f"Confusion matrix of {name}")])]


def summaries_section(out, results):
    blocks = [("h", 2, "Model summaries"),
              ("p", "model.summary() of each experiment (In [11], In [25]).")]
    for name in results:
        try:
            text = (out / name / "summary.txt").read_text(encoding="utf-8")
        except OSError:
            continue
        blocks.append(("pre", name, text))
    return blocks


def machine_section(results):
    environments = [r.get("environment", {}) for r in results.values()]
    made_with = environments[-1]
    total = sum(r["timing"]["total_seconds"] for r in results.values())
    rows = [
        ["Training time, all experiments", _seconds(total)],
        ["CPUs", str(made_with.get("cpu_count", DASH))],
        ["Platform", made_with.get("platform", platform.platform())],
        ["Python", made_with.get("python", platform.python_version())],
        ["NumPy", made_with.get("numpy", np.__version__)],
        ["glassnet", made_with.get("glassnet", glassnet.__version__)],
        ["matplotlib (report)", _matplotlib_version()],
    ]
    note = ("Where the results were computed (the last experiment's record; each "
            "result.json keeps its own). Per-epoch and total times are in the first table.")
    return [("h", 2, "Time, machine and versions"), ("p", note),
            ("table", ["", ""], rows)]


# --- helpers ------------------------------------------------------------------------------
def load_diagnostics(folder):
    try:
        with open(Path(folder) / "diagnostics.json", encoding="utf-8") as file:
            return Diagnostics.from_dict(json.load(file))
    except (OSError, ValueError):
        return None


def png_of(figure):
    """The PNG bytes of a matplotlib figure (the diagnostics draw without pyplot)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return buffer.getvalue()


def _seconds(value):
    if value is None:
        return DASH
    if value < 120:
        return f"{value:.1f} s"
    return f"{value / 60:.1f} min"


def _matplotlib_version():
    import matplotlib

    return matplotlib.__version__


# --- rendering ------------------------------------------------------------------------------
STYLE = """
body { font-family: sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }
th { background: #f0f0f0; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; flex: 1 1 480px; max-width: 720px; }
figure:only-child { max-width: 100%; }
figcaption { font-size: 0.85em; color: #555; }
img { max-width: 100%; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.8em; }
"""


def render_html(blocks):
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             "<title>glassnet: the lecture's experiments</title>",
             f"<style>{STYLE}</style>", "</head>", "<body>"]
    for block in blocks:
        parts.append(_html_block(block))
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _html_block(block):
    kind, esc = block[0], html.escape
    if kind == "h":
        return f"<h{block[1]}>{esc(block[2])}</h{block[1]}>"
    if kind == "p":
        return f"<p>{esc(block[1])}</p>"
    if kind == "table":
        head = "".join(f"<th>{esc(cell)}</th>" for cell in block[1])
        body = "\n".join(
            "<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>"
            for row in block[2]
        )
        return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"
    if kind == "figures":
        items = []
        for _, png, caption in block[1]:
            data = base64.b64encode(png).decode("ascii")
            items.append(f'<figure><img src="data:image/png;base64,{data}" '
                         f'alt="{esc(caption)}"><figcaption>{esc(caption)}</figcaption></figure>')
        return '<div class="figures">\n' + "\n".join(items) + "\n</div>"
    if kind == "pre":
        return (f"<details><summary>{esc(block[1])}</summary>"
                f"<pre>{esc(block[2])}</pre></details>")
    raise ValueError(f"render_html: unknown block kind. Received: kind={kind!r}")


def render_markdown(blocks):
    parts = []
    for block in blocks:
        parts.append(_markdown_block(block))
    return "\n\n".join(parts) + "\n"


def _markdown_block(block):
    kind = block[0]
    if kind == "h":
        return "#" * block[1] + " " + block[2]
    if kind == "p":
        return block[1]
    if kind == "table":
        lines = [_md_row(block[1]), _md_row(["---"] * len(block[1]))]
        lines += [_md_row(row) for row in block[2]]
        return "\n".join(lines)
    if kind == "figures":
        return "\n".join(f"![{_md_text(caption)}](figures/{name}.png)"
                         for name, _, caption in block[1])
    if kind == "pre":
        return f"**{block[1]}**\n\n```\n{block[2].rstrip()}\n```"
    raise ValueError(f"render_markdown: unknown block kind. Received: kind={kind!r}")


def _md_text(text):
    """``text`` safe inside a Markdown image's [alt text]."""
    return text.replace("[", "(").replace("]", ")")


def _md_row(cells):
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"
