"""Keras guide "Writing a training loop from scratch in TensorFlow"
(keras.io/guides/writing_a_custom_training_loop_in_tensorflow/), run on glassnet.

One test per guide section. The guide's code is kept as written; the only changes are
marked with a ``# glassnet:`` comment (``tf.GradientTape`` is ``glassnet.GradientTape``,
``tf.data`` pipelines are lists of NumPy batches, ``@tf.function`` is dropped).
"""
import time

import numpy as np
import pytest

import glassnet
import glassnet as keras  # glassnet: instead of `import keras`
from glassnet import ops


def get_model():
    inputs = keras.Input(shape=(784,), name="digits")
    x1 = keras.layers.Dense(64, activation="relu")(inputs)
    x2 = keras.layers.Dense(64, activation="relu")(x1)
    outputs = keras.layers.Dense(10, name="predictions")(x2)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


def batches(x, y, batch_size, shuffle=False, seed=0):
    # glassnet: stands in for tf.data.Dataset.from_tensor_slices((x, y))[.shuffle()].batch()
    order = np.random.default_rng(seed).permutation(len(x)) if shuffle else np.arange(len(x))
    return [
        (x[order[i : i + batch_size]], y[order[i : i + batch_size]])
        for i in range(0, len(x), batch_size)
    ]


@pytest.fixture(scope="module")
def data():
    # glassnet: synthetic, learnable MNIST-shaped data (instead of keras.datasets.mnist):
    # 640 training images of which the last 128 are reserved for validation.
    rng = np.random.default_rng(0)
    x_train = (rng.random((640, 28, 28)) * 255).astype("uint8")
    proj = rng.normal(size=(784, 10))
    y_train = np.argmax((x_train.reshape(-1, 784) / 255 - 0.5) @ proj, axis=1).astype("uint8")

    batch_size = 32
    x_train = np.reshape(x_train, (-1, 784))
    # glassnet: scaled to [0, 1] (the guide feeds raw 0..255 pixels).
    x_train = x_train.astype("float32") / 255

    # Reserve 128 samples for validation.  # glassnet: 128 instead of 10,000
    x_val = x_train[-128:]
    y_val = y_train[-128:]
    x_train = x_train[:-128]
    y_train = y_train[:-128]

    # Prepare the training dataset.
    train_dataset = batches(x_train, y_train, batch_size, shuffle=True)

    # Prepare the validation dataset.
    val_dataset = batches(x_val, y_val, batch_size)
    return batch_size, train_dataset, val_dataset


def test_a_first_end_to_end_example(data, capsys):
    batch_size, train_dataset, _ = data
    model = get_model()

    # Instantiate an optimizer.
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    # Instantiate a loss function.
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    before = [w.copy() for w in model.get_weights()]
    epoch_losses = []  # glassnet: recorded for the assertions below

    epochs = 3
    for epoch in range(epochs):
        print(f"\nStart of epoch {epoch}")
        epoch_losses.append([])

        # Iterate over the batches of the dataset.
        for step, (x_batch_train, y_batch_train) in enumerate(train_dataset):
            # Open a GradientTape to record the operations run
            # during the forward pass, which enables auto-differentiation.
            with glassnet.GradientTape() as tape:  # glassnet: tf.GradientTape()
                # Run the forward pass of the layer.
                # The operations that the layer applies
                # to its inputs are going to be recorded
                # on the GradientTape.
                logits = model(x_batch_train, training=True)  # Logits for this minibatch

                # Compute the loss value for this minibatch.
                loss_value = loss_fn(y_batch_train, logits)

            # Use the gradient tape to automatically retrieve
            # the gradients of the trainable variables with respect to the loss.
            grads = tape.gradient(loss_value, model.trainable_weights)

            # Run one step of gradient descent by updating
            # the value of the variables to minimize the loss.
            optimizer.apply(grads, model.trainable_weights)
            epoch_losses[-1].append(float(loss_value))

            # Log every 100 batches.  # glassnet: every 5 batches
            if step % 5 == 0:
                print(
                    f"Training loss (for 1 batch) at step {step}: {float(loss_value):.4f}"
                )
                print(f"Seen so far: {(step + 1) * batch_size} samples")

    out = capsys.readouterr().out
    assert out.count("Start of epoch") == 3
    assert "Seen so far: 192 samples" in out  # step 5
    assert np.mean(epoch_losses[-1]) < np.mean(epoch_losses[0])
    assert len(grads) == len(model.trainable_weights) == 6
    assert all(not np.allclose(b, a) for b, a in zip(before, model.get_weights()))
    assert int(ops.convert_to_numpy(optimizer.iterations)) == 3 * len(train_dataset)


def test_low_level_handling_of_metrics(data, capsys):
    batch_size, train_dataset, val_dataset = data
    # Get a fresh model
    model = get_model()

    # Instantiate an optimizer to train the model.
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    # Instantiate a loss function.
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    # Prepare the metrics.
    train_acc_metric = keras.metrics.SparseCategoricalAccuracy()
    val_acc_metric = keras.metrics.SparseCategoricalAccuracy()

    # glassnet: no @tf.function
    def train_step(x, y):
        with glassnet.GradientTape() as tape:  # glassnet: tf.GradientTape()
            logits = model(x, training=True)
            loss_value = loss_fn(y, logits)
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply(grads, model.trainable_weights)
        train_acc_metric.update_state(y, logits)
        return loss_value

    # glassnet: no @tf.function
    def test_step(x, y):
        val_logits = model(x, training=False)
        val_acc_metric.update_state(y, val_logits)

    train_accs, val_accs = [], []  # glassnet: recorded for the assertions below

    epochs = 2
    for epoch in range(epochs):
        print(f"\nStart of epoch {epoch}")
        start_time = time.time()

        # Iterate over the batches of the dataset.
        for step, (x_batch_train, y_batch_train) in enumerate(train_dataset):
            loss_value = train_step(x_batch_train, y_batch_train)

            # Log every 100 batches.  # glassnet: every 5 batches
            if step % 5 == 0:
                print(
                    f"Training loss (for 1 batch) at step {step}: {float(loss_value):.4f}"
                )
                print(f"Seen so far: {(step + 1) * batch_size} samples")

        # Display metrics at the end of each epoch.
        train_acc = train_acc_metric.result()
        print(f"Training acc over epoch: {float(train_acc):.4f}")
        train_accs.append(float(train_acc))

        # Reset training metrics at the end of each epoch
        train_acc_metric.reset_state()
        assert float(train_acc_metric.result()) == 0.0

        # Run a validation loop at the end of each epoch.
        for x_batch_val, y_batch_val in val_dataset:
            test_step(x_batch_val, y_batch_val)

        val_acc = val_acc_metric.result()
        val_accs.append(float(val_acc))
        val_acc_metric.reset_state()
        print(f"Validation acc: {float(val_acc):.4f}")
        print(f"Time taken: {time.time() - start_time:.2f}s")

    out = capsys.readouterr().out
    assert out.count("Training acc over epoch:") == 2
    assert out.count("Validation acc:") == 2
    assert train_accs[1] > train_accs[0]
    # The validation accuracy is the fraction of correct argmax predictions.
    x_val = np.concatenate([xb for xb, _ in val_dataset])
    y_val = np.concatenate([yb for _, yb in val_dataset])
    logits = ops.convert_to_numpy(model(x_val, training=False))
    np.testing.assert_allclose(val_accs[-1], np.mean(np.argmax(logits, 1) == y_val), atol=1e-6)


def test_low_level_handling_of_losses_tracked_by_the_model(data):
    _, train_dataset, _ = data

    class ActivityRegularizationLayer(keras.layers.Layer):
        def call(self, inputs):
            self.add_loss(1e-2 * ops.sum(inputs))
            return inputs

    inputs = keras.Input(shape=(784,), name="digits")
    x = keras.layers.Dense(64, activation="relu")(inputs)
    # Insert activity regularization as a layer
    x = ActivityRegularizationLayer()(x)
    x = keras.layers.Dense(64, activation="relu")(x)
    outputs = keras.layers.Dense(10, name="predictions")(x)

    model = keras.Model(inputs=inputs, outputs=outputs)

    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    train_acc_metric = keras.metrics.SparseCategoricalAccuracy()

    # glassnet: no @tf.function
    def train_step(x, y):
        with glassnet.GradientTape() as tape:  # glassnet: tf.GradientTape()
            logits = model(x, training=True)
            loss_value = loss_fn(y, logits)
            # Add any extra losses created during the forward pass.
            loss_value += sum(model.losses)
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply(grads, model.trainable_weights)
        train_acc_metric.update_state(y, logits)
        return loss_value

    # glassnet: run the step over the data and check the extra loss was included.
    x_batch, y_batch = train_dataset[0]
    hidden = keras.Model(inputs, model.layers[1].output)
    reg = 1e-2 * np.sum(ops.convert_to_numpy(hidden(x_batch)))
    ce = float(loss_fn(y_batch, model(x_batch)))
    assert len(model.losses) == 1
    np.testing.assert_allclose(float(sum(model.losses)), reg, rtol=1e-4)

    loss_value = train_step(x_batch, y_batch)
    np.testing.assert_allclose(float(loss_value), ce + reg, rtol=1e-4)
    losses = [float(train_step(xb, yb)) for xb, yb in train_dataset for _ in range(2)]
    assert np.mean(losses[-4:]) < float(loss_value)  # the regularized loss goes down
    assert 0.0 < float(train_acc_metric.result()) <= 1.0
