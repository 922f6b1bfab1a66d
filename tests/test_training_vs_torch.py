"""One epoch of the lecture's MLP in glassnet and in a PyTorch re-implementation.

Same initial weights, same batches in the same order (shuffle=False), plain SGD
with lr 0.01 and batch 32.

- float64: glassnet and PyTorch must agree to rounding (losses, weights,
  probabilities, accuracy): this proves the computation is the same.
- float32, the real configuration: rounding differences grow chaotically over
  1,719 steps, so the tolerances are set from measured float32 noise, not from one
  machine.  ``scripts/measure_float32_noise.py`` runs glassnet's float32 epoch with
  1 and 2 BLAS threads on the Haswell (AVX2), SkylakeX (AVX-512) and Sandybridge (AVX)
  OpenBLAS kernels, plus PyTorch's float32 epoch; the record is
  ``tests/data/float32-noise.json``.  Largest distance between any two float32 runs
  (AMD EPYC, 2026-11-27): epoch loss 1.1e-4, test loss 1.3e-4, accuracy 6e-4,
  probabilities 8.3e-4 on average, 0.027 at the 99.9th percentile and 0.058 at the
  maximum (a few borderline images), predicted class 0.5% of the images.  Each
  tolerance below is 3-5 times that spread.  The maximum is heavy-tailed, so it is
  bounded loosely; the mean and the 99.9th percentile are the sharp checks.
"""
import contextlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import glassnet as keras


def lecture_data():
    """The lecture's training split (55,000 images) and test set, scaled to [0, 1]."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    return x_train[5000:] / 255.0, y_train[5000:], x_test / 255.0, y_test


@pytest.fixture(scope="module")
def fashion():
    return lecture_data()


def torch_epoch(weights, x, y, batch_size=32, lr=0.01):
    """Trains a torch copy of the MLP for one epoch; returns its parameters and running loss."""
    params = [torch.tensor(w, requires_grad=True) for w in weights]
    x = torch.tensor(x.reshape(len(x), -1), dtype=params[0].dtype)
    y = torch.tensor(y.astype(np.int64))
    total = 0.0
    for start in range(0, len(x), batch_size):
        xb, yb = x[start:start + batch_size], y[start:start + batch_size]
        loss = F.cross_entropy(_torch_forward(params, xb), yb)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= lr * g
        total += loss.item() * len(xb)
    return params, total / len(x)


def _torch_forward(params, x):
    w1, b1, w2, b2, w3, b3 = params
    h = F.relu(x @ w1 + b1)
    h = F.relu(h @ w2 + b2)
    return h @ w3 + b3  # logits


@contextlib.contextmanager
def default_float(floatx):
    keras.config.set_floatx(floatx)
    try:
        yield
    finally:
        keras.config.set_floatx("float32")


def glassnet_epoch(x_train, y_train):
    np.random.seed(45)
    model = keras.models.Sequential([
        keras.layers.Flatten(input_shape=[28, 28]),
        keras.layers.Dense(300, activation="relu"),
        keras.layers.Dense(100, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    initial = model.get_weights()
    history = model.fit(x_train, y_train, epochs=1, shuffle=False, verbose=0)
    return model, initial, history.history["loss"][0]


def torch_test(params, x_test, y_test):
    with torch.no_grad():
        x = torch.tensor(x_test.reshape(len(x_test), -1), dtype=params[0].dtype)
        logits = _torch_forward(params, x)
        loss = F.cross_entropy(logits, torch.tensor(y_test.astype(np.int64))).item()
        return loss, F.softmax(logits, dim=-1).numpy()


@pytest.fixture(scope="module")
def reference(fashion):
    """glassnet's float32 epoch, and PyTorch's float64 epoch from the same initial weights."""
    x_train, y_train, x_test, y_test = fashion
    model, initial, epoch_loss = glassnet_epoch(x_train, y_train)
    params, torch_epoch_loss = torch_epoch([w.astype(np.float64) for w in initial],
                                            x_train, y_train)
    test_loss, proba = torch_test(params, x_test, y_test)
    torch64 = {"params": params, "epoch_loss": torch_epoch_loss, "test_loss": test_loss,
               "proba": proba}
    return model, epoch_loss, torch64


def test_float64_epoch_matches_pytorch_to_rounding(fashion, reference):
    x_train, y_train, x_test, y_test = fashion
    torch64 = reference[2]
    with default_float("float64"):
        model, initial, epoch_loss = glassnet_epoch(x_train, y_train)
        test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
        proba = model.predict(x_test, verbose=0)
    assert initial[0].dtype == np.float64 and proba.dtype == np.float64
    assert abs(epoch_loss - torch64["epoch_loss"]) <= 1e-7
    assert abs(test_loss - torch64["test_loss"]) <= 1e-7
    torch_accuracy = float((torch64["proba"].argmax(axis=1) == y_test).mean())
    assert test_accuracy == pytest.approx(torch_accuracy, abs=1e-7)
    np.testing.assert_allclose(proba, torch64["proba"], atol=1e-7)
    for ours, theirs in zip(model.get_weights(), torch64["params"]):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), atol=1e-7)


def test_float32_epoch_matches_pytorch_within_float32_noise(fashion, reference):
    x_test, y_test = fashion[2], fashion[3]
    model, epoch_loss, torch64 = reference
    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert abs(epoch_loss - torch64["epoch_loss"]) <= 5e-4
    assert abs(test_loss - torch64["test_loss"]) <= 5e-4
    torch_accuracy = float((torch64["proba"].argmax(axis=1) == y_test).mean())
    assert abs(test_accuracy - torch_accuracy) <= 3e-3
    proba = model.predict(x_test, verbose=0)
    diff = np.abs(proba.astype(np.float64) - torch64["proba"])
    assert diff.mean() <= 4e-3
    assert np.quantile(diff, 0.999) <= 0.1
    assert diff.max() <= 0.3
    disagreement = (proba.argmax(axis=1) != torch64["proba"].argmax(axis=1)).mean()
    assert disagreement <= 0.025
