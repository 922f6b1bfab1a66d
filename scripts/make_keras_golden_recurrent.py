"""Writes tests/data/keras-golden/recurrent.json: real Keras' outputs of SimpleRNN, LSTM,
GRU and Embedding on given weights, for tests/test_recurrent.py and tests/test_embedding.py.

Run it with real Keras (JAX backend, float32), from outside the repository so that
``import keras`` finds Keras and not glassnet (REPO is this repository):

    cd /tmp && KERAS_BACKEND=jax ~/.cache/glassnet-bench/venvs/jax/bin/python \\
        REPO/scripts/make_keras_golden_recurrent.py

Stored for each case: the layer's constructor arguments, the input, the weights given
with ``set_weights`` (Keras' order), the names and shapes of ``layer.weights``, the
outputs (a list: output, then the states with ``return_state``) and ``get_config()``'s
keys.  "initial_weights" holds the LSTM bias Keras initializes (unit_forget_bias).
"""
import json
from pathlib import Path

import keras
import numpy as np

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "keras-golden" / "recurrent.json"

CASES = [
    ("SimpleRNN", {"units": 3}),
    ("SimpleRNN", {"units": 3, "activation": "relu", "return_sequences": True,
                   "go_backwards": True}),
    ("LSTM", {"units": 3}),
    ("LSTM", {"units": 3, "return_sequences": True, "return_state": True}),
    ("LSTM", {"units": 3, "go_backwards": True, "return_sequences": True}),
    ("LSTM", {"units": 2, "use_bias": False, "return_state": True}),
    ("GRU", {"units": 3}),
    ("GRU", {"units": 3, "return_sequences": True, "return_state": True}),
    ("GRU", {"units": 3, "reset_after": False, "return_sequences": True}),
    ("GRU", {"units": 2, "use_bias": False, "go_backwards": True}),
]


def recurrent_case(rng, name, kwargs, with_initial_state=False):
    layer = getattr(keras.layers, name)(**kwargs)
    x = rng.normal(0, 1, (2, 4, 5)).astype("float32")
    layer.build(x.shape)
    weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in layer.weights]
    layer.set_weights(weights)
    call_kwargs = {}
    states = None
    if with_initial_state:
        count = 2 if name == "LSTM" else 1
        states = [rng.normal(0, 1, (2, kwargs["units"])).astype("float32")
                  for _ in range(count)]
        call_kwargs["initial_state"] = states
    out = layer(x, **call_kwargs)
    outputs = list(out) if isinstance(out, (list, tuple)) else [out]
    return {
        "class": name,
        "kwargs": kwargs,
        "x": x.tolist(),
        "initial_state": None if states is None else [s.tolist() for s in states],
        "weights": [w.tolist() for w in weights],
        "weight_names": [w.name for w in layer.weights],
        "weight_shapes": [list(w.shape) for w in layer.weights],
        "outputs": [np.asarray(o).tolist() for o in outputs],
        "config_keys": sorted(layer.get_config()),
    }


def embedding_case(rng):
    layer = keras.layers.Embedding(7, 3)
    x = np.array([[0, 3, 6, 3], [1, 1, 5, 2]], dtype="int32")
    layer.build(x.shape)
    weights = [rng.normal(0, 1, (7, 3)).astype("float32")]
    layer.set_weights(weights)
    out = layer(x)
    out_float = layer(x.astype("float32"))
    return {
        "class": "Embedding",
        "kwargs": {"input_dim": 7, "output_dim": 3},
        "x": x.tolist(),
        "weights": [w.tolist() for w in weights],
        "weight_names": [w.name for w in layer.weights],
        "weight_shapes": [list(w.shape) for w in layer.weights],
        "outputs": [np.asarray(out).tolist()],
        "float_input_output": np.asarray(out_float).tolist(),
        "output_dtype": str(out.dtype),
        "config_keys": sorted(layer.get_config()),
    }


def initial_lstm_bias():
    layer = keras.layers.LSTM(2)
    layer.build((1, 1, 3))
    return np.asarray(layer.weights[2]).tolist()


def main():
    rng = np.random.default_rng(20261127)
    cases = [recurrent_case(rng, name, kwargs) for name, kwargs in CASES]
    cases.append(recurrent_case(rng, "LSTM", {"units": 3, "return_state": True}, True))
    cases.append(recurrent_case(rng, "GRU", {"units": 3, "return_sequences": True}, True))
    data = {
        "note": "Keras 3.15.1, JAX backend, float32: layer.set_weights(weights), then "
                "layer(x) (with initial_state where given); outputs = [output, *states].",
        "cases": cases,
        "embedding": embedding_case(rng),
        "initial_weights": {"LSTM(2) bias": initial_lstm_bias()},
    }
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
