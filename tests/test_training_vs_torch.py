"""One epoch of the lecture's MLP in glassnet and in a PyTorch re-implementation.

Same initial weights, same batches in the same order (shuffle=False), plain SGD
with lr 0.01 and batch 32.  In float64 the two must agree to rounding (weights,
probabilities, accuracy).  In float32 — the real configuration — rounding
differences grow over 1,719 steps (measured: weights drift ~2e-3 apart while
the float64 runs agree to 2e-9), so there the reported epoch loss and the test
loss must agree to 1e-4 and the accuracy to 0.2 percentage points.
"""
import contextlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import glassnet as keras


@pytest.fixture(scope="module")
def fashion():
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    return x_train[5000:] / 255.0, y_train[5000:], x_test / 255.0, y_test


def _torch_epoch(weights, x, y, batch_size=32, lr=0.01):
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


def _glassnet_epoch(x_train, y_train):
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


def _torch_test(params, x_test, y_test):
    with torch.no_grad():
        x = torch.tensor(x_test.reshape(len(x_test), -1), dtype=params[0].dtype)
        logits = _torch_forward(params, x)
        loss = F.cross_entropy(logits, torch.tensor(y_test.astype(np.int64))).item()
        return loss, F.softmax(logits, dim=-1).numpy()


@pytest.mark.parametrize("floatx", ["float32", "float64"])
def test_one_epoch_matches_pytorch(fashion, floatx):
    x_train, y_train, x_test, y_test = fashion
    with default_float(floatx):
        model, initial, epoch_loss = _glassnet_epoch(x_train, y_train)
        test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
        proba = model.predict(x_test, verbose=0)
    assert initial[0].dtype == np.dtype(floatx) and proba.dtype == np.dtype(floatx)
    params, torch_epoch_loss = _torch_epoch(initial, x_train, y_train)
    torch_test_loss, torch_proba = _torch_test(params, x_test, y_test)
    torch_accuracy = float((torch_proba.argmax(axis=1) == y_test).mean())
    if floatx == "float64":
        assert abs(epoch_loss - torch_epoch_loss) <= 1e-7
        assert abs(test_loss - torch_test_loss) <= 1e-7
        assert test_accuracy == pytest.approx(torch_accuracy, abs=1e-7)
        np.testing.assert_allclose(proba, torch_proba, atol=1e-7)
        for ours, theirs in zip(model.get_weights(), params):
            np.testing.assert_allclose(ours, theirs.detach().numpy(), atol=1e-7)
    else:
        assert abs(epoch_loss - torch_epoch_loss) <= 1e-4
        assert abs(test_loss - torch_test_loss) <= 1e-4
        assert abs(test_accuracy - torch_accuracy) <= 2e-3
