"""Keras guide "Customizing what happens in fit() with TensorFlow"
(keras.io/guides/custom_train_step_in_tensorflow/), run on glassnet.

One test per guide section. The guide's code is kept as written; the only changes are
marked with a ``# glassnet:`` comment (``tf.GradientTape`` is ``glassnet.GradientTape``).
"""
import numpy as np

import glassnet
import glassnet as keras  # glassnet: instead of `import keras`
from glassnet import layers, ops


def to_np(x):
    return keras.ops.convert_to_numpy(x)


def count_calls(monkeypatch, cls, name):
    """Test instrumentation: record the `data` each call of `cls.<name>` receives."""
    seen = []
    original = getattr(cls, name)

    def wrapper(self, data):
        seen.append(data)
        return original(self, data)

    monkeypatch.setattr(cls, name, wrapper)
    return seen


def test_a_first_simple_example(monkeypatch):
    class CustomModel(keras.Model):
        def train_step(self, data):
            # Unpack the data. Its structure depends on your model and
            # on what you pass to `fit()`.
            x, y = data

            with glassnet.GradientTape() as tape:  # glassnet: tf.GradientTape()
                y_pred = self(x, training=True)  # Forward pass
                # Compute the loss value
                # (the loss function is configured in `compile()`)
                loss = self.compute_loss(y=y, y_pred=y_pred)

            # Compute gradients
            trainable_vars = self.trainable_variables
            gradients = tape.gradient(loss, trainable_vars)

            # Update weights
            self.optimizer.apply(gradients, trainable_vars)

            # Update metrics (includes the metric that tracks the loss)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)

            # Return a dict mapping metric names to current value
            return {m.name: m.result() for m in self.metrics}

    seen = count_calls(monkeypatch, CustomModel, "train_step")

    # Construct and compile an instance of CustomModel
    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])

    # Just use `fit` as usual
    x = np.random.random((1000, 32))
    y = np.random.random((1000, 1))
    history = model.fit(x, y, epochs=3)

    assert len(seen) == 3 * 32  # our train_step ran for every batch
    assert list(history.history) == ["loss", "mae"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["mae"][-1] < history.history["mae"][0]


def test_going_lower_level(monkeypatch):
    class CustomModel(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
            self.loss_fn = keras.losses.MeanSquaredError()

        def train_step(self, data):
            x, y = data

            with glassnet.GradientTape() as tape:  # glassnet: tf.GradientTape()
                y_pred = self(x, training=True)  # Forward pass
                # Compute our own loss
                loss = self.loss_fn(y, y_pred)

            # Compute gradients
            trainable_vars = self.trainable_variables
            gradients = tape.gradient(loss, trainable_vars)

            # Update weights
            self.optimizer.apply(gradients, trainable_vars)

            # Compute our own metrics
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {
                "loss": self.loss_tracker.result(),
                "mae": self.mae_metric.result(),
            }

        @property
        def metrics(self):
            # We list our `Metric` objects here so that `reset_states()` can be
            # called automatically at the start of each epoch
            # or at the start of `evaluate()`.
            return [self.loss_tracker, self.mae_metric]

    seen = count_calls(monkeypatch, CustomModel, "train_step")

    # Construct an instance of CustomModel
    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)

    # We don't pass a loss or metrics here.
    model.compile(optimizer="adam")

    # Just use `fit` as usual -- you can use callbacks, etc.
    x = np.random.random((1000, 32))
    y = np.random.random((1000, 1))
    history = model.fit(x, y, epochs=5)

    assert len(seen) == 5 * 32
    assert list(history.history) == ["loss", "mae"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    # The trackers are reset each epoch: the last epoch's mean covers its 32 batches only,
    # i.e. 1000 samples weighted by batch... here, 32 updates of the loss tracker.
    assert float(to_np(model.loss_tracker.count)) == 32
    assert model.metrics == [model.loss_tracker, model.mae_metric]


def test_supporting_sample_weight_and_class_weight(monkeypatch):
    class CustomModel(keras.Model):
        def train_step(self, data):
            # Unpack the data. Its structure depends on your model and
            # on what you pass to `fit()`.
            if len(data) == 3:
                x, y, sample_weight = data
            else:
                sample_weight = None
                x, y = data

            with glassnet.GradientTape() as tape:  # glassnet: tf.GradientTape()
                y_pred = self(x, training=True)  # Forward pass
                # Compute the loss value.
                # The loss function is configured in `compile()`.
                loss = self.compute_loss(
                    y=y,
                    y_pred=y_pred,
                    sample_weight=sample_weight,
                )

            # Compute gradients
            trainable_vars = self.trainable_variables
            gradients = tape.gradient(loss, trainable_vars)

            # Update weights
            self.optimizer.apply(gradients, trainable_vars)

            # Update the metrics.
            # Metrics are configured in `compile()`.
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred, sample_weight=sample_weight)

            # Return a dict mapping metric names to current value.
            # Note that it will include the loss (tracked in self.metrics).
            return {m.name: m.result() for m in self.metrics}

    seen = count_calls(monkeypatch, CustomModel, "train_step")

    # Construct and compile an instance of CustomModel
    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])

    # You can now use sample_weight argument
    x = np.random.random((1000, 32))
    y = np.random.random((1000, 1))
    sw = np.random.random((1000, 1))
    history = model.fit(x, y, sample_weight=sw, epochs=3)

    assert len(seen) == 3 * 32
    assert all(len(data) == 3 for data in seen)  # (x, y, sample_weight)
    first_x, _, first_sw = seen[0]
    assert len(first_sw) == len(first_x) == 32
    assert list(history.history) == ["loss", "mae"]
    assert history.history["loss"][-1] < history.history["loss"][0]

    # Unweighted data still goes through the two-element branch.
    history = model.fit(x, y, epochs=1, verbose=0)
    assert len(seen[-1]) == 2


def test_providing_your_own_evaluation_step(monkeypatch):
    class CustomModel(keras.Model):
        def test_step(self, data):
            # Unpack the data
            x, y = data
            # Compute predictions
            y_pred = self(x, training=False)
            # Updates the metrics tracking the loss
            loss = self.compute_loss(y=y, y_pred=y_pred)
            # Update the metrics.
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            # Return a dict mapping metric names to current value.
            # Note that it will include the loss (tracked in self.metrics).
            return {m.name: m.result() for m in self.metrics}

    seen = count_calls(monkeypatch, CustomModel, "test_step")

    # Construct an instance of CustomModel
    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    model.compile(loss="mse", metrics=["mae"])

    # Evaluate with our custom test_step
    x = np.random.random((1000, 32))
    y = np.random.random((1000, 1))
    results = model.evaluate(x, y)

    assert len(seen) == 32
    pred = to_np(model.predict(x, verbose=0))
    # "loss" averages the 32 per-batch losses given to `update_state(loss)` (each batch
    # counts once, as in Keras); "mae" averages over the 1000 samples.
    batch_losses = [np.mean((pred[i : i + 32] - y[i : i + 32]) ** 2) for i in range(0, 1000, 32)]
    np.testing.assert_allclose(
        results, [np.mean(batch_losses), np.mean(np.abs(pred - y))], rtol=1e-4
    )


def test_wrapping_up_an_end_to_end_gan_example(monkeypatch):
    # Create the discriminator
    discriminator = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(128, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.GlobalMaxPooling2D(),
            layers.Dense(1),
        ],
        name="discriminator",
    )

    # Create the generator
    latent_dim = 128
    generator = keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            # We want to generate 128 coefficients to reshape into a 7x7x128 map
            layers.Dense(7 * 7 * 128),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Reshape((7, 7, 128)),
            layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid"),
        ],
        name="generator",
    )

    class GAN(keras.Model):
        def __init__(self, discriminator, generator, latent_dim):
            super().__init__()
            self.discriminator = discriminator
            self.generator = generator
            self.latent_dim = latent_dim
            self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
            self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
            self.seed_generator = keras.random.SeedGenerator(1337)

        @property
        def metrics(self):
            return [self.d_loss_tracker, self.g_loss_tracker]

        def compile(self, d_optimizer, g_optimizer, loss_fn):
            super().compile()
            self.d_optimizer = d_optimizer
            self.g_optimizer = g_optimizer
            self.loss_fn = loss_fn

        def train_step(self, real_images):
            if isinstance(real_images, tuple):
                real_images = real_images[0]
            # Sample random points in the latent space
            batch_size = ops.shape(real_images)[0]  # glassnet: tf.shape(real_images)[0]
            random_latent_vectors = keras.random.normal(
                shape=(batch_size, self.latent_dim), seed=self.seed_generator
            )

            # Decode them to fake images
            generated_images = self.generator(random_latent_vectors)

            # Combine them with real images
            # glassnet: ops.concatenate for tf.concat
            combined_images = ops.concatenate([generated_images, real_images], axis=0)

            # Assemble labels discriminating real from fake images
            # glassnet: ops.concatenate/ones/zeros for tf.concat/ones/zeros
            labels = ops.concatenate(
                [ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0
            )
            # Add random noise to the labels - important trick!
            labels += 0.05 * keras.random.uniform(
                ops.shape(labels), seed=self.seed_generator  # glassnet: tf.shape
            )

            # Train the discriminator
            with glassnet.GradientTape() as tape:  # glassnet: tf.GradientTape()
                predictions = self.discriminator(combined_images)
                d_loss = self.loss_fn(labels, predictions)
            grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
            self.d_optimizer.apply(grads, self.discriminator.trainable_weights)

            # Sample random points in the latent space
            random_latent_vectors = keras.random.normal(
                shape=(batch_size, self.latent_dim), seed=self.seed_generator
            )

            # Assemble labels that say "all real images"
            misleading_labels = ops.zeros((batch_size, 1))  # glassnet: tf.zeros

            # Train the generator (note that we should *not* update the weights
            # of the discriminator)!
            with glassnet.GradientTape() as tape:  # glassnet: tf.GradientTape()
                predictions = self.discriminator(self.generator(random_latent_vectors))
                g_loss = self.loss_fn(misleading_labels, predictions)
            grads = tape.gradient(g_loss, self.generator.trainable_weights)
            self.g_optimizer.apply(grads, self.generator.trainable_weights)

            # Update metrics and return their value.
            self.d_loss_tracker.update_state(d_loss)
            self.g_loss_tracker.update_state(g_loss)
            return {
                "d_loss": self.d_loss_tracker.result(),
                "g_loss": self.g_loss_tracker.result(),
            }

    seen = count_calls(monkeypatch, GAN, "train_step")

    # Prepare the dataset. We use both the training & test MNIST digits.
    # glassnet: 16 synthetic MNIST-shaped digits in batches of 8 (instead of a download
    # in batches of 64, and a tf.data pipeline: fit() batches the NumPy array).
    batch_size = 8
    all_digits = (np.random.default_rng(0).random((16, 28, 28)) * 255).astype("uint8")
    all_digits = all_digits.astype("float32") / 255.0
    all_digits = np.reshape(all_digits, (-1, 28, 28, 1))

    gan = GAN(discriminator=discriminator, generator=generator, latent_dim=latent_dim)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
        g_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
        loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
    )

    d_before = [w.copy() for w in discriminator.get_weights()]
    g_before = [w.copy() for w in generator.get_weights()]

    # glassnet: 2 batches instead of `dataset.take(100)`.
    history = gan.fit(all_digits, batch_size=batch_size, epochs=1)

    assert len(seen) == 2
    assert list(history.history) == ["d_loss", "g_loss"]
    assert all(np.isfinite(history.history[k][0]) for k in ("d_loss", "g_loss"))
    assert all(not np.allclose(b, a) for b, a in zip(d_before, discriminator.get_weights()))
    assert all(not np.allclose(b, a) for b, a in zip(g_before, generator.get_weights()))
    assert tuple(generator.predict(np.zeros((2, latent_dim)), verbose=0).shape) == (2, 28, 28, 1)
