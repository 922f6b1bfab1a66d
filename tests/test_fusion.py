"""Fusion rules (``glassnet.compiler.fusion``): each pattern of the eager code becomes its
fused op in a compiled step, and training gives the eager numbers (bit for bit; within
``BATCH_NORM_RTOL`` with batch normalization, whose fused gradient is the closed form)."""
import numpy as np
import pytest
from test_compiled_steps import BATCH_NORM_RTOL

import glassnet as keras
from glassnet import layers


def _dense(*hidden):
    """A builder of Input -> hidden layers (made anew per model) -> Dense(3)."""
    return lambda: keras.Sequential([keras.Input((8,)), *(make() for make in hidden),
                                     layers.Dense(3)])


def _conv(activation):
    return lambda: keras.Sequential([
        keras.Input((6, 6, 2)), layers.Conv2D(3, 3, activation=activation),
        layers.Flatten(), layers.Dense(3)])


SPARSE_LOGITS = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
# rule -> (model, loss, the fused op in the train program, 2-D or image inputs)
CASES = {
    "linear_relu": (_dense(lambda: layers.Dense(6, activation="relu")), "mse", "LinearRelu(", 2),
    "linear": (_dense(lambda: layers.Dense(6)), "mse", "Linear(", 2),
    "conv_bias_relu": (_conv("relu"), "mse", "ConvBiasRelu(", 4),
    "conv_bias": (_conv(None), "mse", "ConvBias(", 4),
    "relu": (_dense(lambda: layers.Dense(6, activation="tanh"), layers.ReLU), "mse", "Relu(", 2),
    "elu": (_dense(lambda: layers.Dense(6, activation="elu")), "mse", "Elu(", 2),
    "elu_alpha": (_dense(lambda: layers.Dense(6), lambda: layers.ELU(alpha=0.5)), "mse",
                  "Elu(", 2),
    "softmax": (_dense(lambda: layers.Dense(6), layers.Softmax), "mse", "Softmax(", 2),
    "softmax_cross_entropy": (_dense(lambda: layers.Dense(6, activation="tanh")), SPARSE_LOGITS,
                              "SparseSoftmaxCrossEntropy(", 2),
    "softmax_cross_entropy_ignore_class": (
        _dense(lambda: layers.Dense(6, activation="tanh")),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1),
        "SparseSoftmaxCrossEntropy(", 2),
    # no bias before batch normalization (its gradient is 0 up to rounding, which Adam
    # would scale up to steps of the learning rate's size: noise, not a difference)
    "batch_norm": (_dense(lambda: layers.Dense(6, use_bias=False), layers.BatchNormalization),
                   "mse",
                   "BatchNormTraining(", 2),
    "batch_norm_images": (
        lambda: keras.Sequential([keras.Input((6, 6, 2)), layers.Conv2D(3, 3, use_bias=False),
                                  layers.BatchNormalization(), layers.Flatten(),
                                  layers.Dense(3)]),
        "mse", "BatchNormTraining(", 4),
}


def _data(rank, sparse):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((48, 8) if rank == 2 else (48, 6, 6, 2)).astype("float32")
    y = rng.integers(0, 3, 48) if sparse else rng.standard_normal((48, 3)).astype("float32")
    return x, y


def _train(case, jit_compile):
    model_fn, loss, _, rank = case
    x, y = _data(rank, sparse=loss != "mse")
    keras.utils.set_random_seed(1)
    model = model_fn()
    model.compile(optimizer="adam", loss=loss, jit_compile=jit_compile)
    history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history
    return model, history, model.predict(x, batch_size=16, verbose=0)


@pytest.mark.parametrize("rule", list(CASES))
def test_each_rule_fuses_and_trains_to_the_eager_numbers(rule):
    eager_model, eager_history, eager_predictions = _train(CASES[rule], False)
    model, history, predictions = _train(CASES[rule], True)
    lines = []
    model.compiled_program("train", print_fn=lines.append)
    assert CASES[rule][2] in lines[0], lines[0]
    rtol = BATCH_NORM_RTOL if rule.startswith("batch_norm") else 0
    if rtol == 0:
        assert history == eager_history
    np.testing.assert_allclose(history["loss"], eager_history["loss"], rtol=rtol)
    np.testing.assert_allclose(predictions, eager_predictions, rtol=rtol, atol=rtol)
    for a, b in zip(model.get_weights(), eager_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


def test_a_pattern_whose_intermediate_is_read_elsewhere_is_not_fused():
    """The softmax's exp(x - max x) is also returned: the pattern stays unfused."""
    from glassnet import ops

    class ExpToo(layers.Layer):
        def call(self, x):
            e = ops.exp(x - ops.stop_gradient(ops.max(x, axis=-1, keepdims=True)))
            return e / ops.sum(e, axis=-1, keepdims=True) + 0.0 * e

    model = _dense(lambda: layers.Dense(6), ExpToo)()
    model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    x, y = _data(2, sparse=False)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    lines = []
    model.compiled_program("train", print_fn=lines.append)
    assert "Softmax(" not in lines[0] and "Exp(" in lines[0]
