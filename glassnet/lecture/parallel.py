"""The lecture's experiments in other processes: ``--workers N`` and ``--scheduler``.

``runner.run(options, executor=...)`` takes any ``concurrent.futures.Executor``:

- ``local_pool(n)``: N processes of this machine (``LocalPool``, ``glassnet lecture
  --workers N``);
- ``dask_executor(address)``: the workers of a running Dask distributed cluster
  (``glassnet lecture --scheduler tcp://HOST:PORT``; ``pip install 'glassnet[dask]'``).

What travels: to a worker, one task per experiment: ``train_remote(experiment, options)``,
the experiment's spec (a small frozen dataclass of plain dicts, see ``experiments``) and
the run's ``runner.Options``; the worker loads Fashion-MNIST itself (once per process),
builds and trains the model, and sends back ``{"result", "files", "worker"}``: the
result.json record and the folder's files as bytes (npz-encoded weights, predictions, ...).
No model and no dataset is pickled.  This process saves each folder as it arrives
(``storage.save_folder``, atomic) while it holds the output folder's lock: it is the only
writer, so resumability and the report are those of a sequential run.

Faults: an experiment whose worker died, or which raised, is tried once more
(``MAX_ATTEMPTS``), then reported failed; the others' results are kept, and a rerun
trains only what is missing.  A local pool whose process was killed is broken for all its
tasks (``BrokenProcessPool``): ``LocalPool`` starts a new one, and the experiments that
were running in it count one attempt each and are tried again one at a time (so the one
that kills its worker is found, and the others finish).  A Dask scheduler moves the task
of a dead worker to another one by itself (up to its ``allowed-failures``, then
``KilledWorker``, which counts as one failed attempt here).
"""
import concurrent.futures
import contextlib
import functools
import multiprocessing
import os
import signal
import socket
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from glassnet.callbacks import Callback
from glassnet.lecture import runner, storage

MAX_ATTEMPTS = 2  # an experiment is tried at most twice per run, then reported failed
BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# Tests of fault tolerance only: "NAME:TIMES:PATH" makes the worker training experiment
# NAME kill itself (SIGKILL) during its first epoch, as long as the file PATH holds fewer
# than TIMES lines (one is added per crash): the first TIMES attempts die, the next live.
CRASH_VARIABLE = "GLASSNET_LECTURE_TEST_CRASH"
DASK_CONNECT_SECONDS = 30


# --- the run ------------------------------------------------------------------------------
def run_on(executor, chosen, assessed, options, stream):
    """``runner.run`` with an executor: reuses what ``assessed`` allows, trains the rest
    through ``executor`` (``train_all``) and returns ``{name: result}``.

    Raises runner.ExperimentsFailed once the others are saved when some failed.
    """
    results = {}
    pending = []
    for index, experiment in enumerate(chosen, start=1):
        reused, note = assessed[experiment.name]
        header = f"Experiment {index}/{len(chosen)}: {experiment.name} — "
        if reused is not None:
            results[experiment.name] = reused
            runner.say(stream, header + "reusing the finished result in "
                               f"{Path(options.out) / experiment.name}")
            continue
        runner.say(stream, header + "to train" + (f" ({note})" if note else ""))
        pending.append(experiment)
    started = time.perf_counter()
    trained, failed = train_all(executor, pending, options, stream) if pending else ({}, {})
    results.update(trained)
    minutes = (time.perf_counter() - started) / 60
    runner.say(stream, f"{len(chosen)} experiments done in {minutes:.1f} min "
                       f"({len(trained)} trained, {len(chosen) - len(pending)} reused, "
                       f"{len(failed)} failed)")
    ordered = {e.name: results[e.name] for e in chosen if e.name in results}
    if failed:
        raise runner.ExperimentsFailed(failed, ordered)
    return ordered


def train_all(executor, experiments, options, stream):
    """Trains ``experiments`` through ``executor``; saves each folder as its result arrives.

    Submits them in order, at most ``executor.max_in_flight`` at a time when the executor
    says so (a ``LocalPool``: its number of processes), else all at once (Dask queues them
    itself).  A failed experiment is submitted again until it has had ``MAX_ATTEMPTS``;
    an error the user must fix (``runner.LectureError``: no dataset on the worker) is not
    retried.  The experiments of a broken local pool (``BrokenProcessPool``: one process
    died, all failed) are tried again one at a time, before the others: whichever dies
    then is the one that kills its worker, and the others do not pay for it twice.
    Returns ``({name: result}, {name: why it failed})``.  On an exception (Ctrl-C) the
    futures not started are cancelled and the exception goes on.
    """
    runner.say(stream, f"Training {len(experiments)} experiment"
                       f"{'s' if len(experiments) != 1 else ''} in worker processes: one line "
                       "per finished experiment")
    sweep = _Sweep(executor, experiments, options, stream)
    try:
        while sweep.unfinished():
            sweep.submit()
            done, _ = concurrent.futures.wait(sweep.running, return_when="FIRST_COMPLETED")
            for future in sorted(done, key=sweep.position):
                sweep.settle(future)
    except BaseException:
        for future in sweep.running:
            future.cancel()
        raise
    return sweep.results, sweep.failed


class _Sweep:
    """The state of ``train_all``: what waits, runs, finished or failed, and the attempts."""

    def __init__(self, executor, experiments, options, stream):
        self.executor, self.experiments = executor, experiments
        self.options, self.stream = options, stream
        self.limit = getattr(executor, "max_in_flight", None) or len(experiments)
        self.waiting, self.suspects = list(experiments), []  # suspects: of a broken pool
        self.running = {}  # {future: experiment}
        self.alone = set()  # the futures of suspects: nothing else runs with them
        self.attempts = {experiment.name: 0 for experiment in experiments}
        self.results, self.failed = {}, {}

    def unfinished(self):
        return bool(self.waiting or self.suspects or self.running)

    def position(self, future):
        return self.experiments.index(self.running[future])

    def submit(self):
        """A suspect alone once nothing runs; else waiting ones up to the limit."""
        if self.suspects:
            if not self.running:
                self.alone.add(self._submit(self.suspects.pop(0)))
            return
        while not self.alone and self.waiting and len(self.running) < self.limit:
            self._submit(self.waiting.pop(0))

    def _submit(self, experiment):
        self.attempts[experiment.name] += 1
        future = self.executor.submit(train_remote, experiment, self.options)
        self.running[future] = experiment
        return future

    def settle(self, future):
        """Saves the result of a finished ``future``, or retries or fails its experiment."""
        experiment = self.running.pop(future)
        alone = future in self.alone
        self.alone.discard(future)
        try:
            outcome = future.result()
        except Exception as error:  # whatever the worker raised, or its death
            self._failure(experiment, error, alone)
            return
        name = experiment.name
        storage.save_folder(Path(self.options.out) / name, outcome["files"])
        self.results[name] = outcome["result"]
        runner.say(self.stream, f"  [{len(self.results) + len(self.failed)}/"
                                f"{len(self.experiments)}] {name}: "
                                f"{runner.outcome_line(outcome['result'])} - on "
                                f"{worker_text(outcome['worker'])}")

    def _failure(self, experiment, error, alone):
        name, tried = experiment.name, self.attempts[experiment.name]
        why = failure_text(error, alone)
        if tried >= MAX_ATTEMPTS or isinstance(error, runner.LectureError):
            self.failed[name] = why
            runner.say(self.stream, f"  {name}: FAILED after {tried} attempt"
                                    f"{'s' if tried != 1 else ''}: {why}")
            return
        broken = isinstance(error, BrokenProcessPool)
        (self.suspects if broken else self.waiting).insert(0, experiment)
        runner.say(self.stream, f"  {name}: {why}; trying it again"
                                f"{' alone' if broken else ''} (attempt {tried + 1} of "
                                f"{MAX_ATTEMPTS})")


def failure_text(error, alone=False):
    """One line saying why an attempt failed (``alone``: nothing else ran in the pool)."""
    if isinstance(error, BrokenProcessPool) and alone:
        return "its worker process died (killed, or crashed)"
    if isinstance(error, BrokenProcessPool):
        return ("its worker process died, or another one of the pool did (a local pool "
                "stops all its experiments when one of its processes dies)")
    if type(error).__name__ == "KilledWorker":  # distributed's: the scheduler gave up
        return f"the Dask workers running it died ({error})"
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def worker_text(worker):
    threads = worker.get("blas_threads")
    threads = f", {threads} BLAS thread{'s' if threads != 1 else ''}" if threads else ""
    return f"{worker['host']} pid {worker['pid']}{threads}"


# --- in the worker ------------------------------------------------------------------------
def train_remote(experiment, options):
    """Runs in a worker: trains ``experiment`` and returns what the parent saves.

    Returns ``{"result": result.json's dict, "files": {name: bytes}, "worker":
    worker_info()}``; writes nothing.  The data is loaded once per worker process.
    One experiment at a time per process (``ONE_AT_A_TIME``): the seed and the layer
    names are the process' (``set_random_seed``, ``clear_session``), so a Dask worker
    with several threads would otherwise mix two experiments' random draws.
    """
    with ONE_AT_A_TIME:
        data = worker_data(options.quick)
        callbacks = crash_callbacks(experiment.name)
        result, files = runner.train_experiment(experiment, data, options, verbose=0,
                                                callbacks=callbacks)
    return {"result": result, "files": files, "worker": worker_info()}


ONE_AT_A_TIME = threading.Lock()


@functools.lru_cache(maxsize=1)
def worker_data(quick):
    """``runner.load_data(quick)``, kept for the next experiment of this process."""
    return runner.load_data(quick)


def worker_info():
    """Where this runs: host, pid and BLAS threads (None when threadpoolctl is missing)."""
    return {"host": socket.gethostname(), "pid": os.getpid(),
            "blas_threads": runner.blas_threads()}


def crash_callbacks(name):
    """``[CrashOnce]`` when CRASH_VARIABLE asks ``name`` to crash (tests), else ``[]``."""
    spec = os.environ.get(CRASH_VARIABLE, "")
    target, _, rest = spec.partition(":")
    times, _, path = rest.partition(":")
    if target != name or not path:
        return []
    return [CrashOnce(int(times), Path(path))]


class CrashOnce(Callback):
    """Kills its own process (SIGKILL: no clean-up runs) after the third training batch,
    while ``path`` holds fewer than ``times`` lines; adds a line first (tests only)."""

    def __init__(self, times, path):
        super().__init__()
        self.times, self.path = times, path

    def on_train_batch_end(self, batch, logs=None):
        if batch != 2:
            return
        crashes = self.path.read_text().count("\n") if self.path.exists() else 0
        if crashes >= self.times:
            return
        with open(self.path, "a", encoding="utf-8") as record:
            record.write(f"pid {os.getpid()} killed itself\n")
            record.flush()
            os.fsync(record.fileno())
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


# --- local processes: --workers N ---------------------------------------------------------
def threads_per_worker(workers):
    """BLAS threads of each of ``workers`` processes, so that together they fill the
    cores without oversubscribing them: max(1, cpu_count // workers)."""
    return max(1, (os.cpu_count() or 1) // workers)


class LocalPool(concurrent.futures.Executor):
    """A ``ProcessPoolExecutor`` of ``workers`` spawned processes that replaces itself when
    one of its processes dies.

    A killed process breaks a ProcessPoolExecutor for good: its running and queued tasks
    fail with BrokenProcessPool and it takes no more.  The next ``submit`` then starts a
    new pool (``restarts`` counts them).  ``max_in_flight`` tells ``train_all`` to keep no
    more tasks than processes, so that a broken pool fails only tasks that were running.

    The processes are started with "spawn" (a fresh interpreter), not "fork" or
    "forkserver": each one gets the environment of this process at the time it starts
    (its BLAS threads: ``local_pool``), a forkserver would keep the environment it was
    first started with, and fork would copy this process' threads and locks mid-state.
    Starting costs a second per process (importing NumPy and glassnet), nothing next to
    an experiment.  Workers ignore Ctrl-C: the parent cancels the run and stops them
    (``terminate``).
    """

    def __init__(self, workers, threads=None):
        if not isinstance(workers, int) or workers < 1:
            raise ValueError(f"LocalPool: expected workers >= 1. Received: workers={workers!r}")
        self.workers = workers
        self.max_in_flight = workers
        self.threads = threads_per_worker(workers) if threads is None else threads
        self.restarts = 0
        self._pool = self._new_pool()

    def _new_pool(self):
        return concurrent.futures.ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker, initargs=(self.threads,))

    def submit(self, fn, /, *args, **kwargs):
        try:
            return self._pool.submit(fn, *args, **kwargs)
        except BrokenProcessPool:
            self._pool.shutdown(wait=True)  # its processes are already gone
            self._pool = self._new_pool()
            self.restarts += 1
            return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait=True, *, cancel_futures=False):
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    def terminate(self):
        """Stops at once: cancels the queued tasks and terminates the processes (whose
        running experiments are lost; nothing of theirs was written)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        if hasattr(self._pool, "terminate_workers"):  # Python 3.14
            self._pool.terminate_workers()
            return
        processes = getattr(self._pool, "_processes", None) or {}  # no public way before
        for process in list(processes.values()):
            process.terminate()

    @property
    def description(self):
        return (f"{self.workers} local worker process{'es' if self.workers != 1 else ''}, "
                f"{self.threads} BLAS thread{'s' if self.threads != 1 else ''} each")


def init_worker(threads):
    """A pool process' first act: ignore Ctrl-C (the parent handles it) and hold BLAS to
    ``threads`` through threadpoolctl when it is installed.

    The environment variables (``local_pool``) already did that when NumPy loaded; this
    also covers a BLAS that ignores them.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import threadpoolctl
    except ImportError:
        return
    global _THREAD_LIMITS  # kept alive for the life of the process
    _THREAD_LIMITS = threadpoolctl.threadpool_limits(limits=threads, user_api="blas")


_THREAD_LIMITS = None


@contextlib.contextmanager
def local_pool(workers):
    """A ``LocalPool`` of ``workers`` processes with ``threads_per_worker(workers)`` BLAS
    threads each; shut down at the end (terminated after an exception, e.g. Ctrl-C).

    The thread count reaches the processes through OPENBLAS_NUM_THREADS, OMP_NUM_THREADS
    and MKL_NUM_THREADS, set in this process' environment for as long as the pool lives:
    a spawned process inherits them and its BLAS reads them when NumPy is imported, which
    happens before the pool's initializer runs (unpickling the initializer imports
    glassnet).  This process' own BLAS was loaded before: it keeps its threads.
    """
    threads = threads_per_worker(workers)
    with environment({name: str(threads) for name in BLAS_VARIABLES}):
        pool = LocalPool(workers, threads)
        try:
            yield pool
        except BaseException:
            pool.terminate()
            raise
        pool.shutdown(wait=True)


@contextlib.contextmanager
def environment(variables):
    """``os.environ`` with ``variables`` set while the block runs, then as it was."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# --- a Dask cluster: --scheduler ADDRESS --------------------------------------------------
def require_distributed():
    """Dask's ``distributed`` module; LectureError naming the extra when it is missing."""
    try:
        import distributed
    except ImportError:
        raise runner.LectureError(
            "--scheduler needs Dask's distributed scheduler: pip install 'glassnet[dask]'"
        ) from None
    return distributed


@contextlib.contextmanager
def dask_executor(address):
    """A ``concurrent.futures`` executor on the Dask cluster whose scheduler is at
    ``address`` (``tcp://HOST:PORT``): ``Client(address).get_executor(pure=False)``.

    ``pure=False``: an experiment submitted again after a failure is a new task, not the
    failed one.  Raises LectureError when distributed is missing or the scheduler cannot
    be reached within DASK_CONNECT_SECONDS.  The client is closed at the end; after an
    exception (Ctrl-C) the tasks not finished are cancelled first.
    """
    distributed = require_distributed()
    try:
        client = distributed.Client(address, timeout=DASK_CONNECT_SECONDS,
                                    set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise runner.LectureError(
            f"cannot reach the Dask scheduler at {address} ({error}). Start one with "
            "`dask scheduler` (and workers with `dask worker ADDRESS`), or check --scheduler."
        ) from None
    executor = client.get_executor(pure=False)
    threads = sum(client.nthreads().values())
    executor.description = (f"the Dask cluster at {address} ({threads} worker "
                            f"thread{'s' if threads != 1 else ''} now)")
    try:
        yield executor
    except BaseException:
        executor.shutdown(wait=False)
        raise
    finally:
        client.close()
