"""Where dataset files come from: local folders in a fixed order, then a verified download.

``locate`` walks a list of places (folders) and returns the first one that holds every
file a dataset needs.  A place that is absent or incomplete is noted with the reason and
skipped; when no place has the files, ``download`` fetches the missing ones into
glassnet's cache.  If that fails too, ONE ``DatasetNotFoundError`` lists every place
looked at, why each failed, and how to fix it.

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


class DatasetNotFoundError(FileNotFoundError):
    """No source holds the dataset; the message lists every place looked and the fixes."""

    def __init__(self, title, looked, fixes):
        self.looked = list(looked)
        lines = [f"{title} could not be found or downloaded. Places looked, in order:"]
        lines += [f"  {i}. {entry}" for i, entry in enumerate(self.looked, start=1)]
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


def find_in(folder, names):
    """({name: path} of the files present in ``folder``, [names missing]).

    A file ``x.gz`` may also be present uncompressed as ``x``.
    """
    found, missing = {}, []
    for name in names:
        candidates = [name, name[:-3]] if name.endswith(".gz") else [name]
        path = next((folder / c for c in candidates if (folder / c).is_file()), None)
        if path is None:
            missing.append(name)
        else:
            found[name] = path
    return found, missing


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
        folder = Path(folder)
        found, missing = find_in(folder, names)
        if not missing:
            return found
        looked.append(f"{label} {folder}: {_reason(folder, found, missing)}")
    if remote is not None:
        import http.client  # network modules load only when a download is attempted

        try:
            return fetch(names, remote)
        except (OSError, http.client.HTTPException) as error:
            looked.append(f"{remote.label}: download failed: {error}")
    raise DatasetNotFoundError(title, looked, fixes)


def fetch(names, remote):
    """Download the files of ``names`` missing from ``remote.folder``; {name: path}."""
    folder = Path(remote.folder)
    for name in find_in(folder, names)[1]:
        download(remote.urls[name], folder / name, remote.sha256[name])
    return find_in(folder, names)[0]


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


def _reason(folder, found, missing):
    """Why ``folder`` cannot serve the dataset, in a few words."""
    if not folder.is_dir():
        return "missing" if not folder.exists() else "not a folder"
    if not found:
        return "no dataset files in it"
    return "incomplete, missing " + ", ".join(missing)
