"""What every workload script shares (stdlib + NumPy only, so it runs in every venv).

- the data: Fashion-MNIST read from the same IDX files for every framework, split as in
  the lecture (the first 5,000 training images are the validation set), scaled by 1/255
  into float32;
- ``CpuMeter``: wall time of an interval and the CPU time OTHER processes used in it,

      other = (busy jiffies of the machine) - (utime + stime of this process)

  read from /proc/stat and /proc/self/stat (steal time counts as busy: the hypervisor
  gave the core to someone else).  An interval in which others used more than
  ``--noise`` cores on average is flagged noisy;
- the command line of the workload scripts and the one JSON result line they print.
"""
import argparse
import gzip
import json
import os
import platform
import struct
import sys
import time
from pathlib import Path

import numpy as np

HZ = os.sysconf("SC_CLK_TCK")
RESULT_PREFIX = "BENCH_RESULT "
DATA_DIRS = [
    os.environ.get("GLASSNET_DATA_DIR", ""),
    "/usr/share/datasets/fashion-mnist",
    str(Path.home() / ".keras" / "datasets" / "fashion-mnist"),
]
FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
N_VALID = 5000


# --- data ---------------------------------------------------------------------------
def _read_idx(path):
    """An IDX file (optionally gzipped) as a uint8 array."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as stream:
        raw = stream.read()
    _, _, dtype_code, ndim = struct.unpack(">BBBB", raw[:4])
    if dtype_code != 0x08:
        raise ValueError(f"{path}: expected unsigned bytes (0x08). Received: {dtype_code:#x}")
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _find(name):
    for folder in filter(None, DATA_DIRS):
        for candidate in (Path(folder) / (name + ".gz"), Path(folder) / name):
            if candidate.exists():
                return candidate
    raise FileNotFoundError(f"Fashion-MNIST file {name} not found in any of {DATA_DIRS}; "
                            "install Debian's dataset-fashion-mnist (scripts/setup.sh)")


def _scaled(images):
    """uint8 -> float32 / 255 without a float64 intermediate."""
    x = images.astype(np.float32)
    x /= np.float32(255.0)
    return x


def load_data(train_size=None):
    """(X_train, y_train), (X_valid, y_valid), (X_test, y_test): float32 images in [0, 1],
    uint8 labels; 55,000 training images unless ``train_size`` takes fewer."""
    x_full, y_full, x_test, y_test = (_read_idx(_find(name)) for name in FILES)
    stop = None if train_size is None else N_VALID + train_size
    return ((_scaled(x_full[N_VALID:stop]), y_full[N_VALID:stop].copy()),
            (_scaled(x_full[:N_VALID]), y_full[:N_VALID].copy()),
            (_scaled(x_test), y_test.copy()))


# --- CPU accounting -----------------------------------------------------------------
def machine_ticks():
    """(busy, steal) jiffies of all CPUs since boot, from /proc/stat's "cpu" line."""
    with open("/proc/stat") as stream:
        fields = [int(v) for v in stream.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq + steal, steal


def own_ticks():
    """utime + stime jiffies of this process (all its threads)."""
    with open("/proc/self/stat") as stream:
        after_name = stream.read().rsplit(")", 1)[1].split()
    return int(after_name[11]) + int(after_name[12])


class CpuMeter:
    """Times one interval and measures what the rest of the machine did during it."""

    def __init__(self, noise):
        self.noise = noise
        self._start = None

    def start(self):
        busy, steal = machine_ticks()
        self._start = (time.perf_counter(), busy, steal, own_ticks())

    def stop(self):
        wall, busy, steal, own = (time.perf_counter(), *machine_ticks(), own_ticks())
        seconds = wall - self._start[0]
        other = ((busy - self._start[1]) - (own - self._start[3])) / HZ
        other = max(other, 0.0)
        cores = other / seconds if seconds > 0 else 0.0
        return {"seconds": seconds, "other_cpu_s": round(other, 3),
                "other_cores": round(cores, 3),
                "steal_s": round((steal - self._start[2]) / HZ, 3),
                "own_cpu_s": round((own - self._start[3]) / HZ, 3),
                "noisy": cores > self.noise}


def count_clean(records, skip_first=True):
    return sum(not r["noisy"] for r in records[1 if skip_first else 0:])


# --- memory and environment -----------------------------------------------------------
def memory_mib():
    """{"rss_mib", "peak_rss_mib"} of this process from /proc/self/status (VmRSS, VmHWM)."""
    values = {}
    with open("/proc/self/status") as stream:
        for line in stream:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return {"rss_mib": round(values.get("VmRSS", 0.0), 1),
            "peak_rss_mib": round(values.get("VmHWM", 0.0), 1)}


def blas_info():
    """The BLAS/OpenMP libraries NumPy (and others) loaded, via threadpoolctl if present."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    keys = ("internal_api", "version", "num_threads", "threading_layer", "architecture",
            "filepath")
    return [{k: info.get(k) for k in keys} for info in threadpool_info()]


def environment():
    threads_env = {k: os.environ[k] for k in sorted(os.environ)
                   if k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                            "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "XLA_FLAGS",
                            "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS",
                            "KERAS_BACKEND")}
    return {"python": platform.python_version(), "executable": sys.executable,
            "numpy": np.__version__, "env": threads_env,
            "affinity": len(os.sched_getaffinity(0))}


# --- command line and result ---------------------------------------------------------
WORKLOADS = ("W1", "W2", "W3", "W6", "W7")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Run one benchmark workload, print JSON.")
    parser.add_argument("--workload", choices=WORKLOADS, required=True)
    parser.add_argument("--epochs", type=int, default=5,
                        help="epochs of the training workloads (W1: the accuracy run)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--noise", type=float, default=0.3,
                        help="an interval is noisy when others used more cores than this")
    parser.add_argument("--min-clean", type=int, default=3,
                        help="clean timed epochs/repeats wanted; extra ones are run if "
                             "noise left fewer")
    parser.add_argument("--max-extra", type=int, default=3,
                        help="at most this many extra epochs/repeats")
    parser.add_argument("--predict-repeats", type=int, default=7)
    parser.add_argument("--train-size", type=int, default=None,
                        help="train on the first N of the 55,000 images (smoke runs)")
    return parser.parse_args(argv)


def emit(result):
    """The result line run.py parses: a prefix and one JSON object."""
    sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")
    sys.stdout.flush()


def train_result(args, epochs, extra_from, **fields):
    """The result of a training workload: per-epoch records, epoch 0 = warm-up."""
    for index, record in enumerate(epochs):
        record["epoch"] = index
        record["extra"] = index >= extra_from
    return {"workload": args.workload, "epochs": epochs, **fields}


def predict_timings(predict, batch_sizes, args, meter):
    """{batch size: {"first_s", "repeats": [records]}} timing ``predict(batch_size)``."""
    timings = {}
    for batch_size in batch_sizes:
        meter.start()
        predict(batch_size)
        first = meter.stop()
        records = []
        wanted = args.predict_repeats
        while len(records) < wanted + args.max_extra:
            meter.start()
            predict(batch_size)
            records.append(meter.stop())
            if len(records) >= wanted and count_clean(records, False) >= args.min_clean:
                break
        timings[str(batch_size)] = {"first": first, "repeats": records}
    return timings
