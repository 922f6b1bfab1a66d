"""The lecture's results on disk: reading and checking them, saving them atomically.

One folder per experiment (``<out>/<name>/``, listed in ``runner``).  A result is reused
only when every file the report reads is there and readable; otherwise it is "damaged" and
the runner trains it again.  Saving writes a staging folder (``.<name>.partial-*``) and
swaps it in by renaming (the previous folder moved aside as ``.<name>.old-*`` for that
moment), so an interrupted run never leaves a half-written result.  Files and folders get
the modes of ordinary ones (0o666/0o777 less the umask), not tempfile's private ones.
What a run that died leaves behind is recognised by name and removed by the next run,
under the output folder's lock (``lock.output_lock``).
"""
import io
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from glassnet.diagnostics import Diagnostics
from glassnet.lecture import experiments as registry
from glassnet.utils import progbar

RESULT_FILE = "result.json"
# What runs that died leave behind; tempfile's names end in 8 of [a-z0-9_].
STAGING = re.compile(r"\.(?P<name>.+)\.(?P<kind>partial|old)-[a-z0-9_]{8}")  # folders
TEMPORARY = re.compile(r"\.(write-test-|report\.html\.|report\.md\.)[a-z0-9_]{8}")  # files
TEMPORARY_FIGURE = re.compile(r"\..+\.png\.[a-z0-9_]{8}")  # files in <out>/figures


RESULT_FIELDS = {"title": str, "group": str, "options": dict, "config": dict, "history": dict,
                 "test": dict, "timing": dict, "params": int, "weight_names": list}
NUMBER = (int, float)


def read_result(folder, name):
    """The result.json of experiment ``name`` in ``folder``: ``(result, None)``.

    ``(None, why)`` when the file is missing or damaged, ``(None, None)`` when ``folder``
    does not exist (the experiment never finished).
    """
    folder = Path(folder)
    if not folder.exists():
        return None, None
    path = folder / RESULT_FILE
    if not path.is_file():
        return None, f"{RESULT_FILE} is missing"
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
        check_result(result, name)
    except Exception as error:  # whatever a damaged file makes its reader raise
        return None, damaged(RESULT_FILE, error)
    return result, None


def check_result(result, name):
    """Raises ValueError unless ``result`` is ``name``'s record with all the report reads."""
    if not isinstance(result, dict) or result.get("name") != name:
        raise ValueError(f"not a result of {name}")
    for key, kind in RESULT_FIELDS.items():
        _expect(result, key, kind)
    _expect(result["options"], "quick", bool)
    _expect(result["options"], "seed", int)
    _expect(result["test"], "loss", NUMBER)
    _expect(result["test"], "accuracy", NUMBER)
    _expect(result["timing"], "seconds_per_epoch", list)
    _expect(result["timing"], "mean_seconds_per_epoch", (*NUMBER, type(None)))
    _expect(result["timing"], "total_seconds", NUMBER)
    for key, values in result["history"].items():
        if not isinstance(values, list) or not all(isinstance(v, NUMBER) for v in values):
            raise ValueError(f"history[{key!r}] is not a list of numbers")


def _expect(record, key, kind):
    if not isinstance(record.get(key), kind):
        raise ValueError(f"{key!r} is missing or of the wrong type")


def files_problem(folder, experiment, result):
    """Why the files next to ``result`` cannot be reused (missing or damaged), or None."""
    checks = {"summary.txt": _check_summary, "weights.npz": _check_weights,
              "predictions.npz": _check_predictions}
    if experiment.monitor:
        checks["diagnostics.json"] = _check_diagnostics
    if experiment.inspect:
        checks["feature_maps.npz"] = _check_feature_maps
        checks["saliency.npz"] = _check_saliency
    for name, check in checks.items():
        path = Path(folder) / name
        if not path.is_file():
            return f"{name} is missing"
        try:
            check(path, result)
        except Exception as error:  # BadZipFile, EOFError, zlib.error, ValueError, ...
            return damaged(name, error)
    return None


def damaged(name, error):
    return f"{name} is damaged ({type(error).__name__}: {error})"


def _check_summary(path, result):
    path.read_text(encoding="utf-8")


def _check_weights(path, result):
    arrays = read_npz(path)
    size = sum(array.size for array in arrays.values())
    expected = (len(result["weight_names"]), result["params"])
    if (len(arrays), size) != expected:
        raise ValueError(f"{len(arrays)} arrays of {size:,} numbers instead of "
                         f"{expected[0]} of {expected[1]:,}")


def _check_predictions(path, result):
    arrays = read_npz(path)
    missing = {"y_true", "y_pred", "images"} - set(arrays)
    if missing:
        raise ValueError(f"no array {', '.join(sorted(missing))}")
    y_true, y_pred, images = arrays["y_true"], arrays["y_pred"], arrays["images"]
    if y_true.ndim != 1 or y_pred.shape != y_true.shape or images.ndim != 3:
        raise ValueError(f"unexpected shapes: y_true {y_true.shape}, y_pred {y_pred.shape}, "
                         f"images {images.shape}")


def _check_feature_maps(path, result):
    arrays = read_npz(path)
    missing = {"image", "label", "predicted", "layers"} - set(arrays)
    if missing:
        raise ValueError(f"no array {', '.join(sorted(missing))}")
    names = arrays["layers"]
    maps = [arrays.get(f"map_{index:02d}") for index in range(len(names))]
    if names.ndim != 1 or not len(names) or any(m is None or m.ndim != 3 for m in maps):
        raise ValueError(f"expected one (H, W, C) map per layer of {names.tolist()}")
    if arrays["image"].ndim != 3:
        raise ValueError(f"unexpected image shape {arrays['image'].shape}")


def _check_saliency(path, result):
    arrays = read_npz(path)
    missing = {"images", "labels", "predicted", "maps"} - set(arrays)
    if missing:
        raise ValueError(f"no array {', '.join(sorted(missing))}")
    images, maps = arrays["images"], arrays["maps"]
    n = len(images)
    if (images.ndim != 4 or maps.shape != images.shape or not n
            or arrays["labels"].shape != (n,) or arrays["predicted"].shape != (n,)):
        raise ValueError(f"unexpected shapes: images {images.shape}, maps {maps.shape}, "
                         f"labels {arrays['labels'].shape}, "
                         f"predicted {arrays['predicted'].shape}")


def _check_diagnostics(path, result):
    record = Diagnostics.from_dict(json.loads(path.read_text(encoding="utf-8")))
    epochs = len(record.epochs)
    for layer in record.layers:
        if not epochs or not (len(record.grad_norm[layer]) == len(record.update_ratio[layer])
                              == epochs):
            raise ValueError(f"layer {layer} lacks a record of each of the {epochs} epochs")


def read_npz(path):
    """Every array of the .npz file ``path``, read in full (so that its CRC is checked)."""
    with np.load(path, allow_pickle=False) as saved:
        return {key: saved[key] for key in saved.files}


def saved_results(out, stream=None):
    """{name: result} of every finished experiment in ``out``, in the registry's order.

    Only undamaged, complete folders count; the others are left out, and said so on
    ``stream`` when given.
    """
    found = {}
    for experiment in registry.EXPERIMENTS:
        folder = Path(out) / experiment.name
        result, problem = read_result(folder, experiment.name)
        if result is not None:
            problem = files_problem(folder, experiment, result)
        if problem is not None and stream is not None:
            _say(stream, f"{experiment.name}: {problem}; left out of the report "
                        "(a run without --report-only trains it again)")
        elif result is not None and problem is None:
            found[experiment.name] = result
    return found


def save_folder(folder, files):
    """Writes ``files`` ({name: bytes}) as ``folder``, replacing it only once all are written."""
    folder = Path(folder)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.partial-"))
    try:
        os.chmod(staging, ordinary_mode(folder=True))  # mkdtemp's is 0o700
        for name, data in files.items():
            write_atomic(staging / name, data)
        swap_in(staging, folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def swap_in(staging, folder):
    """Renames ``staging`` to ``folder``; a previous ``folder`` is moved aside, then deleted.

    Should the last rename fail, the previous folder is put back; should the process die
    in between, ``remove_leftovers`` puts it back on the next run.
    """
    if not folder.exists():
        os.replace(staging, folder)
        return
    old = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.old-"))
    os.replace(folder, old / folder.name)
    try:
        os.replace(staging, folder)
    except BaseException:
        os.replace(old / folder.name, folder)
        os.rmdir(old)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_atomic(path, data):
    """Writes bytes to ``path`` through a temporary file and ``os.replace``.

    The file gets an ordinary file's mode (0o666 less the umask), not mkstemp's 0o600.
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, ordinary_mode())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def ordinary_mode(folder=False):
    """The mode ``open()`` gives a new file (0o666) or ``mkdir`` a new folder (0o777):
    less the bits of the process' umask."""
    return (0o777 if folder else 0o666) & ~current_umask()


def current_umask():
    """The process' umask, read from /proc where it can be; else set and put back."""
    try:
        with open("/proc/self/status", encoding="utf-8", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # os.umask can only be read by setting it
    os.umask(mask)
    return mask


def leftovers(out):
    """The staging folders and temporary files that runs which died left in ``out``."""
    found = [path for path in _listing(out)
             if STAGING.fullmatch(path.name) or TEMPORARY.fullmatch(path.name)]
    found += [path for path in _listing(Path(out) / "figures")
              if TEMPORARY_FIGURE.fullmatch(path.name)]
    return sorted(found)


def _listing(folder):
    try:
        return list(Path(folder).iterdir())
    except OSError:  # no such folder (yet)
        return []


def remove_leftovers(out, stream=None):
    """Clears ``out`` of what runs that died left behind; returns the paths removed.

    Call it only while holding the folder's lock (``lock.output_lock``): then no other run
    writes into it, and every staging folder or temporary file found is stale.  A finished
    result that a run died while replacing (``.<name>.old-*/<name>``) is first put back.
    """
    stream = sys.stdout if stream is None else stream
    removed = []
    for path in leftovers(out):
        name = restore_moved_result(path)
        if name is not None:
            _say(stream, f"{name}: put back the finished result that an interrupted run had "
                        "moved aside")
        try:
            _remove(path)
        except OSError as error:
            _say(stream, f"could not remove {path} ({error.strerror or error})")
            continue
        removed.append(path)
    if removed:
        names = ", ".join(str(path.relative_to(Path(out))) for path in removed)
        _say(stream, f"Removed what an interrupted run left behind: {names}")
    return removed


def restore_moved_result(path):
    """Renames ``.<name>.old-*/<name>`` back to ``<name>`` when that is missing.

    Returns the name put back, or None.
    """
    match = STAGING.fullmatch(path.name)
    if match is None or match["kind"] != "old":
        return None
    moved, target = path / match["name"], path.parent / match["name"]
    if not moved.is_dir() or target.exists():
        return None
    os.replace(moved, target)
    return match["name"]


def _remove(path):
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def npz_bytes(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def json_bytes(value):
    return (json.dumps(value, indent=1) + "\n").encode("utf-8")


def plain(value):
    """``value`` as it reads back from JSON (tuples become lists)."""
    return json.loads(json.dumps(value))


def _say(stream, message):
    progbar.print_msg(message, stream=stream)
