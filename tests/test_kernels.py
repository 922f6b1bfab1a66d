"""The one-pass optimizer kernels of compiled steps (``glassnet.compiler.kernels``, numba)
against the textbook ``update_step``: bit-identical variables and slots, step after step."""
import numpy as np
import pytest

import glassnet as keras
from glassnet import optimizers
from glassnet.autodiff import Variable
from glassnet.compiler import kernels

pytestmark = pytest.mark.skipif(not kernels.available(), reason="numba (glassnet[jit])")

OPTIMIZERS = {
    "adam": lambda: optimizers.Adam(learning_rate=0.01),
    "adam betas": lambda: optimizers.Adam(learning_rate=0.003, beta_1=0.8, beta_2=0.99,
                                          epsilon=1e-4),
    "sgd": lambda: optimizers.SGD(learning_rate=0.1),
    "sgd momentum": lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9),
    "adam schedule clipnorm": lambda: optimizers.Adam(
        optimizers.schedules.ExponentialDecay(0.01, 2, 0.5), clipnorm=1.0),
}


def _run(optimizer, use_kernel, dtype, shapes, steps=5):
    rng = np.random.default_rng(0)
    variables = [Variable(rng.standard_normal(shape).astype(dtype)) for shape in shapes]
    optimizer.kernel_update = kernels.optimizer_update(optimizer) if use_kernel else None
    assert (optimizer.kernel_update is not None) == use_kernel
    for _ in range(steps):
        grads = [rng.standard_normal(v.shape).astype(dtype) for v in variables]
        optimizer.apply_gradients(zip(grads, variables))
    return [v.numpy().copy() for v in variables] + [v.numpy().copy()
                                                    for v in optimizer.variables]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_kernel_updates_are_update_step_bit_for_bit(name, dtype):
    shapes = [(7, 5), (5,), (3, 3, 2, 4)]
    textbook = _run(OPTIMIZERS[name](), False, dtype, shapes)
    kernel = _run(OPTIMIZERS[name](), True, dtype, shapes)
    assert len(textbook) == len(kernel)
    for a, b in zip(textbook, kernel):
        np.testing.assert_array_equal(a, b)


def test_no_kernel_where_the_chain_differs():
    assert kernels.optimizer_update(optimizers.Adam(amsgrad=True)) is None
    assert kernels.optimizer_update(optimizers.SGD(momentum=0.9, nesterov=True)) is None
    assert kernels.optimizer_update(optimizers.RMSprop()) is None


class _KernelWatch(keras.callbacks.Callback):
    """Whether each batch's optimizer update used a kernel."""

    def __init__(self):
        super().__init__()
        self.used = []

    def on_train_batch_end(self, batch, logs=None):
        self.used.append(self.model.optimizer.kernel_update is not None)


def test_a_compiled_fit_uses_the_kernel_and_an_eager_fit_does_not():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 4)).astype("float32")
    y = rng.standard_normal((64, 1)).astype("float32")
    used = {}
    for jit_compile in (False, True):
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse", jit_compile=jit_compile)
        watch = _KernelWatch()
        model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[watch])
        used[jit_compile] = watch.used
        assert model.optimizer.kernel_update is None  # after fit: the textbook update_step
    assert used[False] == [False] * 8
    assert used[True] == [False] * 3 + [True] * 5  # warm-up, two traces, then replays
