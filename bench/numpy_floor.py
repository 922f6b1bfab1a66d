"""The NumPy floor: W1's training step and W2's Adam update written directly in NumPy.

No framework, no graph, no checks: the arrays and ufunc calls any NumPy-based library
must at least make.  What glassnet spends above these times is its own overhead; what
these times cost above the peers' is the price of running on NumPy/OpenBLAS at all.

    python bench/numpy_floor.py [--train-size 20000] [--epochs 3] [--threads 2]

Run it with the repo's venv (``.venv/bin/python``); like bench/run.py it unsets
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE and sets the BLAS threads before NumPy loads.
"""
import argparse
import os
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-size", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    return parser.parse_args()


ARGS = parse_args()
for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(name, None)
for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[name] = str(ARGS.threads)

import numpy as np  # noqa: E402  (after the thread settings)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "workloads"))
import common  # noqa: E402

BATCH = 32


def glorot(rng, n_in, n_out):
    limit = np.sqrt(6 / (n_in + n_out))
    return rng.uniform(-limit, limit, (n_in, n_out)).astype(np.float32)


def w1_step(x, y, kernels, biases, eta):
    """Forward (ReLU, ReLU, softmax cross-entropy), backward, SGD: in place where possible."""
    (w0, w1, w2), (b0, b1, b2) = kernels, biases
    h1 = x @ w0
    h1 += b0
    np.maximum(h1, 0, out=h1)
    h2 = h1 @ w1
    h2 += b1
    np.maximum(h2, 0, out=h2)
    z = h2 @ w2
    z += b2
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    rows = np.arange(len(y))
    loss = -np.log(p[rows, y]).mean()
    g = p
    g[rows, y] -= 1
    g /= len(y)
    grads = [None] * 6
    grads[2], grads[5] = h2.T @ g, g.sum(axis=0)
    g = g @ w2.T
    g *= h2 > 0
    grads[1], grads[4] = h1.T @ g, g.sum(axis=0)
    g = g @ w1.T
    g *= h1 > 0
    grads[0], grads[3] = x.T @ g, g.sum(axis=0)
    for variable, gradient in zip((w0, w1, w2, b0, b1, b2), grads):
        gradient *= eta
        variable -= gradient
    return loss


def w1_epochs(x, y, rng):
    kernels = [glorot(rng, 784, 300), glorot(rng, 300, 100), glorot(rng, 100, 10)]
    biases = [np.zeros(n, np.float32) for n in (300, 100, 10)]
    eta = np.float32(0.01)
    times = []
    for _ in range(ARGS.epochs):
        order = rng.permutation(len(x))
        start = time.perf_counter()
        for i in range(0, len(x), BATCH):
            index = order[i:i + BATCH]
            w1_step(x[index], y[index], kernels, biases, eta)
        times.append(time.perf_counter() - start)
    return times


def adam_update(theta, g, m, s, work, step, alpha, beta_1=0.9, beta_2=0.999, eps=1e-7):
    """Keras' Adam step with NumPy ufuncs and no temporaries: 12 passes over the arrays."""
    np.subtract(g, m, out=work)
    work *= np.float32(1 - beta_1)
    m += work
    np.multiply(g, g, out=work)
    work -= s
    work *= np.float32(1 - beta_2)
    s += work
    np.sqrt(s, out=work)
    work += np.float32(eps)
    np.multiply(m, alpha, out=step)
    step /= work
    theta -= step


def w2_adam_seconds(rng, steps):
    """Adam's update of W2's 12 variables (269,322 parameters), seconds per step."""
    shapes = [(784,), (784,), (784, 300), (300,), (300,), (300,), (300, 100), (100,),
              (100,), (100,), (100, 10), (10,)]
    state = [[np.abs(rng.standard_normal(shape)).astype(np.float32) for _ in range(6)]
             for shape in shapes]  # theta, g, m, s (>= 0), and two work arrays
    alpha = np.float32(1e-3)
    start = time.perf_counter()
    for _ in range(steps):
        for theta, g, m, s, work, step in state:
            adam_update(theta, g, m, s, work, step, alpha)
    return (time.perf_counter() - start) / steps


def main():
    (x, y), _, _ = common.load_data(ARGS.train_size)
    x = x.reshape(len(x), -1)
    y = y.astype(np.intp)
    rng = np.random.default_rng(0)
    times = w1_epochs(x, y, rng)
    steps = -(-len(x) // BATCH)
    per_step = float(np.median(times)) / steps
    full_epoch = per_step * -(-55000 // BATCH)
    adam = w2_adam_seconds(rng, 300)
    blas = ", ".join(f"{b['internal_api']} {b['version']} ({b['architecture']}, "
                     f"{b['num_threads']} threads)" for b in common.blas_info() or [])
    print(f"NumPy {np.__version__}; BLAS: {blas or 'unknown (no threadpoolctl)'}")
    print(f"W1 training step (forward, backward, SGD): {per_step * 1e3:.3f} ms "
          f"(median of {len(times)} epochs of {len(x)} images) "
          f"= {full_epoch:.2f} s per 55,000-image epoch, validation not included")
    print(f"W2 Adam update of all variables: {adam * 1e3:.3f} ms per step "
          f"= {adam * -(-55000 // BATCH):.2f} s per epoch")


if __name__ == "__main__":
    main()
