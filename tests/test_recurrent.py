"""SimpleRNN, LSTM and GRU: against real Keras (golden values), PyTorch (float64 forward
and gradients of the input, the initial states and every weight), finite differences,
the return_sequences / return_state / go_backwards logic, training, configs and errors."""
import json

import numpy as np
import pytest
import torch
from conftest import golden
from helpers import assert_gradients, escaped

import glassnet as keras
from glassnet import layers, ops
from glassnet.autodiff import Tensor, grad

RECURRENT = [layers.SimpleRNN, layers.LSTM, layers.GRU]
by_class = pytest.mark.parametrize("cls", RECURRENT, ids=lambda cls: cls.__name__)


def random_weights(layer, seed=0, scale=0.5):
    """Random values for every weight (so no gate hides behind zeros)."""
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(0, scale, w.shape) for w in layer.weights])


def built(cls, input_shape=(3, 5, 4), weight_seed=0, units=3, **kwargs):
    """A float64 layer of ``units`` built for ``input_shape``, with random weights."""
    layer = cls(units, dtype="float64", **kwargs)
    layer.build(input_shape)
    layer.built = True
    random_weights(layer, weight_seed)
    return layer


def sequences(shape=(3, 5, 4), seed=1):
    return np.random.default_rng(seed).normal(size=shape)


# --------------------------------------------------------------------------
# Real Keras (tests/data/keras-golden/recurrent.json)
# --------------------------------------------------------------------------

CASES = golden("recurrent")["cases"]


def _case_id(case):
    args = ",".join(f"{k}={v}" for k, v in case["kwargs"].items() if k != "units")
    return f"{case['class']}({args}){'+initial_state' if case['initial_state'] else ''}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_outputs_weights_and_config_match_keras(case):
    layer = getattr(layers, case["class"])(**case["kwargs"])
    x = np.array(case["x"], dtype=np.float32)
    layer.build(x.shape)
    layer.built = True
    assert [w.name for w in layer.weights] == case["weight_names"]
    assert [list(w.shape) for w in layer.weights] == case["weight_shapes"]
    layer.set_weights([np.array(w, dtype=np.float32) for w in case["weights"]])
    call_kwargs = {}
    if case["initial_state"]:
        call_kwargs["initial_state"] = [np.array(s, np.float32) for s in case["initial_state"]]
    out = layer(x, **call_kwargs)
    outputs = list(out) if isinstance(out, tuple) else [out]
    assert len(outputs) == len(case["outputs"])
    for ours, theirs in zip(outputs, case["outputs"]):
        np.testing.assert_allclose(ours, np.array(theirs), rtol=1e-5, atol=1e-6)
    assert set(case["config_keys"]) <= set(layer.get_config())


def test_lstm_forget_bias_starts_at_one_as_in_keras():
    layer = layers.LSTM(2)
    layer.build((1, 1, 3))
    np.testing.assert_array_equal(layer.bias.numpy(),
                                  golden("recurrent")["initial_weights"]["LSTM(2) bias"])
    plain = layers.LSTM(2, unit_forget_bias=False)
    plain.build((1, 1, 3))
    np.testing.assert_array_equal(plain.bias.numpy(), np.zeros(8))


def test_default_initializers_are_keras_ones():
    config = layers.GRU(3).get_config()
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert config["recurrent_initializer"]["class_name"] == "Orthogonal"
    assert config["bias_initializer"]["class_name"] == "Zeros"
    layer = layers.SimpleRNN(4)
    layer.build((1, 2, 3))
    U = layer.recurrent_kernel.numpy()
    np.testing.assert_allclose(U @ U.T, np.eye(4), atol=1e-5)  # orthogonal


@by_class
def test_the_cell_holds_the_weights_as_in_keras(cls):
    layer = cls(3)
    layer(np.zeros((1, 2, 4), dtype="float32"))
    cell_name = {layers.SimpleRNN: "simple_rnn_cell", layers.LSTM: "lstm_cell",
                 layers.GRU: "gru_cell"}[cls]
    assert layer.cell.name == cell_name
    assert [w.path for w in layer.weights] == [
        f"{layer.name}/{cell_name}/{name}" for name in ("kernel", "recurrent_kernel", "bias")
    ]
    assert layer.kernel is layer.cell.kernel and layer.units == layer.cell.units == 3
    with pytest.raises(AttributeError):
        layer.kernel = layer.cell.recurrent_kernel  # read-only: the cell's
    with pytest.raises(AttributeError, match="has never been called"):
        cls(2).output  # noqa: B018


def test_weights_file_layout_and_keras_file_round_trip(tmp_path):
    """Keras 3 writes an RNN's weights under layers/<layer>/cell/vars (checked with Keras
    3.15.1); a .keras file of an Embedding + LSTM + GRU model loads back the same."""
    h5py = pytest.importorskip("h5py")
    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        layers.Embedding(20, 4),
        layers.LSTM(3, return_sequences=True),
        layers.GRU(2),
        layers.Dense(1),
    ])
    x = np.random.default_rng(0).integers(0, 20, (2, 5))
    expected = model.predict(x, verbose=0)
    model.save_weights(tmp_path / "m.weights.h5")
    with h5py.File(tmp_path / "m.weights.h5") as f:
        groups = []
        f.visit(groups.append)
    for name in ("lstm", "gru"):
        assert f"layers/{name}/vars" in groups
        assert [g for g in groups if g.startswith(f"layers/{name}/cell/vars/")] == [
            f"layers/{name}/cell/vars/{i}" for i in range(3)]
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)


# --------------------------------------------------------------------------
# PyTorch, float64: forward and every gradient
# --------------------------------------------------------------------------


def _columns(weight, order, count):
    """The gate blocks of a Keras weight (..., count * units) in another ``order``."""
    blocks = np.split(weight, count, axis=-1)
    return np.concatenate([blocks[k] for k in order], axis=-1)


# Keras gate order -> PyTorch gate order: LSTM i,f,c,o = i,f,g,o; GRU z,r,h -> r,z,n
TORCH_ORDER = {layers.SimpleRNN: [0], layers.LSTM: [0, 1, 2, 3], layers.GRU: [1, 0, 2]}


def torch_twin(layer):
    """The PyTorch module computing the same function as ``layer`` (batch_first), and
    its parameters in glassnet's weight order (to map the gradients back)."""
    units, input_dim = layer.units, layer.kernel.shape[0]
    module = {layers.SimpleRNN: torch.nn.RNN, layers.LSTM: torch.nn.LSTM,
              layers.GRU: torch.nn.GRU}[type(layer)]
    twin = module(input_dim, units, batch_first=True, bias=layer.use_bias,
                  dtype=torch.float64)
    order = TORCH_ORDER[type(layer)]
    count = len(order)

    def to_torch(weight):
        return torch.tensor(_columns(weight.numpy(), order, count))

    with torch.no_grad():
        twin.weight_ih_l0.copy_(to_torch(layer.kernel).T)
        twin.weight_hh_l0.copy_(to_torch(layer.recurrent_kernel).T)
        if layer.use_bias:
            bias = to_torch(layer.bias)
            if bias.ndim == 2:  # GRU reset_after: input and recurrent biases
                twin.bias_ih_l0.copy_(bias[0])
                twin.bias_hh_l0.copy_(bias[1])
            else:  # Keras has one bias: PyTorch's second one stays 0
                twin.bias_ih_l0.copy_(bias)
                twin.bias_hh_l0.zero_()
    params = [twin.weight_ih_l0, twin.weight_hh_l0]
    if layer.use_bias:
        params.append((twin.bias_ih_l0, twin.bias_hh_l0))
    return twin, params


def torch_gradient_as_keras(layer, param):
    """A PyTorch parameter's gradient in the layout of the matching Keras weight."""
    order = np.argsort(TORCH_ORDER[type(layer)])  # PyTorch order -> Keras order
    count = len(order)
    if isinstance(param, tuple):  # the biases
        b_ih, b_hh = (_columns(p.grad.numpy(), order, count) for p in param)
        return np.stack([b_ih, b_hh]) if layer.bias.ndim == 2 else b_ih
    return _columns(param.grad.numpy().T, order, count)


def assert_matches_torch(layer, x, states=None, go_backwards=False):
    """Output sequence and final states, and the gradients of x, the initial states and
    every weight, against PyTorch, for a random upstream gradient on all outputs."""
    x_tensor = Tensor(x.copy(), requires_grad=True)
    state_tensors = [Tensor(s.copy(), requires_grad=True) for s in states or []]
    out = layer(x_tensor, initial_state=state_tensors or None)
    outputs = list(out)  # return_sequences and return_state are on
    rng = np.random.default_rng(5)
    upstreams = [rng.normal(size=o.shape) for o in outputs]
    total = sum(ops.sum(o * u) for o, u in zip(outputs, upstreams))
    sources = [x_tensor] + state_tensors + layer.trainable_weights
    grads = grad(total, sources)

    twin, params = torch_twin(layer)
    tx = torch.tensor(x, requires_grad=True)
    tx_in = tx.flip(1) if go_backwards else tx  # Keras reads x_T first: PyTorch reads flipped x
    t_states = [torch.tensor(s[None], requires_grad=True) for s in states or []]
    if t_states:
        t_out, t_final = twin(tx_in, tuple(t_states) if len(t_states) > 1 else t_states[0])
    else:
        t_out, t_final = twin(tx_in)
    t_final = list(t_final) if isinstance(t_final, tuple) else [t_final]
    t_outputs = [t_out] + [s[0] for s in t_final]
    t_total = sum((o * torch.tensor(u)).sum() for o, u in zip(t_outputs, upstreams))
    t_total.backward()

    for ours, theirs in zip(outputs, t_outputs):
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-9, atol=1e-12)
    expected = [tx.grad.numpy()] + [s.grad.numpy()[0] for s in t_states]
    expected += [torch_gradient_as_keras(layer, p) for p in params]
    names = ["x"] + [f"state {i}" for i in range(len(t_states))]
    names += [w.name for w in layer.trainable_weights]
    for name, ours, theirs in zip(names, grads, expected):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12, err_msg=name)


TORCH_CASES = [
    (layers.SimpleRNN, {}),
    (layers.SimpleRNN, {"use_bias": False}),
    (layers.LSTM, {}),
    (layers.LSTM, {"use_bias": False}),
    (layers.GRU, {}),
    (layers.GRU, {"use_bias": False}),
]


@pytest.mark.parametrize("go_backwards", [False, True], ids=["forward", "go_backwards"])
@pytest.mark.parametrize("cls, kwargs", TORCH_CASES,
                         ids=[f"{c.__name__}{'-nobias' if k else ''}" for c, k in TORCH_CASES])
def test_forward_and_gradients_match_pytorch(cls, kwargs, go_backwards):
    layer = built(cls, return_sequences=True, return_state=True, go_backwards=go_backwards,
                  **kwargs)
    assert_matches_torch(layer, sequences(), go_backwards=go_backwards)


@by_class
def test_initial_state_and_its_gradient_match_pytorch(cls):
    layer = built(cls, return_sequences=True, return_state=True)
    count = 2 if cls is layers.LSTM else 1
    states = [np.random.default_rng(9 + i).normal(size=(3, layer.units)) for i in range(count)]
    assert_matches_torch(layer, sequences(), states)


# --------------------------------------------------------------------------
# Finite differences (weights swapped for the Tensors being differentiated)
# --------------------------------------------------------------------------


def call_with_weights(layer, x, *weights):
    """``layer(x)`` computed with ``weights`` (Tensors) in place of its cell's own."""
    cell = layer.cell
    saved = cell.kernel, cell.recurrent_kernel, cell.bias
    bias = weights[2] if len(weights) > 2 else None
    cell.kernel, cell.recurrent_kernel, cell.bias = weights[0], weights[1], bias
    try:
        return layer(x)
    finally:
        cell.kernel, cell.recurrent_kernel, cell.bias = saved


FD_CASES = [
    (layers.SimpleRNN, {"activation": "softsign"}),
    (layers.LSTM, {"go_backwards": True}),
    (layers.LSTM, {"activation": "softsign", "recurrent_activation": "hard_sigmoid"}),
    (layers.GRU, {}),
    (layers.GRU, {"reset_after": False, "use_bias": True}),
    (layers.GRU, {"reset_after": False, "use_bias": False}),
]


@pytest.mark.parametrize("cls, kwargs", FD_CASES,
                         ids=[f"{c.__name__}-{'-'.join(k) or 'default'}" for c, k in FD_CASES])
def test_gradients_match_finite_differences(cls, kwargs):
    layer = built(cls, input_shape=(2, 4, 3), return_sequences=True, **kwargs)
    arrays = [sequences((2, 4, 3))] + layer.get_weights()
    if kwargs.get("recurrent_activation") == "hard_sigmoid":
        arrays = [a * 0.3 for a in arrays]  # away from hard_sigmoid's kinks at +-3
    f = lambda x, *w: call_with_weights(layer, x, *w)  # noqa: E731
    assert_gradients(f, arrays, rtol=1e-5, atol=1e-8)
    moved = [a + 0.1 for a in arrays]  # the check is not vacuous: every argument matters
    for i in range(len(arrays)):
        changed = arrays[:i] + [moved[i]] + arrays[i + 1:]
        assert not np.allclose(f(*map(Tensor, changed)).data, f(*map(Tensor, arrays)).data)


# --------------------------------------------------------------------------
# return_sequences, return_state, go_backwards, initial_state
# --------------------------------------------------------------------------


@by_class
def test_return_sequences_and_state_shapes_and_values(cls):
    x = sequences()
    full = built(cls, return_sequences=True, return_state=True)
    weights = full.get_weights()
    outputs = full(x)
    count = 2 if cls is layers.LSTM else 1
    assert isinstance(outputs, tuple) and len(outputs) == 1 + count
    sequence, h_T = outputs[0], outputs[1]
    assert sequence.shape == (3, 5, full.units)
    assert all(state.shape == (3, full.units) for state in outputs[1:])
    np.testing.assert_array_equal(h_T, sequence[:, -1])  # the state h_T is the last output

    last = cls(full.units, dtype="float64")
    last(x)
    last.set_weights(weights)
    out = last(x)
    assert isinstance(out, np.ndarray) and out.shape == (3, full.units)
    np.testing.assert_array_equal(out, sequence[:, -1])


@by_class
def test_go_backwards_reads_the_reversed_sequence(cls):
    x = sequences()
    backwards = built(cls, return_sequences=True, go_backwards=True)
    forwards = cls(backwards.units, return_sequences=True, dtype="float64")
    forwards(x)
    forwards.set_weights(backwards.get_weights())
    # the outputs come in the order the steps were read, as in Keras
    np.testing.assert_array_equal(backwards(x), forwards(x[:, ::-1]))
    assert not np.allclose(backwards(x), forwards(x))


@by_class
def test_initial_state_continues_a_split_sequence(cls):
    """Running steps 1-2, then 3-5 from the states reached, equals running 1-5."""
    x = sequences()
    layer = built(cls, return_sequences=True, return_state=True)
    whole = layer(x)
    first = layer(x[:, :2])
    second = layer(x[:, 2:], initial_state=list(first[1:]))
    np.testing.assert_allclose(second[0], whole[0][:, 2:], rtol=1e-12)
    for ours, theirs in zip(second[1:], whole[1:]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@by_class
def test_symbolic_calls_keep_unknown_time_steps(cls):
    inputs = keras.Input(shape=(None, 4))
    sequence, *states = cls(3, return_sequences=True, return_state=True)(inputs)
    assert sequence.shape == (None, None, 3)
    assert [s.shape for s in states] == [(None, 3)] * (2 if cls is layers.LSTM else 1)
    assert cls(3)(inputs).shape == (None, 3)


def test_encoder_decoder_with_initial_state_in_a_functional_model():
    """The functional-API pattern: the encoder's final states start the decoder."""
    encoder_inputs = keras.Input(shape=(None, 3))
    _, h, c = layers.LSTM(4, return_state=True, name="encoder")(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, 2))
    decoded = layers.LSTM(4, return_sequences=True, name="decoder")(
        decoder_inputs, initial_state=[h, c])
    outputs = layers.Dense(1)(decoded)
    model = keras.Model([encoder_inputs, decoder_inputs], outputs)
    a = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    b = np.random.default_rng(1).normal(size=(2, 6, 2)).astype("float32")
    prediction = model.predict([a, b], verbose=0)
    assert prediction.shape == (2, 6, 1)

    _, h, c = model.get_layer("encoder")(a)
    direct = model.get_layer("decoder")(b, initial_state=[h, c])
    expected = model.layers[-1](direct)
    np.testing.assert_allclose(prediction, expected, rtol=1e-5, atol=1e-6)


def test_the_functional_guide_ticket_model_has_keras_parameter_counts():
    """The Keras functional-API guide's multi-input model: Embedding + LSTM on float
    Inputs of unknown length; its summary lists 640,000 / 98,816 / 12,416 parameters."""
    title = keras.Input(shape=(None,), name="title")
    body = keras.Input(shape=(None,), name="body")
    tags = keras.Input(shape=(12,), name="tags")
    title_lstm, body_lstm = layers.LSTM(128), layers.LSTM(32)
    embedding = layers.Embedding(10000, 64)
    features = layers.concatenate([title_lstm(embedding(title)),
                                   body_lstm(layers.Embedding(10000, 64)(body)), tags])
    priority = layers.Dense(1, name="priority")(features)
    department = layers.Dense(4, name="department")(features)
    model = keras.Model([title, body, tags], [priority, department])
    assert embedding.count_params() == 640_000
    assert (title_lstm.count_params(), body_lstm.count_params()) == (98_816, 12_416)
    model.compile(optimizer="rmsprop", loss=[
        keras.losses.BinaryCrossentropy(from_logits=True),
        keras.losses.CategoricalCrossentropy(from_logits=True)], loss_weights=[1.0, 0.2])
    rng = np.random.default_rng(0)
    data = {"title": rng.integers(0, 10000, (8, 5)), "body": rng.integers(0, 10000, (8, 7)),
            "tags": rng.integers(0, 2, (8, 12)).astype("float32")}
    targets = [rng.random((8, 1)), rng.integers(0, 2, (8, 4)).astype("float32")]
    history = model.fit(data, targets, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][0])


# --------------------------------------------------------------------------
# Dropout, unroll, regularizers
# --------------------------------------------------------------------------


@by_class
def test_dropout_only_in_training_and_reproducible_with_a_seed(cls):
    x = sequences()
    layer = built(cls, dropout=0.5, recurrent_dropout=0.3, seed=3)
    plain = cls(layer.units, dtype="float64")
    plain(x)
    plain.set_weights(layer.get_weights())
    np.testing.assert_array_equal(layer(x), plain(x))  # inference: no dropout
    np.testing.assert_array_equal(layer(x, training=False), plain(x))
    trained = layer(Tensor(x), training=True).data
    assert not np.allclose(trained, plain(x))
    again = built(cls, dropout=0.5, recurrent_dropout=0.3, seed=3)
    np.testing.assert_array_equal(again(Tensor(x), training=True).data, trained)


def test_dropout_drops_the_same_input_features_at_every_step():
    """One mask per call: an input feature dropped at step 1 is dropped at every step."""
    layer = built(layers.SimpleRNN, input_shape=(1, 6, 8), dropout=0.5, seed=0,
                  activation=None, use_bias=False, return_sequences=True)
    layer.set_weights([np.eye(8, 3), np.zeros((3, 3))])  # h_t = x_t[:3] (U = 0)
    x = np.ones((1, 6, 8))
    out = layer(Tensor(x), training=True).data
    assert set(np.unique(out)) <= {0.0, 2.0}  # kept features are scaled by 1 / (1 - 0.5)
    np.testing.assert_array_equal(out, np.repeat(out[:, :1], 6, axis=1))


@by_class
def test_unroll_is_accepted_and_changes_nothing(cls):
    x = sequences()
    layer = built(cls)
    unrolled = cls(layer.units, unroll=True, dtype="float64")
    unrolled(x)
    unrolled.set_weights(layer.get_weights())
    np.testing.assert_array_equal(unrolled(x), layer(x))


@by_class
def test_regularizers_add_one_loss_per_weight(cls):
    layer = cls(2, kernel_regularizer="l2", recurrent_regularizer="l1", bias_regularizer="l2",
                activity_regularizer="l2", bias_initializer="random_normal")
    out = layer(Tensor(sequences().astype("float32"))).data
    assert len(layer.losses) == 4
    W, U, b = layer.get_weights()
    expected = 0.01 * (np.sum(out**2) + np.sum(W**2) + np.sum(np.abs(U)) + np.sum(b**2))
    total = sum(float(loss.data) for loss in layer.losses)
    np.testing.assert_allclose(total, expected, rtol=1e-5)


# --------------------------------------------------------------------------
# Training: a stacked LSTM learns a toy sequence task
# --------------------------------------------------------------------------


def test_stacked_lstm_in_a_sequential_model_learns():
    """Predict the sum of the first three of eight inputs: the model must remember them."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (256, 8, 1)).astype("float32")
    y = x[:, :3, 0].sum(axis=1, keepdims=True)
    model = keras.Sequential([
        keras.Input(shape=(8, 1)),
        layers.LSTM(12, return_sequences=True),
        layers.LSTM(12),
        layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    history = model.fit(x, y, epochs=6, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0], losses
    assert all(later < earlier * 1.05 for earlier, later in zip(losses, losses[1:])), losses
    assert [w.shape for w in model.layers[0].weights] == [(1, 48), (12, 48), (48,)]


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.GRU], ids=["SimpleRNN", "GRU"])
def test_simple_rnn_and_gru_learn_too(cls):
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (128, 6, 1)).astype("float32")
    y = x[:, :, 0].mean(axis=1, keepdims=True)
    model = keras.Sequential([keras.Input(shape=(6, 1)), cls(8), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    losses = model.fit(x, y, epochs=5, batch_size=32, verbose=0).history["loss"]
    assert losses[-1] < 0.5 * losses[0], losses


# --------------------------------------------------------------------------
# get_config / from_config
# --------------------------------------------------------------------------

CONFIG_CASES = [
    (layers.SimpleRNN, {"units": 3, "activation": "relu", "use_bias": False, "dropout": 0.2,
                        "return_sequences": True, "go_backwards": True, "seed": 4}),
    (layers.LSTM, {"units": 2, "recurrent_activation": "hard_sigmoid",
                   "unit_forget_bias": False, "kernel_regularizer": "l2",
                   "recurrent_constraint": "max_norm", "return_state": True,
                   "bias_initializer": "ones", "recurrent_dropout": 0.1}),
    (layers.GRU, {"units": 4, "reset_after": False, "recurrent_initializer": "glorot_normal",
                  "bias_regularizer": "l1", "return_sequences": True, "unroll": True}),
]


@pytest.mark.parametrize("cls, kwargs", CONFIG_CASES, ids=[c.__name__ for c, _ in CONFIG_CASES])
def test_config_round_trip(cls, kwargs):
    layer = cls(**kwargs)
    config = layer.get_config()
    for key, value in kwargs.items():
        if not key.endswith(("_initializer", "_regularizer", "_constraint")):
            assert config[key] == value, key
    clone = cls.from_config(json.loads(json.dumps(config)))
    assert json.loads(json.dumps(clone.get_config())) == json.loads(json.dumps(config))
    x = sequences().astype("float32")
    out = layer(x)
    clone(x)
    clone.set_weights(layer.get_weights())
    for ours, theirs in zip(np.atleast_1d(clone(x)), np.atleast_1d(out)):
        np.testing.assert_array_equal(ours, theirs)


@by_class
def test_keras_saved_config_loads(cls):
    """A config as Keras writes it (zero_output_for_mask, no seed for SimpleRNN) loads."""
    config = {"name": "rnn", "trainable": True, "units": 2, "zero_output_for_mask": False,
              "stateful": False, "unroll": False}
    layer = cls.from_config(config)
    assert layer.units == 2 and layer.name == "rnn"


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


@by_class
@pytest.mark.parametrize("units", [0, -3, 2.5, None, "4"])
def test_units_must_be_a_positive_integer(cls, units):
    message = f"{cls.__name__}: units must be a positive integer. Received: units={units!r}"
    with pytest.raises(ValueError, match=escaped(message)):
        cls(units)


@by_class
def test_bad_arguments_are_refused(cls):
    with pytest.raises(ValueError, match=escaped("dropout must be a finite float in [0, 1)")):
        cls(2, dropout=1.0)
    with pytest.raises(ValueError, match="recurrent_dropout"):
        cls(2, recurrent_dropout=-0.1)
    with pytest.raises(ValueError, match="stateful=True is not supported"):
        cls(2, stateful=True)
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        cls(2, time_major=True)


@by_class
@pytest.mark.parametrize("shape", [(2, 4), (2, 3, 4, 5), (4,)])
def test_input_of_wrong_rank_is_refused(cls, shape):
    message = f"expected ndim=3 (batch, timesteps, features), found ndim={len(shape)}"
    with pytest.raises(ValueError, match=escaped(message)):
        cls(2)(np.zeros(shape, dtype="float32"))
    with pytest.raises(ValueError, match=escaped(message)):
        cls(2)(keras.Input(shape=shape[1:]))


@by_class
def test_an_empty_sequence_is_refused(cls):
    with pytest.raises(ValueError, match="needs at least one time step"):
        cls(2)(np.zeros((2, 0, 3), dtype="float32"))


@by_class
def test_changed_feature_count_is_refused(cls):
    layer = cls(2)
    layer(np.zeros((1, 3, 4), dtype="float32"))
    layer(np.zeros((2, 7, 4), dtype="float32"))  # other batch and time sizes are fine
    with pytest.raises(ValueError, match="incompatible with the layer"):
        layer(np.zeros((1, 3, 5), dtype="float32"))


@by_class
def test_bad_initial_state_is_refused(cls):
    layer = cls(2)
    x = np.zeros((3, 4, 5), dtype="float32")
    count = 2 if cls is layers.LSTM else 1
    with pytest.raises(ValueError, match=f"initial_state must be a list of {count} tensors"):
        layer(x, initial_state=[np.zeros((3, 2))] * (count + 1))
    with pytest.raises(ValueError, match=escaped("must have shape (batch, units) = (3, 2)")):
        layer(x, initial_state=[np.zeros((3, 5))] * count)


@by_class
def test_a_mask_is_refused_clearly(cls):
    with pytest.raises(NotImplementedError, match="do not support masks"):
        cls(2)(np.zeros((1, 3, 4), dtype="float32"), mask=np.ones((1, 3), dtype=bool))
