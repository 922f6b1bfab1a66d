"""ModelCheckpoint and BackupAndRestore, on real (small) models and real files.

The crash test runs training in a child process, kills it with SIGKILL in the middle of
epoch 3 and starts it again: the final weights must equal an uninterrupted run's.
"""
import os
import signal
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import glassnet as keras
from glassnet.callbacks import backup_and_restore as bar

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 1.5], dtype="float32"))[:, None]
    return x, y


def make_model(seed=1, dropout=False):
    keras.utils.set_random_seed(seed)
    layers = [keras.layers.Input((4,)), keras.layers.Dense(8, activation="relu")]
    if dropout:
        layers.append(keras.layers.Dropout(0.3))
    layers.append(keras.layers.Dense(1))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model


def fit(model, callbacks, epochs=3, **kwargs):
    x, y = make_data()
    return model.fit(x, y, batch_size=16, epochs=epochs, verbose=0, callbacks=callbacks,
                     validation_data=make_data(16, seed=5), **kwargs)


class ValLoss(keras.callbacks.Callback):
    """Replaces ``val_loss`` in the logs with scripted values (runs before the checkpoint)."""

    def __init__(self, values):
        super().__init__()
        self.values = list(values)

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.values[epoch]


class WeightsPerEpoch(keras.callbacks.Callback):
    """Records the model's weights at each epoch end."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


# --- ModelCheckpoint ------------------------------------------------------------------
def test_one_file_per_epoch_named_by_the_template(tmp_path):
    template = str(tmp_path / "sub" / "ckpt-{epoch:02d}-{val_loss:.2f}.keras")
    history = fit(make_model(), [keras.callbacks.ModelCheckpoint(template)])
    names = sorted(os.listdir(tmp_path / "sub"))
    expected = sorted(f"ckpt-{e + 1:02d}-{v:.2f}.keras"
                      for e, v in enumerate(history.history["val_loss"]))
    assert names == expected


def test_checkpoint_loads_and_predicts_like_the_model_at_that_epoch(tmp_path):
    template = str(tmp_path / "m-{epoch}.keras")
    record = WeightsPerEpoch()
    model = make_model()
    fit(model, [keras.callbacks.ModelCheckpoint(template), record])
    x, _ = make_data(8, seed=9)
    loaded = keras.models.load_model(str(tmp_path / "m-2.keras"))
    model.set_weights(record.weights[1])
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("mode, monitor, values, saved", [
    ("min", "val_loss", [0.5, 0.4, 0.45, 0.3], [1, 2, 4]),
    ("auto", "val_loss", [0.5, 0.6, 0.4, 0.4], [1, 3]),
    ("max", "val_loss", [0.5, 0.6, 0.4, 0.7], [1, 2, 4]),
])
def test_save_best_only_saves_only_improvements(tmp_path, mode, monitor, values, saved):
    template = str(tmp_path / "best-{epoch}.weights.h5")
    checkpoint = keras.callbacks.ModelCheckpoint(
        template, monitor=monitor, mode=mode, save_best_only=True, save_weights_only=True)
    fit(make_model(), [ValLoss(values), checkpoint], epochs=len(values))
    assert sorted(os.listdir(tmp_path)) == sorted(f"best-{e}.weights.h5" for e in saved)


def test_save_best_only_auto_maximizes_accuracy_names(tmp_path):
    checkpoint = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "x.keras"), monitor="val_accuracy", save_best_only=True)
    assert checkpoint.mode == "max"


def test_save_best_only_without_template_overwrites_one_file(tmp_path):
    path = tmp_path / "best.weights.h5"
    record = WeightsPerEpoch()
    checkpoint = keras.callbacks.ModelCheckpoint(
        str(path), save_best_only=True, save_weights_only=True)
    model = make_model()
    fit(model, [ValLoss([0.5, 0.3, 0.9]), checkpoint, record])
    fresh = make_model(seed=7)
    fresh.load_weights(str(path))
    for got, want in zip(fresh.get_weights(), record.weights[1]):
        np.testing.assert_array_equal(got, want)
    assert checkpoint.best == 0.3


def test_initial_value_threshold_must_be_beaten_first(tmp_path):
    checkpoint = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "c{epoch}.keras"), save_best_only=True, initial_value_threshold=0.35)
    fit(make_model(), [ValLoss([0.5, 0.4, 0.3]), checkpoint])
    assert os.listdir(tmp_path) == ["c3.keras"]


def test_weights_only_file_loads_back(tmp_path):
    record = WeightsPerEpoch()
    checkpoint = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "w{epoch}.weights.h5"), save_weights_only=True)
    fit(make_model(), [checkpoint, record])
    assert sorted(os.listdir(tmp_path)) == ["w1.weights.h5", "w2.weights.h5", "w3.weights.h5"]
    fresh = make_model(seed=3)
    fresh.load_weights(str(tmp_path / "w3.weights.h5"))
    for got, want in zip(fresh.get_weights(), record.weights[2]):
        np.testing.assert_array_equal(got, want)


def test_integer_save_freq_counts_batches_across_epochs(tmp_path):
    # 48 samples / batch 16 = 3 batches an epoch, 9 in all: saves after batches 2, 4, 6, 8.
    checkpoint = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "e{epoch}-b{batch}.weights.h5"), save_weights_only=True, save_freq=2)
    fit(make_model(), [checkpoint])
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["e1-b2.weights.h5", "e2-b1.weights.h5", "e2-b3.weights.h5", "e3-b2.weights.h5"])


def test_verbose_messages(tmp_path, capsys):
    path = str(tmp_path / "m.keras")
    checkpoint = keras.callbacks.ModelCheckpoint(path, verbose=1, save_best_only=True)
    fit(make_model(), [ValLoss([0.5, 0.4, 0.45]), checkpoint])
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert lines == [
        f"Epoch 1: val_loss improved from None to 0.50000, saving model to {path}",
        f"Epoch 2: val_loss improved from 0.50000 to 0.40000, saving model to {path}",
        "Epoch 3: val_loss did not improve from 0.40000",
    ]


def test_verbose_message_without_save_best_only(tmp_path, capsys):
    path = str(tmp_path / "m{epoch}.keras")
    checkpoint = keras.callbacks.ModelCheckpoint(path, verbose=1)
    fit(make_model(), [checkpoint], epochs=1)
    assert f"Epoch 1: saving model to {tmp_path / 'm1.keras'}" in capsys.readouterr().out


def test_missing_monitor_warns_and_saves(tmp_path):
    checkpoint = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "m{epoch}.keras"), monitor="val_mae", save_best_only=True)
    x, y = make_data()
    with pytest.warns(UserWarning, match="Can save best model only with val_mae available"):
        make_model().fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[checkpoint])
    assert sorted(os.listdir(tmp_path)) == ["m1.keras", "m2.keras"]


@pytest.mark.parametrize("filepath, weights_only, text", [
    ("model.h5x", False, "The filepath provided must end in `.keras`"),
    ("model.h5", False, "The filepath provided must end in `.keras`"),
    ("model.keras", False, None),
    ("model.weights.h5", True, None),
    ("model.keras", True, "must end in `.weights.h5`"),
    ("model.h5", True, "must end in `.weights.h5`"),
])
def test_suffix_is_checked_at_construction(filepath, weights_only, text):
    if text is None:
        keras.callbacks.ModelCheckpoint(filepath, save_weights_only=weights_only)
        return
    with pytest.raises(ValueError, match=text) as error:
        keras.callbacks.ModelCheckpoint(filepath, save_weights_only=weights_only)
    assert f"Received: filepath={filepath}" in str(error.value)


@pytest.mark.parametrize("save_freq", ["batch", 0, -3, 1.5, True])
def test_bad_save_freq(save_freq):
    with pytest.raises(ValueError, match="save_freq"):
        keras.callbacks.ModelCheckpoint("m.keras", save_freq=save_freq)


def test_unknown_template_field_names_the_filepath(tmp_path):
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "{nope}.keras"))
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        fit(make_model(), [checkpoint], epochs=1)


# --- BackupAndRestore: the restore logic, in process ----------------------------------
def test_backup_written_each_epoch_and_deleted_at_the_end(tmp_path):
    backup = tmp_path / "backup"
    seen = []

    class Look(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((bar.read_state(str(backup))["epoch"], sorted(os.listdir(backup))))

    fit(make_model(), [keras.callbacks.BackupAndRestore(str(backup)), Look()])
    assert [epoch for epoch, _ in seen] == [1, 2, 3]
    assert seen[-1][1] == ["backup-000003.weights.h5", "training_state.json"]
    assert not backup.exists()


def test_delete_checkpoint_false_keeps_the_backup(tmp_path):
    backup = tmp_path / "backup"
    fit(make_model(), [keras.callbacks.BackupAndRestore(str(backup), delete_checkpoint=False)])
    assert bar.read_state(str(backup))["epoch"] == 3


def _interrupted_after(epochs_done, backup, dropout=True):
    """Trains ``epochs_done`` epochs keeping the backup, as a run that then crashed."""
    model = make_model(dropout=dropout)
    fit(model, [keras.callbacks.BackupAndRestore(str(backup), delete_checkpoint=False)],
        epochs=epochs_done)


def test_resume_continues_at_the_next_epoch_and_matches_an_uninterrupted_run(tmp_path):
    whole = make_model(dropout=True)
    fit(whole, [keras.callbacks.BackupAndRestore(str(tmp_path / "a"))], epochs=5)

    _interrupted_after(2, tmp_path / "b")
    epochs_run = []
    resumed = make_model(dropout=True)
    record = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: epochs_run.append(epoch))
    history = fit(resumed, [keras.callbacks.BackupAndRestore(str(tmp_path / "b")), record],
                  epochs=5)
    assert epochs_run == [2, 3, 4]
    assert len(history.history["loss"]) == 3
    for got, want in zip(resumed.get_weights(), whole.get_weights()):
        np.testing.assert_array_equal(got, want)
    assert not (tmp_path / "b").exists()


def test_random_state_round_trips():
    model = make_model(dropout=True)
    model._shuffle_generator = np.random.default_rng(4)
    saved = bar.capture_random_state(model)
    keys = [key for key, _ in bar.layer_generators(model)]
    assert len(keys) == 1 and keys[0].endswith("/generator")
    draws = [gen.random(3) for _, gen in bar.layer_generators(model)]
    draws += [model._shuffle_generator.random(3), np.random.random(3)]
    bar.restore_random_state(model, saved)
    again = [gen.random(3) for _, gen in bar.layer_generators(model)]
    again += [model._shuffle_generator.random(3), np.random.random(3)]
    for got, want in zip(again, draws):
        np.testing.assert_array_equal(got, want)


def test_restore_into_a_model_without_the_saved_generators_fails():
    saved = bar.capture_random_state(make_model(dropout=True))
    with pytest.raises(ValueError, match="random generators that this model does not have"):
        bar.restore_random_state(make_model(), saved)


def test_backup_finished_before_the_end_resumes_nothing(tmp_path):
    _interrupted_after(3, tmp_path / "b")
    epochs_run = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: epochs_run.append(epoch))
    fit(make_model(dropout=True), [keras.callbacks.BackupAndRestore(str(tmp_path / "b")),
                                   record])
    assert epochs_run == []


def test_state_points_at_its_own_weights_file(tmp_path):
    """A stray newer weights file (a backup killed before its state was written) is not
    used: the state names the file that belongs with it."""
    _interrupted_after(2, tmp_path / "b")
    state = bar.read_state(str(tmp_path / "b"))
    assert state["weights"] == "backup-000002.weights.h5"
    (tmp_path / "b" / "backup-000003.weights.h5").write_bytes(b"half a file")
    resumed = make_model(dropout=True)
    fit(resumed, [keras.callbacks.BackupAndRestore(str(tmp_path / "b"))], epochs=3)


def test_integer_save_freq_backs_up_mid_epoch(tmp_path):
    backup = tmp_path / "b"
    states = []

    class Look(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            state = bar.read_state(str(backup))
            states.append(None if state is None else (state["epoch"], state["serial"]))

    callback = keras.callbacks.BackupAndRestore(str(backup), save_freq=2,
                                                delete_checkpoint=False)
    fit(make_model(), [callback, Look()], epochs=2)
    assert states == [None, (0, 1), (0, 1), (1, 2), (1, 2), (1, 3)]


@pytest.mark.parametrize("kwargs, text", [
    ({"backup_dir": ""}, "Empty `backup_dir`"),
    ({"backup_dir": "b", "save_freq": "batch"}, "save_freq='batch'"),
    ({"backup_dir": "b", "save_freq": 0}, "save_freq=0"),
])
def test_bad_arguments(kwargs, text):
    with pytest.raises(ValueError, match=text):
        keras.callbacks.BackupAndRestore(**kwargs)


def test_unbuilt_model_with_a_backup_fails_clearly(tmp_path):
    _interrupted_after(1, tmp_path / "b", dropout=False)
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="must be built before you call fit"):
            fit(model, [keras.callbacks.BackupAndRestore(str(tmp_path / "b"))])


# --- BackupAndRestore: a real crash ---------------------------------------------------
CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np
    import glassnet as keras

    backup_dir, out_path, kill_in_epoch = sys.argv[1], sys.argv[2], int(sys.argv[3])
    keras.utils.set_random_seed(123)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = (x[:, :1] * 2 - x[:, 1:2] + 0.1 * rng.normal(size=(64, 1))).astype("float32")
    model = keras.Sequential([
        keras.layers.Input((6,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dropout(0.4),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")

    class Signal(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == kill_in_epoch and batch == 1:
                print("KILL ME", flush=True)
                time.sleep(600)

    model.fit(x, y, batch_size=8, epochs=5, verbose=0, shuffle=True,
              callbacks=[keras.callbacks.BackupAndRestore(backup_dir), Signal()])
    np.savez(out_path, *model.get_weights())
    print("DONE", flush=True)
""")


def _run_child(script, *args):
    env = {**os.environ, "PYTHONPATH": ROOT}
    return subprocess.Popen([sys.executable, str(script), *map(str, args)],
                            stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def _run_to_end(script, *args):
    child = _run_child(script, *args)
    out, _ = child.communicate(timeout=300)
    assert child.returncode == 0 and "DONE" in out, out


def test_sigkill_mid_epoch_then_restart_gives_bit_identical_weights(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(CHILD)
    _run_to_end(script, tmp_path / "backup-a", tmp_path / "a.npz", -1)

    child = _run_child(script, tmp_path / "backup-b", tmp_path / "b.npz", 2)
    try:
        assert child.stdout.readline().strip() == "KILL ME"  # inside epoch 3, batch 2
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert bar.read_state(str(tmp_path / "backup-b"))["epoch"] == 2
    assert not (tmp_path / "b.npz").exists()

    _run_to_end(script, tmp_path / "backup-b", tmp_path / "b.npz", -1)
    a, b = np.load(tmp_path / "a.npz"), np.load(tmp_path / "b.npz")
    assert a.files == b.files
    for name in a.files:
        assert np.array_equal(a[name], b[name]), name
    assert not (tmp_path / "backup-a").exists() and not (tmp_path / "backup-b").exists()
