"""Keras guide "Writing your own callbacks" (keras.io/guides/writing_your_own_callbacks/),
run on glassnet.

One test per guide section. The guide's code is kept as written; the only changes are
marked with a ``# glassnet:`` comment.
"""
# The guide's callbacks use str.format; kept as written.
# ruff: noqa: UP032
import numpy as np
import pytest

import glassnet as keras  # glassnet: instead of `import keras`


# Define the Keras model to add callbacks to
def get_model():
    model = keras.Sequential()
    model.add(keras.layers.Dense(1))
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.1),
        loss="mean_squared_error",
        metrics=["mean_absolute_error"],
    )
    return model


@pytest.fixture(scope="module")
def mnist():
    # glassnet: synthetic MNIST-shaped data (digit labels from a fixed projection)
    # instead of keras.datasets.mnist.load_data().
    rng = np.random.default_rng(0)
    proj = rng.normal(size=(784, 10))

    def make(n):
        x = (rng.random((n, 28, 28)) * 255).astype("uint8")
        y = np.argmax((x.reshape(n, 784) / 255 - 0.5) @ proj, axis=1).astype("uint8")
        return x, y

    (x_train, y_train), (x_test, y_test) = make(1000), make(1000)
    x_train = x_train.reshape(-1, 784).astype("float32") / 255.0
    x_test = x_test.reshape(-1, 784).astype("float32") / 255.0

    # Limit the data to 1000 samples
    x_train = x_train[:1000]
    y_train = y_train[:1000]
    x_test = x_test[:1000]
    y_test = y_test[:1000]
    return x_train, y_train, x_test, y_test


class CustomCallback(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        keys = list(logs.keys())
        print("Starting training; got log keys: {}".format(keys))

    def on_train_end(self, logs=None):
        keys = list(logs.keys())
        print("Stop training; got log keys: {}".format(keys))

    def on_epoch_begin(self, epoch, logs=None):
        keys = list(logs.keys())
        print("Start epoch {} of training; got log keys: {}".format(epoch, keys))

    def on_epoch_end(self, epoch, logs=None):
        keys = list(logs.keys())
        print("End epoch {} of training; got log keys: {}".format(epoch, keys))

    def on_test_begin(self, logs=None):
        keys = list(logs.keys())
        print("Start testing; got log keys: {}".format(keys))

    def on_test_end(self, logs=None):
        keys = list(logs.keys())
        print("Stop testing; got log keys: {}".format(keys))

    def on_predict_begin(self, logs=None):
        keys = list(logs.keys())
        print("Start predicting; got log keys: {}".format(keys))

    def on_predict_end(self, logs=None):
        keys = list(logs.keys())
        print("Stop predicting; got log keys: {}".format(keys))

    def on_train_batch_begin(self, batch, logs=None):
        keys = list(logs.keys())
        print("...Training: start of batch {}; got log keys: {}".format(batch, keys))

    def on_train_batch_end(self, batch, logs=None):
        keys = list(logs.keys())
        print("...Training: end of batch {}; got log keys: {}".format(batch, keys))

    def on_test_batch_begin(self, batch, logs=None):
        keys = list(logs.keys())
        print("...Evaluating: start of batch {}; got log keys: {}".format(batch, keys))

    def on_test_batch_end(self, batch, logs=None):
        keys = list(logs.keys())
        print("...Evaluating: end of batch {}; got log keys: {}".format(batch, keys))

    def on_predict_batch_begin(self, batch, logs=None):
        keys = list(logs.keys())
        print("...Predicting: start of batch {}; got log keys: {}".format(batch, keys))

    def on_predict_batch_end(self, batch, logs=None):
        keys = list(logs.keys())
        print("...Predicting: end of batch {}; got log keys: {}".format(batch, keys))


LOSS_KEYS = "['loss', 'mean_absolute_error']"
ALL_KEYS = "['loss', 'mean_absolute_error', 'val_loss', 'val_mean_absolute_error']"


def test_a_basic_example(mnist, capsys):
    x_train, y_train, x_test, y_test = mnist
    model = get_model()
    model.fit(
        x_train,
        y_train,
        batch_size=128,
        epochs=1,
        verbose=0,
        validation_split=0.5,
        callbacks=[CustomCallback()],
    )
    # glassnet: the expected hook sequence (what Keras 3 prints): 500 samples for training
    # and 500 for validation, in batches of 128, so 4 batches each.
    train_batches = []
    for b in range(4):
        train_batches += [
            f"...Training: start of batch {b}; got log keys: []",
            f"...Training: end of batch {b}; got log keys: {LOSS_KEYS}",
        ]
    val_batches = []
    for b in range(4):
        val_batches += [
            f"...Evaluating: start of batch {b}; got log keys: []",
            f"...Evaluating: end of batch {b}; got log keys: {LOSS_KEYS}",
        ]
    expected = (
        ["Starting training; got log keys: []", "Start epoch 0 of training; got log keys: []"]
        + train_batches
        + ["Start testing; got log keys: []"]
        + val_batches
        + [
            f"Stop testing; got log keys: {LOSS_KEYS}",
            f"End epoch 0 of training; got log keys: {ALL_KEYS}",
            f"Stop training; got log keys: {ALL_KEYS}",
        ]
    )
    assert capsys.readouterr().out.splitlines() == expected

    res = model.evaluate(
        x_test, y_test, batch_size=128, verbose=0, callbacks=[CustomCallback()]
    )
    test_batches = []
    for b in range(8):
        test_batches += [
            f"...Evaluating: start of batch {b}; got log keys: []",
            f"...Evaluating: end of batch {b}; got log keys: {LOSS_KEYS}",
        ]
    expected = (
        ["Start testing; got log keys: []"]
        + test_batches
        + [f"Stop testing; got log keys: {LOSS_KEYS}"]
    )
    assert capsys.readouterr().out.splitlines() == expected
    assert len(res) == 2

    res = model.predict(x_test, batch_size=128, callbacks=[CustomCallback()])
    lines = [
        line for line in capsys.readouterr().out.splitlines()
        if "got log keys" in line  # glassnet: leave out the progress bar
    ]
    predict_batches = []
    for b in range(8):
        predict_batches += [
            f"...Predicting: start of batch {b}; got log keys: []",
            f"...Predicting: end of batch {b}; got log keys: ['outputs']",
        ]
    expected = (
        ["Start predicting; got log keys: []"]
        + predict_batches
        + ["Stop predicting; got log keys: []"]
    )
    assert lines == expected
    assert tuple(res.shape) == (1000, 1)


class LossAndErrorPrintingCallback(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        print(
            "Up to batch {}, the average loss is {:7.2f}.".format(batch, logs["loss"])
        )

    def on_test_batch_end(self, batch, logs=None):
        print(
            "Up to batch {}, the average loss is {:7.2f}.".format(batch, logs["loss"])
        )

    def on_epoch_end(self, epoch, logs=None):
        print(
            "The average loss for epoch {} is {:7.2f} "
            "and mean absolute error is {:7.2f}.".format(
                epoch, logs["loss"], logs["mean_absolute_error"]
            )
        )


def test_usage_of_logs_dict(mnist, capsys):
    x_train, y_train, x_test, y_test = mnist
    model = get_model()
    history = model.fit(
        x_train,
        y_train,
        batch_size=128,
        epochs=2,
        verbose=0,
        callbacks=[LossAndErrorPrintingCallback()],
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 * (8 + 1)
    assert lines[0].startswith("Up to batch 0, the average loss is")
    assert lines[8] == (
        "The average loss for epoch 0 is {:7.2f} and mean absolute error is {:7.2f}.".format(
            history.history["loss"][0], history.history["mean_absolute_error"][0]
        )
    )
    # "Up to batch 7" reports the epoch's running average, which is the epoch's loss.
    assert lines[7] == "Up to batch 7, the average loss is {:7.2f}.".format(
        history.history["loss"][0]
    )

    res = model.evaluate(
        x_test,
        y_test,
        batch_size=128,
        verbose=0,
        callbacks=[LossAndErrorPrintingCallback()],
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 8
    assert lines[-1] == "Up to batch 7, the average loss is {:7.2f}.".format(res[0])


class EarlyStoppingAtMinLoss(keras.callbacks.Callback):
    """Stop training when the loss is at its min, i.e. the loss stops decreasing.

    Arguments:
        patience: Number of epochs to wait after min has been hit. After this
        number of no improvement, training stops.
    """

    def __init__(self, patience=0):
        super().__init__()
        self.patience = patience
        # best_weights to store the weights at which the minimum loss occurs.
        self.best_weights = None

    def on_train_begin(self, logs=None):
        # The number of epoch it has waited when loss is no longer minimum.
        self.wait = 0
        # The epoch the training stops at.
        self.stopped_epoch = 0
        # Initialize the best as infinity.
        self.best = np.inf  # glassnet: np.Inf is gone in NumPy 2

    def on_epoch_end(self, epoch, logs=None):
        current = logs.get("loss")
        if np.less(current, self.best):
            self.best = current
            self.wait = 0
            # Record the best weights if current results is better (less).
            self.best_weights = self.model.get_weights()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                self.model.stop_training = True
                print("Restoring model weights from the end of the best epoch.")
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")


def test_early_stopping_at_minimum_loss(mnist, capsys):
    x_train, y_train, _, _ = mnist
    model = get_model()
    early_stopping = EarlyStoppingAtMinLoss()  # glassnet: kept in a name to inspect it
    history = model.fit(
        x_train,
        y_train,
        batch_size=64,
        epochs=30,
        verbose=0,
        callbacks=[LossAndErrorPrintingCallback(), early_stopping],
    )
    losses = history.history["loss"]
    # With patience=0, training stops at the first epoch whose loss is not a new minimum.
    first_worse = next(i for i in range(1, len(losses)) if losses[i] >= min(losses[:i]))
    assert early_stopping.stopped_epoch == first_worse == len(losses) - 1
    out = capsys.readouterr().out
    assert "Restoring model weights from the end of the best epoch." in out
    assert f"Epoch {first_worse + 1}: early stopping" in out
    for restored, best in zip(model.get_weights(), early_stopping.best_weights):
        np.testing.assert_array_equal(restored, best)


class CustomLearningRateScheduler(keras.callbacks.Callback):
    """Learning rate scheduler which sets the learning rate according to schedule.

    Arguments:
        schedule: a function that takes an epoch index
            (integer, indexed from 0) and current learning rate
            as inputs and returns a new learning rate as output (float).
    """

    def __init__(self, schedule):
        super().__init__()
        self.schedule = schedule

    def on_epoch_begin(self, epoch, logs=None):
        if not hasattr(self.model.optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        # Get the current learning rate from model's optimizer.
        lr = self.model.optimizer.learning_rate
        # Call schedule function to get the scheduled learning rate.
        scheduled_lr = self.schedule(epoch, lr)
        # Set the value back to the optimizer before this epoch starts
        self.model.optimizer.learning_rate = scheduled_lr
        print(f"\nEpoch {epoch}: Learning rate is {float(np.array(scheduled_lr))}.")


LR_SCHEDULE = [
    # (epoch to start, learning rate) tuples
    (3, 0.05),
    (6, 0.01),
    (9, 0.005),
    (12, 0.001),
]


def lr_schedule(epoch, lr):
    """Helper function to retrieve the scheduled learning rate based on epoch."""
    if epoch < LR_SCHEDULE[0][0] or epoch > LR_SCHEDULE[-1][0]:
        return lr
    for i in range(len(LR_SCHEDULE)):
        if epoch == LR_SCHEDULE[i][0]:
            return LR_SCHEDULE[i][1]
    return lr


def test_learning_rate_scheduling(mnist, capsys):
    x_train, y_train, _, _ = mnist
    model = get_model()
    history = model.fit(
        x_train,
        y_train,
        batch_size=64,
        epochs=15,
        verbose=0,
        callbacks=[
            LossAndErrorPrintingCallback(),
            CustomLearningRateScheduler(lr_schedule),
        ],
    )
    assert len(history.history["loss"]) == 15
    out = capsys.readouterr().out
    printed = [
        float(line.split("Learning rate is ")[1].rstrip("."))
        for line in out.splitlines()
        if "Learning rate is" in line
    ]
    expected = [0.1] * 3 + [0.05] * 3 + [0.01] * 3 + [0.005] * 3 + [0.001] * 3
    np.testing.assert_allclose(printed, expected, rtol=1e-6)
    assert "Epoch 3: Learning rate is 0.05." in out
    assert "Epoch 12: Learning rate is 0.001." in out
    assert float(np.array(model.optimizer.learning_rate)) == pytest.approx(0.001)
