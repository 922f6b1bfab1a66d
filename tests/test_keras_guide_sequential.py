"""Keras guide "The Sequential model" (keras.io/guides/sequential_model/), run on glassnet.

One test per guide section. The guide's code is kept as written; the only changes are
marked with a ``# glassnet:`` comment.
"""
import numpy as np

import glassnet as keras  # glassnet: instead of `import keras`
from glassnet import layers


def test_when_to_use_a_sequential_model():
    # Define Sequential model with 3 layers
    model = keras.Sequential(
        [
            layers.Dense(2, activation="relu", name="layer1"),
            layers.Dense(3, activation="relu", name="layer2"),
            layers.Dense(4, name="layer3"),
        ]
    )
    # Call model on a test input
    x = keras.ops.ones((3, 3))
    y = model(x)
    assert tuple(y.shape) == (3, 4)

    # Create 3 layers
    layer1 = layers.Dense(2, activation="relu", name="layer1")
    layer2 = layers.Dense(3, activation="relu", name="layer2")
    layer3 = layers.Dense(4, name="layer3")

    # Call layers on a test input
    x = keras.ops.ones((3, 3))
    y = layer3(layer2(layer1(x)))
    assert tuple(y.shape) == (3, 4)

    # "is equivalent to this function": same weights give the same output.
    model.set_weights(layer1.get_weights() + layer2.get_weights() + layer3.get_weights())
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model(x)), keras.ops.convert_to_numpy(y), rtol=1e-6
    )


def test_creating_a_sequential_model(capsys):
    model = keras.Sequential(
        [
            layers.Dense(2, activation="relu"),
            layers.Dense(3, activation="relu"),
            layers.Dense(4),
        ]
    )
    assert len(model.layers) == 3
    assert all(isinstance(layer, layers.Dense) for layer in model.layers)

    model = keras.Sequential()
    model.add(layers.Dense(2, activation="relu"))
    model.add(layers.Dense(3, activation="relu"))
    model.add(layers.Dense(4))

    model.pop()
    print(len(model.layers))  # 2
    assert capsys.readouterr().out.strip() == "2"

    model = keras.Sequential(name="my_sequential")
    model.add(layers.Dense(2, activation="relu", name="layer1"))
    model.add(layers.Dense(3, activation="relu", name="layer2"))
    model.add(layers.Dense(4, name="layer3"))
    assert model.name == "my_sequential"
    assert [layer.name for layer in model.layers] == ["layer1", "layer2", "layer3"]


def test_specifying_the_input_shape_in_advance(capsys):
    layer = layers.Dense(3)
    assert layer.weights == []  # Empty

    # Call layer on a test input
    x = keras.ops.ones((1, 4))
    y = layer(x)
    # Now it has weights, of shape (4, 3) and (3,)
    assert [tuple(w.shape) for w in layer.weights] == [(4, 3), (3,)]

    model = keras.Sequential(
        [
            layers.Dense(2, activation="relu"),
            layers.Dense(3, activation="relu"),
            layers.Dense(4),
        ]
    )  # No weights at this stage!

    # Call the model on a test input
    x = keras.ops.ones((1, 4))
    y = model(x)
    print("Number of weights after calling the model:", len(model.weights))  # 6
    assert "Number of weights after calling the model: 6" in capsys.readouterr().out
    assert tuple(y.shape) == (1, 4)

    model.summary()
    assert "Total params" in capsys.readouterr().out

    model = keras.Sequential()
    model.add(keras.Input(shape=(4,)))
    model.add(layers.Dense(2, activation="relu"))

    model.summary()
    assert "Total params: 10" in capsys.readouterr().out.replace(",", "")
    # The `Input` object is not displayed as part of `model.layers`
    assert len(model.layers) == 1

    model = keras.Sequential()
    model.add(layers.Dense(2, activation="relu", input_shape=(4,)))

    model.summary()
    assert "Total params: 10" in capsys.readouterr().out.replace(",", "")
    # Models built with a predefined input shape always have weights.
    assert len(model.weights) == 2
    assert tuple(model.output_shape) == (None, 2)


def test_debugging_workflow_add_and_summary(capsys):
    model = keras.Sequential()
    model.add(keras.Input(shape=(250, 250, 3)))  # 250x250 RGB images
    model.add(layers.Conv2D(32, 5, strides=2, activation="relu"))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.MaxPooling2D(3))

    # Can you guess what the current output shape is at this point? Probably not.
    # Let's just print it:
    model.summary()
    assert "(None, 40, 40, 32)" in capsys.readouterr().out

    # The answer was: (40, 40, 32), so we can keep downsampling...

    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.MaxPooling2D(3))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.MaxPooling2D(2))

    # And now?
    model.summary()
    assert "(None, 4, 4, 32)" in capsys.readouterr().out

    # Now that we have 4x4 feature maps, time to apply global max pooling.
    model.add(layers.GlobalMaxPooling2D())

    # Finally, we add a classification layer.
    model.add(layers.Dense(10))
    assert tuple(model.output_shape) == (None, 10)


def test_feature_extraction_with_a_sequential_model():
    initial_model = keras.Sequential(
        [
            keras.Input(shape=(250, 250, 3)),
            layers.Conv2D(32, 5, strides=2, activation="relu"),
            layers.Conv2D(32, 3, activation="relu"),
            layers.Conv2D(32, 3, activation="relu"),
        ]
    )
    feature_extractor = keras.Model(
        inputs=initial_model.inputs,
        outputs=[layer.output for layer in initial_model.layers],
    )

    # Call feature extractor on test input.
    x = keras.ops.ones((1, 250, 250, 3))
    features = feature_extractor(x)
    assert [tuple(f.shape) for f in features] == [
        (1, 123, 123, 32),
        (1, 121, 121, 32),
        (1, 119, 119, 32),
    ]
    # The last feature map is the output of the whole model.
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(features[-1]),
        keras.ops.convert_to_numpy(initial_model(x)),
        rtol=1e-5,
        atol=1e-6,
    )

    initial_model = keras.Sequential(
        [
            keras.Input(shape=(250, 250, 3)),
            layers.Conv2D(32, 5, strides=2, activation="relu"),
            layers.Conv2D(32, 3, activation="relu", name="my_intermediate_layer"),
            layers.Conv2D(32, 3, activation="relu"),
        ]
    )
    feature_extractor = keras.Model(
        inputs=initial_model.inputs,
        outputs=initial_model.get_layer(name="my_intermediate_layer").output,
    )
    # Call feature extractor on test input.
    x = keras.ops.ones((1, 250, 250, 3))
    features = feature_extractor(x)
    assert tuple(features.shape) == (1, 121, 121, 32)


def test_transfer_learning_with_a_sequential_model():
    # glassnet: the guide shows this blueprint as text; here it runs on synthetic data
    # (no `load_weights(...)`, and `shape=(784,)` where the text has `shape=(784)`).
    model = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            layers.Dense(32, activation="relu"),
            layers.Dense(32, activation="relu"),
            layers.Dense(32, activation="relu"),
            layers.Dense(10),
        ]
    )

    # Freeze all layers except the last one.
    for layer in model.layers[:-1]:
        layer.trainable = False

    # Recompile and train (this will only update the weights of the last layer).
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    rng = np.random.default_rng(0)
    x = rng.random((64, 784)).astype("float32")
    y = rng.integers(0, 10, size=(64,))
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    after = model.get_weights()
    for b, a in zip(before[:-2], after[:-2]):
        np.testing.assert_array_equal(b, a)
    assert not np.allclose(before[-2], after[-2])
    assert len(model.trainable_weights) == 2

    # glassnet: a small Sequential base stands in for keras.applications.Xception.
    base_model = keras.Sequential(
        [keras.Input(shape=(8, 8, 3)), layers.Conv2D(4, 3), layers.GlobalAveragePooling2D()]
    )

    # Freeze the base model
    base_model.trainable = False

    # Use a Sequential model to add a trainable classifier on top
    model = keras.Sequential([
        base_model,
        layers.Dense(1000),
    ])

    # Compile & train
    model.compile(optimizer="adam", loss="mse")
    x = rng.random((8, 8, 8, 3)).astype("float32")
    y = rng.random((8, 1000)).astype("float32")
    base_before = [w.copy() for w in base_model.get_weights()]
    model.fit(x, y, epochs=1, verbose=0)
    for b, a in zip(base_before, base_model.get_weights()):
        np.testing.assert_array_equal(b, a)
    assert len(model.trainable_weights) == 2
