"""GradientMonitor and glassnet.diagnostics: what is recorded, when, and the plots."""
import json
import math
import sys

import numpy as np
import pytest

import glassnet as keras
from glassnet import diagnostics as diag
from glassnet.callbacks import Callback, GradientMonitor
from glassnet.diagnostics import Diagnostics

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _data(n=256, features=16, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = (x[:, :4].sum(axis=1) > 0).astype("int64") + (x[:, 4] > 0)  # 3 classes
    return x, y


def _deep_net(activation, initializer, depth=8, units=16, seed=1):
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((16,))]
    layers += [keras.layers.Dense(units, activation=activation, kernel_initializer=initializer)
               for _ in range(depth)]
    layers.append(keras.layers.Dense(3, activation="softmax"))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy")
    return model


def _fit(model, monitor, epochs=2, batch_size=32, **kwargs):
    x, y = _data()
    return model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0,
                     callbacks=[monitor], **kwargs)


def _first_last_ratio(diagnostics):
    norms = [diagnostics.grad_norm[name][-1] for name in diagnostics.layers]
    return norms[0] / norms[-1]


class HookProbe(Callback):
    """Counts, per batch, the hooks present during the train step (runs after the monitor)."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def on_train_batch_begin(self, batch, logs=None):
        hooks = sum(len(layer._forward_hooks) for layer in self.model.layers)
        self.seen.append((batch, len(self.model._gradient_observers), hooks))


def _no_hooks_left(model):
    return not model._gradient_observers and all(not layer._forward_hooks
                                                 for layer in model.layers)


@pytest.fixture(scope="module")
def trained():
    """A small ReLU network trained 3 epochs with every-batch records (shared by tests)."""
    model = _deep_net("relu", "he_normal", depth=3)
    monitor = GradientMonitor(every_n_batches=2)
    history = _fit(model, monitor, epochs=3, batch_size=64)
    return model, monitor, history


# --------------------------------------------------------------------------------------
# the vanishing-gradient demonstration
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2])
def test_deep_sigmoid_gradients_shrink_toward_the_input(seed):
    sigmoid = _fit(_deep_net("sigmoid", keras.initializers.RandomNormal(stddev=1.0), seed=seed),
                   GradientMonitor()).diagnostics
    relu = _fit(_deep_net("relu", "he_normal", seed=seed), GradientMonitor()).diagnostics
    norms = [sigmoid.grad_norm[name][-1] for name in sigmoid.layers]
    assert norms[0] < norms[-1] / 10           # the first layer's gradient has vanished
    assert norms[0] < norms[len(norms) // 2] < norms[-1]
    assert _first_last_ratio(relu) > 0.1       # ReLU + He: same order in every layer
    assert _first_last_ratio(relu) > 10 * _first_last_ratio(sigmoid)


# --------------------------------------------------------------------------------------
# structure
# --------------------------------------------------------------------------------------
def test_records_structure_and_history(trained):
    model, monitor, history = trained
    d = history.diagnostics
    assert d is monitor.diagnostics and isinstance(d, Diagnostics)
    names = [layer.name for layer in model.layers]
    assert d.layers == names                   # every Dense has weights, in model order
    assert d.activation_layers == names
    assert d.epochs == [0, 1, 2]
    for field in diag.GRADIENT_FIELDS:
        assert set(getattr(d, field)) == set(d.layers)
    for field in diag.GRADIENT_FIELDS + diag.ACTIVATION_FIELDS:
        for values in getattr(d, field).values():
            assert len(values) == 3 and all(math.isfinite(v) for v in values)
    assert all(v > 0 for values in d.grad_norm.values() for v in values)


def test_every_n_batches_keeps_per_batch_records(trained):
    _, _, history = trained
    d = history.diagnostics
    # 256 samples / 64 = 4 batches per epoch; every 2nd: batches 0 and 2
    assert [(r["epoch"], r["batch"]) for r in d.batches] == [
        (e, b) for e in range(3) for b in (0, 2)]
    for record in d.batches:
        for field in diag.GRADIENT_FIELDS + diag.ACTIVATION_FIELDS:
            assert list(record[field]) == (d.layers if field in diag.GRADIENT_FIELDS
                                           else d.activation_layers)
    for field in diag.GRADIENT_FIELDS + diag.ACTIVATION_FIELDS:
        for name, per_epoch in getattr(d, field).items():
            for epoch, value in enumerate(per_epoch):
                batch_values = [r[field][name] for r in d.batches if r["epoch"] == epoch]
                assert value == pytest.approx(np.mean(batch_values), rel=1e-12)


@pytest.mark.parametrize("batches_per_epoch, expected", [
    (3, {0, 4, 9}),          # evenly spaced over 10 batches, first and last included
    (1, {0}),
    (20, set(range(10))),    # more than there are: all
    (None, set(range(10))),
])
def test_sampling_hooks_only_on_sampled_batches(batches_per_epoch, expected):
    model = _deep_net("relu", "he_normal", depth=2)
    probe = HookProbe()
    x, y = _data(n=100)
    model.fit(x, y, epochs=1, batch_size=10, verbose=0, shuffle=False,
              callbacks=[GradientMonitor(batches_per_epoch=batches_per_epoch), probe])
    n_layers = len(model.layers)
    watched = {batch for batch, observers, hooks in probe.seen if observers}
    assert watched == expected
    for batch, observers, hooks in probe.seen:
        assert (observers, hooks) == ((1, n_layers) if batch in expected else (0, 0))
    assert _no_hooks_left(model)


def test_no_activation_hooks_when_activations_false():
    model = _deep_net("relu", "he_normal", depth=2)
    probe = HookProbe()
    x, y = _data(n=64)
    history = model.fit(x, y, epochs=1, batch_size=32, verbose=0,
                        callbacks=[GradientMonitor(activations=False), probe])
    assert all(hooks == 0 for _, _, hooks in probe.seen)
    assert history.diagnostics.activation_layers == []
    assert history.diagnostics.activation_mean == {}
    assert len(history.diagnostics.grad_norm[model.layers[0].name]) == 1


def test_zero_cost_when_unused():
    model = _deep_net("relu", "he_normal", depth=2)
    probe = HookProbe()
    history = _fit(model, probe, epochs=1)
    assert all((observers, hooks) == (0, 0) for _, observers, hooks in probe.seen)
    assert _no_hooks_left(model)
    assert not hasattr(history, "diagnostics")


def test_hooks_removed_after_fit_and_fresh_record_per_fit():
    model = _deep_net("sigmoid", "glorot_uniform", depth=2)
    monitor = GradientMonitor(batches_per_epoch=2)
    first = _fit(model, monitor, epochs=2).diagnostics
    assert _no_hooks_left(model)
    second = _fit(model, monitor, epochs=1).diagnostics
    assert _no_hooks_left(model)
    assert first is not second and second.epochs == [0] and first.epochs == [0, 1]


# --------------------------------------------------------------------------------------
# the numbers against hand computations
# --------------------------------------------------------------------------------------
def _linear_net(learning_rate):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5), keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="mse")
    for layer in model.layers:  # non-zero biases, so that they count in the norms
        layer.bias.assign(np.random.default_rng(7).normal(size=layer.bias.shape))
    return model


def _hand_sgd_records(weights, x, y, batch_size, epochs, learning_rate):
    """Plain SGD on a 2-layer linear net with MSE, backpropagated by hand in float64.

    P = (x W1 + b1) W2 + b2,  L = mean((P - y)^2),  G2 = dL/dP = 2 (P - y) / (N * 3),
    dW2 = H^T G2, db2 = sum G2, G1 = G2 W2^T, dW1 = x^T G1, db1 = sum G1.
    """
    W1, b1, W2, b2 = [w.astype(np.float64) for w in weights]
    records = []
    for epoch in range(epochs):
        for batch, start in enumerate(range(0, len(x), batch_size)):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            H = xb @ W1 + b1
            P = H @ W2 + b2
            G2 = 2 * (P - yb) / P.size
            dW2, db2 = H.T @ G2, G2.sum(axis=0)
            G1 = G2 @ W2.T
            dW1, db1 = xb.T @ G1, G1.sum(axis=0)
            norm1 = math.sqrt(np.sum(dW1 ** 2) + np.sum(db1 ** 2))
            norm2 = math.sqrt(np.sum(dW2 ** 2) + np.sum(db2 ** 2))
            size1 = math.sqrt(np.sum(W1 ** 2) + np.sum(b1 ** 2))
            size2 = math.sqrt(np.sum(W2 ** 2) + np.sum(b2 ** 2))
            records.append({"epoch": epoch, "batch": batch, "grad_norm": [norm1, norm2],
                            "update_ratio": [learning_rate * norm1 / size1,
                                             learning_rate * norm2 / size2]})
            W1, b1 = W1 - learning_rate * dW1, b1 - learning_rate * db1
            W2, b2 = W2 - learning_rate * dW2, b2 - learning_rate * db2
    return records


def test_grad_norm_and_update_ratio_match_hand_sgd():
    learning_rate = 0.05
    model = _linear_net(learning_rate)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(12, 4)).astype("float32")
    y = rng.normal(size=(12, 3)).astype("float32")
    expected = _hand_sgd_records(model.get_weights(), x.astype(np.float64),
                                 y.astype(np.float64), 6, 2, learning_rate)
    history = model.fit(x, y, epochs=2, batch_size=6, shuffle=False, verbose=0,
                        callbacks=[GradientMonitor(every_n_batches=1)])
    d = history.diagnostics
    assert len(d.batches) == len(expected) == 4
    for record, hand in zip(d.batches, expected):
        assert (record["epoch"], record["batch"]) == (hand["epoch"], hand["batch"])
        for field in ("grad_norm", "update_ratio"):
            got = [record[field][name] for name in d.layers]
            np.testing.assert_allclose(got, hand[field], rtol=1e-5)
    for i, name in enumerate(d.layers):
        per_epoch = [np.mean([h["update_ratio"][i] for h in expected if h["epoch"] == e])
                     for e in range(2)]
        np.testing.assert_allclose(d.update_ratio[name], per_epoch, rtol=1e-5)


def test_activation_stats_match_numpy_forward_pass():
    keras.utils.set_random_seed(11)
    model = keras.Sequential([
        keras.Input((6,)),
        keras.layers.Dense(8, activation="relu", bias_initializer="random_normal"),
        keras.layers.Dense(5, activation="tanh"),
        keras.layers.Dense(2, activation="sigmoid"),
    ])
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(2)
    x = rng.normal(size=(16, 6)).astype("float32")
    y = rng.uniform(size=(16, 2)).astype("float32")
    W1, b1, W2, b2, W3, b3 = model.get_weights()
    a1 = np.maximum(x @ W1 + b1, 0)          # the first batch: the initial weights
    a2 = np.tanh(a1 @ W2 + b2)
    a3 = 1 / (1 + np.exp(-(a2 @ W3 + b3)))
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0,
                        callbacks=[GradientMonitor(every_n_batches=1)])
    (record,) = history.diagnostics.batches
    for layer, a in zip(model.layers, (a1, a2, a3)):
        assert record["activation_mean"][layer.name] == pytest.approx(a.mean(), rel=1e-5)
        assert record["activation_std"][layer.name] == pytest.approx(a.std(), rel=1e-5)
        assert record["activation_zero_fraction"][layer.name] == np.mean(a == 0)
    assert 0 < record["activation_zero_fraction"][model.layers[0].name] < 1  # some dead


def test_quantities_on_small_arrays():
    g = [np.array([3.0, 0.0]), np.array([[4.0]]), None]
    assert diag.gradient_norm(g) == 5.0
    assert diag.update_ratio([np.array([3.0, 4.0])], [np.array([3.0, 3.0])]) == 0.2
    assert math.isinf(diag.update_ratio([np.zeros(2)], [np.ones(2)]))
    assert diag.activation_stats(np.array([0.0, 2.0, 0.0, 2.0])) == (1.0, 1.0, 0.5)


def test_frozen_layer_is_left_out():
    model = _deep_net("relu", "he_normal", depth=2)
    model.layers[0].trainable = False
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    d = _fit(model, GradientMonitor(), epochs=1).diagnostics
    assert d.layers == [layer.name for layer in model.layers[1:]]
    assert d.activation_layers == [layer.name for layer in model.layers]


@pytest.mark.parametrize("kwargs, match", [
    ({"every_n_batches": 0}, "Received: every_n_batches=0"),
    ({"every_n_batches": 1.5}, "Received: every_n_batches=1.5"),
    ({"batches_per_epoch": -2}, "Received: batches_per_epoch=-2"),
    ({"batches_per_epoch": True}, "Received: batches_per_epoch=True"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GradientMonitor(**kwargs)


# --------------------------------------------------------------------------------------
# serialization
# --------------------------------------------------------------------------------------
def test_to_dict_from_dict_json_round_trip(trained):
    d = trained[2].diagnostics
    text = json.dumps(d.to_dict(), allow_nan=False)
    back = Diagnostics.from_dict(json.loads(text))
    assert back.to_dict() == d.to_dict()
    assert back.layers == d.layers and back.epochs == d.epochs
    assert back.grad_norm == d.grad_norm and back.batches == d.batches


def test_non_finite_values_round_trip_as_null():
    d = Diagnostics()
    d.add_epoch(0, [{"grad_norm": {"a": 1.0}, "update_ratio": {"a": math.inf}}])
    d.add_epoch(1, [{"grad_norm": {"a": 2.0, "b": 3.0}, "update_ratio": {"a": 0.1, "b": 0.2}}])
    data = json.loads(json.dumps(d.to_dict(), allow_nan=False))
    assert data["update_ratio"]["a"] == [None, 0.1]
    assert data["grad_norm"]["b"] == [None, 3.0]      # layer b appeared in epoch 1
    back = Diagnostics.from_dict(data)
    assert math.isnan(back.grad_norm["b"][0]) and back.grad_norm["b"][1] == 3.0
    assert back.layers == ["a", "b"]


# --------------------------------------------------------------------------------------
# plots
# --------------------------------------------------------------------------------------
def _assert_png(figure, path):
    from matplotlib.figure import Figure

    assert isinstance(figure, Figure)
    figure.savefig(path)
    assert path.read_bytes()[:8] == PNG_MAGIC


@pytest.fixture(scope="module")
def histories():
    x = np.linspace(0, 1, 5)
    return {"SGD": {"loss": list(1 - x / 2), "accuracy": list(x / 2),
                    "val_loss": list(1 - x / 3), "val_accuracy": list(x / 3)},
            "Adam": {"loss": list(1 - x), "accuracy": list(x * 0.9),
                     "val_loss": list(1 - x / 1.5), "val_accuracy": list(x * 0.8)}}


def _plots(trained, histories):
    d = trained[2].diagnostics
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(40, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=40)
    names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
             "Sneaker", "Bag", "Ankle boot"]
    return {
        "gradient_norms": lambda: diag.plot_gradient_norms(d, title="norms"),
        "by_layer": lambda: diag.plot_gradient_norms_by_layer(d),
        "by_layer_epochs": lambda: diag.plot_gradient_norms_by_layer(d, epochs=[1, -1]),
        "activation_stats": lambda: diag.plot_activation_stats(d),
        "history": lambda: diag.plot_history(histories["SGD"]),
        "comparison": lambda: diag.plot_comparison(histories, "val_accuracy"),
        "image_grid": lambda: diag.plot_image_grid(images, labels, names),
        "image_grid_predicted": lambda: diag.plot_image_grid(
            images, labels, names, predicted_labels=np.eye(10)[(labels + 1) % 10]),
        "confusion": lambda: diag.plot_confusion_matrix(labels, rng.integers(0, 10, 40),
                                                        names),
        "filters": lambda: diag.plot_filters(rng.normal(size=(3, 3, 1, 12))),
        "filters_rgb": lambda: diag.plot_filters(rng.normal(size=(5, 5, 3, 4)), n_cols=2),
        "feature_maps": lambda: diag.plot_feature_maps(
            images[0], {"block 1": rng.random((28, 28, 16)), "block 2": rng.random((7, 7, 4))}),
        "saliency": lambda: diag.plot_saliency(images[:3, :, :, None], rng.random((3, 28, 28, 1)),
                                               titles=["a", "b", "c"]),
        "accuracy_vs_time": lambda: diag.plot_accuracy_vs_time(
            {"mlp": (60.0, 0.88), "cnn": (400.0, 0.92)}, groups={"mlp": "MLP", "cnn": "CNN"}),
    }


PLOTS = ["gradient_norms", "by_layer", "by_layer_epochs", "activation_stats", "history",
         "comparison", "image_grid", "image_grid_predicted", "confusion", "filters",
         "filters_rgb", "feature_maps", "saliency", "accuracy_vs_time"]


@pytest.mark.parametrize("name", PLOTS)
def test_plot_returns_figure_and_saves_png(name, trained, histories, tmp_path):
    _assert_png(_plots(trained, histories)[name](), tmp_path / f"{name}.png")


def test_plots_draw_into_a_given_axes(trained, histories, tmp_path):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 5))
    ax = figure.add_subplot()
    d = trained[2].diagnostics
    assert diag.plot_gradient_norms_by_layer(d, ax=ax, label="relu") is figure
    assert diag.plot_gradient_norms_by_layer(d, ax=ax, label="again") is figure
    assert len(ax.get_lines()) == 4
    assert ax.get_yscale() == "log"
    _assert_png(figure, tmp_path / "compare.png")


def test_plot_contents(trained, histories):
    d = trained[2].diagnostics
    ax = diag.plot_gradient_norms(d).axes[0]
    assert ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.get_lines()] == d.layers
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), d.grad_norm[d.layers[0]])
    ax = diag.plot_history(histories["SGD"]).axes[0]
    assert ax.get_ylim() == (0.0, 1.0)
    assert [line.get_label() for line in ax.get_lines()] == list(histories["SGD"])
    ax = diag.plot_confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], ["a", "b", "c"]).axes[0]
    counts = ax.get_images()[0].get_array()
    np.testing.assert_array_equal(counts, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])


def test_plot_errors(trained, histories):
    d = trained[2].diagnostics
    with pytest.raises(ValueError, match="Received: epoch=7"):
        diag.plot_gradient_norms_by_layer(d, epochs=[7])
    with pytest.raises(ValueError, match="Received: key='top5'"):
        diag.plot_comparison(histories, "top5")
    with pytest.raises(ValueError, match="activations=False"):
        diag.plot_activation_stats(Diagnostics())
    with pytest.raises(ValueError, match=r"Received: kernel.shape=\(3, 3, 8\)"):
        diag.plot_filters(np.zeros((3, 3, 8)))
    with pytest.raises(ValueError, match=r"Received: b of shape \(7, 7\)"):
        diag.plot_feature_maps(np.zeros((28, 28)), {"b": np.zeros((7, 7))})
    with pytest.raises(ValueError, match="Received: 2 images and 1 maps"):
        diag.plot_saliency(np.zeros((2, 28, 28)), np.zeros((1, 28, 28)))
    with pytest.raises(ValueError, match=r"Received: points=\{\}"):
        diag.plot_accuracy_vs_time({})


def test_cnn_plot_contents():
    kernel = np.zeros((3, 3, 1, 2))
    kernel[0, :, 0, 0], kernel[2, :, 0, 1] = 1.0, -2.0  # a top row, a bottom row
    ax = diag.plot_filters(kernel).axes[0]
    mosaic = np.ma.filled(ax.get_images()[0].get_array(), np.nan)  # gaps are masked NaN
    np.testing.assert_array_equal(mosaic[:, :3], kernel[:, :, 0, 0])  # tiles side by side
    np.testing.assert_array_equal(mosaic[:, 4:], kernel[:, :, 0, 1])
    assert ax.get_images()[0].get_clim() == (-2.0, 2.0)  # one symmetric scale: white is 0
    maps = np.zeros((4, 4, 3))
    maps[..., 2] = 5.0  # the strongest channel is shown first
    maps[0, 0, 0] = 1.0
    figure = diag.plot_feature_maps(np.ones((4, 4)), {"block": maps}, n_channels=2)
    shown = np.ma.filled(figure.axes[1].get_images()[0].get_array(), np.nan)  # channels 2, 0
    assert shown.shape == (4, 9) and np.all(np.isnan(shown[:, 4]))  # a gap of 1
    np.testing.assert_array_equal(shown[:, :4], 0.0)  # constant: 0 after scaling
    np.testing.assert_array_equal(shown[:, 5:], maps[..., 0])
    figure = diag.plot_saliency(np.ones((1, 4, 4, 1)), np.arange(16.0).reshape(1, 4, 4, 1))
    saliency_row = figure.axes[1].get_images()[0].get_array()
    np.testing.assert_allclose(saliency_row, np.arange(16.0).reshape(4, 4) / 15.0)


def test_gradient_monitor_watches_conv_layers():
    """4-D kernels (k_h, k_w, C, F) and 4-D activations (N, H, W, F) are recorded."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(4, 3, padding="same", use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.Activation("relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(6, 3, activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    conv, bn, relu, pool, conv_1 = model.layers[:5]
    rng = np.random.default_rng(0)
    x, y = rng.random((32, 8, 8, 1)).astype("float32"), rng.integers(0, 3, 32)
    seen = {}
    conv_1.register_forward_hook(lambda layer, inputs, out: seen.setdefault("a", out.data))
    history = model.fit(x, y, epochs=2, batch_size=32, verbose=0,
                        callbacks=[GradientMonitor(every_n_batches=1)])
    d = history.diagnostics
    assert d.layers == [conv.name, bn.name, conv_1.name, model.layers[-1].name]
    assert all(np.isfinite(d.grad_norm[name]).all() and min(d.grad_norm[name]) > 0
               for name in d.layers)
    assert conv.name in d.activation_layers and pool.name in d.activation_layers
    mean, std, zeros = diag.activation_stats(seen["a"])  # the first batch, (32, 2, 2, 6)
    assert d.batches[0]["activation_mean"][conv_1.name] == pytest.approx(mean)
    assert d.batches[0]["activation_std"][conv_1.name] == pytest.approx(std)
    assert d.batches[0]["activation_zero_fraction"][conv_1.name] == pytest.approx(zeros)
    assert d.batches[0]["activation_zero_fraction"][relu.name] > 0.2  # ReLU after BN


def test_the_package_keeps_every_public_name():
    """glassnet.diagnostics became a package: what it exported before still imports."""
    from glassnet.diagnostics import (  # noqa: F401
        ACTIVATION_FIELDS,
        GRADIENT_FIELDS,
        Diagnostics,
        activation_stats,
        gradient_norm,
        plot_activation_stats,
        plot_comparison,
        plot_confusion_matrix,
        plot_gradient_norms,
        plot_gradient_norms_by_layer,
        plot_history,
        plot_image_grid,
        update_ratio,
    )

    assert {"saliency", "feature_maps", "plot_filters", "plot_feature_maps",
            "plot_saliency", "plot_accuracy_vs_time"} <= set(diag.__all__)
    assert all(hasattr(diag, name) for name in diag.__all__)


def test_missing_matplotlib_gives_install_hint(monkeypatch, trained):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install 'glassnet\[plot\]'"):
        diag.plot_gradient_norms(trained[2].diagnostics)
