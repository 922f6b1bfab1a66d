"""Compiled steps (``compile(jit_compile=...)``, ``glassnet.compiler``): every model kind
of the suite trained eagerly and compiled gives the same history, weights, evaluation and
predictions, bit for bit (a replay runs the ops of the eager step in the same order, and
each fused op computes its pattern's numbers with the same operations), except with
batch normalization, whose fused gradient is the closed form (see ``BATCH_NORM_RTOL``);
what cannot be compiled says why and runs eagerly, or raises with ``jit_compile=True``."""
import warnings

import numpy as np
import pytest
from helpers import wide_and_deep

import glassnet as keras
from glassnet import ops
from glassnet.compiler import CompileError


def _classification(n=96, features=8, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype("float32")
    y = (x[:, :classes].argmax(axis=1)).astype("int64")
    return x, y


def _mlp(**dense):
    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu",
                                                                    **dense),
                             keras.layers.Dense(3, activation="softmax")])


def _bn_dropout():
    return keras.Sequential([
        keras.Input((8,)), keras.layers.Dense(16, use_bias=False),
        keras.layers.BatchNormalization(), keras.layers.Activation("elu"),
        keras.layers.Dropout(0.3, seed=1), keras.layers.Dense(3, activation="softmax")])


def _cnn():
    return keras.Sequential([
        keras.Input((6, 6, 2)), keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
        keras.layers.BatchNormalization(), keras.layers.MaxPooling2D(),
        keras.layers.Flatten(), keras.layers.Dropout(0.2, seed=2),
        keras.layers.Dense(3, activation="softmax")])


class _Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(16, activation="tanh")
        self.noise = keras.layers.GaussianNoise(0.1, seed=3)
        self.out = keras.layers.Dense(3)

    def call(self, x, training=None):
        return self.out(self.noise(self.hidden(x), training=training))


class _Penalty(keras.layers.Layer):
    def call(self, x):
        self.add_loss(1e-3 * ops.sum(ops.square(x)))
        return x


CASES = {
    "sequential sgd": (_mlp, dict(optimizer="sgd")),
    "regularizer constraint clipnorm": (
        lambda: _mlp(kernel_regularizer="l2", kernel_constraint=keras.constraints.MaxNorm(1.5)),
        dict(optimizer=keras.optimizers.Adam(1e-2, clipnorm=0.5))),
    "schedule nesterov": (_mlp, dict(optimizer=keras.optimizers.SGD(
        keras.optimizers.schedules.ExponentialDecay(0.1, 3, 0.5), momentum=0.9,
        nesterov=True))),
    "batchnorm elu dropout": (_bn_dropout, dict(optimizer="adam")),
    "subclassed noise logits": (_Subclassed, dict(
        optimizer="rmsprop", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))),
    "added loss": (lambda: keras.Sequential([keras.Input((8,)), keras.layers.Dense(3),
                                             _Penalty(), keras.layers.Softmax()]),
                   dict(optimizer="nadam")),
}


def _compiled(model_fn, compile_kwargs, jit_compile, data, fit_kwargs):
    keras.utils.set_random_seed(7)
    model = model_fn()
    kwargs = {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"],
              **compile_kwargs}
    if isinstance(kwargs["optimizer"], keras.optimizers.Optimizer):  # a fresh copy each
        kwargs["optimizer"] = type(kwargs["optimizer"]).from_config(
            kwargs["optimizer"].get_config())
    model.compile(jit_compile=jit_compile, **kwargs)
    keras.utils.set_random_seed(8)  # the shuffles
    history = model.fit(*data, batch_size=16, epochs=3, verbose=0, **fit_kwargs).history
    evaluation = model.evaluate(*data, batch_size=16, verbose=0)
    predictions = model.predict(data[0], batch_size=16, verbose=0)
    return model, history, evaluation, predictions


# BatchNormTraining's gradient is the one-pass closed form, the eager composite's is the
# chain rule through mean, variance and x_hat: the same function, rounded differently in
# float32.  Over the 18 steps of these tests the weights and predictions differed by at
# most 5.3e-7 relative (measured with 1 and 2 BLAS threads); the bound leaves 20x room.
BATCH_NORM_RTOL = 1e-5


def _assert_identical(eager, compiled, rtol=0.0):
    """Bit for bit (``rtol=0``), or within ``rtol`` (the histories too)."""
    (m1, h1, e1, p1), (m2, h2, e2, p2) = eager, compiled
    arrays = [(p1, p2), *zip(m1.get_weights(), m2.get_weights()),
              *((a.data, b.data) for a, b in zip(m1.optimizer.variables,
                                                 m2.optimizer.variables))]
    if rtol == 0:
        assert h1 == h2
        assert e1 == e2
        for a, b in arrays:
            np.testing.assert_array_equal(a, b)
        return
    assert h1.keys() == h2.keys()
    for key in h1:
        np.testing.assert_allclose(h1[key], h2[key], rtol=rtol, atol=rtol)
    np.testing.assert_allclose(e1, e2, rtol=rtol, atol=rtol)
    for a, b in arrays:
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("name", list(CASES))
def test_compiled_training_is_eager_training_bit_for_bit(name):
    model_fn, compile_kwargs = CASES[name]
    data = _classification()
    eager = _compiled(model_fn, compile_kwargs, False, data, {})
    compiled = _compiled(model_fn, compile_kwargs, True, data, {})  # True: no fallback
    _assert_identical(eager, compiled, BATCH_NORM_RTOL if "batchnorm" in name else 0.0)
    assert compiled[0].compiled_functions_ready() == {"train", "test", "predict"}


@pytest.mark.parametrize("weights", ["sample", "class"])
def test_sample_and_class_weights_compile_to_the_same_numbers(weights):
    x, y = _classification()
    fit_kwargs = ({"sample_weight": np.linspace(0.5, 1.5, len(x))} if weights == "sample"
                  else {"class_weight": {0: 1.0, 1: 2.0, 2: 0.5}})
    eager = _compiled(_mlp, dict(optimizer="adam"), False, (x, y), fit_kwargs)
    compiled = _compiled(_mlp, dict(optimizer="adam"), True, (x, y), fit_kwargs)
    _assert_identical(eager, compiled)


def test_a_cnn_with_batchnorm_pooling_and_dropout_compiles_to_the_same_numbers():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 6, 6, 2)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0).astype("int64") + (x[:, 0, 0, 0] > 1)
    eager = _compiled(_cnn, dict(optimizer="adam"), False, (x, y), {})
    compiled = _compiled(_cnn, dict(optimizer="adam"), True, (x, y), {})
    _assert_identical(eager, compiled, BATCH_NORM_RTOL)


def test_functional_model_with_two_inputs_and_two_outputs():
    rng = np.random.default_rng(2)
    x = [rng.standard_normal((64, 5)).astype("float32"),
         rng.standard_normal((64, 6)).astype("float32")]
    y = [rng.standard_normal((64, 1)).astype("float32"),
         rng.standard_normal((64, 1)).astype("float32")]
    results = []
    for jit_compile in (False, True):
        keras.utils.set_random_seed(3)
        model = wide_and_deep()
        model.compile(optimizer="adam", loss=["mse", "mae"], loss_weights=[0.9, 0.1],
                      metrics=["mae"], jit_compile=jit_compile)
        history = model.fit(x, y, batch_size=16, epochs=3, verbose=0).history
        results.append((history, model.get_weights(), model.predict(x, verbose=0)))
    (h1, w1, p1), (h2, w2, p2) = results
    assert h1 == h2 and "loss" in h1 and len(h1) > 3
    for a, b in zip(w1 + p1, w2 + p2):
        np.testing.assert_array_equal(a, b)


def test_the_program_is_printed_op_by_op(capsys):
    x, y = _classification()
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.compiled_program()
    assert "no compiled train program yet" in capsys.readouterr().out
    model.fit(x, y, batch_size=16, verbose=0)
    model.compiled_program()
    text = capsys.readouterr().out
    assert "%0 = input (16, 8) float32" in text
    assert "LinearRelu(%0, sequential" in text and "(16, 16) float32" in text
    assert "grad(" in text and "_sparse_labels(" in text


class _ValueDependent(keras.layers.Layer):
    """Python control flow on a computed value: a replay cannot follow it."""

    def call(self, x):
        return x * 2 if float(ops.mean(x)) > 0 else x


def test_what_cannot_be_replayed_runs_eagerly_with_the_reason_or_raises_when_strict():
    x, _ = _classification()

    def model_fn():
        return keras.Sequential([keras.Input((8,)), _ValueDependent(), keras.layers.Dense(3)])

    keras.utils.set_random_seed(0)
    model = model_fn()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.warns(UserWarning, match=r"runs eagerly \(not compiled\): a value computed "
                                         r"in the step was read into Python \(float\(\)\)"):
        model.fit(x, np.ones((len(x), 3)), batch_size=16, verbose=0)
    strict = model_fn()
    strict.compile(optimizer="sgd", loss="mse", jit_compile=True)
    with pytest.raises(CompileError, match="read into Python"):
        strict.fit(x, np.ones((len(x), 3)), batch_size=16, verbose=0)


def test_data_computed_outside_the_ops_is_caught_by_the_second_trace():
    class Leaky(keras.layers.Layer):
        def call(self, x):
            return x * np.abs(x.data)  # a NumPy value of the batch: a constant to a trace

    x, _ = _classification()
    model = keras.Sequential([keras.Input((8,)), Leaky(), keras.layers.Dense(3)])
    model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    with pytest.raises(CompileError, match="differs between two batches"):
        model.fit(x, np.ones((len(x), 3)), batch_size=16, verbose=0)


def test_forward_hooks_run_eagerly_and_see_every_batch():
    x, y = _classification()
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", jit_compile=True)
    seen = []
    remove = model.layers[0].register_forward_hook(lambda layer, i, o: seen.append(1))
    model.fit(x, y, batch_size=16, verbose=0)
    assert len(seen) == 6  # every batch, although jit_compile=True
    remove()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert len(seen) == 6


def test_jit_compile_must_be_auto_true_or_false():
    with pytest.raises(ValueError, match="Received: jit_compile='xla'"):
        _mlp().compile(loss="mse", jit_compile="xla")


def test_a_layer_added_after_fit_gets_a_new_program():
    x, _ = _classification()
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, activation="relu")])
    model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    model.fit(x, np.zeros((len(x), 4)), batch_size=16, verbose=0)
    assert model.predict(x, batch_size=16, verbose=0).shape == (len(x), 4)
    model.predict(x, batch_size=16, verbose=0)  # replayed
    model.add(keras.layers.Dense(2))
    assert model.predict(x, batch_size=16, verbose=0).shape == (len(x), 2)
    for layer in model.layers[:1]:
        layer.trainable = False
    model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    frozen = model.layers[0].get_weights()
    model.fit(x, np.zeros((len(x), 2)), batch_size=16, epochs=2, verbose=0)
    for a, b in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)


class _Counting(keras.layers.Layer):
    """Variables written during the step: a call counter and a running maximum."""

    def build(self, input_shape):
        self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False)
        self.peak = self.add_weight(shape=(), initializer="zeros", trainable=False)

    def call(self, x, training=None):
        if training:
            self.calls.assign_add(1.0)
            self.peak.assign(ops.maximum(self.peak, ops.max(x)))
        return x


def test_variables_assigned_in_the_step_are_assigned_at_every_replay():
    x, _ = _classification()
    results = []
    for jit_compile in (False, True):
        keras.utils.set_random_seed(4)
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3), _Counting()])
        model.compile(optimizer="sgd", loss="mse", jit_compile=jit_compile)
        model.fit(x, np.zeros((len(x), 3)), batch_size=16, epochs=3, verbose=0)
        counting = model.layers[-1]
        results.append((float(counting.calls.numpy()), float(counting.peak.numpy())))
    assert results[0] == results[1]
    assert results[0][0] == 18.0  # 6 batches x 3 epochs, replays included


def _program_text(model):
    lines = []
    model.compiled_program(print_fn=lines.append)
    return lines[0]


def test_dense_layers_are_fused_where_the_result_is_the_same():
    """Dense is written as activation(x W + b) (MatMul, Add, Relu); the compiled step
    fuses MatMul+Add(+Relu) into one op, but not where an intermediate value has another
    reader or x has more than two axes, and trains to the same numbers."""
    x, y = _classification()
    runs = []
    for jit_compile in (False, True):
        keras.utils.set_random_seed(5)
        inputs = keras.Input((8,))
        z = keras.layers.Dense(6)(inputs)  # linear: its output also feeds the concatenation
        hidden = keras.layers.Dense(5, activation="relu")(keras.layers.ReLU()(z))
        sequence = keras.layers.Reshape((2, 3))(z)
        per_step = keras.layers.Flatten()(keras.layers.Dense(2, activation="relu")(sequence))
        merged = keras.layers.concatenate([hidden, z, per_step])
        model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(merged))
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      jit_compile=jit_compile)
        keras.utils.set_random_seed(6)
        history = model.fit(x, y, batch_size=16, epochs=3, verbose=0).history
        runs.append((history, model.get_weights()))
    (h1, w1), (h2, w2) = runs
    assert h1 == h2
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    text = _program_text(model)
    assert text.count("LinearRelu(") == 1  # only the Dense(5, relu) on a 2-axis input
    assert text.count(" Linear(") == 2  # the first Dense (z read twice) and the output
    assert "MatMul(" in text  # the Dense on (batch, 2, 3) stays unfused
