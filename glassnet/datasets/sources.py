"""Where dataset files come from: local folders in a fixed order, then a verified download.

``locate`` walks a list of places (folders) and returns the first one that holds every
file a dataset needs.  A place that is absent or incomplete is noted with the reason and
skipped; when no place has the files, ``download`` fetches the missing ones into
glassnet's cache.  If that fails too, ONE ``DatasetNotFoundError`` lists every place
looked at, why each failed, and how to fix it.

A folder the user named (``load_data(path=...)``, GLASSNET_DATA_DIR) is different: it is
used or rejected, never skipped for another source.  ``use_folder`` raises
``DatasetNotFoundError`` saying exactly what is missing or broken there (a missing file,
a dangling symlink, a directory where a file should be).

Folders used by the loaders (helpers below):

    GLASSNET_DATA_DIR             a folder the user points at
    $KERAS_HOME/datasets          Keras' own cache (default ~/.keras/datasets)
    $GLASSNET_CACHE_DIR/datasets  glassnet's cache (default $XDG_CACHE_HOME/glassnet,
                                  i.e. ~/.cache/glassnet)

A download streams into a temporary file in the destination folder while it hashes
the bytes (SHA-256), shows a progress bar on stderr, and only a file whose digest
matches is moved into place with ``os.replace`` (atomic on one file system).  A
transfer that fails or does not match is deleted; an older file at the destination is
never touched.
"""
import collections
import os
import stat
import sys
import tempfile
from pathlib import Path

from glassnet.datasets.idx import CorruptFileError


def urlopen(url, timeout):
    """``urllib.request.urlopen``, imported on first use (it pulls in ssl and sockets,
    which ``import glassnet`` should not pay for); a module attribute tests replace."""
    import urllib.request

    return urllib.request.urlopen(url, timeout=timeout)


TIMEOUT = 30  # seconds without data before a download gives up
CHUNK = 1 << 16

Place = collections.namedtuple("Place", ["label", "folder"])
Remote = collections.namedtuple("Remote", ["label", "urls", "sha256", "folder"])
# What a folder holds for a dataset: ``problem`` is None or what is wrong with the folder
# itself; ``found`` {name: path} the usable files; ``missing`` [names]; ``broken`` ["x.gz
# is a directory, not a file", ...]: names present in a form that cannot be read.
Inspection = collections.namedtuple(
    "Inspection", ["folder", "problem", "found", "missing", "broken"]
)


class DatasetNotFoundError(FileNotFoundError):
    """No usable source holds the dataset; the message says where it looked, what was
    wrong there, and how to fix it."""

    def __init__(self, summary, details, fixes):
        self.details = list(details)
        lines = [summary]
        lines += [f"  {detail}" for detail in self.details]
        lines.append("To fix it, do one of:")
        lines += [f"  - {fix}" for fix in fixes]
        super().__init__("\n".join(lines))


def data_dir():
    """The folder named by GLASSNET_DATA_DIR, or None when it is not set."""
    value = os.environ.get("GLASSNET_DATA_DIR")
    return Path(value).expanduser() if value else None


def keras_cache_dir():
    """Keras' dataset cache: $KERAS_HOME/datasets, by default ~/.keras/datasets."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home).expanduser() / "datasets"


def glassnet_cache_dir():
    """glassnet's dataset cache: the first of GLASSNET_CACHE_DIR, $XDG_CACHE_HOME/glassnet
    and ~/.cache/glassnet, followed by /datasets."""
    root = os.environ.get("GLASSNET_CACHE_DIR")
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(xdg, "glassnet")
    return Path(root).expanduser() / "datasets"


def inspect_folder(folder, names):
    """The ``Inspection`` of ``folder`` for the files ``names``.

    A file ``x.gz`` may also be present uncompressed as ``x``.
    """
    folder = Path(folder)
    problem = _folder_problem(folder)
    if problem is not None:
        return Inspection(folder, problem, {}, list(names), [])
    found, missing, broken = {}, [], []
    for name in names:
        candidates = [name, name[:-3]] if name.endswith(".gz") else [name]
        problems = {c: _file_problem(folder / c) for c in candidates}
        usable = [c for c in candidates if problems[c] is None]
        if usable:
            found[name] = folder / usable[0]
        elif all(p == "missing" for p in problems.values()):
            missing.append(name)
        else:
            broken += [f"{c} is {p}" for c, p in problems.items() if p != "missing"]
    return Inspection(folder, None, found, missing, broken)


def locate(title, names, places, remote=None, fixes=()):
    """{name: path} from the first place holding all ``names``, else a download.

    ``places`` is a list of ``Place(label, folder)`` (folder None: not configured);
    ``remote`` a ``Remote(label, urls, sha256, folder)`` ({name: url}, {name: digest},
    the folder to download into) or None for no download.
    """
    looked = []
    for label, folder in places:
        if folder is None:
            looked.append(f"{label}: not set")
            continue
        inspection = inspect_folder(folder, names)
        if len(inspection.found) == len(names):
            return inspection.found
        looked.append(f"{label} {inspection.folder}: {_reason(inspection)}")
    if remote is not None:
        import http.client  # network modules load only when a download is attempted

        try:
            return fetch(names, remote)
        except (OSError, http.client.HTTPException) as error:
            looked.append(f"{remote.label}: download failed: {error}")
    details = [f"{i}. {entry}" for i, entry in enumerate(looked, start=1)]
    summary = f"{title} could not be found or downloaded. Places looked, in order:"
    raise DatasetNotFoundError(summary, details, fixes)


def use_folder(title, names, setting, folders, fixes=()):
    """{name: path} from the first of ``folders`` holding all ``names``, else an error.

    For the folders of one setting the user gave (``setting`` is ``"path=/x"`` or
    ``"GLASSNET_DATA_DIR=/x"``): no other source is tried.  When none is complete,
    ``DatasetNotFoundError`` describes the folder that came closest (``_closeness``), or
    each of them on a tie.
    """
    inspections = [inspect_folder(folder, names) for folder in folders]
    for inspection in inspections:
        if len(inspection.found) == len(names):
            return inspection.found
    best = max(_closeness(inspection) for inspection in inspections)
    closest = [inspection for inspection in inspections if _closeness(inspection) == best]
    details = [f"{inspection.folder}: {_what_is_wrong(inspection)}" for inspection in closest]
    summary = f"{setting} holds no usable {title}. What is wrong there:"
    raise DatasetNotFoundError(summary, details, fixes)


def fetch(names, remote):
    """Download the files of ``names`` missing from ``remote.folder``; {name: path}."""
    folder = Path(remote.folder)
    present = inspect_folder(folder, names).found
    for name in names:
        if name not in present:
            download(remote.urls[name], folder / name, remote.sha256[name])
    return inspect_folder(folder, names).found


def download(url, destination, sha256):
    """Fetch ``url`` to ``destination`` atomically, verifying its SHA-256 digest.

    Raises OSError (or http.client.HTTPException) when the transfer fails and
    ``CorruptFileError`` when the bytes do not have the digest ``sha256``; in both
    cases the temporary file is deleted and an existing ``destination`` is left as is.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=destination.parent, prefix=f".{destination.name}.", suffix=".part"
    )
    try:
        with os.fdopen(handle, "wb") as out:
            digest = _copy_with_progress(url, out)
        if digest != sha256:
            raise CorruptFileError(
                destination,
                f"the download from {url} has SHA-256 {digest}, expected {sha256}",
                advice="The partial file was deleted; try again later or use another source.",
            )
        os.replace(temporary, destination)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return destination


def _copy_with_progress(url, out):
    """Stream ``url`` into the open file ``out``; the hex SHA-256 of the bytes."""
    import hashlib
    import http.client

    stream = sys.stderr
    print(f"Downloading data from {url}", file=stream)
    digest = hashlib.sha256()
    try:
        with urlopen(url, timeout=TIMEOUT) as response:
            total = int(response.headers.get("Content-Length") or 0)
            done, shown = 0, None
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                shown = _show_progress(stream, done, total, shown)
    finally:
        print(file=stream, flush=True)  # end the progress line, also after a failure
    if total and done != total:
        raise http.client.IncompleteRead(b"", total - done)
    return digest.hexdigest()


def _show_progress(stream, done, total, shown):
    """Redraw the bar ``done/total [=====>....] 42%`` when the percentage changed."""
    width = 30
    if not total:
        stream.write(f"\r{done} bytes")
        return None
    percent = 100 * done // total
    if percent != shown:
        filled = width * done // total
        arrow = ">" if filled < width else ""
        bar = "=" * filled + arrow + "." * (width - filled - len(arrow))
        stream.write(f"\r{done}/{total} [{bar}] {percent:3d}%")
        stream.flush()
    return percent


def _reason(inspection):
    """Why a place on the fallback list cannot serve the dataset, in a few words."""
    if inspection.problem is not None:
        return inspection.problem
    if not inspection.found and not inspection.broken:
        return "no dataset files in it"
    return "incomplete: " + _what_is_wrong(inspection)


def _what_is_wrong(inspection):
    """``missing a.gz, b.gz; c.gz is a dangling symlink (to /gone)``."""
    if inspection.problem is not None:
        return inspection.problem
    wrong = [f"missing {', '.join(inspection.missing)}"] if inspection.missing else []
    return "; ".join(wrong + inspection.broken)


def _closeness(inspection):
    """How near a folder is to holding the dataset, comparable between folders: usable
    files, then files present in some form, then a folder (2) over something else (1)
    over nothing (0)."""
    present = len(inspection.found) + len(inspection.broken)
    there = {None: 2, "no such folder": 0}.get(inspection.problem, 1)
    return len(inspection.found), present, there


def _folder_problem(folder):
    """None when ``folder`` is a folder (or a link to one), else what is wrong with it."""
    try:
        mode = folder.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return _absent(folder, "no such folder")
    except OSError as error:
        return f"unreadable ({error.strerror})"
    return None if stat.S_ISDIR(mode) else "not a folder"


def _file_problem(path):
    """None when ``path`` is a regular file (or a link to one), ``"missing"`` when there
    is nothing at all, else what it is instead (``"a directory, not a file"``)."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return _absent(path, "missing")
    except OSError as error:
        return f"unreadable ({error.strerror})"
    if stat.S_ISREG(mode):
        return None
    return "a directory, not a file" if stat.S_ISDIR(mode) else "not a regular file"


def _absent(path, nothing):
    """``nothing`` when ``path`` does not exist, or the dangling symlink that is there."""
    try:
        target = os.readlink(path)
    except OSError:
        return nothing
    return f"a dangling symlink (to {target})"
