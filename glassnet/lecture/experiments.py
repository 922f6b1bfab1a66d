"""The lecture's experiments as small declarative specs ("Advances in CNN — Part A").

Each ``Experiment`` names its layers and optimizer as ``{"class_name", "config"}`` dicts
that ``build_model``/``build_optimizer`` turn into ``glassnet`` objects, so a spec is plain
JSON: it is stored next to each result and compared on a rerun (a changed spec retrains).

Every model is compiled as the lecture does (In [15])::

    model.compile(loss="sparse_categorical_crossentropy", optimizer=..., metrics=["accuracy"])

Epochs: the lecture's own runs keep their length (30 for the SGD MLP, 20 for the two
Adam + ELU + He models); the comparisons the lecture only describes run
``COMPARISON_EPOCHS`` epochs and the deep vanishing-gradient networks ``VANISHING_EPOCHS``,
so the whole set fits in about half an hour on a 2-core machine.
"""
import dataclasses
from typing import Optional

import glassnet as keras

COMPARISON_EPOCHS = 10
VANISHING_EPOCHS = 5
DEEP_LAYERS = 10  # hidden layers of the vanishing-gradient networks
DEEP_UNITS = 100
# "small random numbers": Keras' RandomNormal default, N(0, 0.05^2)
NAIVE_INITIALIZER = {"class_name": "RandomNormal", "config": {"mean": 0.0, "stddev": 0.05}}

# The questions the comparisons answer (report sections), in the lecture's order.
GROUPS = {
    "mlp": "The lecture's MLP with SGD (In [9]-[18])",
    "vanishing": "Vanishing gradients: a deep sigmoid network",
    "activations": "Which activation and initializer?",
    "optimizers": "Which optimizer?",
    "dropout": "Adam + ELU + He, without and with BatchNormalization + Dropout (In [42]-[47])",
}


@dataclasses.dataclass(frozen=True)
class Experiment:
    """One training run: a model, an optimizer, a number of epochs.

    Attributes:
        name: short, stable identifier (``--only`` and the result folder).
        title: one line for the terminal and the report.
        group: the question it belongs to (a key of ``GROUPS``).
        layers: the Sequential model's layers, ``{"class_name", "config"}`` each.
        optimizer: ``{"class_name", "config"}`` of a ``glassnet.optimizers`` class.
        epochs: epochs of the full run.
        lecture: the lecture's published test numbers, ``{"accuracy", "loss", "cell"}``.
        monitor: attach a ``GradientMonitor`` (per-layer gradient norms).
    """

    name: str
    title: str
    group: str
    layers: tuple
    optimizer: dict
    epochs: int
    lecture: Optional[dict] = None
    monitor: bool = False

    def config(self):
        """The JSON-ready description stored with the result (compared on reruns)."""
        return {
            "layers": [dict(layer) for layer in self.layers],
            "optimizer": dict(self.optimizer),
            "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"],
            "epochs": self.epochs,
            "monitor": self.monitor,
        }


# --- spec helpers -------------------------------------------------------------------------
def layer(class_name, **config):
    return {"class_name": class_name, "config": config}


def optimizer(class_name, **config):
    return {"class_name": class_name, "config": config}


def dense(units, activation=None, initializer="glorot_uniform"):
    return layer("Dense", units=units, activation=activation, kernel_initializer=initializer)


# The lecture's Flatten(input_shape=[28, 28]), in Keras 3's spelling (no deprecation warning).
INPUT = (layer("Input", shape=[28, 28]), layer("Flatten"))


def mlp(activation="relu", initializer="glorot_uniform", extra=None):
    """The lecture's MLP (In [9]): 784 -> 300 -> 100 -> 10, ``extra`` after each hidden Dense."""
    hidden = []
    for units in (300, 100):
        hidden.append(dense(units, activation, initializer))
        hidden += list(extra or [])
    return (*INPUT, *hidden, dense(10, "softmax"))


def deep(activation, initializer, batch_norm=False):
    """DEEP_LAYERS hidden layers of DEEP_UNITS; with batch_norm: Dense -> BN -> activation."""
    hidden = []
    for _ in range(DEEP_LAYERS):
        if batch_norm:
            hidden += [dense(DEEP_UNITS, None, initializer), layer("BatchNormalization"),
                       layer("Activation", activation=activation)]
        else:
            hidden.append(dense(DEEP_UNITS, activation, initializer))
    return (*INPUT, *hidden, dense(10, "softmax"))


def bn_dropout_mlp():
    """In [45]: BN + Dropout(0.2) before each Dense, ELU + He."""
    guard = (layer("BatchNormalization"), layer("Dropout", rate=0.2))
    return (
        *INPUT, *guard,
        dense(300, "elu", "he_normal"), *guard,
        dense(100, "elu", "he_normal"), *guard,
        dense(10, "softmax"),
    )


SGD = optimizer("SGD", learning_rate=0.01)  # In [15]: optimizer="sgd"
ADAM = optimizer("Adam", learning_rate=0.001, beta_1=0.9, beta_2=0.999)  # In [32]


def _experiments():
    n = COMPARISON_EPOCHS
    naive = NAIVE_INITIALIZER
    return [
        Experiment("mlp-sgd", "The lecture's MLP, ReLU, SGD (In [9]-[18])", "mlp", mlp(), SGD,
                   30, {"accuracy": 0.8869, "loss": 0.3205, "cell": "In [18]"}),
        Experiment("vanish-sigmoid-naive", f"{DEEP_LAYERS} sigmoid layers, N(0, 0.05²) weights",
                   "vanishing", deep("sigmoid", naive), SGD, VANISHING_EPOCHS, monitor=True),
        Experiment("vanish-relu-he", f"{DEEP_LAYERS} ReLU layers, He normal weights",
                   "vanishing", deep("relu", "he_normal"), SGD, VANISHING_EPOCHS, monitor=True),
        Experiment("vanish-sigmoid-bn",
                   f"{DEEP_LAYERS} sigmoid layers, N(0, 0.05²) weights, BatchNormalization",
                   "vanishing", deep("sigmoid", naive, batch_norm=True), SGD,
                   VANISHING_EPOCHS, monitor=True),
        Experiment("act-relu-glorot", "ReLU, Glorot uniform (the lecture's MLP)",
                   "activations", mlp("relu", "glorot_uniform"), SGD, n),
        Experiment("act-relu-he", "ReLU, He normal", "activations",
                   mlp("relu", "he_normal"), SGD, n),
        Experiment("act-leaky-relu-he", "Leaky ReLU (alpha 0.01), He normal", "activations",
                   mlp(None, "he_normal", [layer("LeakyReLU", negative_slope=0.01)]), SGD, n),
        Experiment("act-elu-he", "ELU, He normal", "activations",
                   mlp("elu", "he_normal"), SGD, n),
        Experiment("act-selu-lecun", "SELU, LeCun normal", "activations",
                   mlp("selu", "lecun_normal"), SGD, n),
        Experiment("opt-sgd", "SGD, learning rate 0.01 (In [15])", "optimizers", mlp(), SGD, n),
        Experiment("opt-momentum", "SGD momentum 0.9, learning rate 0.001 (In [28])",
                   "optimizers", mlp(),
                   optimizer("SGD", learning_rate=0.001, momentum=0.9), n),
        Experiment("opt-nesterov", "Nesterov momentum 0.9, learning rate 0.001 (In [29])",
                   "optimizers", mlp(),
                   optimizer("SGD", learning_rate=0.001, momentum=0.9, nesterov=True), n),
        Experiment("opt-adagrad", "AdaGrad, learning rate 0.001 (In [30])", "optimizers",
                   mlp(), optimizer("Adagrad", learning_rate=0.001), n),
        Experiment("opt-rmsprop", "RMSProp, learning rate 0.001, rho 0.9 (In [31])",
                   "optimizers", mlp(), optimizer("RMSprop", learning_rate=0.001, rho=0.9), n),
        Experiment("opt-adam", "Adam, learning rate 0.001 (In [32])", "optimizers", mlp(),
                   ADAM, n),
        Experiment("opt-sgd-clipnorm", "SGD, clipnorm 1.0 (In [27])", "optimizers", mlp(),
                   optimizer("SGD", learning_rate=0.01, clipnorm=1.0), n),
        Experiment("opt-sgd-clipvalue", "SGD, clipvalue 1.0 (In [27])", "optimizers", mlp(),
                   optimizer("SGD", learning_rate=0.01, clipvalue=1.0), n),
        Experiment("adam-elu-he", "Adam, ELU, He normal, no dropout (In [42])", "dropout",
                   mlp("elu", "he_normal"), ADAM, 20,
                   {"accuracy": 0.8913, "loss": 0.4237, "cell": "In [43]"}),
        Experiment("adam-elu-he-bn-dropout",
                   "Adam, ELU, He normal, BatchNormalization + Dropout 0.2 (In [45])",
                   "dropout", bn_dropout_mlp(), ADAM, 20,
                   {"accuracy": 0.8955, "loss": 0.2969, "cell": "In [46]"}),
    ]


EXPERIMENTS = _experiments()
NAMES = [experiment.name for experiment in EXPERIMENTS]


def get(name):
    """The experiment called ``name``."""
    for experiment in EXPERIMENTS:
        if experiment.name == name:
            return experiment
    raise ValueError(
        f"Unknown experiment: expected one of {', '.join(NAMES)}. Received: name={name!r}"
    )


def build_model(experiment):
    """The Sequential model of ``experiment``, compiled as in the lecture."""
    layers = [getattr(keras.layers, spec["class_name"])(**spec["config"])
              for spec in experiment.layers]
    model = keras.models.Sequential(layers)
    model.compile(loss="sparse_categorical_crossentropy",
                  optimizer=build_optimizer(experiment.optimizer),
                  metrics=["accuracy"])
    return model


def build_optimizer(spec):
    """The optimizer described by ``spec`` (``{"class_name", "config"}``)."""
    return getattr(keras.optimizers, spec["class_name"])(**spec["config"])
