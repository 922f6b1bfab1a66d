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
    "cnn": (
        "The course's next step after the MLPs: a convolutional network. A Conv2D layer "
        "slides small filters over the image, z[i, j, k'] = b[k'] + sum_u sum_v sum_k "
        "x[i + u, j + v, k] w[u, v, k, k'], so each filter looks for one local pattern "
        "everywhere in the image with a handful of weights (3 × 3 here). The chapter's CNN "
        "has {cnn_blocks} blocks Conv2D(3 × 3, \"same\") → BatchNormalization → ReLU with "
        "{cnn_filters} filters and a 2 × 2 max pooling between blocks (28 × 28 → 14 × 14 → "
        "7 × 7 → 3 × 3 pixels), then global average pooling (one number per filter of the "
        "last block), Dropout({cnn_dropout}) and Dense(10, softmax): {cnn_params} "
        "parameters (the lecture's MLP has 266,610). It trains on the same images, given as "
        "28 × 28 × 1, with Adam in batches of {cnn_batch} for {cnn_epochs} epochs; the "
        "learning rate falls from 0.001 to 0 along a half cosine over the run "
        "(keras.optimizers.schedules.CosineDecay), and BatchNormalization's moving "
        "statistics use momentum {cnn_momentum} (with Keras' default 0.99 they lagged "
        "behind the weights Adam moves fast, and the validation accuracy jumped by points "
        "from epoch to epoch). "
        "cnn-no-bn is the same network without BatchNormalization (the convolutions get "
        "their bias and ReLU back); cnn-augmented puts RandomFlip(\"horizontal\"), "
        "RandomTranslation(0.1, 0.1) and RandomZoom(0.1) layers in front, which change "
        "every training batch a little and pass the images through untouched at test "
        "time. The pictures below look inside the trained networks; every one is computed "
        "in inference mode (training=False)."
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
            blocks += group_section(out, group, heading, members, results)
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
        f"10,000 test images give the final numbers; batch size 32 (the CNNs: "
        f"{registry.CNN_BATCH_SIZE}); seed "
        f"{', '.join(map(str, seeds)) or DASH}. Generated "
        f"{datetime.datetime.now().isoformat(timespec='seconds')}."
    )
    if quick:
        text += (
            f" {len(quick)} result(s) come from a --quick run (the first "
            f"{runner.QUICK_TRAIN_SIZE:,} training images, at most {runner.QUICK_EPOCHS} "
            "epochs; the CNNs: "
            f"{runner.sizes_text(registry.CNN_QUICK_SIZES)}): a smoke test, not comparable "
            "with the lecture's numbers."
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


def group_section(out, group, heading, members, results):
    text = INTRO[group].format(epochs=registry.COMPARISON_EPOCHS, layers=registry.DEEP_LAYERS,
                               units=registry.DEEP_UNITS, **_cnn_numbers(members))
    blocks = [("h", 2, heading), ("p", text)]
    histories = {name: r["history"] for name, r in members.items()}
    if group == "vanishing":
        blocks += gradient_blocks(out, members)
    if group == "cnn":
        blocks += cnn_blocks(out, members, results)
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
    return layers_only(record, ("dense",))


def layers_only(record, prefixes):
    """``record`` restricted to the layers whose names start with one of ``prefixes``."""
    d = record.to_dict()
    d["layers"] = [name for name in record.layers if name.startswith(prefixes)]
    return Diagnostics.from_dict(d)


def gradient_row(name, dense):
    first, last = dense.layers[0], dense.layers[-1]
    g_first, g_last = dense.grad_norm[first][-1], dense.grad_norm[last][-1]
    return [name, f"{g_first:.3g}", f"{g_last:.3g}", f"{g_first / g_last:.3g}",
            f"{dense.update_ratio[first][-1]:.3g}", f"{dense.update_ratio[last][-1]:.3g}"]


# --- the CNN chapter ------------------------------------------------------------------------
def _cnn_numbers(members):
    """The CNN's hyperparameters for its introduction (from the registry and a result)."""
    params = next((r["params"] for name, r in members.items() if name == "cnn-bn"), None)
    return {"cnn_blocks": len(registry.CNN_FILTERS),
            "cnn_filters": ", ".join(map(str, registry.CNN_FILTERS)),
            "cnn_dropout": registry.CNN_DROPOUT, "cnn_batch": registry.CNN_BATCH_SIZE,
            "cnn_momentum": registry.CNN_BN_MOMENTUM,
            "cnn_epochs": registry.CNN_EPOCHS,
            "cnn_params": f"{params:,}" if params is not None else DASH}


def cnn_blocks(out, members, results):
    """The CNN chapter: against the MLPs, filters, feature maps, saliency, gradients,
    confusion matrix."""
    return (cnn_versus_mlps(members, results) + filter_blocks(out, members)
            + feature_map_blocks(out, members) + saliency_blocks(out, members)
            + cnn_gradient_blocks(out, members) + cnn_confusion_blocks(out, members))


def training_seconds(result):
    """Seconds of fit (building the model included), for results of any version."""
    timing = result["timing"]
    return timing.get("fit_seconds", timing["total_seconds"])


def goal_sentence(name, result):
    goal, test = result["goal"], result["test"]
    seconds, epochs = training_seconds(result), len(result["timing"]["seconds_per_epoch"])
    met = test["accuracy"] >= goal["accuracy"] and seconds <= goal["seconds"]
    text = (f"{name} reaches a test accuracy of {test['accuracy']:.4f} after {epochs} epochs "
            f"and {_seconds(seconds)} of training "
            f"({_seconds(result['timing']['mean_seconds_per_epoch'])} per epoch, validation "
            f"included). The goal, >= {goal['accuracy']:.2f} within "
            f"{goal['seconds'] / 60:.0f} minutes on this machine, is "
            f"{'met' if met else 'not met'}.")
    if result["options"]["quick"]:
        text += " (A --quick result: trained on a small subset, not comparable with the goal.)"
    return text


def cnn_versus_mlps(members, results):
    mlps = {name: r for name, r in results.items() if r["group"] != "cnn"}
    shown = [name for name, r in mlps.items() if r.get("lecture")]
    if mlps:
        best = max(mlps, key=lambda n: mlps[n]["test"]["accuracy"])
        shown += [best] if best not in shown else []
    rows = [[name, r["group"], f"{r['params']:,}", str(len(r["timing"]["seconds_per_epoch"])),
             f"{r['test']['accuracy']:.4f}", _seconds(r["timing"]["mean_seconds_per_epoch"]),
             _seconds(training_seconds(r))]
            for name, r in [*members.items(), *((n, mlps[n]) for n in shown)]]
    header = ["Experiment", "Group", "Parameters", "Epochs", "Test accuracy", "s/epoch",
              "Training time"]
    note = ("The CNNs next to the lecture's MLPs (those with a published number) and the "
            "best MLP of this run: parameters, test accuracy and the time fit took on this "
            "machine (seconds per epoch include the validation pass).")
    points = {name: (training_seconds(r), r["test"]["accuracy"])
              for name, r in [*members.items(), *((n, mlps[n]) for n in shown)]}
    groups = {name: ("CNN" if name in members else "MLP") for name in points}
    figure = diagnostics.plot_accuracy_vs_time(points, groups=groups)
    blocks = [("h", 3, "Accuracy and training time against the MLPs")]
    blocks += [("p", goal_sentence(name, r)) for name, r in members.items() if r.get("goal")]
    blocks += [("p", overfitting_sentence(members))]
    return blocks + [("p", note), ("table", header, rows),
                     ("figures", [("cnn-accuracy-vs-time", png_of(figure),
                                   "Test accuracy against training time, CNNs and MLPs")])]


def overfitting_sentence(members):
    """How far training accuracy ran ahead of validation accuracy in the last epoch."""
    gaps = {name: 100 * (r["history"]["accuracy"][-1] - r["history"]["val_accuracy"][-1])
            for name, r in members.items()
            if r["history"].get("accuracy") and r["history"].get("val_accuracy")}
    listed = ", ".join(f"{name} {gap:+.1f} pp" for name, gap in gaps.items())
    return ("Training accuracy minus validation accuracy in the last epoch, the measure of "
            f"overfitting that augmentation and dropout work against: {listed}. (Training "
            "accuracy is the mean over the epoch's batches, with dropout and augmentation "
            "on; validation runs in inference mode.)")


def filter_blocks(out, members):
    figures = []
    for name, result in members.items():
        kernel = first_kernel(out / name, result)
        if kernel is not None:
            figure = diagnostics.plot_filters(kernel, title=f"{name}: first layer's filters")
            figures.append((f"cnn-filters-{name}", png_of(figure),
                            f"The first convolution's {kernel.shape[-1]} learned filters "
                            f"of {name}"))
    text = ("The first Conv2D layer's learned 3 × 3 filters w[:, :, 0, k'], one tile per "
            "filter, red for positive weights and blue for negative ones on one common "
            "scale: edge and contrast detectors (a row of red above a row of blue responds "
            "to a horizontal edge). With BatchNormalization after it, a filter's overall "
            "scale does not matter, only its pattern.")
    return [("h", 3, "The first layer's filters"), ("p", text), ("figures", figures)]


def first_kernel(folder, result):
    """The first 4-D kernel among the saved weights (the first Conv2D's), or None."""
    try:
        saved = storage.read_npz(folder / "weights.npz")  # w000, w001, ...: in model order
        arrays = [saved[key] for key in sorted(saved)]
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    for name, array in zip(result["weight_names"], arrays):
        if name.endswith("kernel") and array.ndim == 4:
            return array
    return None


def feature_map_blocks(out, members):
    figures = []
    for name in members:
        saved = _read(out / name / "feature_maps.npz")
        if saved is None:
            continue
        names = [str(layer) for layer in saved["layers"]]
        maps = {f"block {i + 1}: {layer}": saved[f"map_{i:02d}"] for i, layer in enumerate(names)}
        label, predicted = CLASS_NAMES[int(saved["label"])], CLASS_NAMES[int(saved["predicted"])]
        figure = diagnostics.plot_feature_maps(
            saved["image"], maps, title=f"{name}: test image of a {label}, predicted {predicted}")
        figures.append((f"cnn-feature-maps-{name}", png_of(figure),
                        f"Feature maps of the first test image after each block of {name}"))
    text = ("The first test image and what each convolution block makes of it (after its "
            "ReLU): for each block the 8 channels with the largest mean activation, each "
            "on its own scale, dark = strong. The first block still shows the garment's "
            "edges and surfaces; after each pooling the maps are smaller and more abstract "
            "— which parts of the image a filter responds to, not what it looks like.")
    return [("h", 3, "Feature maps of one test image"), ("p", text), ("figures", figures)]


def saliency_blocks(out, members):
    figures = []
    for name in members:
        saved = _read(out / name / "saliency.npz")
        if saved is None:
            continue
        titles = [CLASS_NAMES[p] if p == t else f"{CLASS_NAMES[p]}\n(true: {CLASS_NAMES[t]})"
                  for p, t in zip(saved["predicted"], saved["labels"])]
        figure = diagnostics.plot_saliency(saved["images"], saved["maps"], titles=titles,
                                           title=f"{name}: saliency of the predicted class")
        figures.append((f"cnn-saliency-{name}", png_of(figure),
                        f"Saliency maps of {name}, one test image per class"))
    text = ("Gradient saliency (Simonyan et al. 2013), computed with glassnet's own "
            "autodiff by glassnet.diagnostics.saliency: for the first test image of each "
            "class, |dS_c / dx|, the size of the derivative of the predicted class's score "
            "S_c (its logit, before the softmax) with respect to each pixel. Bright pixels "
            "are those whose change would move the score most: where the network looks. "
            "Each title is the predicted class (and the true one when they differ).")
    return [("h", 3, "Saliency maps"), ("p", text), ("figures", figures)]


def cnn_gradient_blocks(out, members):
    records = {name: load_diagnostics(out / name) for name in members}
    records = {name: layers_only(d, ("conv2d", "dense")) for name, d in records.items()
               if d is not None and d.layers}
    if not records:
        return []
    overlay, per_epoch = None, []
    for name, record in records.items():
        ax = overlay.axes[0] if overlay is not None else None
        overlay = diagnostics.plot_gradient_norms_by_layer(
            record, epochs=[-1], ax=ax, label=name,
            title="Gradient norm of each Conv2D / Dense layer, last epoch")
        figure = diagnostics.plot_gradient_norms(record, title=name)
        per_epoch.append((f"cnn-gradients-{name}", png_of(figure),
                          f"{name}: gradient norm of each Conv2D / Dense layer per epoch"))
    text = ("A GradientMonitor records the L2 norm of each layer's weight gradient on 20 "
            "sampled batches of every epoch, as for the vanishing-gradient networks; here "
            "for the convolution kernels (k_h × k_w × C × F arrays) and the output layer, "
            "input side first.")
    figures = [("cnn-gradients-by-layer", png_of(overlay),
                "Gradient norm of each Conv2D / Dense layer (1 = next to the input), "
                "last epoch")]
    return [("h", 3, "Gradient norms during training"), ("p", text), ("figures", figures),
            ("figures", per_epoch)]


def cnn_confusion_blocks(out, members):
    name = max(members, key=lambda n: members[n]["test"]["accuracy"])
    saved = _read(out / name / "predictions.npz")
    if saved is None:
        return []
    matrix = diagnostics.plot_confusion_matrix(saved["y_true"], saved["y_pred"], CLASS_NAMES,
                                               title=f"Confusion matrix of {name}")
    y_true, y_pred = saved["y_true"], saved["y_pred"]
    text = (f"The best CNN of this run, {name}: for each true class (row) the predicted "
            f"classes (columns) over the {len(y_true):,} test images. "
            + most_confused(y_true, y_pred))
    return [("h", 3, "Confusion matrix"), ("p", text),
            ("figures", [(f"cnn-confusion-matrix-{name}", png_of(matrix),
                          f"Confusion matrix of the CNN {name}")])]


def most_confused(y_true, y_pred):
    """One sentence: the true class most often taken for another one, and which."""
    wrong = y_true != y_pred
    if not wrong.any():
        return "It makes no mistake."
    pairs, counts = np.unique(np.stack([y_true[wrong], y_pred[wrong]]), axis=1,
                              return_counts=True)
    true, predicted = pairs[:, np.argmax(counts)]
    return (f"Its most frequent mistake: {CLASS_NAMES[true]} taken for "
            f"{CLASS_NAMES[predicted]} ({counts.max()} times).")


def _read(path):
    """The arrays of a saved .npz file, or None if it was damaged since it was checked."""
    try:
        return storage.read_npz(path)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None


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
