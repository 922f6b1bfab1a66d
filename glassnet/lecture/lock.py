"""One ``glassnet lecture`` run at a time per output folder.

``output_lock(out)`` holds an operating-system lock on ``<out>/.glassnet-lecture.lock``
(``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows) for as long as the run lasts.
The operating system releases it when the process ends, however it ends (a crash, kill -9),
so a lock is never stale and never needs removing by hand.  A second run does not wait:
it stops at once with ``FolderBusyError``, naming the folder and the run that holds it
(pid, host, start time, which the holder writes into the lock file).

While the lock is held no other run writes into the folder, so whatever staging folder
or temporary file is found there is the leftover of a run that died (see
``storage.remove_leftovers``).
"""
import contextlib
import datetime
import os
import socket
import sys
from pathlib import Path

from glassnet.lecture.runner import LectureError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
try:
    import msvcrt
except ImportError:  # POSIX
    msvcrt = None

LOCK_FILE = ".glassnet-lecture.lock"
WINDOWS_LOCK_OFFSET = 1 << 20  # msvcrt locks a byte range: one byte past the holder's text


class FolderBusyError(LectureError):
    """Another run holds the output folder's lock."""


@contextlib.contextmanager
def output_lock(out):
    """Holds the lock of the output folder ``out`` (which must exist) while the block runs.

    Raises FolderBusyError at once when another run holds it, LectureError when the lock
    file cannot be opened or locked.  Where the platform has no file lock at all, warns on
    stderr and runs unlocked.
    """
    path = Path(out) / LOCK_FILE
    try:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)  # never O_TRUNC: holder info
    except OSError as error:
        raise LectureError(f"cannot open the lock file {path} "
                           f"({error.strerror or error})") from None
    try:
        if not _try_lock(handle, path):
            raise FolderBusyError(
                f"the output folder {out} is in use by another glassnet lecture run "
                f"({_holder(handle)}). Wait for it to finish, or choose another folder "
                "with --out DIR."
            )
        _write_holder(handle)
        yield path
    finally:
        os.close(handle)  # closing the file releases the lock


def _try_lock(handle, path):
    """True once ``handle`` holds the lock, False when another process holds it."""
    try:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        elif msvcrt is not None:
            os.lseek(handle, WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
        else:
            print(f"glassnet lecture: warning: this platform cannot lock {path}; "
                  "do not start two runs on the same folder at once.", file=sys.stderr)
    except (BlockingIOError, PermissionError):  # flock: EWOULDBLOCK; msvcrt: EACCES
        return False
    except OSError as error:  # e.g. ENOLCK: a network file system without locks
        raise LectureError(f"cannot lock {path} ({error.strerror or error})") from None
    return True


def _write_holder(handle):
    """Writes who holds the lock into the lock file, for the message of a second run."""
    text = (f"pid {os.getpid()} on {socket.gethostname()}, started "
            f"{datetime.datetime.now().isoformat(timespec='seconds')}")
    os.ftruncate(handle, 0)
    os.lseek(handle, 0, os.SEEK_SET)
    os.write(handle, text.encode("utf-8"))


def _holder(handle):
    """The holder's line of the lock file, or a placeholder before it has written one."""
    os.lseek(handle, 0, os.SEEK_SET)
    text = os.read(handle, 4096).decode("utf-8", errors="replace").strip()
    return text or "pid unknown: it is just starting"
