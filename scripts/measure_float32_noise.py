"""Measures float32 noise of the lecture MLP's epoch across BLAS kernels and thread counts.

The test ``tests/test_training_vs_torch.py`` compares glassnet's float32 epoch with an
exact (float64) PyTorch reference.  How close "close" must be is not a matter of taste:
it is how far float32 runs of the SAME program land from each other when only the BLAS
kernel or the thread count changes.  This script measures that spread:

- glassnet's float32 epoch in a fresh process per setting: OPENBLAS_NUM_THREADS 1 and 2,
  times OPENBLAS_CORETYPE Haswell, SkylakeX and Sandybridge (AVX2, AVX-512 and AVX
  kernels; settings the CPU cannot run are skipped);
- PyTorch's float32 epoch (its own BLAS) as a second float32 implementation;
- PyTorch's float64 epoch, the exact reference.

It prints, for every statistic the test checks, the largest distance between any two
float32 runs and each float32 run's distance from the float64 reference, and writes them
to tests/data/float32-noise.json (the record the test's tolerances cite).

    .venv/bin/python scripts/measure_float32_noise.py          # about 2 minutes
"""
import json
import os
import subprocess
import sys
import tempfile
from itertools import combinations
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

KERNELS = ("Haswell", "SkylakeX", "Sandybridge")
THREADS = ("1", "2")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        return child(sys.argv[2])
    runs = {}
    with tempfile.TemporaryDirectory() as folder:
        for kernel in KERNELS:
            for threads in THREADS:
                label = f"glassnet {kernel} {threads}t"
                path = Path(folder) / f"{kernel}-{threads}.npz"
                if run_child(path, kernel, threads):
                    runs[label] = dict(np.load(path))
                    print(f"{label}: epoch loss {float(runs[label]['epoch_loss']):.7f}")
    reference, torch32 = torch_runs()
    runs["torch float32"] = torch32
    report = compare(runs, reference)
    out = ROOT / "tests" / "data" / "float32-noise.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["largest"], indent=2))
    print(f"written: {out.relative_to(ROOT)}")
    return 0


def run_child(path, kernel, threads):
    env = dict(os.environ, OPENBLAS_CORETYPE=kernel, OPENBLAS_NUM_THREADS=threads,
               OMP_NUM_THREADS=threads)
    probe = subprocess.run([sys.executable, "-c", "import numpy"], env=dict(
        env, OPENBLAS_VERBOSE="2"), capture_output=True, text=True, check=True)
    if kernel.lower() not in probe.stdout.lower() + probe.stderr.lower():
        print(f"skipped: this CPU cannot run the {kernel} kernel")
        return False
    subprocess.run([sys.executable, __file__, "--child", str(path)], env=env, check=True)
    return True


def child(path):
    """glassnet's float32 epoch in this process's BLAS setting, saved to ``path``."""
    from test_training_vs_torch import glassnet_epoch, lecture_data

    x_train, y_train, x_test, y_test = lecture_data()
    model, _, epoch_loss = glassnet_epoch(x_train, y_train)
    test_loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    np.savez(path, epoch_loss=epoch_loss, test_loss=test_loss, accuracy=accuracy,
             proba=model.predict(x_test, verbose=0))
    return 0


def torch_runs():
    """(float64 reference, float32 run) of PyTorch from glassnet's initial weights."""
    from test_training_vs_torch import glassnet_epoch, lecture_data, torch_epoch, torch_test

    x_train, y_train, x_test, y_test = lecture_data()
    _, initial, _ = glassnet_epoch(x_train[:32], y_train[:32])
    results = []
    for dtype in (np.float64, np.float32):
        params, epoch_loss = torch_epoch([w.astype(dtype) for w in initial], x_train, y_train)
        test_loss, proba = torch_test(params, x_test, y_test)
        accuracy = float((proba.argmax(axis=1) == y_test).mean())
        results.append({"epoch_loss": epoch_loss, "test_loss": test_loss,
                        "accuracy": accuracy, "proba": proba})
    return results


def distances(a, b):
    """The statistics the test checks, as distances between two runs."""
    diff = np.abs(a["proba"].astype(np.float64) - b["proba"])
    return {
        "epoch_loss": abs(float(a["epoch_loss"]) - float(b["epoch_loss"])),
        "test_loss": abs(float(a["test_loss"]) - float(b["test_loss"])),
        "accuracy": abs(float(a["accuracy"]) - float(b["accuracy"])),
        "proba_mean_abs": float(diff.mean()),
        "proba_q999": float(np.quantile(diff, 0.999)),
        "proba_max": float(diff.max()),
        "predicted_class_disagreement": float(
            (a["proba"].argmax(axis=1) != b["proba"].argmax(axis=1)).mean()
        ),
    }


def compare(runs, reference):
    between = {f"{p} vs {q}": distances(runs[p], runs[q]) for p, q in combinations(runs, 2)}
    from_reference = {label: distances(run, reference) for label, run in runs.items()}
    keys = next(iter(from_reference.values())).keys()
    largest = {
        "between float32 runs": {k: max(d[k] for d in between.values()) for k in keys},
        "float32 run to float64 reference": {
            k: max(d[k] for d in from_reference.values()) for k in keys
        },
    }
    return {"largest": largest, "between float32 runs": between,
            "float32 run to float64 reference": from_reference}


if __name__ == "__main__":
    sys.exit(main())
