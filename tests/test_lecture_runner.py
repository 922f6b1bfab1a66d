"""glassnet.lecture's files on disk: their modes, the leftovers of dead runs, the lock.

No training here: the folders are written with ``storage.save_folder`` directly (the
results of a real quick run are tested in test_cli.py).  Processes that crash or hold a
lock are real subprocesses.
"""
import os
import stat
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from glassnet.diagnostics import feature_maps
from glassnet.lecture import experiments as registry
from glassnet.lecture import lock, report, runner, storage

STALE = ".opt-sgd.partial-k2j3h4g5"  # tempfile's names: 8 characters of [a-z0-9_]


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def python(code, *args, **kwargs):
    """A Python subprocess running ``code`` (an indented block is fine)."""
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
                            text=True, **kwargs)


@pytest.fixture(params=[0o022, 0o027, 0o077], ids=lambda mask: f"umask-{mask:03o}")
def umask(request):
    """The process' umask set to the parameter for the test, then put back."""
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


# --- modes --------------------------------------------------------------------------------
def test_current_umask_is_the_process_umask(umask):
    assert storage.current_umask() == umask
    assert storage.ordinary_mode() == 0o666 & ~umask
    assert storage.ordinary_mode(folder=True) == 0o777 & ~umask


def test_current_umask_without_proc(umask, monkeypatch):
    def no_proc(*args, **kwargs):
        raise OSError("no /proc here (test)")

    monkeypatch.setattr(runner, "open", no_proc, raising=False)  # shadows the builtin
    assert storage.current_umask() == umask
    assert os.umask(umask) == umask  # and it was put back


def test_saved_folders_and_files_get_ordinary_modes(tmp_path, umask):
    folder = tmp_path / "opt-sgd"
    storage.save_folder(folder, {"result.json": b"{}", "weights.npz": b"..."})
    storage.save_folder(folder, {"result.json": b"{}"})  # a replaced folder too
    assert mode_of(folder) == 0o777 & ~umask
    assert mode_of(folder / "result.json") == 0o666 & ~umask


def test_written_files_get_ordinary_modes_even_over_private_ones(tmp_path, umask):
    path = tmp_path / "report.html"
    path.write_bytes(b"made by an older glassnet")
    path.chmod(0o600)
    storage.write_atomic(path, b"new")
    assert mode_of(path) == 0o666 & ~umask


def test_report_files_get_ordinary_modes(tmp_path, umask):
    html_path, md_path = report.write_report(tmp_path)
    for path in (html_path, md_path):
        assert mode_of(path) == 0o666 & ~umask, path.name
    assert mode_of(tmp_path / "figures") == 0o777 & ~umask


# --- experiments: options, data, blocks ------------------------------------------------------
@pytest.mark.parametrize("quick", [False, True])
def test_the_mlps_options_are_unchanged_so_their_saved_results_are_reused(quick):
    """What an MLP's result.json records as its options is what older versions wrote."""
    options = runner.Options(out="out", names=registry.NAMES, quick=quick)
    for experiment in registry.EXPERIMENTS:
        if experiment.group != "cnn":
            assert options.for_experiment(experiment) == {
                "quick": quick, "seed": 42, "epochs": runner.epochs_of(experiment, quick),
                "train_size": 5000 if quick else None, "batch_size": 32}


def test_the_cnns_options_name_their_batch_and_quick_subsets():
    cnn = registry.get("cnn-bn")
    full = runner.Options(out="out", names=["cnn-bn"]).for_experiment(cnn)
    assert full == {"quick": False, "seed": 42, "epochs": registry.CNN_EPOCHS,
                    "train_size": None, "batch_size": 64}
    quick = runner.Options(out="out", names=["cnn-bn"], quick=True).for_experiment(cnn)
    assert quick == {"quick": True, "seed": 42, "epochs": 2, "train_size": 1000,
                     "batch_size": 64, "valid_size": 500, "test_size": 1000}


def fake_data(n):
    images = np.zeros((n, 28, 28))
    labels = np.arange(n) % 10
    return {"train": (images, labels), "valid": (images[:50], labels[:50]),
            "test": (images, labels), "test_images": images[:40].astype(np.uint8)}


@pytest.mark.parametrize("name, quick, sizes, shape", [
    ("mlp-sgd", False, (3000, 50, 3000), (28, 28)),
    ("mlp-sgd", True, (3000, 50, 3000), (28, 28)),  # load_data already cut the training set
    ("cnn-bn", False, (3000, 50, 3000), (28, 28, 1)),
    ("cnn-bn", True, (1000, 50, 1000), (28, 28, 1)),
])
def test_data_for_cuts_and_shapes_the_images_as_the_input_says(name, quick, sizes, shape):
    source = fake_data(3000)
    data = runner.data_for(registry.get(name), source, quick)
    for part, size in zip(("train", "valid", "test"), sizes):
        X, y = data[part]
        assert X.shape == (size, *shape) and y.shape == (size,)
        assert np.shares_memory(X, source[part][0])  # a view, not a copy


@pytest.mark.parametrize("name, blocks", [
    ("cnn-bn", ["activation", "activation_1", "activation_2", "activation_3"]),
    ("cnn-no-bn", ["conv2d", "conv2d_1", "conv2d_2", "conv2d_3"]),
    ("cnn-augmented", ["activation", "activation_1", "activation_2", "activation_3"]),
    ("mlp-sgd", []),
])
def test_block_outputs_end_each_conv_block(name, blocks):
    runner.keras.backend.clear_session()
    assert runner.block_outputs(registry.build_model(registry.get(name))) == blocks


def test_the_cnns_are_what_the_report_says():
    runner.keras.backend.clear_session()
    model = registry.build_model(registry.get("cnn-bn"))
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("Conv2D") == len(registry.CNN_FILTERS) == 4
    assert kinds[-3:] == ["GlobalAveragePooling2D", "Dropout", "Dense"]
    assert kinds.count("MaxPooling2D") == 3 and kinds.count("BatchNormalization") == 4
    last_block = model.layers[-4].name
    maps = feature_maps(model, np.zeros((1, 28, 28, 1)), [last_block])
    assert maps[last_block].shape == (1, 3, 3, 256)  # before the global pooling
    schedule = model.optimizer.get_config()["learning_rate"]
    assert schedule["class_name"] == "CosineDecay"
    assert schedule["config"]["decay_steps"] == 7 * 860  # the whole run: 55,000 / 64 per epoch
    augmented = registry.build_model(registry.get("cnn-augmented"))
    assert [type(layer).__name__ for layer in augmented.layers][:3] == [
        "RandomFlip", "RandomTranslation", "RandomZoom"]
    assert augmented.count_params() == model.count_params()


# --- save_folder -----------------------------------------------------------------------------
def test_a_failed_swap_puts_the_previous_result_back(tmp_path, monkeypatch):
    folder = tmp_path / "opt-sgd"
    storage.save_folder(folder, {"result.json": b"old"})
    real_replace = os.replace

    def refuse_the_staging_folder(source, target):
        if os.path.basename(source).startswith(".opt-sgd.partial-"):
            raise OSError("disk on fire (test)")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", refuse_the_staging_folder)
    with pytest.raises(OSError, match="disk on fire"):
        storage.save_folder(folder, {"result.json": b"new"})
    assert (folder / "result.json").read_bytes() == b"old"
    assert [path.name for path in tmp_path.iterdir()] == ["opt-sgd"]


# --- leftovers -----------------------------------------------------------------------------
def make_leftovers(out):
    """What dead runs leave behind, plus look-alikes that are not theirs; returns both."""
    (out / STALE).mkdir(parents=True)
    (out / STALE / "weights.npz").write_bytes(b"half")
    (out / ".opt-adam.old-abcd_123").mkdir()
    (out / ".report.html.x9y8z7w6").write_text("half a report")
    (out / ".write-test-a1b2c3d4").write_text("")
    (out / "figures").mkdir()
    (out / "figures" / ".curves-opt-sgd.png.a1b2c3d4").write_bytes(b"half")
    stale = {STALE, ".opt-adam.old-abcd_123", ".report.html.x9y8z7w6",
             ".write-test-a1b2c3d4", "figures/.curves-opt-sgd.png.a1b2c3d4"}
    (out / "notes.txt").write_text("mine")
    (out / ".opt-sgd.partial-mine").mkdir()  # not a tempfile name
    (out / ".hidden").write_text("mine")
    (out / "figures" / "curves-opt-sgd.png").write_bytes(b"png")
    (out / "opt-sgd").mkdir()
    kept = {"notes.txt", ".opt-sgd.partial-mine", ".hidden", "figures",
            "figures/curves-opt-sgd.png", "opt-sgd"}
    return stale, kept


def listing(out):
    return {str(path.relative_to(out)) for path in out.rglob("*")} - {lock.LOCK_FILE}


def test_remove_leftovers_removes_only_what_dead_runs_left(tmp_path, capsys):
    out = tmp_path / "out"
    stale, kept = make_leftovers(out)
    stale_inside = {STALE + "/weights.npz"}
    assert listing(out) == stale | stale_inside | kept
    with lock.output_lock(out):
        removed = storage.remove_leftovers(out)
    assert {str(path.relative_to(out)) for path in removed} == stale
    assert listing(out) == kept
    assert "Removed what an interrupted run left behind: " in capsys.readouterr().out


def test_remove_leftovers_puts_back_a_result_moved_aside(tmp_path, capsys):
    out = tmp_path / "out"
    moved = out / ".opt-adam.old-q1w2e3r4" / "opt-adam"
    moved.mkdir(parents=True)
    (moved / "result.json").write_text("{}")
    storage.remove_leftovers(out)
    assert (out / "opt-adam" / "result.json").read_text() == "{}"
    assert listing(out) == {"opt-adam", "opt-adam/result.json"}
    stdout = capsys.readouterr().out
    assert "opt-adam: put back the finished result that an interrupted run had moved aside" \
        in stdout


CRASH_WHILE_SAVING = """
    import os, sys
    from glassnet.lecture import storage
    real = storage.write_atomic
    def crash_on_the_second_file(path, data):
        if path.name == "weights.npz":
            os._exit(9)  # dies like kill -9: no finally, no cleanup
        real(path, data)
    storage.write_atomic = crash_on_the_second_file
    storage.save_folder(sys.argv[1], {"summary.txt": b"s", "weights.npz": b"w"})
"""


def test_a_crash_while_saving_leaves_a_staging_folder_the_next_run_removes(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    crashed = python(CRASH_WHILE_SAVING, out / "opt-sgd")
    assert crashed.wait(timeout=120) == 9
    left = [path.name for path in out.iterdir()]
    assert len(left) == 1 and left[0].startswith(".opt-sgd.partial-")  # the bug's leftover
    with lock.output_lock(out):
        storage.remove_leftovers(out)
    assert listing(out) == set()


# --- the lock ------------------------------------------------------------------------------
HOLD_THE_LOCK = """
    import sys
    from glassnet.lecture import lock
    with lock.output_lock(sys.argv[1]):
        print("locked", flush=True)
        sys.stdin.read()  # until the test closes stdin or kills us
"""


@pytest.fixture
def holder(tmp_path):
    """Another process that holds the lock of ``tmp_path / "out"``."""
    out = tmp_path / "out"
    out.mkdir()
    process = python(HOLD_THE_LOCK, out, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE)
    line = process.stdout.readline()
    assert line == "locked\n", process.stderr.read()
    yield process
    process.kill()
    process.wait(timeout=60)


def test_a_second_run_is_refused_and_told_who_holds_the_folder(holder, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(lock.FolderBusyError) as caught, lock.output_lock(out):
        pytest.fail("the lock was taken twice")
    message = str(caught.value)
    assert message.startswith(f"the output folder {out} is in use by another glassnet "
                              f"lecture run (pid {holder.pid} on ")
    assert message.endswith("Wait for it to finish, or choose another folder with --out DIR.")


def test_the_lock_goes_with_the_process_that_held_it(holder, tmp_path):
    holder.kill()  # SIGKILL: no clean-up code runs
    holder.wait(timeout=60)
    with lock.output_lock(tmp_path / "out") as path:
        assert path.read_text().startswith(f"pid {os.getpid()} on ")


def test_the_lock_is_exclusive_within_one_process_too(tmp_path):
    busy = pytest.raises(lock.FolderBusyError, match=f"pid {os.getpid()} on ")
    with lock.output_lock(tmp_path), busy, lock.output_lock(tmp_path):
        pytest.fail("the lock was taken twice")
    with lock.output_lock(tmp_path):  # released when the block ends
        pass


def test_an_unopenable_lock_file_is_a_lecture_error(tmp_path):
    refused = pytest.raises(runner.LectureError, match="cannot open the lock file")
    with refused, lock.output_lock(tmp_path / "no-such-folder"):
        pytest.fail("locked a folder that does not exist")


# --- report: the CNN's goal ------------------------------------------------------------------
def a_result(accuracy, fit_seconds, quick=False):
    return {"goal": {"accuracy": 0.91, "seconds": 600}, "test": {"accuracy": accuracy},
            "options": {"quick": quick},
            "timing": {"seconds_per_epoch": [fit_seconds / 7] * 7, "fit_seconds": fit_seconds,
                       "mean_seconds_per_epoch": fit_seconds / 7, "total_seconds": fit_seconds}}


@pytest.mark.parametrize("accuracy, seconds, verdict", [
    (0.9276, 465.0, "is met."),
    (0.9050, 465.0, "is not met."),  # not accurate enough
    (0.9276, 610.0, "is not met."),  # too slow
])
def test_the_goal_sentence_says_whether_the_cnn_met_it(accuracy, seconds, verdict):
    text = report.goal_sentence("cnn-bn", a_result(accuracy, seconds))
    assert text.startswith(f"cnn-bn reaches a test accuracy of {accuracy:.4f} after 7 epochs")
    assert "The goal, >= 0.91 within 10 minutes on this machine, " + verdict in text
    assert "--quick" not in text
    assert "not comparable" in report.goal_sentence("cnn-bn", a_result(0.5, 9.0, quick=True))


def test_most_confused_names_the_most_frequent_mistake():
    y_true = np.array([6, 6, 6, 0, 2, 1])
    y_pred = np.array([0, 0, 2, 6, 2, 1])
    assert report.most_confused(y_true, y_pred) == (
        "Its most frequent mistake: Shirt taken for T-shirt/top (2 times).")
    assert report.most_confused(y_true, y_true) == "It makes no mistake."
