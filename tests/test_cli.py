"""`glassnet lecture`: the quick end-to-end run, its report, reuse, and bad input.

One `--quick` run of every experiment (module fixture) feeds most tests; the CLI is
called in-process through ``glassnet.cli.main(argv)``, plus real subprocesses for
``python -m glassnet --help``, a closed pipe and a run that holds the output folder.
"""
import base64
import html.parser
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import textwrap
import time
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import pytest

from glassnet import cli
from glassnet.datasets import fashion_mnist, sources
from glassnet.lecture import experiments as registry
from glassnet.lecture import report, runner, storage

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_cli(*argv):
    """(exit code, stdout, stderr) of ``glassnet <argv>`` run in-process."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main([str(arg) for arg in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """One `glassnet lecture --quick` run of every experiment."""
    out = tmp_path_factory.mktemp("runs") / "lecture"
    started = time.perf_counter()
    code, stdout, stderr = run_cli("lecture", "--quick", "--out", out)
    seconds = time.perf_counter() - started
    return {"out": out, "code": code, "stdout": stdout, "stderr": stderr, "seconds": seconds}


def copy_of_run(quick, tmp_path, names):
    """A private copy of the quick run with only the experiments ``names`` (small reports)."""
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in names:
        shutil.copytree(quick["out"] / name, copy / name)
    return copy


class _Page(html.parser.HTMLParser):
    """Collects <img> sources, external references and the table cells of an HTML page."""

    def __init__(self):
        super().__init__()
        self.images, self.alts, self.external, self.tables = [], [], [], []
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs.get("src", ""))
            self.alts.append(attrs.get("alt", ""))
        if tag in ("script", "link", "iframe") or (tag == "a" and "href" in attrs):
            self.external.append(tag)
        if tag == "table":
            self.tables.append([])
        if tag == "tr":
            self.tables[-1].append([])
        if tag in ("td", "th"):
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append(self._cell)
            self._cell = None


def parse_page(path):
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def results_of(out):
    return {name: json.loads((out / name / "result.json").read_text())
            for name in registry.NAMES if (out / name / "result.json").exists()}


# --- the quick run ------------------------------------------------------------------------
def test_quick_run_succeeds_and_writes_every_file(quick):
    assert quick["code"] == 0, quick["stderr"]
    out = quick["out"]
    assert (out / "report.html").is_file() and (out / "report.md").is_file()
    for experiment in registry.EXPERIMENTS:
        folder = out / experiment.name
        for name in ("result.json", "summary.txt", "weights.npz", "predictions.npz"):
            assert (folder / name).is_file(), f"{experiment.name}/{name}"
        assert (folder / "diagnostics.json").is_file() == experiment.monitor
        for name in ("feature_maps.npz", "saliency.npz"):
            assert (folder / name).is_file() == experiment.inspect, f"{experiment.name}/{name}"
    assert not list(out.glob(".*partial*")), "a staging folder was left behind"
    print(f"quick run: {quick['seconds']:.1f} s")


def test_quick_run_files_and_folders_get_ordinary_modes(quick):
    """As open() and mkdir would make them under the umask, not tempfile's 0o600/0o700."""
    umask = storage.current_umask()  # the fixture ran in this process, under this umask
    out = quick["out"]
    for path in [out / "report.html", out / "report.md", *out.glob("*/*")]:
        expected = 0o777 if path.is_dir() else 0o666
        assert mode_of(path) == expected & ~umask, path
    for experiment in registry.EXPERIMENTS:
        assert mode_of(out / experiment.name) == 0o777 & ~umask, experiment.name


@pytest.mark.parametrize("umask", [0o022, 0o027], ids=lambda mask: f"umask-{mask:03o}")
def test_report_files_and_figures_get_ordinary_modes(quick, tmp_path, umask):
    copy = copy_of_run(quick, tmp_path, ["opt-sgd", "opt-adam"])
    previous = os.umask(umask)
    try:
        code, _, stderr = run_cli("lecture", "--out", copy, "--report-only")
    finally:
        os.umask(previous)
    assert code == 0, stderr
    figures = list((copy / "figures").iterdir())
    assert figures, "no figure was written"
    for path in [copy / "report.html", copy / "report.md", *figures]:
        assert mode_of(path) == 0o666 & ~umask, path.name
    assert mode_of(copy / "figures") == 0o777 & ~umask


def test_progress_names_each_experiment_of_how_many(quick):
    n = len(registry.EXPERIMENTS)
    for index, experiment in enumerate(registry.EXPERIMENTS, start=1):
        line = f"Experiment {index}/{n}: {experiment.name} — {experiment.title} (2 epochs)"
        assert line in quick["stdout"]
    assert quick["stdout"].count("Epoch 2/2") == n  # the fit progress of each experiment


def test_every_html_image_is_an_embedded_png(quick):
    page = parse_page(quick["out"] / "report.html")
    for name in registry.NAMES:
        assert f"Learning curves of {name}" in page.alts
    for group in ("optimizers", "activations", "vanishing", "cnn"):  # overlaid comparisons
        assert sum(alt.endswith(registry.GROUPS[group].lower()) for alt in page.alts) == 2
    assert any(alt.startswith("Confusion matrix of") for alt in page.alts)
    assert any(alt.startswith("Predictions of") for alt in page.alts)
    for source in page.images:
        assert source.startswith("data:image/png;base64,"), source[:60]
        data = base64.b64decode(source.split(",", 1)[1], validate=True)
        assert data.startswith(PNG_SIGNATURE)
    assert page.external == []  # nothing to fetch: opens offline


def test_markdown_images_are_png_files_next_to_it(quick):
    out = quick["out"]
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (out / "report.md").read_text())
    assert len(links) == len(parse_page(out / "report.html").images)
    for link in links:
        assert link.startswith("figures/")
        assert (out / link).read_bytes().startswith(PNG_SIGNATURE)


def test_accuracy_table_has_one_row_per_experiment(quick):
    results = results_of(quick["out"])
    header, *rows = parse_page(quick["out"] / "report.html").tables[0]
    assert header[:5] == ["Experiment", "What", "Epochs", "Test accuracy", "Test loss"]
    assert [row[0] for row in rows] == registry.NAMES
    for row in rows:
        test = results[row[0]]["test"]
        assert row[3] == f"{test['accuracy']:.4f}" and row[4] == f"{test['loss']:.4f}"
    markdown = (quick["out"] / "report.md").read_text()
    markdown = markdown.split("## Test accuracy")[1].split("\n## ")[0]  # the first section
    for name in registry.NAMES:
        assert len(re.findall(rf"^\| {re.escape(name)} \|", markdown, re.MULTILINE)) == 1


@pytest.mark.parametrize("experiment", [e for e in registry.EXPERIMENTS if e.lecture],
                         ids=lambda e: e.name)
def test_table_puts_the_lecture_number_and_the_difference(quick, experiment):
    result = results_of(quick["out"])[experiment.name]
    rows = {row[0]: row for row in parse_page(quick["out"] / "report.html").tables[0][1:]}
    row = rows[experiment.name]
    difference = 100 * (result["test"]["accuracy"] - experiment.lecture["accuracy"])
    assert row[5].startswith(f"{experiment.lecture['accuracy']:.4f}")
    assert row[6] == f"{difference:+.2f} pp"


def test_experiments_without_a_lecture_number_show_a_dash(quick):
    rows = parse_page(quick["out"] / "report.html").tables[0][1:]
    no_number = [row for row in rows if not registry.get(row[0]).lecture]
    assert no_number and all(row[5] == row[6] == "—" for row in no_number)


def test_result_json_records_history_test_timing_and_options(quick):
    for name, result in results_of(quick["out"]).items():
        experiment = registry.get(name)
        if experiment.group == "cnn":
            assert result["options"] == {"quick": True, "seed": 42, "epochs": 2,
                                         "train_size": 1000, "batch_size": 64,
                                         "valid_size": 500, "test_size": 1000}
        else:
            assert result["options"] == {"quick": True, "seed": 42, "epochs": 2,
                                         "train_size": runner.QUICK_TRAIN_SIZE,
                                         "batch_size": 32}
        assert result["goal"] == experiment.goal
        assert list(result["history"]) == ["loss", "accuracy", "val_loss", "val_accuracy"]
        assert all(len(values) == 2 for values in result["history"].values())
        assert 0.0 <= result["test"]["accuracy"] <= 1.0
        assert len(result["timing"]["seconds_per_epoch"]) == 2
        assert result["timing"]["total_seconds"] >= sum(result["timing"]["seconds_per_epoch"])
        assert result["lecture"] == experiment.lecture
        assert result["config"] == json.loads(json.dumps(experiment.config()))
        assert {"cpu_count", "platform", "python", "numpy", "glassnet"} <= set(
            result["environment"])


def test_weights_and_predictions_are_saved(quick):
    out = quick["out"]
    for name, result in results_of(out).items():
        with np.load(out / name / "weights.npz") as weights:
            arrays = [weights[key] for key in sorted(weights.files)]
        trainable_and_not = sum(a.size for a in arrays)
        assert trainable_and_not == result["params"]
        assert len(arrays) == len(result["weight_names"])
        with np.load(out / name / "predictions.npz") as saved:
            accuracy = np.mean(saved["y_true"] == saved["y_pred"])
        assert accuracy == pytest.approx(result["test"]["accuracy"], abs=1e-4)


def test_summary_text_is_the_model_summary(quick):
    text = (quick["out"] / "mlp-sgd" / "summary.txt").read_text()
    assert "266,610" in text  # In [11]: Total params
    assert "Total params" in (quick["out"] / "adam-elu-he-bn-dropout" / "summary.txt").read_text()


def test_same_model_and_seed_give_the_same_run(quick):
    """act-relu-glorot and opt-sgd are one model, one optimizer, one seed."""
    results = results_of(quick["out"])
    assert results["act-relu-glorot"]["history"] == results["opt-sgd"]["history"]
    assert results["act-relu-glorot"]["test"] == results["opt-sgd"]["test"]


def test_vanishing_gradients_are_measured_and_shown(quick):
    """The naive sigmoid network's first layer gets a far smaller gradient than its output
    layer; ReLU + He does not vanish like that."""
    def ratio(name):
        record = json.loads((quick["out"] / name / "diagnostics.json").read_text())
        dense = [layer for layer in record["layers"] if layer.startswith("dense")]
        norms = record["grad_norm"]
        return norms[dense[0]][-1] / norms[dense[-1]][-1]

    assert ratio("vanish-sigmoid-naive") < 1e-3
    assert ratio("vanish-relu-he") > 1e-1
    assert "Gradient norm per layer" in (quick["out"] / "report.html").read_text()


# --- the CNN chapter --------------------------------------------------------------------------
def test_cnn_results_record_the_goal_and_the_quick_subsets(quick):
    results = results_of(quick["out"])
    for name in CNN_NAMES:
        assert results[name]["config"]["layers"][0] == {"class_name": "Input",
                                                        "config": {"shape": [28, 28, 1]}}
        assert len(results[name]["timing"]["seconds_per_epoch"]) == 2
        with np.load(quick["out"] / name / "predictions.npz") as saved:
            assert saved["y_pred"].shape == (1000,)  # --quick: the first 1,000 test images
    assert results["cnn-bn"]["goal"] == {"accuracy": 0.91, "seconds": 600}
    assert results["cnn-no-bn"]["goal"] is None


@pytest.mark.parametrize("name, blocks", [
    ("cnn-bn", ["activation", "activation_1", "activation_2", "activation_3"]),  # Conv-BN-ReLU
    ("cnn-no-bn", ["conv2d", "conv2d_1", "conv2d_2", "conv2d_3"]),  # Conv(ReLU)
])
def test_cnn_folders_hold_what_the_report_draws(quick, name, blocks):
    folder = quick["out"] / name
    maps = storage.read_npz(folder / "feature_maps.npz")
    assert maps["layers"].tolist() == blocks
    assert [maps[f"map_{i:02d}"].shape for i in range(4)] == [
        (28, 28, 32), (14, 14, 64), (7, 7, 128), (3, 3, 256)]
    assert maps["image"].shape == (28, 28, 1) and 0 <= int(maps["label"]) < 10
    saliency = storage.read_npz(folder / "saliency.npz")
    assert saliency["labels"].tolist() == list(range(10))  # one test image per class
    assert saliency["maps"].shape == saliency["images"].shape == (10, 28, 28, 1)
    assert saliency["maps"].dtype == np.float32 and saliency["maps"].min() >= 0.0
    assert saliency["maps"].max() > 0.0


CNN_FIGURES = [  # the alt text (the caption) of each figure of the CNN section
    "Test accuracy against training time, CNNs and MLPs",
    "The first convolution's 32 learned filters of cnn-bn",
    "Feature maps of the first test image after each block of cnn-bn",
    "Saliency maps of cnn-bn, one test image per class",
    "Saliency maps of cnn-augmented, one test image per class",
    "Gradient norm of each Conv2D / Dense layer (1 = next to the input), last epoch",
    "cnn-no-bn: gradient norm of each Conv2D / Dense layer per epoch",
]


def test_the_report_has_the_cnn_section_and_its_figures(quick):
    out = quick["out"]
    page = parse_page(out / "report.html")
    for alt in CNN_FIGURES:
        assert alt in page.alts, alt
    assert any(alt.startswith("Confusion matrix of the CNN ") for alt in page.alts)
    text = (out / "report.html").read_text()
    for heading in ("The first layer&#x27;s filters", "Feature maps of one test image",
                    "Saliency maps", "Gradient norms during training",
                    "Accuracy and training time against the MLPs"):
        assert f"<h3>{heading}</h3>" in text, heading
    assert "cnn-bn reaches a test accuracy of " in text
    assert "(A --quick result: trained on a small subset, not comparable with the goal.)" \
        in text
    table = next(t for t in page.tables if t[0][:3] == ["Experiment", "Group", "Parameters"])
    assert [row[0] for row in table[1:]][:3] == CNN_NAMES
    assert {"mlp-sgd", "adam-elu-he", "adam-elu-he-bn-dropout"} <= {row[0] for row in table}
    markdown = (out / "report.md").read_text()
    for name in ("cnn-filters-cnn-bn", "cnn-feature-maps-cnn-no-bn", "cnn-saliency-cnn-bn",
                 "cnn-gradients-by-layer", "cnn-accuracy-vs-time"):
        assert f"(figures/{name}.png)" in markdown
        assert (out / "figures" / f"{name}.png").read_bytes().startswith(PNG_SIGNATURE)


def test_report_only_draws_the_cnn_section_from_the_saved_files(quick, tmp_path,
                                                               monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("--report-only must not load data or train")

    monkeypatch.setattr(fashion_mnist, "load_data", forbidden)
    monkeypatch.setattr(runner, "run_experiment", forbidden)
    copy = copy_of_run(quick, tmp_path, CNN_NAMES)
    code, _, stderr = run_cli("lecture", "--out", copy, "--report-only")
    assert code == 0, stderr
    alts = parse_page(copy / "report.html").alts
    assert all(alt in alts for alt in CNN_FIGURES)


def test_report_only_leaves_a_cnn_with_a_damaged_file_out(quick, tmp_path):
    copy = copy_of_run(quick, tmp_path, ["cnn-bn", "cnn-no-bn"])
    truncate(copy / "cnn-bn" / "saliency.npz")
    code, stdout, stderr = run_cli("lecture", "--out", copy, "--report-only")
    assert code == 0 and "Traceback" not in stderr
    assert "cnn-bn: saliency.npz is damaged (BadZipFile" in stdout
    alts = parse_page(copy / "report.html").alts
    assert "Saliency maps of cnn-no-bn, one test image per class" in alts
    assert not any("cnn-bn" in alt for alt in alts)


# --- reruns ---------------------------------------------------------------------------------
def test_rerun_reuses_finished_experiments(quick, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a finished experiment was retrained")

    monkeypatch.setattr(runner, "run_experiment", forbidden)
    monkeypatch.setattr(fashion_mnist, "load_data", forbidden)  # nothing to train: no data
    monkeypatch.setattr(report, "write_report", lambda *args, **kwargs: None)  # tested above
    out = quick["out"]
    before = {name: (out / name / "result.json").read_bytes() for name in registry.NAMES}
    code, stdout, _ = run_cli("lecture", "--quick", "--out", out)
    assert code == 0
    assert stdout.count("reusing the finished result") == len(registry.NAMES)
    assert "Epoch 1/" not in stdout
    assert before == {name: (out / name / "result.json").read_bytes() for name in registry.NAMES}


def test_force_retrains(quick, tmp_path):
    copy = copy_of_run(quick, tmp_path, ["opt-sgd", "opt-adam"])
    before = (copy / "opt-sgd" / "result.json").read_bytes()
    code, stdout, _ = run_cli("lecture", "--quick", "--out", copy, "--only", "opt-sgd",
                              "--force")
    assert code == 0
    assert "--force: retraining" in stdout and "Epoch 2/2" in stdout
    assert (copy / "opt-sgd" / "result.json").read_bytes() != before


@pytest.mark.parametrize("argv, reason", [
    (["--seed", "7", "--quick"], "seed=42"),
    ([], "quick=True"),  # a full run does not reuse a --quick result
])
def test_a_result_made_with_other_options_is_not_reused(quick, tmp_path, monkeypatch, argv,
                                                        reason):
    copy = copy_of_run(quick, tmp_path, ["opt-adam"])
    trained = record_training(monkeypatch)
    code, stdout, _ = run_cli("lecture", "--out", copy, "--only", "opt-adam", *argv)
    assert code == 0 and trained == ["opt-adam"]
    assert "made with other options" in stdout and reason in stdout


def record_training(monkeypatch):
    """Replaces training with a list of the experiments that would be trained."""
    trained = []
    monkeypatch.setattr(runner, "run_experiment",
                        lambda experiment, *args: trained.append(experiment.name) or {})
    monkeypatch.setattr(runner, "outcome_line", lambda result: "")
    empty = ([], [])
    monkeypatch.setattr(runner, "load_data",
                        lambda quick: {"train": empty, "valid": empty, "test": empty})
    return trained


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


DAMAGES = [  # (experiment, file, damage, what the message says)
    ("cnn-bn", "feature_maps.npz", truncate,
     "feature_maps.npz is damaged (BadZipFile: File is not a zip file)"),
    ("cnn-bn", "feature_maps.npz", os.remove, "feature_maps.npz is missing"),
    ("cnn-no-bn", "saliency.npz", flip_a_byte, "saliency.npz is damaged (BadZipFile: Bad CRC"),
    ("cnn-no-bn", "saliency.npz", os.remove, "saliency.npz is missing"),
    ("cnn-augmented", "diagnostics.json", os.remove, "diagnostics.json is missing"),
    ("opt-sgd", "predictions.npz", truncate,
     "predictions.npz is damaged (BadZipFile: File is not a zip file)"),
    ("opt-sgd", "predictions.npz", flip_a_byte, "predictions.npz is damaged (BadZipFile: Bad CRC"),
    ("opt-sgd", "predictions.npz", os.remove, "predictions.npz is missing"),
    ("opt-sgd", "weights.npz", truncate,
     "weights.npz is damaged (BadZipFile: File is not a zip file)"),
    ("opt-sgd", "summary.txt", os.remove, "summary.txt is missing"),
    ("opt-sgd", "result.json", truncate, "result.json is damaged (JSONDecodeError: "),
    ("opt-sgd", "result.json", os.remove, "result.json is missing"),
    ("vanish-relu-he", "diagnostics.json", truncate,
     "diagnostics.json is damaged (JSONDecodeError: "),
    ("vanish-relu-he", "diagnostics.json", os.remove, "diagnostics.json is missing"),
]


@pytest.mark.parametrize("name, file, damage, problem", DAMAGES,
                         ids=[f"{row[0]}-{row[1]}-{row[2].__name__}" for row in DAMAGES])
def test_a_damaged_result_is_trained_again(quick, tmp_path, monkeypatch, name, file, damage,
                                           problem):
    copy = copy_of_run(quick, tmp_path, [name, "opt-adam"])
    damage(copy / name / file)
    trained = record_training(monkeypatch)
    monkeypatch.setattr(report, "write_report", lambda *args, **kwargs: None)
    code, stdout, _ = run_cli("lecture", "--quick", "--out", copy, "--only",
                              f"{name},opt-adam")
    assert code == 0 and trained == [name]  # opt-adam is intact: reused
    assert f"  {name}: {problem}" in stdout and "; running it again" in stdout


def test_a_truncated_prediction_file_is_redone_and_the_report_shows_it(quick, tmp_path):
    """The bug: the damaged file was reused and the report died with BadZipFile."""
    copy = copy_of_run(quick, tmp_path, ["opt-sgd"])
    truncate(copy / "opt-sgd" / "predictions.npz")
    code, stdout, stderr = run_cli("lecture", "--quick", "--out", copy, "--only", "opt-sgd")
    assert code == 0, stderr
    assert ("opt-sgd: predictions.npz is damaged (BadZipFile: File is not a zip file); "
            "running it again") in stdout
    assert "Epoch 2/2" in stdout
    with np.load(copy / "opt-sgd" / "predictions.npz") as saved:
        assert len(saved["y_pred"]) == 10000
    assert "Predictions of the best model" in (copy / "report.html").read_text()


@pytest.mark.parametrize("file, damage", [("predictions.npz", truncate),
                                          ("predictions.npz", os.remove),
                                          ("weights.npz", flip_a_byte)])
def test_report_only_leaves_a_damaged_result_out_and_says_so(quick, tmp_path, file, damage):
    copy = copy_of_run(quick, tmp_path, ["opt-sgd", "opt-adam"])
    damage(copy / "opt-adam" / file)
    code, stdout, stderr = run_cli("lecture", "--out", copy, "--report-only")
    assert code == 0 and "Traceback" not in stderr
    assert f"opt-adam: {file} is " in stdout and "; left out of the report" in stdout
    rows = parse_page(copy / "report.html").tables[0][1:]
    assert [row[0] for row in rows] == ["opt-sgd"]
    assert "Predictions of the best model" in (copy / "report.html").read_text()


def test_report_only_reports_what_exists_without_data_or_training(quick, tmp_path,
                                                                  monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("--report-only must not load data or train")

    monkeypatch.setattr(fashion_mnist, "load_data", forbidden)
    monkeypatch.setattr(runner, "run_experiment", forbidden)
    copy = copy_of_run(quick, tmp_path, ["mlp-sgd", "vanish-sigmoid-naive", "opt-adam"])
    code, _, _ = run_cli("lecture", "--out", copy, "--report-only")
    assert code == 0 and (copy / "report.md").is_file()
    rows = parse_page(copy / "report.html").tables[0][1:]
    assert [row[0] for row in rows] == ["mlp-sgd", "vanish-sigmoid-naive", "opt-adam"]


def test_an_interrupted_run_keeps_the_finished_experiments(tmp_path, monkeypatch):
    real = runner.run_experiment

    def interrupt_the_second(experiment, *args):
        if experiment.name == "opt-adam":
            raise KeyboardInterrupt
        return real(experiment, *args)

    monkeypatch.setattr(runner, "run_experiment", interrupt_the_second)
    out = tmp_path / "out"
    code, _, stderr = run_cli("lecture", "--quick", "--out", out, "--only",
                              "opt-sgd,opt-adam")
    assert code == cli.EXIT_INTERRUPTED and "Interrupted" in stderr
    assert (out / "opt-sgd" / "result.json").is_file()
    assert not (out / "opt-adam").exists()
    rows = parse_page(out / "report.html").tables[0][1:]
    assert [row[0] for row in rows] == ["opt-sgd"]


def test_save_folder_replaces_a_finished_folder_whole(tmp_path):
    folder = tmp_path / "experiment"
    storage.save_folder(folder, {"a.txt": b"old", "stale.txt": b"x"})
    storage.save_folder(folder, {"a.txt": b"new"})
    assert sorted(p.name for p in folder.iterdir()) == ["a.txt"]
    assert (folder / "a.txt").read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["experiment"]


def test_a_run_removes_what_a_dead_run_left_behind(quick, tmp_path):
    copy = copy_of_run(quick, tmp_path, ["opt-sgd"])
    stale = copy / ".opt-adam.partial-k2j3h4g5"  # a run killed while saving opt-adam
    stale.mkdir()
    (stale / "summary.txt").write_text("half")
    code, stdout, _ = run_cli("lecture", "--out", copy, "--report-only")
    assert code == 0
    assert "Removed what an interrupted run left behind: .opt-adam.partial-k2j3h4g5" in stdout
    assert not stale.exists() and (copy / "opt-sgd" / "result.json").is_file()


HOLD_THE_LOCK = """
    import sys
    from glassnet.lecture import lock
    with lock.output_lock(sys.argv[1]):
        print("locked", flush=True)
        sys.stdin.read()
"""


def test_a_second_run_on_the_same_folder_stops_at_once(quick, tmp_path, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the second run must not load data, train or report")

    copy = copy_of_run(quick, tmp_path, ["opt-sgd"])
    live = copy / ".opt-adam.partial-k2j3h4g5"  # the first run is saving opt-adam
    live.mkdir()
    first = subprocess.Popen([sys.executable, "-c", textwrap.dedent(HOLD_THE_LOCK), str(copy)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout.readline() == "locked\n"
        for name in ("load_data", "run_experiment"):
            monkeypatch.setattr(runner, name, forbidden)
        monkeypatch.setattr(report, "write_report", forbidden)
        code, stdout, stderr = run_cli("lecture", "--quick", "--out", copy, "--only",
                                       "opt-sgd,opt-adam")
    finally:
        first.kill()
        first.wait(timeout=60)
    assert code == 2 and stdout == ""
    assert stderr.startswith(f"glassnet lecture: error: the output folder {copy} is in use by "
                             f"another glassnet lecture run (pid {first.pid} on ")
    assert "Wait for it to finish, or choose another folder with --out DIR." in stderr
    assert live.is_dir(), "the second run removed the first run's staging folder"


# --- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [["--out", ""], ["--out="]])
def test_an_empty_out_is_a_usage_error(tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    code, _, stderr = run_cli("lecture", "--quick", *argv)
    assert code == 2
    assert "glassnet lecture: error: argument --out: expected a folder" in stderr
    assert "Received: out=''" in stderr
    assert list(tmp_path.iterdir()) == []  # nothing written into the current folder


def test_unknown_only_lists_the_valid_names(tmp_path):
    code, _, stderr = run_cli("lecture", "--out", tmp_path / "out", "--only",
                              "mlp-sgd,no-such-experiment")
    assert code == 2
    assert "no-such-experiment" in stderr
    assert all(name in stderr for name in registry.NAMES)
    assert "groups: mlp, vanishing, activations, optimizers, dropout, cnn" in stderr
    assert not (tmp_path / "out").exists()


CNN_NAMES = ["cnn-bn", "cnn-no-bn", "cnn-augmented"]


@pytest.mark.parametrize("only, names", [
    (["cnn"], CNN_NAMES),
    (["cnn-no-bn,cnn", "mlp-sgd"], ["cnn-no-bn", "cnn-bn", "cnn-augmented", "mlp-sgd"]),
    (["vanishing"], ["vanish-sigmoid-naive", "vanish-relu-he", "vanish-sigmoid-bn"]),
])
def test_only_selects_a_group(only, names):
    parser = cli.build_parser()
    args = parser.parse_args(["lecture", *(f"--only={value}" for value in only)])
    assert cli.chosen_names(parser, args.only) == names


def test_the_cnn_chapter_is_run_by_default_and_with_only_cnn(tmp_path, monkeypatch):
    trained = record_training(monkeypatch)
    monkeypatch.setattr(report, "write_report", lambda *args, **kwargs: None)
    assert run_cli("lecture", "--quick", "--out", tmp_path / "all")[0] == 0
    assert trained == registry.NAMES and trained[-3:] == CNN_NAMES
    trained.clear()
    code, stdout, _ = run_cli("lecture", "--quick", "--out", tmp_path / "cnn", "--only", "cnn")
    assert code == 0 and trained == CNN_NAMES
    assert "Experiment 1/3: cnn-bn — " in stdout


def test_only_is_repeatable_and_comma_separated():
    parser = cli.build_parser()
    args = parser.parse_args(["lecture", "--only", "opt-adam,mlp-sgd", "--only", "opt-sgd"])
    assert cli.chosen_names(parser, args.only) == ["opt-adam", "mlp-sgd", "opt-sgd"]
    assert cli.chosen_names(parser, None) == registry.NAMES


@pytest.mark.parametrize("where, reason", [
    ("a-file/lecture", "Not a directory"),  # a path under a regular file (tests run as root)
    ("a-file", "it is a file"),
])
def test_unwritable_output_folder_is_an_error_before_any_training(tmp_path, monkeypatch,
                                                                  where, reason):
    def forbidden(*args, **kwargs):
        raise AssertionError("nothing may be loaded or trained")

    monkeypatch.setattr(fashion_mnist, "load_data", forbidden)
    monkeypatch.setattr(runner, "run_experiment", forbidden)
    (tmp_path / "a-file").write_text("not a folder")
    code, stdout, stderr = run_cli("lecture", "--quick", "--out", tmp_path / where)
    assert code == 2
    assert f"the output folder {tmp_path / where} is not writable ({reason})" in stderr
    assert "Traceback" not in stderr and "Experiment 1/" not in stdout


@pytest.mark.parametrize("seed", ["-1", "4294967296", "abc"])
def test_bad_seed_is_a_usage_error(tmp_path, seed):
    code, _, stderr = run_cli("lecture", "--out", tmp_path / "out", "--seed", seed)
    assert code == 2 and f"Received: seed='{seed}'" in stderr


def test_missing_dataset_gives_the_loaders_error(tmp_path, monkeypatch):
    """Every source fails: no env folder, empty caches, no Debian package, no network."""
    for name in ("GLASSNET_DATA_DIR", "KERAS_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GLASSNET_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", tmp_path / "no-debian-package")

    def offline(*args, **kwargs):
        raise OSError("network unreachable (test)")

    monkeypatch.setattr(sources, "urlopen", offline)
    monkeypatch.setattr(runner, "run_experiment", offline)
    out = tmp_path / "out"
    code, _, stderr = run_cli("lecture", "--quick", "--out", out, "--only", "opt-sgd")
    assert code == 2
    assert "Fashion-MNIST could not be found or downloaded" in stderr
    assert "sudo apt-get install dataset-fashion-mnist" in stderr
    assert "network unreachable (test)" in stderr
    assert "Traceback" not in stderr
    assert not (out / "opt-sgd").exists()


# --- listing and help -----------------------------------------------------------------------
def test_list_prints_every_experiment_with_its_lecture_number():
    code, stdout, _ = run_cli("lecture", "--list")
    assert code == 0
    for experiment in registry.EXPERIMENTS:
        line = next(line for line in stdout.splitlines() if line.startswith(experiment.name))
        assert str(experiment.epochs) in line and f" {experiment.group} " in line
        if experiment.lecture:
            assert f"{experiment.lecture['accuracy']:.4f}" in line


def test_lecture_help_lists_the_options():
    code, stdout, _ = run_cli("lecture", "--help")
    assert code == 0
    for option in ("--out", "--quick", "--only", "--force", "--seed", "--list",
                   "--report-only"):
        assert option in stdout


def test_lecture_help_says_a_second_run_stops_at_once():
    code, stdout, _ = run_cli("lecture", "--help")
    assert code == 0
    assert "a second run on the same --out does not wait, it stops at once" in \
        " ".join(stdout.split())


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "unbuffered"])
def test_a_reader_that_closes_the_pipe_ends_the_listing_quietly(unbuffered):
    """`glassnet lecture --list | head -n 0`: no BrokenPipeError traceback, exit 141.

    Buffered, the write fails at the end; with PYTHONUNBUFFERED, at the first print.
    """
    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is written
    try:
        completed = subprocess.run([sys.executable, "-m", "glassnet", "lecture", "--list"],
                                   stdout=write_end, stderr=subprocess.PIPE, text=True,
                                   env=env, timeout=120)
    finally:
        os.close(write_end)
    assert completed.stderr == ""
    assert completed.returncode == cli.EXIT_BROKEN_PIPE == 141


def test_python_dash_m_glassnet_help():
    completed = subprocess.run([sys.executable, "-m", "glassnet", "--help"],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0
    assert "lecture" in completed.stdout
