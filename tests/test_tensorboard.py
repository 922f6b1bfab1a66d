"""keras.callbacks.TensorBoard: event files that TensorBoard's own reader reads back.

The reading tests use the ``tensorboard`` package (the ``test`` extra) only as a reader:
its ``EventAccumulator`` parses the files, so a framing, CRC or protobuf mistake in
glassnet's writer shows up as missing or wrong data here.
"""
import os

import numpy as np
import pytest

import glassnet as keras
from glassnet.callbacks.tensorboard import event_writer

try:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
except ImportError:  # pragma: no cover - the test extra installs it
    EventAccumulator = None

needs_reader = pytest.mark.skipif(
    EventAccumulator is None,
    reason="the `tensorboard` package (glassnet[test]) is needed to read event files back",
)


def _data(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    return x, y


def _model():
    model = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(3, activation="relu", name="dense"),
        keras.layers.Dense(1, activation="sigmoid", name="out"),
    ])
    model.compile(keras.optimizers.SGD(0.05), "binary_crossentropy", metrics=["accuracy"])
    return model


def _read(directory):
    accumulator = EventAccumulator(directory, size_guidance={"scalars": 0, "histograms": 0})
    accumulator.Reload()
    return accumulator


def _series(accumulator, tag):
    return [(event.step, event.value) for event in accumulator.Scalars(tag)]


def _f32(values):
    return [float(np.float32(value)) for value in values]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A 3-epoch fit with validation and histograms every epoch, and its logs read back."""
    log_dir = tmp_path_factory.mktemp("tb")
    model = _model()
    history = model.fit(
        *_data(32, 0), validation_data=_data(16, 1), epochs=3, batch_size=8, verbose=0,
        callbacks=[keras.callbacks.TensorBoard(log_dir, histogram_freq=1)],
    )
    return model, history.history, _read(str(log_dir / "train")), \
        _read(str(log_dir / "validation"))


@needs_reader
def test_epoch_scalars_equal_history(trained):
    _, history, train, validation = trained
    for name in ("loss", "accuracy"):
        assert _series(train, f"epoch_{name}") == list(enumerate(_f32(history[name])))
        assert _series(validation, f"epoch_{name}") == \
            list(enumerate(_f32(history[f"val_{name}"])))
    assert _series(train, "epoch_learning_rate") == [(e, pytest.approx(0.05)) for e in range(3)]
    assert not any(tag.startswith("batch_") for tag in train.Tags()["scalars"])
    assert "epoch_learning_rate" not in validation.Tags()["scalars"]


@needs_reader
def test_weight_histograms_every_epoch(trained):
    model, _, train, _ = trained
    expected = {"dense/kernel": 12, "dense/bias": 3, "out/kernel": 3, "out/bias": 1}
    assert set(train.Tags()["histograms"]) == {f"{path}/histogram" for path in expected}
    for path, size in expected.items():
        events = train.Histograms(f"{path}/histogram")
        assert [event.step for event in events] == [0, 1, 2]
        assert all(event.histogram_value.num == size for event in events)
        assert all(sum(event.histogram_value.bucket) == size for event in events)
    final = train.Histograms("dense/kernel/histogram")[-1].histogram_value
    kernel = np.asarray(model.layers[0].kernel, dtype=np.float64)
    assert final.min == pytest.approx(kernel.min()) and final.max == pytest.approx(kernel.max())
    assert final.sum == pytest.approx(kernel.sum())


@needs_reader
def test_histogram_freq_picks_epochs(tmp_path):
    _model().fit(*_data(16, 0), epochs=5, batch_size=8, verbose=0,
                 callbacks=[keras.callbacks.TensorBoard(tmp_path, histogram_freq=2)])
    train = _read(str(tmp_path / "train"))
    assert [e.step for e in train.Histograms("out/bias/histogram")] == [0, 2, 4]
    assert not (tmp_path / "validation").exists()  # no validation data, no validation file


@needs_reader
@pytest.mark.parametrize("update_freq, steps", [("batch", [1, 2, 3, 4, 5, 6]), (4, [4])])
def test_integer_update_freq_writes_batch_scalars(tmp_path, update_freq, steps):
    history = _model().fit(
        *_data(24, 0), epochs=2, batch_size=8, verbose=0,
        callbacks=[keras.callbacks.TensorBoard(tmp_path, update_freq=update_freq)],
    )
    train = _read(str(tmp_path / "train"))
    assert [step for step, _ in _series(train, "batch_loss")] == steps
    assert [step for step, _ in _series(train, "batch_accuracy")] == steps
    if update_freq == "batch":  # the 3rd batch closes epoch 0: its running mean is the epoch's
        assert _series(train, "batch_loss")[2][1] == _f32(history.history["loss"])[0]
    assert [step for step, _ in _series(train, "epoch_loss")] == [0, 1]


@needs_reader
def test_steps_per_second_and_evaluate(tmp_path):
    model = _model()
    callback = keras.callbacks.TensorBoard(tmp_path, write_steps_per_second=True)
    model.fit(*_data(16, 0), epochs=2, batch_size=8, verbose=0, callbacks=[callback])
    results = model.evaluate(*_data(8, 1), verbose=0, callbacks=[callback], return_dict=True)
    train, validation = _read(str(tmp_path / "train")), _read(str(tmp_path / "validation"))
    assert all(value > 0 for _, value in _series(train, "epoch_steps_per_second"))
    assert _series(validation, "evaluation_loss_vs_iterations") == \
        [(4, float(np.float32(results["loss"])))]


def test_one_event_file_per_run_directory(tmp_path):
    _model().fit(*_data(8, 0), epochs=1, verbose=0,
                 callbacks=[keras.callbacks.TensorBoard(tmp_path)])
    files = os.listdir(tmp_path / "train")
    assert len(files) == 1 and files[0].startswith("events.out.tfevents.")


@pytest.mark.parametrize("argument, value", [
    ("write_images", True), ("profile_batch", 2), ("profile_batch", (1, 3)),
    ("embeddings_freq", 1), ("embeddings_metadata", "meta.tsv"),
])
def test_unsupported_options_are_refused_by_name(argument, value):
    with pytest.raises(ValueError, match=rf"`{argument}` must be .*Received: {argument}="):
        keras.callbacks.TensorBoard(**{argument: value})


@pytest.mark.parametrize("argument, value", [
    ("update_freq", "sometimes"), ("update_freq", 0), ("histogram_freq", -1),
    ("histogram_freq", 1.5),
])
def test_bad_frequencies_are_refused_by_name(argument, value):
    with pytest.raises(ValueError, match=rf"`{argument}` must be .*Received: {argument}="):
        keras.callbacks.TensorBoard(**{argument: value})


def test_defaults_are_accepted_and_nothing_is_written_before_training(tmp_path):
    callback = keras.callbacks.TensorBoard(tmp_path / "logs")
    assert (callback.histogram_freq, callback.update_freq, callback.write_graph) == \
        (0, "epoch", True)
    assert keras.callbacks.TensorBoard().log_dir == "logs"
    assert not (tmp_path / "logs").exists()


def test_crc32c_known_value():
    """The CRC-32C check value of b"123456789" (RFC 3720) guards the framing."""
    assert event_writer.crc32c(b"123456789") == 0xE3069283


def test_import_glassnet_does_not_import_tensorboard_or_protobuf():
    import subprocess
    import sys

    code = ("import sys, glassnet; print(any(m.split('.')[0] in ('tensorboard', 'google', "
            "'tensorboardX') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
