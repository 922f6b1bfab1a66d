"""Keras guide "Making new layers and models via subclassing"
(keras.io/guides/making_new_layers_and_models_via_subclassing/), run on glassnet.

One test per guide section. The guide's code is kept as written; the only changes are
marked with a ``# glassnet:`` comment.
"""
import numpy as np

import glassnet as keras  # glassnet: instead of `import keras`
from glassnet import layers, ops


def to_np(x):
    return keras.ops.convert_to_numpy(x)


def test_the_layer_class(capsys):
    class Linear(keras.layers.Layer):
        def __init__(self, units=32, input_dim=32):
            super().__init__()
            self.w = self.add_weight(
                shape=(input_dim, units),
                initializer="random_normal",
                trainable=True,
            )
            self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

    x = ops.ones((2, 2))
    linear_layer = Linear(4, 2)
    y = linear_layer(x)
    print(y)

    assert linear_layer.weights == [linear_layer.w, linear_layer.b]

    assert tuple(y.shape) == (2, 4)
    w = to_np(linear_layer.w)
    np.testing.assert_allclose(to_np(y), np.ones((2, 2)) @ w, rtol=1e-6)
    assert np.std(w) > 0  # "random_normal"
    np.testing.assert_array_equal(to_np(linear_layer.b), np.zeros(4))


def test_layers_can_have_non_trainable_weights(capsys):
    class ComputeSum(keras.layers.Layer):
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(
                initializer="zeros", shape=(input_dim,), trainable=False
            )

        def call(self, inputs):
            self.total.assign_add(ops.sum(inputs, axis=0))
            return self.total

    x = ops.ones((2, 2))
    my_sum = ComputeSum(2)
    y = my_sum(x)
    print(y.numpy())
    np.testing.assert_array_equal(np.asarray(y.numpy()), [2.0, 2.0])
    y = my_sum(x)
    print(y.numpy())
    np.testing.assert_array_equal(np.asarray(y.numpy()), [4.0, 4.0])

    print("weights:", len(my_sum.weights))
    print("non-trainable weights:", len(my_sum.non_trainable_weights))

    # It's not included in the trainable weights:
    print("trainable_weights:", my_sum.trainable_weights)

    out = capsys.readouterr().out
    assert "weights: 1\nnon-trainable weights: 1\ntrainable_weights: []" in out


def test_deferring_weight_creation_with_build():
    class Linear(keras.layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units),
                initializer="random_normal",
                trainable=True,
            )
            self.b = self.add_weight(
                shape=(self.units,), initializer="random_normal", trainable=True
            )

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

    x = ops.ones((2, 2))
    # At instantiation, we don't know on what inputs this is going to get called
    linear_layer = Linear(32)
    assert linear_layer.weights == []

    # The layer's weights are created dynamically the first time the layer is called
    y = linear_layer(x)
    assert tuple(y.shape) == (2, 32)
    assert [tuple(w.shape) for w in linear_layer.weights] == [(2, 32), (32,)]
    assert linear_layer.built

    class MLPBlock(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.linear_1 = Linear(32)
            self.linear_2 = Linear(32)
            self.linear_3 = Linear(1)

        def call(self, inputs):
            x = self.linear_1(inputs)
            x = keras.activations.relu(x)
            x = self.linear_2(x)
            x = keras.activations.relu(x)
            return self.linear_3(x)

    mlp = MLPBlock()
    y = mlp(ops.ones(shape=(3, 64)))  # The first call to the `mlp` will create the weights
    print("weights:", len(mlp.weights))
    print("trainable weights:", len(mlp.trainable_weights))
    assert len(mlp.weights) == 6
    assert len(mlp.trainable_weights) == 6
    assert tuple(y.shape) == (3, 1)


def test_the_add_loss_method():
    # A layer that creates an activity regularization loss
    class ActivityRegularizationLayer(keras.layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * ops.mean(inputs))
            return inputs

    class OuterLayer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.activity_reg = ActivityRegularizationLayer(1e-2)

        def call(self, inputs):
            return self.activity_reg(inputs)

    layer = OuterLayer()
    assert len(layer.losses) == 0  # No losses yet since the layer has never been called

    _ = layer(ops.zeros((1, 1)))
    assert len(layer.losses) == 1  # We created one loss value

    # `layer.losses` gets reset at the start of each __call__
    _ = layer(ops.zeros((1, 1)))
    assert len(layer.losses) == 1  # This is the loss created during the call above

    class OuterLayerWithKernelRegularizer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(
                32, kernel_regularizer=keras.regularizers.l2(1e-3)
            )

        def call(self, inputs):
            return self.dense(inputs)

    layer = OuterLayerWithKernelRegularizer()
    _ = layer(ops.zeros((1, 1)))

    # This is `1e-3 * sum(layer.dense.kernel ** 2)`,
    # created by the `kernel_regularizer` above.
    print(layer.losses)
    assert len(layer.losses) == 1
    kernel = to_np(layer.dense.kernel)
    np.testing.assert_allclose(float(layer.losses[0]), 1e-3 * np.sum(kernel**2), rtol=1e-5)

    inputs = keras.Input(shape=(3,))
    outputs = ActivityRegularizationLayer()(inputs)
    model = keras.Model(inputs, outputs)

    # glassnet: fixed arrays (instead of fresh np.random.random calls) to check the loss.
    x = np.random.random((2, 3)).astype("float32")
    y = np.random.random((2, 3)).astype("float32")

    # If there is a loss passed in `compile`, the regularization
    # losses get added to it
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y)
    # The model has no weights, so the logged loss is exactly mse + 1e-2 * mean(x).
    np.testing.assert_allclose(
        history.history["loss"][0], np.mean((x - y) ** 2) + 1e-2 * np.mean(x), rtol=1e-5
    )

    # It's also possible not to pass any loss in `compile`,
    # since the model already has a loss to minimize, via the `add_loss`
    # call during the forward pass!
    model.compile(optimizer="adam")
    history = model.fit(x, y)
    np.testing.assert_allclose(history.history["loss"][0], 1e-2 * np.mean(x), rtol=1e-5)


def test_you_can_optionally_enable_serialization_on_your_layers(capsys):
    class Linear(keras.layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units),
                initializer="random_normal",
                trainable=True,
            )
            self.b = self.add_weight(
                shape=(self.units,), initializer="random_normal", trainable=True
            )

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            return {"units": self.units}

    # Now you can recreate the layer from its config:
    layer = Linear(64)
    config = layer.get_config()
    print(config)
    new_layer = Linear.from_config(config)
    assert capsys.readouterr().out.strip() == "{'units': 64}"
    assert isinstance(new_layer, Linear) and new_layer.units == 64

    class Linear(keras.layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units),
                initializer="random_normal",
                trainable=True,
            )
            self.b = self.add_weight(
                shape=(self.units,), initializer="random_normal", trainable=True
            )

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units})
            return config

    layer = Linear(64)
    config = layer.get_config()
    print(config)
    new_layer = Linear.from_config(config)
    assert {"name", "trainable", "dtype", "units"} <= set(config)
    assert config["units"] == 64 and config["trainable"] is True
    assert new_layer.units == 64 and new_layer.name == layer.name


def test_privileged_training_argument_in_the_call_method():
    class CustomDropout(keras.layers.Layer):
        def __init__(self, rate, **kwargs):
            super().__init__(**kwargs)
            self.rate = rate
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs, training=None):
            if training:
                return keras.random.dropout(inputs, rate=self.rate, seed=self.seed_generator)
            return inputs

    layer = CustomDropout(0.5)
    x = np.ones((100, 100), dtype="float32")
    np.testing.assert_array_equal(to_np(layer(x)), x)
    np.testing.assert_array_equal(to_np(layer(x, training=False)), x)

    y1 = to_np(layer(x, training=True))
    y2 = to_np(layer(x, training=True))
    assert set(np.unique(y1)) <= {0.0, 2.0}  # kept units are scaled by 1 / (1 - rate)
    assert 0.4 < np.mean(y1 == 0) < 0.6
    assert not np.array_equal(y1, y2)  # the SeedGenerator advances between calls

    # In a model, fit() calls it with training=True and predict() with training=False.
    inputs = keras.Input(shape=(100,))
    outputs = CustomDropout(0.5)(inputs)
    model = keras.Model(inputs, outputs)
    np.testing.assert_array_equal(to_np(model.predict(x, verbose=0)), x)
    np.testing.assert_array_equal(to_np(model(x, training=False)), x)
    assert np.mean(to_np(model(x, training=True)) == 0) > 0.4


class Sampling(layers.Layer):
    """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = ops.shape(z_mean)[0]
        dim = ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


class Encoder(layers.Layer):
    """Maps MNIST digits to a triplet (z_mean, z_log_var, z)."""

    def __init__(self, latent_dim=32, intermediate_dim=64, name="encoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_mean = layers.Dense(latent_dim)
        self.dense_log_var = layers.Dense(latent_dim)
        self.sampling = Sampling()

    def call(self, inputs):
        x = self.dense_proj(inputs)
        z_mean = self.dense_mean(x)
        z_log_var = self.dense_log_var(x)
        z = self.sampling((z_mean, z_log_var))
        return z_mean, z_log_var, z


class Decoder(layers.Layer):
    """Converts z, the encoded digit vector, back into a readable digit."""

    def __init__(self, original_dim, intermediate_dim=64, name="decoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_output = layers.Dense(original_dim, activation="sigmoid")

    def call(self, inputs):
        x = self.dense_proj(inputs)
        return self.dense_output(x)


class VariationalAutoEncoder(keras.Model):
    """Combines the encoder and decoder into an end-to-end model for training."""

    def __init__(
        self,
        original_dim,
        intermediate_dim=64,
        latent_dim=32,
        name="autoencoder",
        **kwargs
    ):
        super().__init__(name=name, **kwargs)
        self.original_dim = original_dim
        self.encoder = Encoder(latent_dim=latent_dim, intermediate_dim=intermediate_dim)
        self.decoder = Decoder(original_dim, intermediate_dim=intermediate_dim)

    def call(self, inputs):
        z_mean, z_log_var, z = self.encoder(inputs)
        reconstructed = self.decoder(z)
        # Add KL divergence regularization loss.
        kl_loss = -0.5 * ops.mean(
            z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1
        )
        self.add_loss(kl_loss)
        return reconstructed


def test_putting_it_all_together_an_end_to_end_example():
    # glassnet: 512 synthetic MNIST-shaped digits in [0, 1] instead of a download,
    # built from 10 prototypes so that there is structure to learn.
    rng = np.random.default_rng(0)
    prototypes = rng.random((10, 784)) > 0.7
    x_train = (prototypes[rng.integers(0, 10, 512)] * 255).astype("uint8").reshape(512, 28, 28)
    x_train = x_train.reshape(512, 784).astype("float32") / 255

    original_dim = 784
    vae = VariationalAutoEncoder(784, 64, 32)

    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    vae.compile(optimizer, loss=keras.losses.MeanSquaredError())

    history = vae.fit(x_train, x_train, epochs=2, batch_size=64)

    assert list(history.history) == ["loss"]
    assert history.history["loss"][1] < history.history["loss"][0]
    reconstructed = vae(x_train[:4])
    assert tuple(reconstructed.shape) == (4, original_dim)
    r = to_np(reconstructed)
    assert np.all((r > 0) & (r < 1))  # sigmoid output
    assert len(vae.losses) == 1  # the KL divergence of the last forward pass
    assert len(vae.trainable_weights) == 10
