"""Atomic file replacement: a reader sees the old file or the new one, never half of one.

Writing a weights file straight to its path destroys the previous version first; a
crash, a full disk or a killed process half-way leaves a truncated file and no
checkpoint at all.  ``atomic_write(path)`` writes to a temporary file in the same
folder instead, and only when the writing has succeeded:

    fsync the temporary file        its bytes are on the disk, not only in the cache
    os.replace(temporary, path)     one atomic rename (same folder, so same file system)
    fsync the folder                the rename itself survives a power cut

If the writing raises (any exception, KeyboardInterrupt included), the temporary file is
removed and ``path`` is untouched.  A process killed outright (SIGKILL, power loss)
cannot clean up: it leaves the previous ``path`` intact plus a hidden
``.<name>.<random>.tmp`` next to it, which is safe to delete.
"""
import contextlib
import errno
import os
import secrets
import stat

_TEMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_write(path):
    """Yields a temporary path next to ``path``; on success it replaces ``path`` atomically.

    Write the new content to the yielded path (it exists, empty).  An existing ``path``
    keeps its permission bits; a symlink is followed, so its target is replaced.

        with atomic_write("model.weights.h5") as temporary:
            with h5py.File(temporary, "w") as f:
                ...
    """
    target = os.path.realpath(os.fspath(path))
    folder = os.path.dirname(target)
    temporary = _create_temporary(folder, os.path.basename(target), path)
    try:
        _copy_permissions(target, temporary)
        yield temporary
        _fsync_path(temporary)
        os.replace(temporary, target)
    except BaseException:
        _remove_quietly(temporary)
        raise
    _fsync_folder(folder)


def is_temporary(name, final_name):
    """Whether the file ``name`` is a temporary file that ``atomic_write(final_name)`` makes."""
    prefix = f".{os.path.basename(final_name)}."
    return name.startswith(prefix) and name.endswith(_TEMP_SUFFIX)


def _create_temporary(folder, name, path):
    """Creates ``.<name>.<random>.tmp`` in ``folder`` (O_EXCL: never someone else's file)."""
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            errno.ENOENT,
            f"Cannot write '{os.fspath(path)}': its folder '{folder}' does not exist",
            os.fspath(path),
        )
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temporary = os.path.join(folder, f".{name}.{secrets.token_hex(6)}{_TEMP_SUFFIX}")
        try:
            os.close(os.open(temporary, flags, 0o666))  # 0o666 & ~umask, like open()
        except FileExistsError:
            continue
        return temporary
    raise FileExistsError(
        errno.EEXIST, f"Cannot create a unique temporary file in '{folder}'", folder
    )


def _copy_permissions(target, temporary):
    """Gives the new file the permission bits of the file it replaces, if there is one."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return
    os.chmod(temporary, mode)


def _fsync_path(path):
    """Flushes a closed file's data from the OS cache to the disk."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder):
    """Makes the rename durable.  Not possible on every OS (Windows): then skipped."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_quietly(path):
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)
