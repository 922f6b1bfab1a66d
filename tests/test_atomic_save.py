"""Atomic saving (glassnet.saving.atomic): the previous file survives any failed write.

- An exception (or Ctrl-C) while writing leaves the previous file intact and no
  temporary file behind.
- A process killed with SIGKILL half-way through writing a weights file leaves the
  previous file intact and loadable (only its hidden temporary file remains).
"""
import hashlib
import os
import select
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import glassnet as keras
from glassnet import layers
from glassnet.saving import weights_file
from glassnet.saving.atomic import atomic_write, is_temporary
from glassnet.saving.weights_file import load_weights, save_weights

REPO = Path(__file__).resolve().parent.parent


def _digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_success_replaces_the_file_and_leaves_nothing_else(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"old")
    with atomic_write(path) as temporary:
        assert os.path.dirname(temporary) == str(tmp_path)  # same folder: os.replace is atomic
        assert is_temporary(os.path.basename(temporary), path.name)
        assert path.read_bytes() == b"old"  # untouched while writing
        Path(temporary).write_bytes(b"new")
    assert path.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["data.bin"]


@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_exception_inside_keeps_the_previous_file_and_removes_the_temporary(tmp_path, error):
    path = tmp_path / "data.bin"
    path.write_bytes(b"old")
    with pytest.raises(type(error)), atomic_write(path) as temporary:
        Path(temporary).write_bytes(b"half")
        raise error
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["data.bin"]


def test_new_file_gets_default_permissions_and_a_replaced_file_keeps_its_own(tmp_path):
    fresh = tmp_path / "fresh.bin"
    with atomic_write(fresh) as temporary:
        Path(temporary).write_bytes(b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
    fresh.chmod(0o640)
    with atomic_write(fresh) as temporary:
        Path(temporary).write_bytes(b"y")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640


def test_missing_folder_is_named(tmp_path):
    missing = tmp_path / "nowhere" / "m.weights.h5"
    with pytest.raises(FileNotFoundError, match=r"its folder '.*nowhere' does not exist"), \
            atomic_write(missing):
        pass


def _model(seed):
    model = keras.Sequential([keras.Input((6,)), layers.Dense(5), layers.Dense(3)])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") for w in model.weights])
    return model


def test_save_weights_failing_half_way_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "m.weights.h5"
    old = _model(0)
    save_weights(old, path)
    before = _digest(path)

    written = []

    def failing_write(group, key, variable):
        if len(written) == 2:
            raise OSError("No space left on device")
        written.append(key)
        group.create_dataset(key, data=np.asarray(variable.data))

    monkeypatch.setattr(weights_file, "_write_dataset", failing_write)
    with pytest.raises(OSError, match="No space left"):
        save_weights(_model(1), path)
    assert _digest(path) == before
    assert os.listdir(tmp_path) == ["m.weights.h5"]
    monkeypatch.undo()
    loaded = _model(2)
    load_weights(loaded, path)
    for a, b in zip(loaded.weights, old.weights):
        np.testing.assert_array_equal(a.data, b.data)


# The child saves a large model's weights over ``path``; after its third dataset it says
# "writing" and then stalls, so that the parent kills it in the middle of the file.
_CHILD = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    import glassnet as keras
    from glassnet import layers
    from glassnet.saving import weights_file

    path = sys.argv[1]
    model = keras.Sequential(
        [keras.Input((512,))] + [layers.Dense(512) for _ in range(6)]
    )
    original = weights_file._write_dataset
    written = []

    def write_then_stall(group, key, variable):
        original(group, key, variable)
        written.append(key)
        if len(written) == 3:
            group.file.flush()  # part of the new file is on disk
            print("writing", flush=True)
            time.sleep(120)

    weights_file._write_dataset = write_then_stall
    weights_file.save_weights(model, path)
    print("finished", flush=True)
    """
)


def _big_model(seed):
    model = keras.Sequential([keras.Input((512,))] + [layers.Dense(512) for _ in range(6)])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") for w in model.weights])
    return model


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_process_killed_while_writing_leaves_the_previous_file_loadable(tmp_path):
    path = tmp_path / "big.weights.h5"
    old = _big_model(0)
    save_weights(old, path)
    before = _digest(path)

    python_path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": python_path}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(tmp_path), env=env, text=True,
    )
    try:
        ready, _, _ = select.select([child.stdout], [], [], 120)
        line = child.stdout.readline() if ready else ""
        assert line.strip() == "writing", f"child did not start writing: {child.stderr.read()}"
        temporaries = [n for n in os.listdir(tmp_path) if is_temporary(n, path.name)]
        assert len(temporaries) == 1 and os.path.getsize(tmp_path / temporaries[0]) > 0
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()

    assert _digest(path) == before  # the old file, byte for byte
    loaded = _big_model(1)
    load_weights(loaded, path)
    for a, b in zip(loaded.weights, old.weights):
        np.testing.assert_array_equal(a.data, b.data)
    # a killed process cannot clean up: its hidden temporary file is all that is left
    leftovers = sorted(set(os.listdir(tmp_path)) - {path.name})
    assert len(leftovers) == 1 and is_temporary(leftovers[0], path.name)
