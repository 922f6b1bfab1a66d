"""Embedding: against real Keras (golden values) and PyTorch (the lookup and the
scatter-added gradient of the embeddings), finite differences, input dtypes, ranges,
masks, configs, training and errors."""
import json
import warnings

import numpy as np
import pytest
import torch
from conftest import golden
from helpers import assert_gradients, escaped

import glassnet as keras
from glassnet import layers
from glassnet.autodiff import Tensor, grad

GOLDEN = golden("recurrent")["embedding"]


def embedding(input_dim=7, output_dim=3, seed=0, **kwargs):
    """A float64 Embedding with random embeddings."""
    layer = layers.Embedding(input_dim, output_dim, dtype="float64", **kwargs)
    layer.build(None)
    layer.built = True
    layer.set_weights([np.random.default_rng(seed).normal(size=(input_dim, output_dim))])
    return layer


INDICES = np.array([[0, 3, 6, 3], [1, 1, 5, 2], [6, 6, 6, 0]])  # repeats: gradients add up


# --------------------------------------------------------------------------
# Real Keras and PyTorch
# --------------------------------------------------------------------------


def test_lookup_weights_and_config_match_keras():
    layer = layers.Embedding(**GOLDEN["kwargs"])
    x = np.array(GOLDEN["x"], dtype="int32")
    out = layer(x)
    assert [w.name for w in layer.weights] == GOLDEN["weight_names"]
    assert [list(w.shape) for w in layer.weights] == GOLDEN["weight_shapes"]
    layer.set_weights([np.array(w, dtype="float32") for w in GOLDEN["weights"]])
    out = layer(x)
    assert str(out.dtype) == GOLDEN["output_dtype"]
    np.testing.assert_array_equal(out, np.array(GOLDEN["outputs"][0], dtype="float32"))
    np.testing.assert_array_equal(layer(x.astype("float32")), GOLDEN["float_input_output"])
    assert set(layer.get_config()) == set(GOLDEN["config_keys"])


def test_lookup_and_gradient_match_pytorch():
    layer = embedding()
    E = layer.embeddings.numpy()
    out = layer(Tensor(INDICES))
    upstream = np.random.default_rng(1).normal(size=out.shape)
    (dE,) = grad(out, [layer.embeddings], output_grad=upstream)

    twin = torch.nn.Embedding(7, 3, dtype=torch.float64)
    with torch.no_grad():
        twin.weight.copy_(torch.tensor(E))
    t_out = twin(torch.tensor(INDICES))
    t_out.backward(torch.tensor(upstream))
    np.testing.assert_array_equal(out.data, t_out.detach().numpy())
    np.testing.assert_allclose(dE, twin.weight.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert np.all(dE[4] == 0)  # index 4 never appears: no gradient


def test_embedding_gradient_matches_finite_differences():
    layer = embedding()

    def lookup(E):
        saved = layer.embeddings
        layer.embeddings = E
        try:
            return layer(Tensor(INDICES))
        finally:
            layer.embeddings = saved

    assert_gradients(lookup, [layer.embeddings.numpy()])


def test_the_input_gets_no_gradient():
    layer = embedding()
    x = Tensor(INDICES.astype("float64"), requires_grad=True)
    out = layer(x)
    x_grad, E_grad = grad(out, [x, layer.embeddings], output_grad=np.ones(out.shape))
    assert x_grad is None and E_grad is not None


# --------------------------------------------------------------------------
# Inputs: dtypes, shapes, ranges
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "int64", "uint32",
                                   "float32", "float64"])
def test_any_integer_dtype_and_floats_holding_integers(dtype):
    layer = layers.Embedding(7, 3)
    out = layer(INDICES.astype(dtype))
    assert out.dtype == np.float32 and out.shape == (3, 4, 3)
    np.testing.assert_array_equal(out, layer.embeddings.numpy()[INDICES])


def test_float64_layer_gives_float64_and_floats_are_truncated_as_keras_casts():
    layer = embedding()
    out = layer(np.array([[2.7, 0.2, 5.999]]))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, layer.embeddings.numpy()[[[2, 0, 5]]])


@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 3, 4)])
def test_any_input_rank_adds_one_axis(shape):
    layer = layers.Embedding(10, 4)
    x = np.random.default_rng(0).integers(0, 10, shape)
    assert layer(x).shape == shape + (4,)


def test_sequences_may_change_length_between_calls():
    layer = layers.Embedding(10, 4)
    assert layer(np.zeros((2, 5), dtype="int32")).shape == (2, 5, 4)
    assert layer(np.zeros((3, 9), dtype="int32")).shape == (3, 9, 4)


def test_negative_indices_count_from_the_end_as_in_ops_take():
    layer = embedding()
    np.testing.assert_array_equal(layer(np.array([[-1, -7]])),
                                  layer.embeddings.numpy()[[[6, 0]]])


@pytest.mark.parametrize("bad", [7, 100, -8])
def test_indices_outside_the_vocabulary_are_refused(bad):
    layer = layers.Embedding(7, 3)
    message = f"Embedding: the input holds the index {bad}, outside the vocabulary " \
              f"[0, input_dim=7)."
    with pytest.raises(ValueError, match=escaped(message)):
        layer(np.array([[1, bad, 2]]))


def test_non_numeric_input_is_refused():
    with pytest.raises(TypeError, match="must hold integer indices"):
        layers.Embedding(7, 3)(np.array([["a", "b"]]))


def test_symbolic_inputs_keep_unknown_lengths():
    inputs = keras.Input(shape=(None,), dtype="int32")
    out = layers.Embedding(10, 4)(inputs)
    assert out.shape == (None, None, 4) and np.dtype(out.dtype) == np.float32
    assert layers.Embedding(10, 4)(keras.Input(shape=(6,), dtype="int32")).shape == (None, 6, 4)


# --------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------


def test_default_initializer_is_uniform_within_0_05():
    layer = layers.Embedding(50, 20)
    layer.build(None)
    values = layer.embeddings.numpy()
    assert values.shape == (50, 20) and values.dtype == np.float32
    assert np.abs(values).max() <= 0.05 and np.abs(values).max() > 0.04
    initializer = layer.get_config()["embeddings_initializer"]
    assert initializer["class_name"] == "RandomUniform"
    assert (initializer["config"]["minval"], initializer["config"]["maxval"]) == (-0.05, 0.05)


def test_weights_argument_sets_the_initial_embeddings():
    E = np.arange(12.0).reshape(4, 3)
    for weights in (E, [E]):
        layer = layers.Embedding(4, 3, weights=weights)
        np.testing.assert_array_equal(layer(np.array([[3, 0]])), E[[[3, 0]]])


def test_mask_zero_gives_a_mask_and_warns_that_masks_do_not_propagate():
    with pytest.warns(UserWarning, match="does not pass masks between layers"):
        layer = layers.Embedding(5, 2, mask_zero=True)
    np.testing.assert_array_equal(
        np.asarray(layer.compute_mask(np.array([[0, 3, 0]]))), [[False, True, False]]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert layers.Embedding(5, 2).compute_mask(np.array([[0, 3]])) is None


def test_input_length_is_a_deprecated_keras_2_argument():
    with pytest.warns(DeprecationWarning, match="input_length"):
        layer = layers.Embedding(5, 2, input_length=10)
    assert "input_length" not in layer.get_config()


def test_regularizer_and_constraint():
    layer = layers.Embedding(5, 2, embeddings_regularizer="l2",
                             embeddings_constraint="non_neg")
    layer(Tensor(np.array([[1, 2]])))
    (penalty,) = layer.losses
    np.testing.assert_allclose(float(penalty.data), 0.01 * np.sum(layer.embeddings.numpy() ** 2),
                               rtol=1e-5)
    assert layer.embeddings.constraint is not None


def test_config_round_trip():
    layer = layers.Embedding(9, 4, embeddings_initializer="random_normal",
                             embeddings_regularizer="l1", activity_regularizer="l2",
                             embeddings_constraint="unit_norm", name="words")
    config = layer.get_config()
    assert (config["input_dim"], config["output_dim"], config["mask_zero"]) == (9, 4, False)
    clone = layers.Embedding.from_config(json.loads(json.dumps(config)))
    assert json.loads(json.dumps(clone.get_config())) == json.loads(json.dumps(config))
    x = np.array([[1, 8, 0]])
    out = layer(x)
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(clone(x), out)


@pytest.mark.parametrize("name, value", [("input_dim", 0), ("output_dim", 0),
                                         ("input_dim", 2.5), ("output_dim", -1)])
def test_sizes_must_be_positive_integers(name, value):
    kwargs = {"input_dim": 5, "output_dim": 2, name: value}
    message = f"Embedding: {name} must be a positive integer. Received: {name}={value}"
    with pytest.raises(ValueError, match=escaped(message)):
        layers.Embedding(**kwargs)


@pytest.mark.parametrize("name", ["lora_rank", "lora_alpha", "quantization_config"])
def test_lora_and_quantization_are_refused(name):
    with pytest.raises(ValueError, match=f"does not support {name}"):
        layers.Embedding(5, 2, **{name: 4})


# --------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------


def test_an_embedding_model_learns_which_words_are_positive():
    """Sentiment of 'sentences' of word ids: words 1-4 count +1, words 5-8 count -1."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(1, 9, (256, 6))
    y = ((x <= 4).sum(axis=1) > 3).astype("float32")
    model = keras.Sequential([
        keras.Input(shape=(6,), dtype="int32"),
        layers.Embedding(9, 4),
        layers.GlobalAveragePooling1D(),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=8, batch_size=32, verbose=0).history
    assert history["loss"][-1] < 0.6 * history["loss"][0], history["loss"]
    assert history["accuracy"][-1] > 0.85
