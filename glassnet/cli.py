"""The ``glassnet`` command.

    glassnet lecture [--out DIR] [--quick] [--only NAME ...] [--force] [--seed N]
                     [--workers N | --scheduler ADDRESS] [--list] [--report-only]

``lecture`` reproduces the experiments of the lecture (Fashion-MNIST, see
``glassnet.lecture``) and writes ``report.html`` and ``report.md`` into the output folder.
One run at a time per output folder: a second one stops at once (see ``lecture.lock``).
``--workers N`` trains the experiments in N local processes, ``--scheduler`` on a Dask
cluster (``glassnet.lecture.parallel``); this process alone writes the output folder.
``main(argv)`` returns the exit code: 0 done, 1 experiments failed in workers (the others
are saved and reported; a rerun trains the missing ones), 2 bad input (an unknown
experiment, an unwritable output folder or one in use by another run, a missing dataset,
an unreachable scheduler), 130 interrupted, 141 the reader of the output went away
(``glassnet lecture --list | head``).
"""
import argparse
import contextlib
import importlib.util
import os
import sys

from glassnet.lecture import experiments as registry
from glassnet.lecture import lock, parallel, report, runner, storage

EXIT_OK = 0
EXIT_FAILED = 1  # experiments failed in workers
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `cat`, `git log`, ...


def build_parser():
    parser = argparse.ArgumentParser(
        prog="glassnet",
        description="glassnet: a glass-box deep-learning library on NumPy with the Keras API.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    lecture = commands.add_parser(
        "lecture",
        help="reproduce the lecture's Fashion-MNIST experiments and write a report",
        description="Trains the lecture's models on Fashion-MNIST (the SGD MLP, the "
                    "optimizer and activation comparisons, the vanishing-gradient demo, "
                    "the Adam + ELU + He models) and a CNN chapter (a small CNN, without "
                    "BatchNormalization, with data augmentation; its filters, feature "
                    "maps and saliency maps), saves every result and writes "
                    "report.html and report.md. Finished experiments are reused. Only one "
                    "run at a time may use an output folder: a second run on the same "
                    "--out does not wait, it stops at once with an error naming the "
                    "running one (its pid). With --workers or --scheduler the experiments "
                    "train in other processes, which send their results back to this one "
                    "(the only one writing into --out); it prints one line per finished "
                    "experiment (accuracy, time, worker) instead of per-epoch progress "
                    "bars. An experiment whose worker dies is tried once more, then "
                    "reported failed (exit code 1); a rerun trains what is missing.",
    )
    lecture.add_argument("--out", default="runs/lecture", metavar="DIR", type=output_folder,
                         help="output folder (default: runs/lecture); one run at a time")
    lecture.add_argument("--quick", action="store_true",
                         help="smoke test: the first 5,000 training images (the CNNs: "
                              "1,000, and 500 validation and 1,000 test images), at most 2 "
                              "epochs")
    lecture.add_argument("--only", action="append", metavar="NAME",
                         help="run only this experiment or group, e.g. --only cnn "
                              "(repeatable, or comma-separated); see --list")
    lecture.add_argument("--force", action="store_true",
                         help="retrain experiments that already have a result")
    lecture.add_argument("--seed", type=seed_value, default=42,
                         help="random seed of every experiment (default: 42)")
    where = lecture.add_mutually_exclusive_group()
    where.add_argument("--workers", type=worker_count, metavar="N",
                       help="train the experiments in N local processes at once, each "
                            "with cpu_count // N BLAS threads (no per-epoch progress bars)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="train them on a running Dask cluster, e.g. tcp://HOST:8786 "
                            "(pip install 'glassnet[dask]'; no per-epoch progress bars)")
    lecture.add_argument("--list", action="store_true",
                         help="list the experiments and the lecture's numbers, then exit")
    lecture.add_argument("--report-only", action="store_true",
                         help="only rewrite the report from the saved results")
    lecture.set_defaults(handler=lecture_command, command_parser=lecture)
    return parser


def seed_value(text):
    """An integer in [0, 2**32 - 1], NumPy's seed range."""
    try:
        seed = int(text)
    except ValueError:
        seed = -1
    if not 0 <= seed < 2**32:
        raise argparse.ArgumentTypeError(
            f"expected an integer in [0, 4294967295]. Received: seed={text!r}")
    return seed


def worker_count(text):
    """--workers: a positive integer."""
    try:
        workers = int(text)
    except ValueError:
        workers = 0
    if workers < 1:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer. Received: workers={text!r}")
    return workers


def output_folder(text):
    """The --out folder: any path but the empty one (which would write into the current
    folder unasked)."""
    if not text:
        raise argparse.ArgumentTypeError(
            "expected a folder (\"\" would write into the current folder; "
            "say --out . for that). Received: out=''")
    return text


def main(argv=None):
    """Runs the command line ``argv`` (default: sys.argv[1:]); returns the exit code.

    When the reader of stdout goes away (``glassnet lecture --list | head -n 1``) the
    command stops quietly with EXIT_BROKEN_PIPE, as a C tool killed by SIGPIPE would.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        code = args.handler(args)
        sys.stdout.flush()  # a broken pipe shows here, not at the interpreter's exit
        return code
    except SystemExit as stop:  # argparse: --help (0) and usage errors (2)
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    except BrokenPipeError:
        silence_stdout()
        return EXIT_BROKEN_PIPE


def silence_stdout():
    """Points stdout at os.devnull, so that Python's own flush at exit finds no broken pipe
    (the recipe of the Python documentation, "Note on SIGPIPE")."""
    try:
        stdout = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):  # not a real file (tests' StringIO)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, stdout)
    os.close(devnull)


def lecture_command(args):
    """``glassnet lecture``: list, or train what is missing, then write the report."""
    if args.list:
        print_experiments(sys.stdout)
        return EXIT_OK
    names = chosen_names(args.command_parser, args.only)
    options = runner.Options(out=args.out, names=names, quick=args.quick, seed=args.seed,
                             force=args.force)
    try:
        require_matplotlib()
        if args.scheduler and not args.report_only:
            parallel.require_distributed()
        runner.check_output_folder(options.out)
        with lock.output_lock(options.out):  # no other run writes here until the end
            storage.remove_leftovers(options.out, stream=sys.stdout)
            code = EXIT_OK if args.report_only else train(options, args)
            report.write_report(options.out, stream=sys.stdout)
    except runner.LectureError as error:
        print(f"glassnet lecture: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return code


def train(options, args=None):
    """Runs the experiments (here, or on the workers ``args`` ask for); after Ctrl-C or
    failed experiments the finished ones still make the report."""
    try:
        with executor_for(args) as executor:
            if executor is not None:
                print(f"Training on {executor.description}", file=sys.stdout)
            runner.run(options, stream=sys.stdout, executor=executor)
    except KeyboardInterrupt:
        print("\nInterrupted: the report shows the experiments finished so far.",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except runner.ExperimentsFailed as failure:
        print(f"glassnet lecture: {failure}. The report shows the others; run the same "
              "command again to train the missing ones.", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def executor_for(args):
    """Where the experiments train: None (here, one after another), a local pool of
    --workers processes, or the Dask cluster of --scheduler (context managers)."""
    if args is not None and args.workers:
        return parallel.local_pool(args.workers)
    if args is not None and args.scheduler:
        return parallel.dask_executor(args.scheduler)
    return contextlib.nullcontext(None)


def chosen_names(parser, only):
    """The experiment names of the --only options (all when none): experiment names and
    group names (a group stands for its experiments); unknown names: exit 2."""
    if not only:
        return list(registry.NAMES)
    given = [name.strip() for value in only for name in value.split(",") if name.strip()]
    unknown = [name for name in given if registry.expand(name) is None]
    if unknown:
        parser.error(f"unknown experiment(s) for --only: {', '.join(unknown)}. "
                     f"Valid names: {', '.join(registry.NAMES)}; "
                     f"groups: {', '.join(registry.GROUPS)}")
    names = [name for token in given for name in registry.expand(token)]
    return list(dict.fromkeys(names))  # each once, in the order given


def require_matplotlib():
    """The report draws with matplotlib: fail before any training when it is missing."""
    if importlib.util.find_spec("matplotlib") is None:
        raise runner.LectureError(
            "the report needs matplotlib: pip install 'glassnet[plot]' "
            "(./run-lecture.sh installs it)"
        )


def print_experiments(stream):
    """The --list table: name, group, epochs, the lecture's numbers, what it is."""
    header = (f"{'name':<24} {'group':<12} {'epochs':>6}  {'lecture accuracy / loss':<26} "
              "description")
    print(header, file=stream)
    for experiment in registry.EXPERIMENTS:
        lecture = experiment.lecture
        numbers = (f"{lecture['accuracy']:.4f} / {lecture['loss']:.4f} ({lecture['cell']})"
                   if lecture else "—")
        print(f"{experiment.name:<24} {experiment.group:<12} {experiment.epochs:>6}  "
              f"{numbers:<26} {experiment.title}", file=stream)
    print(f"groups (--only GROUP runs all its experiments): {', '.join(registry.GROUPS)}",
          file=stream)
