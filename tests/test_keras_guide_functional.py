"""Keras guide "The Functional API" (keras.io/guides/functional_api/), run on glassnet.

One test per guide section. The guide's code is kept as written; the only changes are
marked with a ``# glassnet:`` comment.
"""
import numpy as np

import glassnet as keras  # glassnet: instead of `import keras`
from glassnet import layers, ops


def to_np(x):
    return keras.ops.convert_to_numpy(x)


def synthetic_mnist(n, seed=0):
    # glassnet: synthetic, learnable stand-in for MNIST (labels from a fixed projection).
    rng = np.random.default_rng(seed)
    x = rng.random((n, 28, 28)).astype("float32") * 255
    w = np.random.default_rng(123).normal(size=(784, 10))
    y = np.argmax((x.reshape(n, 784) / 255 - 0.5) @ w, axis=1).astype("uint8")
    return x, y


def build_mnist_model():
    inputs = keras.Input(shape=(784,))
    dense = layers.Dense(64, activation="relu")
    x = dense(inputs)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(10)(x)
    return inputs, keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")


def test_introduction(capsys, tmp_path):
    inputs = keras.Input(shape=(784,))
    # Just for demonstration purposes.
    img_inputs = keras.Input(shape=(32, 32, 3))
    assert tuple(inputs.shape) == (None, 784)
    assert str(inputs.dtype) == "float32"
    assert tuple(img_inputs.shape) == (None, 32, 32, 3)

    dense = layers.Dense(64, activation="relu")
    x = dense(inputs)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(10)(x)
    assert tuple(x.shape) == (None, 64)
    assert tuple(outputs.shape) == (None, 10)

    model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
    model.summary()
    out = capsys.readouterr().out
    assert "mnist_model" in out
    assert "55050" in out.replace(",", "")  # 784*64+64 + 64*64+64 + 64*10+10

    # glassnet: files go to tmp_path.
    keras.utils.plot_model(model, str(tmp_path / "my_first_model.png"))
    keras.utils.plot_model(
        model, str(tmp_path / "my_first_model_with_shape_info.png"), show_shapes=True
    )


def test_training_evaluation_and_inference(capsys):
    _, model = build_mnist_model()
    # glassnet: synthetic data of MNIST's shapes (512 train, 128 test) instead of a download.
    (x_train, y_train), (x_test, y_test) = synthetic_mnist(512), synthetic_mnist(128, seed=1)

    x_train = x_train.reshape(512, 784).astype("float32") / 255
    x_test = x_test.reshape(128, 784).astype("float32") / 255

    model.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=keras.optimizers.RMSprop(),
        metrics=["accuracy"],
    )

    history = model.fit(x_train, y_train, batch_size=64, epochs=2, validation_split=0.2)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.history["loss"][1] < history.history["loss"][0]

    test_scores = model.evaluate(x_test, y_test, verbose=2)
    print("Test loss:", test_scores[0])
    print("Test accuracy:", test_scores[1])
    assert len(test_scores) == 2
    logits = to_np(model.predict(x_test, verbose=0))
    np.testing.assert_allclose(test_scores[1], np.mean(np.argmax(logits, 1) == y_test), atol=1e-6)
    assert "Test accuracy:" in capsys.readouterr().out


def test_save_and_serialize(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # glassnet: the guide's relative path, inside tmp_path.
    _, model = build_mnist_model()
    model.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=keras.optimizers.RMSprop(),
        metrics=["accuracy"],
    )
    x = np.random.default_rng(0).random((4, 784)).astype("float32")
    expected = to_np(model.predict(x, verbose=0))

    model.save("my_model.keras")
    del model
    # Recreate the exact same model purely from the file:
    model = keras.models.load_model("my_model.keras")
    np.testing.assert_allclose(to_np(model.predict(x, verbose=0)), expected, rtol=1e-6)
    assert model.name == "mnist_model"


def test_use_the_same_graph_of_layers_to_define_multiple_models():
    encoder_input = keras.Input(shape=(28, 28, 1), name="img")
    x = layers.Conv2D(16, 3, activation="relu")(encoder_input)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    encoder_output = layers.GlobalMaxPooling2D()(x)

    encoder = keras.Model(encoder_input, encoder_output, name="encoder")
    encoder.summary()

    x = layers.Reshape((4, 4, 1))(encoder_output)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
    x = layers.UpSampling2D(3)(x)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    decoder_output = layers.Conv2DTranspose(1, 3, activation="relu")(x)

    autoencoder = keras.Model(encoder_input, decoder_output, name="autoencoder")
    autoencoder.summary()

    assert tuple(encoder.output_shape) == (None, 16)
    assert tuple(autoencoder.output_shape) == (None, 28, 28, 1)
    # The two models share the encoder's layers (and so its weights).
    assert all(any(w is v for v in autoencoder.weights) for w in encoder.weights)


def test_all_models_are_callable_just_like_layers():
    encoder_input = keras.Input(shape=(28, 28, 1), name="original_img")
    x = layers.Conv2D(16, 3, activation="relu")(encoder_input)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    encoder_output = layers.GlobalMaxPooling2D()(x)

    encoder = keras.Model(encoder_input, encoder_output, name="encoder")
    encoder.summary()

    decoder_input = keras.Input(shape=(16,), name="encoded_img")
    x = layers.Reshape((4, 4, 1))(decoder_input)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
    x = layers.UpSampling2D(3)(x)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    decoder_output = layers.Conv2DTranspose(1, 3, activation="relu")(x)

    decoder = keras.Model(decoder_input, decoder_output, name="decoder")
    decoder.summary()

    autoencoder_input = keras.Input(shape=(28, 28, 1), name="img")
    encoded_img = encoder(autoencoder_input)
    decoded_img = decoder(encoded_img)
    autoencoder = keras.Model(autoencoder_input, decoded_img, name="autoencoder")
    autoencoder.summary()

    img = np.random.default_rng(0).random((2, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(
        to_np(autoencoder(img)), to_np(decoder(encoder(img))), rtol=1e-5, atol=1e-6
    )
    assert [layer.name for layer in autoencoder.layers[1:]] == ["encoder", "decoder"]

    def get_model():
        inputs = keras.Input(shape=(128,))
        outputs = layers.Dense(1)(inputs)
        return keras.Model(inputs, outputs)

    model1 = get_model()
    model2 = get_model()
    model3 = get_model()

    inputs = keras.Input(shape=(128,))
    y1 = model1(inputs)
    y2 = model2(inputs)
    y3 = model3(inputs)
    outputs = layers.average([y1, y2, y3])
    ensemble_model = keras.Model(inputs=inputs, outputs=outputs)

    x = np.random.default_rng(1).random((5, 128)).astype("float32")
    expected = (to_np(model1(x)) + to_np(model2(x)) + to_np(model3(x))) / 3
    np.testing.assert_allclose(to_np(ensemble_model(x)), expected, rtol=1e-5, atol=1e-6)


def test_models_with_multiple_inputs_and_outputs(tmp_path):
    num_tags = 12  # Number of unique issue tags
    num_words = 10000  # Size of vocabulary obtained when preprocessing text data
    num_departments = 4  # Number of departments for predictions

    title_input = keras.Input(
        shape=(None,), name="title"
    )  # Variable-length sequence of ints
    body_input = keras.Input(shape=(None,), name="body")  # Variable-length sequence of ints
    tags_input = keras.Input(
        shape=(num_tags,), name="tags"
    )  # Binary vectors of size `num_tags`

    # Embed each word in the title into a 64-dimensional vector
    title_features = layers.Embedding(num_words, 64)(title_input)
    # Embed each word in the text into a 64-dimensional vector
    body_features = layers.Embedding(num_words, 64)(body_input)

    # Reduce sequence of embedded words in the title into a single 128-dimensional vector
    title_features = layers.LSTM(128)(title_features)
    # Reduce sequence of embedded words in the body into a single 32-dimensional vector
    body_features = layers.LSTM(32)(body_features)

    # Merge all available features into a single large vector via concatenation
    x = layers.concatenate([title_features, body_features, tags_input])

    # Stick a logistic regression for priority prediction on top of the features
    priority_pred = layers.Dense(1, name="priority")(x)
    # Stick a department classifier on top of the features
    department_pred = layers.Dense(num_departments, name="department")(x)

    # Instantiate an end-to-end model predicting both priority and department
    model = keras.Model(
        inputs=[title_input, body_input, tags_input],
        outputs=[priority_pred, department_pred],
    )

    # glassnet: the plot goes to tmp_path.
    keras.utils.plot_model(
        model, str(tmp_path / "multi_input_and_output_model.png"), show_shapes=True
    )

    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss=[
            keras.losses.BinaryCrossentropy(from_logits=True),
            keras.losses.CategoricalCrossentropy(from_logits=True),
        ],
        loss_weights=[1.0, 0.2],
    )

    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={
            "priority": keras.losses.BinaryCrossentropy(from_logits=True),
            "department": keras.losses.CategoricalCrossentropy(from_logits=True),
        },
        loss_weights={"priority": 1.0, "department": 0.2},
    )

    # Dummy input data
    # glassnet: 64 samples instead of 1280.
    title_data = np.random.randint(num_words, size=(64, 10))
    body_data = np.random.randint(num_words, size=(64, 100))
    tags_data = np.random.randint(2, size=(64, num_tags)).astype("float32")

    # Dummy target data
    priority_targets = np.random.random(size=(64, 1))
    dept_targets = np.random.randint(2, size=(64, num_departments))

    history = model.fit(
        {"title": title_data, "body": body_data, "tags": tags_data},
        {"priority": priority_targets, "department": dept_targets},
        epochs=2,
        batch_size=32,
    )
    assert "loss" in history.history
    assert len(history.history["loss"]) == 2
    assert np.all(np.isfinite(history.history["loss"]))

    priority, department = model.predict(
        {"title": title_data[:3], "body": body_data[:3], "tags": tags_data[:3]}, verbose=0
    )
    assert tuple(priority.shape) == (3, 1)
    assert tuple(department.shape) == (3, num_departments)


def test_a_toy_resnet_model(tmp_path):
    inputs = keras.Input(shape=(32, 32, 3), name="img")
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    block_1_output = layers.MaxPooling2D(3)(x)

    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_1_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_2_output = layers.add([x, block_1_output])

    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_2_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_3_output = layers.add([x, block_2_output])

    x = layers.Conv2D(64, 3, activation="relu")(block_3_output)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10)(x)

    model = keras.Model(inputs, outputs, name="toy_resnet")
    model.summary()
    assert model.count_params() == 223242

    # glassnet: the plot goes to tmp_path.
    keras.utils.plot_model(model, str(tmp_path / "mini_resnet.png"), show_shapes=True)

    # glassnet: 40 synthetic CIFAR10-shaped images instead of a download.
    rng = np.random.default_rng(0)
    x_train = (rng.random((40, 32, 32, 3)) * 255).astype("uint8")
    y_train = rng.integers(0, 10, size=(40, 1))

    x_train = x_train.astype("float32") / 255.0
    y_train = keras.utils.to_categorical(y_train, 10)
    assert tuple(y_train.shape) == (40, 10)

    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["acc"],
    )
    # glassnet: 40 samples instead of the first 1000.
    history = model.fit(x_train[:40], y_train[:40], batch_size=64, epochs=1, validation_split=0.2)
    assert sorted(history.history) == ["acc", "loss", "val_acc", "val_loss"]


def test_shared_layers():
    # Embedding for 1000 unique words mapped to 128-dimensional vectors
    shared_embedding = layers.Embedding(1000, 128)

    # Variable-length sequence of integers
    text_input_a = keras.Input(shape=(None,), dtype="int32")

    # Variable-length sequence of integers
    text_input_b = keras.Input(shape=(None,), dtype="int32")

    # Reuse the same layer to encode both inputs
    encoded_input_a = shared_embedding(text_input_a)
    encoded_input_b = shared_embedding(text_input_b)

    assert tuple(encoded_input_a.shape) == (None, None, 128)
    assert tuple(encoded_input_b.shape) == (None, None, 128)
    # glassnet: a model over both paths checks that they share one weight.
    model = keras.Model([text_input_a, text_input_b], [encoded_input_a, encoded_input_b])
    assert len(model.weights) == 1
    a, b = model([np.array([[1, 2, 3]]), np.array([[3, 2]])])
    np.testing.assert_allclose(to_np(a)[0, 2], to_np(b)[0, 0])


def test_extract_and_reuse_nodes_in_the_graph_of_layers():
    # glassnet: a small functional convnet stands in for keras.applications.VGG19().
    image = keras.Input(shape=(32, 32, 3))
    x = layers.Conv2D(8, 3, activation="relu", padding="same", name="block1_conv1")(image)
    x = layers.MaxPooling2D(2, name="block1_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(10, activation="softmax", name="predictions")(x)
    vgg19 = keras.Model(image, x, name="vgg19")

    features_list = [layer.output for layer in vgg19.layers]

    feat_extraction_model = keras.Model(inputs=vgg19.input, outputs=features_list)

    img = np.random.random((1, 32, 32, 3)).astype("float32")  # glassnet: 32x32, not 224x224
    extracted_features = feat_extraction_model(img)

    assert len(extracted_features) == len(vgg19.layers) == 5  # includes the InputLayer
    assert [tuple(f.shape) for f in extracted_features] == [
        (1, 32, 32, 3),
        (1, 32, 32, 8),
        (1, 16, 16, 8),
        (1, 2048),
        (1, 10),
    ]
    np.testing.assert_allclose(to_np(extracted_features[0]), img)
    np.testing.assert_allclose(to_np(extracted_features[-1]), to_np(vgg19(img)), rtol=1e-5)


def test_extend_the_api_using_custom_layers():
    class CustomDense(layers.Layer):
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

    inputs = keras.Input((4,))
    outputs = CustomDense(10)(inputs)

    model = keras.Model(inputs, outputs)
    config = model.get_config()

    new_model = keras.Model.from_config(config, custom_objects={"CustomDense": CustomDense})

    assert isinstance(new_model.layers[-1], CustomDense)
    assert new_model.layers[-1].units == 10
    x = np.ones((2, 4), dtype="float32")
    assert tuple(new_model(x).shape) == (2, 10)
    w, b = model.layers[-1].get_weights()
    np.testing.assert_allclose(to_np(model(x)), x @ w + b, rtol=1e-5)


def test_mix_and_match_api_styles(capsys):
    units = 32
    timesteps = 10
    input_dim = 5

    # Define a Functional model
    inputs = keras.Input((None, units))
    x = layers.GlobalAveragePooling1D()(inputs)
    outputs = layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)

    class CustomRNN(layers.Layer):
        def __init__(self):
            super().__init__()
            self.units = units
            self.projection_1 = layers.Dense(units=units, activation="tanh")
            self.projection_2 = layers.Dense(units=units, activation="tanh")
            # Our previously-defined Functional model
            self.classifier = model

        def call(self, inputs):
            outputs = []
            state = ops.zeros(shape=(inputs.shape[0], self.units))
            for t in range(inputs.shape[1]):
                x = inputs[:, t, :]
                h = self.projection_1(x)
                y = h + self.projection_2(state)
                state = y
                outputs.append(y)
            features = ops.stack(outputs, axis=1)
            print(features.shape)
            return self.classifier(features)

    rnn_model = CustomRNN()
    out = rnn_model(ops.zeros((1, timesteps, input_dim)))
    assert "(1, 10, 32)" in capsys.readouterr().out
    assert tuple(out.shape) == (1, 1)

    units = 32
    timesteps = 10
    input_dim = 5
    batch_size = 16

    class CustomRNN(layers.Layer):
        def __init__(self):
            super().__init__()
            self.units = units
            self.projection_1 = layers.Dense(units=units, activation="tanh")
            self.projection_2 = layers.Dense(units=units, activation="tanh")
            self.classifier = layers.Dense(1)

        def call(self, inputs):
            outputs = []
            state = ops.zeros(shape=(inputs.shape[0], self.units))
            for t in range(inputs.shape[1]):
                x = inputs[:, t, :]
                h = self.projection_1(x)
                y = h + self.projection_2(state)
                state = y
                outputs.append(y)
            features = ops.stack(outputs, axis=1)
            return self.classifier(features)

    # Note that you specify a static batch size for the inputs with the `batch_shape`
    # arg, because the inner computation of `CustomRNN` requires a static batch size
    # (when you create the `state` zeros tensor).
    inputs = keras.Input(batch_shape=(batch_size, timesteps, input_dim))
    x = layers.Conv1D(32, 3)(inputs)
    outputs = CustomRNN()(x)

    model = keras.Model(inputs, outputs)
    assert tuple(model.output_shape) == (16, 8, 1)
    y = model(np.random.default_rng(0).random((16, 10, 5)).astype("float32"))
    assert tuple(y.shape) == (16, 8, 1)

    rnn_model = CustomRNN()
    _ = rnn_model(ops.zeros((1, 10, 5)))
    assert tuple(_.shape) == (1, 10, 1)
