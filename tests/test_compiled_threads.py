"""BLAS threads of compiled steps (``glassnet.compiler.threads``): each BLAS op follows the
machine's load only where the thread count does not change its result, so a compiled
step gives the same numbers on a quiet and on a busy machine."""
import numpy as np
import pytest

import glassnet as keras
from glassnet.compiler import threads


def _mlp():
    return keras.Sequential([keras.Input((784,)), keras.layers.Dense(300, activation="relu"),
                             keras.layers.Dense(100, activation="relu"),
                             keras.layers.Dense(10, activation="softmax")])


def _train(monkeypatch, room):
    """W1's model (its sizes, where some products depend on the thread count) trained
    compiled while the load meter says the cores have room for ``room`` threads."""
    monkeypatch.setattr(threads.LoadMeter, "__call__",
                        lambda self, default: default if room == "default" else room)
    rng = np.random.default_rng(0)
    x, y = rng.random((320, 784), dtype=np.float32), rng.integers(0, 10, 320)
    keras.utils.set_random_seed(1)
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", jit_compile=True)
    model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    return model


def test_busy_and_quiet_machines_give_the_same_numbers(monkeypatch):
    quiet = _train(monkeypatch, "default")
    busy = _train(monkeypatch, 1)
    for a, b in zip(quiet.get_weights(), busy.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert threads.blas().current == threads.blas().read()  # restored after each step


def test_each_blas_op_is_planned_from_its_own_results(monkeypatch):
    """FOLLOWS_LOAD exactly where 1 thread and the default give equal results, 1 where
    they differ (which products differ depends on the machine's BLAS kernels)."""
    model = _train(monkeypatch, "default")
    program = model._compiled_functions["train"].program
    library = threads.blas()
    planned = [node for node in program.nodes if getattr(node, "threads", None) is not None]
    assert {type(node.fn).__name__ for node in planned} == {"LinearRelu", "Linear"}
    for node in program.nodes:
        if not isinstance(getattr(node, "fn", None), threads.BLAS_OPS):
            assert getattr(node, "threads", None) is None
    for node in planned:
        x, w, b = (node.fn.x, node.fn.W, np.zeros(node.fn.W.shape[1], node.fn.W.dtype))
        outputs = []
        default = library.read()
        for count in (1, library.most):
            library.set(count)
            outputs.append(node.fn.forward(x, w, b).copy())
        library.set(default)
        expected = threads.FOLLOWS_LOAD if np.array_equal(*outputs) else 1
        if expected == threads.FOLLOWS_LOAD:  # the backward products may still differ
            assert node.threads in (threads.FOLLOWS_LOAD, 1)
        else:
            assert node.threads == 1


@pytest.mark.parametrize("others, expected", [(0.1, 2), (0.9, 1), (1.8, 1)])
def test_the_load_meter_leaves_room_only_when_other_processes_leave_cores(
        monkeypatch, others, expected):
    """``others`` cores of CPU used by other processes over the interval."""
    times = iter([(0.0, 10.0, 5.0), (1.0, 10.0 + others + 0.5, 5.5)])  # we used 0.5 s
    monkeypatch.setattr(threads, "_cpu_times", lambda: next(times))
    meter = threads.LoadMeter(interval=0.5)
    monkeypatch.setattr(threads.time, "monotonic", lambda: 1.0)
    assert meter(2) == expected
    assert meter(1) == 1


def test_a_compiled_fit_gives_the_same_numbers_whatever_the_default_thread_count():
    """Its eager warm-up and traced steps run on one thread, its replays per op."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    x, y = rng.random((320, 784), dtype=np.float32), rng.integers(0, 10, 320)
    default = threads.blas().read()  # 1 in CI's second run (OPENBLAS_NUM_THREADS=1)
    weights = []
    for limit in (None, 1):
        keras.utils.set_random_seed(1)
        model = _mlp()
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        with threadpool_limits(limit, "blas"):
            model.fit(x, y, batch_size=32, epochs=2, verbose=0)
            assert threads.blas().read() == (limit or default)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


def test_without_thread_independence_the_products_that_depend_on_threads_use_the_default(
        monkeypatch):
    from glassnet import config

    monkeypatch.setattr(config, "_THREAD_INDEPENDENT", False)
    model = _train(monkeypatch, "default")
    planned = [node.threads for node in model._compiled_functions["train"].program.nodes
               if getattr(node, "threads", None) is not None]
    assert 1 not in planned and set(planned) <= {threads.FOLLOWS_LOAD, threads.DEFAULT}
    with pytest.raises(TypeError, match="Received: 'yes'"):
        config.set_thread_independent("yes")
