"""glassnet against PyTorch, Keras-on-TensorFlow and Keras-on-JAX, side by side.

    python bench/run.py                       # everything (takes a while; run it quiet)
    python bench/run.py --quick               # smoke run: 2 epochs, 1 repeat
    python bench/run.py --workloads W1,W3 --frameworks glassnet,torch --repeats 5

Sets up the virtualenvs (setup_peers.py), then runs every workload as separate processes,
alternating the frameworks run by run (glassnet, torch, tf, jax, glassnet, ...) so drift
in the machine's speed hits all alike.  Each process loads the data once, times every
epoch (or predict call) and the CPU time other processes used meanwhile; intervals in
which others used more than --noise cores are flagged noisy and left out of the medians
(the workload runs extra epochs/repeats when too few were clean).  Prints a table of
medians and glassnet/peer ratios and writes bench/results/latest.json (raw per-epoch
data, noise, environment) and latest.md.
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

import setup_peers

BENCH = Path(__file__).resolve().parent
WORKLOAD_DIR = BENCH / "workloads"
RESULTS = BENCH / "results"
FRAMEWORKS = ("glassnet", "torch", "tf", "jax")
PEERS = FRAMEWORKS[1:]
WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8")
TRAINING = ("W1", "W2", "W6", "W7")  # workloads with per-epoch records
PREDICT_BATCHES = {"W3": ("32", "1024"), "W7": ("32", "128")}
PREFIX = "BENCH_RESULT "
LABELS = {"glassnet": "glassnet", "torch": "PyTorch", "tf": "Keras/TF", "jax": "Keras/JAX"}
IMPORTS = {"glassnet": "glassnet", "torch": "torch", "tf": "keras", "jax": "keras"}
# The import timer runs before anything else is imported (stdlib only, no numpy).
IMPORT_SNIPPET = """
import json, time
def ticks():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    with open("/proc/self/stat") as f:
        s = f.read().rsplit(")", 1)[1].split()
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7], int(s[11]) + int(s[12])
b0, o0 = ticks(); t0 = time.perf_counter()
import {module}
t = time.perf_counter() - t0; b1, o1 = ticks()
print("{prefix}" + json.dumps({{"seconds": t, "other_ticks": (b1 - b0) - (o1 - o0)}}))
"""


# --- command line ----------------------------------------------------------------------
def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Benchmark glassnet against PyTorch, Keras-on-TF and Keras-on-JAX.")
    parser.add_argument("--workloads", default=",".join(WORKLOADS),
                        help="comma-separated subset of W1..W8 (default: all)")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS),
                        help="comma-separated subset of glassnet,torch,tf,jax")
    parser.add_argument("--repeats", type=int, default=None,
                        help="processes per workload and framework (default 3; quick: 1)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="W1 epochs, the accuracy run (default 30; quick: 2)")
    parser.add_argument("--train-epochs", type=int, default=None,
                        help="W2/W6/W7 epochs per process (default 6; quick: 2)")
    parser.add_argument("--contended-epochs", type=int, default=None,
                        help="W8 epochs per process, run once per framework (default 3; "
                             "quick: 2)")
    parser.add_argument("--train-size", type=int, default=None,
                        help="train on the first N of the 55,000 images (default all; "
                             "quick: 10000)")
    parser.add_argument("--import-repeats", type=int, default=None,
                        help="fresh-process imports per framework (default 7; quick: 3)")
    parser.add_argument("--predict-repeats", type=int, default=None,
                        help="timed predict calls per batch size, W3 and W7 (default 7; "
                             "quick: 3)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--noise", type=float, default=0.3,
                        help="others' CPU use (cores) above which an interval is noisy")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                        help="before each process, wait up to this long for 3 s in a row "
                             "in which others use less than --noise cores (default 0)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: few epochs and repeats; numbers are indicative")
    parser.add_argument("--skip-setup", action="store_true",
                        help="use the existing virtualenvs as they are")
    parser.add_argument("--cache", type=Path, default=setup_peers.DEFAULT_CACHE,
                        help="where the peers' virtualenvs and the logs live")
    parser.add_argument("--out", type=Path, default=RESULTS,
                        help="folder for latest.json and latest.md")
    args = parser.parse_args(argv)
    defaults = ({"repeats": 1, "epochs": 2, "train_epochs": 2, "import_repeats": 3,
                 "predict_repeats": 3, "train_size": 10000, "contended_epochs": 2}
                if args.quick else
                {"repeats": 3, "epochs": 30, "train_epochs": 6, "import_repeats": 7,
                 "predict_repeats": 7, "contended_epochs": 3})
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.workloads = _subset(parser, "workloads", args.workloads, WORKLOADS)
    args.frameworks = _subset(parser, "frameworks", args.frameworks, FRAMEWORKS)
    return args


def _subset(parser, option, text, allowed):
    chosen = [item.strip() for item in text.split(",") if item.strip()]
    unknown = [item for item in chosen if item not in allowed]
    if unknown or not chosen:
        parser.error(f"--{option} must name some of {','.join(allowed)}. Received: {text}")
    return [item for item in allowed if item in chosen]


# --- processes ---------------------------------------------------------------------------
def child_env(framework, threads):
    """The environment of a benchmark process: fixed threads, no OpenBLAS core override,
    bytecode caching on (fresh-process imports as users see them)."""
    env = dict(os.environ)
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "PYTHONDONTWRITEBYTECODE",
                "KERAS_BACKEND", "XLA_FLAGS"):
        env.pop(key, None)
    n = str(threads)
    env.update(OMP_NUM_THREADS=n, OPENBLAS_NUM_THREADS=n, MKL_NUM_THREADS=n,
               TF_NUM_INTRAOP_THREADS=n, TF_NUM_INTEROP_THREADS=n, TF_CPP_MIN_LOG_LEVEL="2")
    if framework == "tf":
        env["KERAS_BACKEND"] = "tensorflow"
    if framework == "jax":
        env.update(KERAS_BACKEND="jax", JAX_PLATFORMS="cpu",
                   XLA_FLAGS=f"--xla_cpu_multi_thread_eigen=true "
                             f"intra_op_parallelism_threads={n}")
    return env


def machine_busy_ticks():
    with open("/proc/stat") as stream:
        v = [int(x) for x in stream.readline().split()[1:9]]
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]


def wait_quiet(limit, noise, log):
    """Waits (up to ``limit`` s) for 3 consecutive seconds in which the machine, this idle
    harness aside, uses less than ``noise`` cores; returns the seconds waited."""
    start, quiet = time.perf_counter(), 0
    hz = os.sysconf("SC_CLK_TCK")
    while quiet < 3 and time.perf_counter() - start < limit:
        before = machine_busy_ticks()
        time.sleep(1.0)
        quiet = quiet + 1 if (machine_busy_ticks() - before) / hz < noise else 0
    waited = time.perf_counter() - start
    if quiet < 3:
        log(f"still busy after waiting {waited:.0f} s; running anyway")
    return waited


class Runner:
    """Starts the benchmark processes and collects their result lines."""

    def __init__(self, args, pythons, log_dir, log):
        self.args, self.pythons, self.log_dir, self.log = args, pythons, log_dir, log
        self.waited = 0.0
        log_dir.mkdir(parents=True, exist_ok=True)

    def run(self, framework, command, log_name, python=None):
        """Runs ``python command...``; returns (parsed result lines, seconds, error)."""
        if self.args.wait_quiet:
            self.waited += wait_quiet(self.args.wait_quiet, self.args.noise, self.log)
        log = self.log_dir / f"{log_name}.log"
        python = python or self.pythons[framework]
        start = time.perf_counter()
        with open(log, "w") as stderr:
            done = subprocess.run([str(python), *command], stdout=subprocess.PIPE,
                                  stderr=stderr, text=True,
                                  env=child_env(framework, self.args.threads))
        seconds = time.perf_counter() - start
        results, other = [], []
        for line in done.stdout.splitlines():
            if line.startswith(PREFIX):
                results.append(json.loads(line[len(PREFIX):]))
            else:
                other.append(line)
        if other:
            with open(log, "a") as stream:
                stream.write("\n--- stdout ---\n" + "\n".join(other) + "\n")
        error = None
        if done.returncode != 0 or not results:
            tail = log.read_text().strip().splitlines()[-15:]
            error = f"exit code {done.returncode}; log {log}:\n    " + "\n    ".join(tail)
        return results, seconds, error

    def workload(self, framework, workload, repeat, epochs, extra=()):
        if workload == "W8":
            return self.contended(framework, repeat, epochs)
        a = self.args
        command = [str(WORKLOAD_DIR / f"run_{framework}.py"), "--workload", workload,
                   "--epochs", str(epochs), "--seed", str(a.seed + repeat),
                   "--threads", str(a.threads), "--noise", str(a.noise),
                   "--predict-repeats", str(a.predict_repeats)]
        if a.quick:
            command += ["--min-clean", "1", "--max-extra", "1"]
        command += list(extra)
        if a.train_size:
            command += ["--train-size", str(a.train_size)]
        results, seconds, error = self.run(framework, command,
                                           f"{workload}-{framework}-{repeat}")
        record = results[-1] if results else {"framework": framework, "workload": workload}
        record.update(repeat=repeat, process_seconds=round(seconds, 2))
        if error:
            record["error"] = error
        return record

    def contended(self, framework, repeat, epochs):
        """W8: the W1 process while ``burner.py`` keeps every core busy (NumPy with
        --threads OpenBLAS threads); every interval is noisy by design."""
        burner = subprocess.Popen([str(self.pythons["glassnet"]),
                                   str(WORKLOAD_DIR / "burner.py")],
                                  env=child_env("glassnet", self.args.threads))
        try:
            time.sleep(1.0)  # the competitor is running before the W1 process starts
            wait, self.args.wait_quiet = self.args.wait_quiet, 0
            record = self.workload(framework, "W1", repeat, epochs,
                                   extra=["--max-extra", "0"])  # noisy by design
        finally:
            self.args.wait_quiet = wait
            burner.kill()
            burner.wait()
        record["workload"] = "W8"
        return record

    def import_time(self, framework, index, python):
        snippet = IMPORT_SNIPPET.format(module=IMPORTS[framework], prefix=PREFIX)
        results, seconds, error = self.run(framework, ["-c", snippet],
                                           f"W4-import-{framework}-{index}", python)
        if error:
            return {"error": error}
        other = results[0]["other_ticks"] / os.sysconf("SC_CLK_TCK")
        import_s = results[0]["seconds"]
        return {"seconds": import_s, "process_seconds": round(seconds, 3),
                "other_cpu_s": round(other, 3),
                "noisy": other / max(import_s, 1e-9) > self.args.noise}

    def installed_size(self, python, names):
        done = subprocess.run([str(python), str(WORKLOAD_DIR / "installed_size.py"), *names],
                              stdout=subprocess.PIPE, text=True, check=True)
        return json.loads(done.stdout)


# --- setup -------------------------------------------------------------------------------
def prepare(args, log):
    """{framework: python} and the seconds each setup step took in this run."""
    pythons, setup = {}, {}
    for framework in args.frameworks:
        if framework == "glassnet":
            if args.skip_setup:
                pythons[framework] = setup_peers.venv_python(setup_peers.REPO / ".venv")
            else:
                pythons[framework] = setup_peers.ensure_glassnet(log)
            continue
        if args.skip_setup:
            path, seconds = setup_peers.peer_venv(args.cache, framework), 0.0
        else:
            path, seconds = setup_peers.ensure_peer(args.cache, framework, log)
        setup[framework] = round(seconds, 1)
        pythons[framework] = setup_peers.venv_python(path)
    missing = [f"{name}: {python}" for name, python in pythons.items() if not python.exists()]
    if missing:
        sys.exit("bench: missing virtualenvs (run without --skip-setup):\n  "
                 + "\n  ".join(missing))
    return pythons, setup


# --- the runs ----------------------------------------------------------------------------
def run_w4(args, runner, pythons, setup, log):
    """Fresh-process import times (alternating, first round discarded) and sizes."""
    pythons_w4, sizes = dict(pythons), {}
    if "glassnet" in args.frameworks:
        start = time.perf_counter()
        fresh = setup_peers.fresh_glassnet_venv(args.cache, log)
        setup["glassnet-fresh"] = round(time.perf_counter() - start, 1)
        pythons_w4["glassnet"] = setup_peers.venv_python(fresh)
    for framework in args.frameworks:
        names = (["glassnet"] if framework == "glassnet"
                 else setup_peers.PEERS[framework][1])
        sizes[framework] = runner.installed_size(pythons_w4[framework], names)
    imports = {framework: [] for framework in args.frameworks}
    for index in range(args.import_repeats + 1):  # round 0 warms caches and writes .pyc
        for framework in args.frameworks:
            record = runner.import_time(framework, index, pythons_w4[framework])
            record["warm_up"] = index == 0
            imports[framework].append(record)
    for framework in args.frameworks:
        values = [r["seconds"] for r in imports[framework] if "seconds" in r]
        log(f"W4 {framework}: import {fmt(median(values[1:]))} s, installed "
            f"{sizes[framework]['installed_mib']:.0f} MiB")
    return {"imports": imports, "sizes": sizes,
            "import_python": {k: str(v) for k, v in pythons_w4.items()}}


def run_processes(args, runner, log):
    """Every process workload for every framework, alternating, ``--repeats`` rounds."""
    process_workloads = [w for w in ("W1", "W2", "W3", "W6", "W7", "W8")
                         if w in args.workloads or (w == "W1" and "W5" in args.workloads)]
    runs = []
    total = (args.repeats * len(process_workloads)
             - (args.repeats - 1) * ("W8" in process_workloads)) * len(args.frameworks)
    for repeat in range(args.repeats):
        for workload in process_workloads:
            epochs = {"W1": args.epochs, "W8": args.contended_epochs}.get(workload,
                                                                           args.train_epochs)
            if workload == "W8" and repeat > 0:
                continue  # once per framework: minutes per epoch for the peers
            for framework in args.frameworks:
                record = runner.workload(framework, workload, repeat, epochs)
                runs.append(record)
                log(f"[{len(runs)}/{total}] {describe(record)}")
    return runs


def describe(record):
    head = f"{record['workload']} {record['framework']} run {record['repeat'] + 1}: "
    if "error" in record:
        return head + "FAILED " + record["error"]
    predicted = ", ".join(f"predict batch {size} {fmt(median(clean_values(t['repeats'])), 4)}"
                          f" s" for size, t in record.get("predict", {}).items())
    if record["workload"] == "W3":
        return head + predicted
    timed = record["epochs"][1:]
    text = (f"first epoch {record['epochs'][0]['seconds']:.2f} s, then "
            f"{fmt(median(clean_values(timed)))} s/epoch "
            f"({sum(not e['noisy'] for e in timed)}/{len(timed)} clean)")
    if "test_accuracy" in record and record["workload"] == "W1":
        text += f", test acc. {record['test_accuracy']:.4f}"
    if record["workload"] == "W7":
        text += f", val. acc. {record['val_accuracy'][-1]:.4f}, {predicted}"
    return head + text + f" [{record['process_seconds']:.0f} s]"


# --- summary -----------------------------------------------------------------------------
def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def clean_values(records):
    """Seconds of the clean records; all of them (noisy) when none is clean."""
    clean = [r["seconds"] for r in records if not r["noisy"]]
    return clean or [r["seconds"] for r in records]


def stat(records):
    """{"value": median of clean seconds, "clean", "total", "noisy_only"}."""
    clean = sum(not r["noisy"] for r in records)
    return {"value": median(clean_values(records)) if records else None,
            "clean": clean, "total": len(records), "noisy_only": bool(records) and not clean}


def summarize(args, runs, w4):
    """{metric key: {framework: {"value", ...}}} for the table."""
    summary = {}

    def put(key, framework, entry):
        summary.setdefault(key, {})[framework] = entry

    for framework in args.frameworks:
        mine = [r for r in runs if r["framework"] == framework and "error" not in r]
        for workload in TRAINING:
            done = [r for r in mine if r["workload"] == workload]
            if not done:
                continue
            put(f"{workload}.s_per_epoch", framework,
                stat([e for r in done for e in r["epochs"][1:]]))
            put(f"{workload}.first_epoch", framework, stat([r["epochs"][0] for r in done]))
            if workload == "W7":
                accuracies = [r["val_accuracy"][-1] for r in done]
                put("W7.val_accuracy", framework,
                    {"value": median(accuracies), "all": accuracies})
            if workload == "W1":
                accuracies = [r["test_accuracy"] for r in done]
                put("W1.test_accuracy", framework,
                    {"value": median(accuracies), "all": accuracies})
                peaks = [r["memory"]["peak_rss_mib"] for r in done]
                put("W5.peak_rss_mib", framework, {"value": median(peaks), "all": peaks})
                loaded = [r["memory_after_data"]["rss_mib"] for r in done]
                put("W5.data_rss_mib", framework, {"value": median(loaded), "all": loaded})
        for workload, sizes in PREDICT_BATCHES.items():
            for size in sizes:
                repeats = [rec for r in mine if r["workload"] == workload
                           for rec in r["predict"][size]["repeats"]]
                if repeats:
                    put(f"{workload}.predict_b{size}", framework, stat(repeats))
        contended = [e for r in mine if r["workload"] == "W8" for e in r["epochs"][1:]]
        if contended:
            value = median([e["seconds"] for e in contended])  # all noisy, by design
            put("W8.s_per_epoch", framework, {"value": value, "total": len(contended)})
            quiet = summary.get("W1.s_per_epoch", {}).get(framework)
            if quiet and quiet["value"]:
                put("W8.slowdown", framework, {"value": value / quiet["value"]})
        if w4 and framework in w4["imports"]:
            timed = [r for r in w4["imports"][framework] if not r["warm_up"] and "seconds" in r]
            put("W4.import_s", framework, stat(timed))
            size = w4["sizes"][framework]
            put("W4.installed_mib", framework, {"value": size["installed_mib"]})
            put("W4.venv_mib", framework, {"value": size["venv_mib"]})
    return summary


def table_rows(args, summary):
    """(label, key, decimals, ratio?) for the metrics present."""
    rows = [
        ("W1 s/epoch", "W1.s_per_epoch", 3, True),
        ("W1 first epoch s", "W1.first_epoch", 3, True),
        (f"W1 test acc. after {args.epochs} epochs", "W1.test_accuracy", 4, False),
        ("W2 s/epoch", "W2.s_per_epoch", 3, True),
        ("W2 first epoch s", "W2.first_epoch", 3, True),
        ("W3 predict 10k, batch 32, s", "W3.predict_b32", 4, True),
        ("W3 predict 10k, batch 1024, s", "W3.predict_b1024", 4, True),
        ("W4 import s", "W4.import_s", 3, True),
        ("W4 pip-installed MiB", "W4.installed_mib", 0, True),
        ("W4 whole venv MiB", "W4.venv_mib", 0, True),
        ("W5 peak RSS of W1, MiB", "W5.peak_rss_mib", 0, True),
        ("W5 RSS once the data is loaded, MiB", "W5.data_rss_mib", 0, False),
        ("W6 s/epoch", "W6.s_per_epoch", 3, True),
        ("W6 first epoch s", "W6.first_epoch", 3, True),
        ("W7 CNN s/epoch", "W7.s_per_epoch", 3, True),
        ("W7 CNN first epoch s", "W7.first_epoch", 3, True),
        (f"W7 val. acc. after {args.train_epochs} epochs", "W7.val_accuracy", 4, False),
        ("W7 CNN predict 10k, batch 32, s", "W7.predict_b32", 4, True),
        ("W7 CNN predict 10k, batch 128, s", "W7.predict_b128", 4, True),
        ("W8 W1 s/epoch beside a busy NumPy process", "W8.s_per_epoch", 3, True),
        ("W8 contended / own quiet W1 s/epoch", "W8.slowdown", 2, False),
    ]
    return [row for row in rows if row[1] in summary]


def train_set(size):
    return ("all 55,000 images" if not size or size >= 55000 else
            f"the first {size:,} of the 55,000 images (s/epoch not comparable to a full run)")


def fmt(value, decimals=3):
    return "-" if value is None else f"{value:.{decimals}f}"


def table(args, summary):
    """Header and rows of strings: metric, one column per framework, glassnet/peer ratios."""
    peers = [f for f in args.frameworks if f != "glassnet"]
    ratios = peers if "glassnet" in args.frameworks else []
    header = (["metric"] + [LABELS[f] for f in args.frameworks]
              + [f"g/{LABELS[p]}" for p in ratios])
    rows = []
    for label, key, decimals, ratio in table_rows(args, summary):
        entries = summary[key]
        cells = [label]
        for framework in args.frameworks:
            entry = entries.get(framework)
            value = entry["value"] if entry else None
            mark = "*" if entry and entry.get("noisy_only") else ""
            cells.append(fmt(value, decimals) + mark)
        for peer in ratios:
            mine, theirs = entries.get("glassnet"), entries.get(peer)
            ok = ratio and mine and theirs and mine["value"] and theirs["value"]
            cells.append(f"{mine['value'] / theirs['value']:.2f}" if ok else "")
        rows.append(cells)
    return header, rows


def noise_rows(args, summary):
    """clean/total intervals per metric and framework (what the medians rest on)."""
    header = ["clean/total"] + [LABELS[f] for f in args.frameworks]
    rows = []
    for label, key, _, _ in table_rows(args, summary):
        entries = summary[key]
        if not any(e and "clean" in e for e in entries.values()):
            continue
        rows.append([label] + [f"{e['clean']}/{e['total']}" if e and "clean" in e else "-"
                               for e in (entries.get(f) for f in args.frameworks)])
    return header, rows


def text_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w)
                     for i, (h, w) in enumerate(zip(header, widths)))
    out = [line, "-" * len(line)]
    for row in rows:
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(row, widths))))
    return "\n".join(out)


def markdown_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out)


# --- environment and reports -----------------------------------------------------------
def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as stream:
        for line in stream:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as stream:
        mem_kib = int(stream.readline().split()[1])
    return {"cpu": model, "cores": os.cpu_count(), "memory_gib": round(mem_kib / 2 ** 20, 1),
            "kernel": platform.release(), "hostname": platform.node(),
            "openblas_env_unset": {k: os.environ.get(k) for k in
                                   ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}}


def framework_info(runs):
    """Versions, BLAS and thread settings each framework reported (its first good run)."""
    info = {}
    for r in runs:
        if "error" in r or r["framework"] in info:
            continue
        info[r["framework"]] = {k: r.get(k) for k in ("versions", "blas", "environment",
                                                      "jit_compile", "threads")
                                if r.get(k) is not None}
    return info


def blas_line(info):
    blas = (info.get("glassnet") or {}).get("blas") or []
    parts = [f"{b['internal_api']} {b['version']} ({b['architecture']} kernel, "
             f"{b['num_threads']} threads)" for b in blas]
    return "; ".join(parts) or "unknown (threadpoolctl missing)"


def versions_line(info):
    parts = []
    for framework, data in info.items():
        versions = data.get("versions", {})
        parts.append(LABELS[framework] + ": " + ", ".join(f"{k} {v}" for k, v in
                                                          versions.items() if k != "devices"))
    return "; ".join(parts)


def write_markdown(path, report, header, rows, noise):
    args = report["settings"]
    m = report["machine"]
    lines = [
        "# glassnet benchmark: latest run", "",
        *(["**Smoke run (`--quick`): few epochs, one repeat; the numbers are indicative "
            "only.**", ""] if args["quick"] else []),
        f"- date: {report['date']}",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, "
        f"Linux {m['kernel']}",
        f"- command: `{report['command']}`",
        f"- versions: {report['versions_line']}",
        f"- glassnet's BLAS: {report['blas_line']}",
        f"- {args['threads']} threads per framework; W1 {args['epochs']} epochs, W2/W6/W7 "
        f"{args['train_epochs']} epochs per process, {args['repeats']} process(es) per "
        f"workload and framework, alternating; noisy = other processes used more than "
        f"{args['noise']} core",
        f"- training set: {train_set(args['train_size'])}; validation on the 5,000 "
        "held-out images every epoch",
        "",
        "Medians of the clean intervals (first epoch apart); `*` = every interval was "
        "noisy, the median of all is shown. Ratios are glassnet / peer (below 1: glassnet "
        "is faster or smaller).",
        "",
        markdown_table(header, rows),
        "",
        "Clean intervals behind each median:",
        "",
        markdown_table(*noise),
        "",
        "Raw per-epoch data, noise and environment: `latest.json`. Reproduce with "
        f"`python bench/run.py{' --quick' if args['quick'] else ''}` (see bench/README.md).",
        "",
    ]
    path.write_text("\n".join(lines))


def main(argv=None):
    args = parse_args(argv)
    started = time.time()
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")

    def log(message):
        print(f"bench {time.time() - started:6.0f}s  {message}", flush=True)

    pythons, setup = prepare(args, log)
    runner = Runner(args, pythons, args.cache / "logs" / stamp, log)
    log(f"logs in {runner.log_dir}")
    w4 = run_w4(args, runner, pythons, setup, log) if "W4" in args.workloads else None
    runs = run_processes(args, runner, log)
    summary = summarize(args, runs, w4)
    header, rows = table(args, summary)
    noise = noise_rows(args, summary)
    info = framework_info(runs)
    report = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join(["python", "bench/run.py"] + [shlex.quote(a) for a in
                                                          (argv or sys.argv[1:])]),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "machine": machine(),
        "setup_seconds": setup,
        "frameworks": info,
        "versions_line": versions_line(info),
        "blas_line": blas_line(info),
        "summary": summary,
        "table": {"header": header, "rows": rows},
        "w4": w4,
        "runs": runs,
        "wall_seconds": round(time.time() - started, 1),
        "waited_for_quiet_seconds": round(runner.waited, 1),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(report, indent=1) + "\n")
    write_markdown(args.out / "latest.md", report, header, rows, noise)
    print()
    print(text_table(header, rows))
    print()
    print(text_table(*noise))
    print(f"\ntraining set: {train_set(args.train_size)}")
    print(f"glassnet's BLAS: {report['blas_line']}")
    print(f"written: {args.out / 'latest.json'}, {args.out / 'latest.md'} "
          f"({report['wall_seconds']:.0f} s in all)")
    failures = [r for r in runs if "error" in r]
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
