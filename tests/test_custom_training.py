"""Customizing fit as the Keras guides teach it: GradientTape, train_step/test_step/
predict_step(data), compute_loss, model.metrics, subclassed functional models, endpoint
layers with add_loss, compile() without a loss."""
import numpy as np
import pytest

import glassnet
import glassnet as keras
from glassnet import ops
from glassnet.autodiff import Tensor, grad


def _data(n=96, features=8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype("float32")
    y = (x @ rng.standard_normal((features, 1)) + 0.1).astype("float32")
    return x, y


def _dense_graph(units=1, features=8):
    inputs = keras.Input(shape=(features,))
    hidden = keras.layers.Dense(4, activation="relu")(inputs)
    return inputs, keras.layers.Dense(units)(hidden)


# --------------------------------------------------------------------------
# GradientTape
# --------------------------------------------------------------------------


def test_tape_gradient_is_autodiff_grad():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3, activation="tanh")])
    x, _ = _data()
    with glassnet.GradientTape() as tape:
        loss = ops.sum(ops.square(model(Tensor(x), training=True)))
    grads = tape.gradient(loss, model.trainable_weights)
    expected = grad(loss, model.trainable_weights)
    assert [type(g) for g in grads] == [Tensor, Tensor]
    for g, e in zip(grads, expected):
        np.testing.assert_array_equal(g.data, e)


def test_tape_watches_tensors_and_keeps_the_structure_of_sources():
    x = Tensor(np.array([1.0, -2.0, 3.0]))
    unused = Tensor(np.array([5.0]))
    with glassnet.GradientTape() as tape:
        tape.watch([x, unused])
        y = ops.sum(x * x * x)
    grads = tape.gradient(y, {"x": x, "unused": unused})
    np.testing.assert_allclose(grads["x"].data, 3 * x.data ** 2)
    assert grads["unused"] is None


def test_tape_refuses_arrays_to_watch_and_a_second_gradient_unless_persistent():
    with glassnet.GradientTape() as tape, pytest.raises(TypeError, match="Received: ndarray"):
        tape.watch(np.ones(3))
    w = keras.Variable(np.array([2.0]))
    with glassnet.GradientTape() as tape:
        y = ops.sum(w * w)
    tape.gradient(y, [w])
    with pytest.raises(RuntimeError, match="only be called once"):
        tape.gradient(y, [w])
    with glassnet.GradientTape(persistent=True) as tape:
        y = ops.sum(w * w)
    for _ in range(2):
        np.testing.assert_allclose(tape.gradient(y, [w])[0].data, [4.0])


def test_layers_called_on_numpy_arrays_record_inside_a_tape_only():
    """The guide's loop calls the model on the batch arrays inside the tape."""
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2)])
    x, _ = _data(n=4)
    assert isinstance(model(x), np.ndarray)  # outside a tape: inference on arrays
    with glassnet.GradientTape() as tape:
        out = model(x, training=True)
        loss = ops.mean(ops.square(out))
    assert isinstance(out, Tensor)
    assert all(g is not None for g in tape.gradient(loss, model.trainable_weights))


def test_training_loop_from_scratch_equals_fit():
    """The guide's loop (tape + optimizer.apply) and fit make the same weights."""
    x, y = _data()

    def make():
        keras.utils.set_random_seed(3)
        inputs, outputs = _dense_graph()
        return keras.Model(inputs, outputs)

    fitted = make()
    fitted.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    fitted.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)

    model = make()
    optimizer = keras.optimizers.Adam(1e-2)
    loss_fn = keras.losses.MeanSquaredError()
    for _ in range(2):
        for start in range(0, len(x), 32):
            with glassnet.GradientTape() as tape:
                y_pred = model(x[start:start + 32], training=True)
                loss = loss_fn(y[start:start + 32], y_pred)
            grads = tape.gradient(loss, model.trainable_weights)
            optimizer.apply(grads, model.trainable_weights)
    for a, b in zip(model.get_weights(), fitted.get_weights()):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------
# train_step / test_step / predict_step
# --------------------------------------------------------------------------


class GuideModel(keras.Model):
    """The first model of "customizing what happens in fit", with glassnet's tape."""

    def train_step(self, data):
        x, y = data
        with glassnet.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_subclass_called_with_inputs_and_outputs_is_functional_and_trains_like_fit():
    x, y = _data()
    histories, weights = [], []
    for cls in (keras.Model, GuideModel):
        keras.utils.set_random_seed(5)
        model = cls(*_dense_graph())
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        histories.append(model.fit(x, y, epochs=3, shuffle=False, verbose=0).history)
        weights.append(model.get_weights())
    custom = model
    assert isinstance(custom, GuideModel) and type(custom).__name__ == "GuideModel"
    assert isinstance(custom, keras.models.Functional)
    assert len(custom.layers) == 3 and custom.inputs is not None
    assert list(histories[1]) == ["loss", "mae"]
    # metric.update_state(loss) weighs each batch equally, the built-in step by batch size:
    # the batches here all hold 32 samples, so the two agree.
    for key in ("loss", "mae"):
        np.testing.assert_allclose(histories[1][key], histories[0][key], rtol=1e-6)
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


def test_own_metric_trackers_are_listed_and_reset_every_epoch():
    class Counting(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.seen = keras.metrics.Sum(name="seen")
            self.loss_fn = keras.losses.MeanSquaredError()

        def train_step(self, data):
            x, y = data
            with glassnet.GradientTape() as tape:
                loss = self.loss_fn(y, self(x, training=True))
            grads = tape.gradient(loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            self.seen.update_state(np.ones(len(y)))
            return {"seen": self.seen.result()}

    x, y = _data()
    model = Counting(*_dense_graph())
    model.compile(optimizer="sgd")  # no loss: the step computes its own
    assert model.seen in model.metrics  # tracked as an attribute, as Keras 3 does
    history = model.fit(x, y, batch_size=32, epochs=3, verbose=0)
    assert history.history["seen"] == [96.0, 96.0, 96.0]  # 192, 288 without the resets


def test_custom_test_step_and_predict_step_are_used():
    class Custom(keras.Model):
        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            for metric in self.metrics:
                if metric.name != "loss":
                    metric.update_state(y, y_pred)
                else:
                    metric.update_state(loss)
            return {m.name: m.result() for m in self.metrics}

        def predict_step(self, data):
            x = data  # Keras passes x alone when there is no y (pack_x_y_sample_weight)
            return 2 * self(x, training=False)

    x, y = _data()
    keras.utils.set_random_seed(2)
    model = Custom(*_dense_graph())
    model.compile(loss="mse", metrics=["mae"])
    loss, mae = model.evaluate(x, y, batch_size=32, verbose=0)
    plain = keras.Model(model.inputs, model.outputs)
    plain.compile(loss="mse", metrics=["mae"])
    np.testing.assert_allclose([loss, mae], plain.evaluate(x, y, batch_size=32, verbose=0),
                               rtol=1e-6)
    np.testing.assert_allclose(model.predict(x, verbose=0), 2 * plain.predict(x, verbose=0))


def test_compute_loss_override_sees_the_training_flag_and_sample_weights():
    seen = []

    class Custom(keras.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                         training=True):
            seen.append((training, sample_weight is not None))
            return super().compute_loss(x, y, y_pred, sample_weight)

    x, y = _data(n=32)
    model = Custom(*_dense_graph())
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=32, sample_weight=np.ones(32), verbose=0)
    model.evaluate(x, y, batch_size=32, verbose=0)
    assert seen == [(True, True), (False, False)]


def test_default_train_step_returns_the_running_metrics():
    x, y = _data(n=64)
    model = keras.Model(*_dense_graph())
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    data = (Tensor(x[:32]), y[:32])
    logs = model.train_step(data)
    assert list(logs) == ["loss", "mae"]
    assert [m.name for m in model.metrics] == ["loss", "compile_metrics"]
    assert model.metrics[1].result().keys() == {"mae"}
    result = model.train_on_batch(x[32:], y[32:], return_dict=True)
    assert list(result) == ["loss", "mae"] and all(isinstance(v, float) for v in result.values())


# --------------------------------------------------------------------------
# add_loss: endpoint layers, compile() without a loss
# --------------------------------------------------------------------------


class LogisticEndpoint(keras.layers.Layer):
    """The endpoint layer of the guide "training & evaluation with the built-in methods"."""

    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def call(self, targets, logits, sample_weights=None):
        loss = self.loss_fn(targets, logits, sample_weights)
        self.add_loss(loss)
        return ops.softmax(logits)


def _endpoint_model():
    inputs = keras.Input(shape=(3,), name="inputs")
    targets = keras.Input(shape=(10,), name="targets")
    logits = keras.layers.Dense(10)(inputs)
    predictions = LogisticEndpoint(name="predictions")(targets, logits)
    return keras.Model(inputs=[inputs, targets], outputs=predictions)


def test_endpoint_layer_trains_on_its_added_loss_without_a_compiled_loss():
    keras.utils.set_random_seed(0)
    model = _endpoint_model()
    assert model.losses == []  # the dummy loss of the symbolic call is not kept
    model.compile(optimizer="adam")
    rng = np.random.default_rng(0)
    data = {"inputs": rng.random((3, 3)), "targets": rng.random((3, 10))}
    dense = model.get_layer(index=2)
    logits = data["inputs"] @ dense.kernel.numpy() + dense.bias.numpy()
    p = 1 / (1 + np.exp(-logits))
    t = data["targets"]
    expected = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    history = model.fit(data, verbose=0)
    np.testing.assert_allclose(history.history["loss"], [expected], rtol=1e-5)
    assert model.fit(data, epochs=20, verbose=0).history["loss"][-1] < expected
    assert model.predict(data, verbose=0).shape == (3, 10)


def test_endpoint_layer_graph_lists_every_placeholder_it_takes(capsys):
    model = _endpoint_model()
    assert [layer.name for layer in model.layers][:2] == ["inputs", "targets"]
    model.summary()
    assert "targets[0][0]" in capsys.readouterr().out


def test_compile_without_loss_and_nothing_added_says_so():
    x, y = _data(n=8)
    model = keras.Model(*_dense_graph())
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="No loss to compute"):
        model.fit(x, y, verbose=0)


def test_added_losses_are_part_of_the_logged_loss():
    class ActivityRegularization(keras.layers.Layer):
        def call(self, inputs):
            self.add_loss(1e-2 * ops.sum(inputs))
            return inputs

    x, y = _data(n=16)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1),
                              ActivityRegularization()])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    logged = model.evaluate(x, y, batch_size=16, verbose=0)
    out = model.predict(x, verbose=0)
    np.testing.assert_allclose(logged, np.mean((out - y) ** 2) + 1e-2 * out.sum(), rtol=1e-5)
