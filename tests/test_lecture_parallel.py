"""`glassnet lecture --workers N` and `--scheduler ADDRESS`: experiments in other processes.

Every run is a `--quick` run of a few small MLP experiments (~1 s of training each).  The
reference is the sequential run with as many BLAS threads as each worker has: the number
of threads changes the rounding of NumPy's matrix products, and with it the last digits
(and, in deep nets, more); with the same threads, results must be identical to the bit.
The Dask tests start a real LocalCluster (two worker processes on loopback).  A worker is
killed mid-experiment through ``parallel.CRASH_VARIABLE`` (the experiment kills its own
process during its first epoch, as often as the test asks, counted in a file).
"""
import concurrent.futures
import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout

import pytest

from glassnet import cli
from glassnet.lecture import parallel, runner

threadpoolctl = pytest.importorskip("threadpoolctl")  # the reference's thread count

NAMES = ["opt-sgd", "opt-adam", "opt-sgd-clipnorm"]  # in the registry's order
TWO = "opt-sgd,opt-adam"
WORKERS = 2
CLI_SECONDS = 120  # a run that takes longer has hung: the test fails
LINE = re.compile(r"^  \[(\d)/(\d)\] ([a-z-]+): test: loss [\d.]+ - accuracy ([\d.]+) .* - on "
                  r"\S+ pid (\d+)", re.MULTILINE)


def run_cli(*argv):
    """(exit code, stdout, stderr) of ``glassnet <argv>`` in-process, within CLI_SECONDS."""
    def call():
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = cli.main([str(arg) for arg in argv])
        return code, out.getvalue(), err.getvalue()

    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        return thread.submit(call).result(timeout=CLI_SECONDS)


def lecture(out, only, *options):
    return run_cli("lecture", "--quick", "--out", out, "--only", only, *options)


def numbers(out, name):
    """What must not depend on where an experiment ran: its history and test numbers,
    options, config and parameter count."""
    result = json.loads((out / name / "result.json").read_text())
    return {key: result[key] for key in ("history", "test", "options", "config", "params")}


def report_without_times(out):
    """report.md up to its timing section, its generation time and durations left out."""
    text = (out / "report.md").read_text().split("\n## Time, machine and versions")[0]
    text = re.sub(r"Generated \S+\.", "Generated <time>.", text)
    return re.sub(r"\b\d+\.\d (s|min)\b", "<duration>", text)


@pytest.fixture(scope="module")
def sequential(tmp_path_factory):
    """The sequential run of NAMES with the workers' BLAS threads: the reference."""
    out = tmp_path_factory.mktemp("sequential") / "lecture"
    threads = parallel.threads_per_worker(WORKERS)
    with threadpoolctl.threadpool_limits(limits=threads, user_api="blas"):
        code, _, stderr = lecture(out, ",".join(NAMES))
    assert code == 0, stderr
    return out


def assert_same_numbers(out, reference, names):
    for name in names:
        assert numbers(out, name) == numbers(reference, name), name


def assert_no_leftovers(out):
    assert not [path.name for path in out.iterdir() if path.name.startswith(".")
                and path.name != ".glassnet-lecture.lock"]


# --- --workers N --------------------------------------------------------------------------
def test_workers_give_the_sequential_numbers_and_report(sequential, tmp_path):
    out = tmp_path / "lecture"
    code, stdout, stderr = lecture(out, ",".join(NAMES), "--workers", WORKERS)
    assert code == 0, stderr
    assert_same_numbers(out, sequential, NAMES)
    threads = parallel.threads_per_worker(WORKERS)
    assert f"Training on 2 local worker processes, {threads} BLAS thread" in stdout
    finished = LINE.findall(stdout)  # one line per finished experiment
    assert sorted(name for _, _, name, _, _ in finished) == sorted(NAMES)
    assert [index for index, *_ in finished] == ["1", "2", "3"]
    for _, total, name, accuracy, pid in finished:
        result = json.loads((out / name / "result.json").read_text())
        assert total == "3" and accuracy == f"{result['test']['accuracy']:.4f}"
        assert int(pid) != runner.os.getpid()  # trained in another process
        assert result["environment"]["blas_threads"] == threads
    assert "Epoch 1/" not in stdout  # no progress bars from workers
    assert "3 experiments done in " in stdout and "(3 trained, 0 reused, 0 failed)" in stdout
    assert report_without_times(out) == report_without_times(sequential)
    assert sorted(p.name for p in (out / "figures").iterdir()) == sorted(
        p.name for p in (sequential / "figures").iterdir())
    for name in NAMES:
        assert sorted(p.name for p in (out / name).iterdir()) == sorted(
            p.name for p in (sequential / name).iterdir())
        assert (out / name / "weights.npz").read_bytes() == (
            sequential / name / "weights.npz").read_bytes()
    assert_no_leftovers(out)


def test_a_rerun_with_workers_reuses_and_trains_only_what_is_missing(sequential, tmp_path):
    out = tmp_path / "lecture"
    assert lecture(out, "opt-sgd", "--workers", WORKERS)[0] == 0
    before = (out / "opt-sgd" / "result.json").read_bytes()
    code, stdout, stderr = lecture(out, TWO, "--workers", WORKERS)
    assert code == 0, stderr
    assert "Experiment 1/2: opt-sgd — reusing the finished result in " in stdout
    assert "Experiment 2/2: opt-adam — to train" in stdout
    assert "(1 trained, 1 reused, 0 failed)" in stdout
    assert (out / "opt-sgd" / "result.json").read_bytes() == before
    assert_same_numbers(out, sequential, ["opt-sgd", "opt-adam"])


def test_the_blas_threads_of_the_workers_share_the_cores():
    assert parallel.threads_per_worker(1) == max(1, runner.os.cpu_count())
    assert parallel.threads_per_worker(runner.os.cpu_count() * 4) == 1
    before = {name: runner.os.environ.get(name) for name in parallel.BLAS_VARIABLES}
    with parallel.local_pool(WORKERS) as pool:
        info = pool.submit(parallel.worker_info).result(timeout=CLI_SECONDS)
        environ = {name: pool.submit(runner.os.getenv, name).result(timeout=CLI_SECONDS)
                   for name in parallel.BLAS_VARIABLES}  # what the worker was started with
    assert info["pid"] != runner.os.getpid()
    assert info["blas_threads"] == pool.threads == parallel.threads_per_worker(WORKERS)
    assert environ == dict.fromkeys(before, str(pool.threads))
    assert {name: runner.os.environ.get(name) for name in before} == before  # put back


def test_a_worker_with_two_threads_trains_one_experiment_at_a_time(sequential):
    """As a Dask worker started with --nthreads 2 would call it: same numbers."""
    options = runner.Options(out=sequential, names=["opt-sgd", "opt-adam"], quick=True)
    experiments = [runner.registry.get(name) for name in options.names]
    threads = parallel.threads_per_worker(WORKERS)
    with threadpoolctl.threadpool_limits(limits=threads, user_api="blas"), \
            concurrent.futures.ThreadPoolExecutor(2) as worker:
        futures = [worker.submit(parallel.train_remote, e, options) for e in experiments]
        outcomes = [future.result(timeout=CLI_SECONDS) for future in futures]
    for experiment, outcome in zip(experiments, outcomes):
        saved = json.loads((sequential / experiment.name / "result.json").read_text())
        assert outcome["result"]["history"] == saved["history"], experiment.name
        assert outcome["result"]["test"] == saved["test"], experiment.name
        assert outcome["files"]["weights.npz"] == (
            sequential / experiment.name / "weights.npz").read_bytes()


# --- a worker killed mid-experiment ---------------------------------------------------------
def crash(monkeypatch, tmp_path, name, times):
    """Makes the worker training ``name`` kill itself on its first ``times`` attempts."""
    record = tmp_path / "crashes.txt"
    monkeypatch.setenv(parallel.CRASH_VARIABLE, f"{name}:{times}:{record}")
    return record


def test_a_killed_worker_loses_nothing_and_its_experiment_is_retried(sequential, tmp_path,
                                                                     monkeypatch):
    record = crash(monkeypatch, tmp_path, "opt-adam", times=1)
    out = tmp_path / "lecture"
    code, stdout, stderr = lecture(out, TWO, "--workers", WORKERS)
    assert code == 0, stderr
    assert record.read_text().count("killed itself") == 1  # it did die, mid-fit
    assert "opt-adam: its worker process died" in stdout
    assert "opt-adam" in stdout.split("trying it again alone (attempt 2 of 2)")[0]
    assert_same_numbers(out, sequential, ["opt-sgd", "opt-adam"])
    assert_no_leftovers(out)


def test_an_experiment_that_kills_its_worker_twice_fails_and_a_rerun_finishes_it(
        sequential, tmp_path, monkeypatch):
    record = crash(monkeypatch, tmp_path, "opt-adam", times=2)
    out = tmp_path / "lecture"
    code, stdout, stderr = lecture(out, TWO, "--workers", WORKERS)
    assert code == cli.EXIT_FAILED == 1
    assert record.read_text().count("killed itself") == 2
    assert "  opt-adam: FAILED after 2 attempts: its worker process died (killed, or crashed)" \
        in stdout
    assert "(1 trained, 0 reused, 1 failed)" in stdout
    assert stderr.startswith("glassnet lecture: 1 experiment(s) failed: opt-adam. ")
    assert "run the same command again to train the missing ones" in stderr
    assert_same_numbers(out, sequential, ["opt-sgd"])  # the other one is kept
    assert not (out / "opt-adam").exists()
    assert_no_leftovers(out)
    assert "| opt-sgd |" in (out / "report.md").read_text()  # the report shows what finished
    assert "| opt-adam |" not in (out / "report.md").read_text()

    monkeypatch.delenv(parallel.CRASH_VARIABLE)
    code, stdout, stderr = lecture(out, TWO, "--workers", WORKERS)
    assert code == 0, stderr
    assert "(1 trained, 1 reused, 0 failed)" in stdout
    assert_same_numbers(out, sequential, ["opt-sgd", "opt-adam"])
    assert "| opt-adam |" in (out / "report.md").read_text()


# --- --scheduler: a Dask cluster ------------------------------------------------------------
@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A LocalCluster of two one-thread worker processes on loopback; opt-sgd-clipnorm
    kills its worker once (the crash record is ``cluster.crash_record``)."""
    distributed = pytest.importorskip("distributed")
    record = tmp_path_factory.mktemp("dask") / "crashes.txt"
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, env={parallel.CRASH_VARIABLE: f"opt-sgd-clipnorm:1:{record}"},
        timeout=60)
    cluster.crash_record = record
    yield cluster
    cluster.close(timeout=60)


def test_a_dask_cluster_gives_the_sequential_numbers_and_resumes(sequential, dask_cluster,
                                                                 tmp_path):
    out = tmp_path / "lecture"
    address = dask_cluster.scheduler_address
    code, stdout, stderr = lecture(out, TWO, "--scheduler", address)
    assert code == 0, stderr
    assert f"Training on the Dask cluster at {address} (2 worker threads now)" in stdout
    assert len(LINE.findall(stdout)) == 2
    assert_same_numbers(out, sequential, ["opt-sgd", "opt-adam"])
    for name in ("opt-sgd", "opt-adam"):
        assert json.loads((out / name / "result.json").read_text())[
            "environment"]["blas_threads"] == 1  # Dask's workers: OPENBLAS_NUM_THREADS=1

    # A rerun adds the third, whose worker is killed mid-fit: the scheduler moves it.
    code, stdout, stderr = lecture(out, ",".join(NAMES), "--scheduler", address)
    assert code == 0, stderr
    assert dask_cluster.crash_record.read_text().count("killed itself") == 1
    assert "(1 trained, 2 reused, 0 failed)" in stdout
    assert_same_numbers(out, sequential, NAMES)
    assert report_without_times(out) == report_without_times(sequential)
    assert_no_leftovers(out)


def test_a_dask_task_that_fails_twice_is_reported_failed(sequential, dask_cluster, tmp_path,
                                                         monkeypatch):
    """A task that raises (here: no dataset on the workers' side is a LectureError, not
    retried; any other exception is tried twice)."""
    def failing(experiment, options):
        raise RuntimeError("out of memory (test)")

    monkeypatch.setattr(parallel, "train_remote", failing)  # pickled by value: a local
    out = tmp_path / "lecture"
    code, stdout, _ = lecture(out, "opt-sgd", "--scheduler",
                                   dask_cluster.scheduler_address)
    assert code == cli.EXIT_FAILED
    assert "  opt-sgd: RuntimeError: out of memory (test); trying it again (attempt 2 of 2)" \
        in stdout
    assert "  opt-sgd: FAILED after 2 attempts: RuntimeError: out of memory (test)" in stdout
    assert not (out / "opt-sgd").exists()


# --- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize("argv, message", [
    (["--workers", "0"], "argument --workers: expected a positive integer. "
                         "Received: workers='0'"),
    (["--workers", "two"], "Received: workers='two'"),
    (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"],
     "argument --scheduler: not allowed with argument --workers"),
])
def test_bad_workers_options_are_usage_errors(tmp_path, argv, message):
    code, _, stderr = lecture(tmp_path / "out", "opt-sgd", *argv)
    assert code == 2 and message in stderr
    assert not (tmp_path / "out").exists()


def test_an_unreachable_scheduler_is_an_error_before_any_training(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(parallel, "DASK_CONNECT_SECONDS", 2)
    code, _, stderr = lecture(tmp_path / "out", "opt-sgd", "--scheduler",
                                   "tcp://127.0.0.1:9")  # the discard port: nobody listens
    assert code == 2
    assert stderr.startswith("glassnet lecture: error: cannot reach the Dask scheduler at "
                             "tcp://127.0.0.1:9 (")
    assert "Traceback" not in stderr and not (tmp_path / "out" / "opt-sgd").exists()


def test_without_distributed_scheduler_names_the_extra(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_distributed(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError("No module named 'distributed' (test)")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    code, stdout, stderr = lecture(tmp_path / "out", "opt-sgd", "--scheduler",
                                   "tcp://127.0.0.1:8786")
    assert code == 2
    assert "--scheduler needs Dask's distributed scheduler: pip install 'glassnet[dask]'" \
        in stderr
    assert stdout == ""


def test_help_says_workers_show_no_progress_bars():
    code, stdout, _ = run_cli("lecture", "--help")
    text = " ".join(stdout.split())
    assert code == 0 and "--workers N" in text and "--scheduler ADDRESS" in text
    assert "one line per finished experiment (accuracy, time, worker) instead of per-epoch " \
           "progress bars" in text
