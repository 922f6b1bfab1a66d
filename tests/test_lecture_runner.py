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

import pytest

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
