"""Image preprocessing layers (CenterCrop, Resizing, RandomFlip, RandomCrop, RandomTranslation,
RandomRotation, RandomZoom) and the geometry under them (ops.image.resize, affine_transform).

References: PyTorch's F.interpolate (bilinear, align_corners=False / nearest-exact) and
F.grid_sample (align_corners=False: zeros = "constant" 0, border = "nearest", reflection =
"reflect"), forward and input gradients; naive loops; slicing; np.rot90; hand-computed arrays.
"""
import json
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import random_inputs, torch_reference

import glassnet as keras
from glassnet import layers
from glassnet.autodiff import Tensor, grad
from glassnet.ops import image

RANDOM_LAYERS = {  # constructor arguments of the random layers, for the generic tests
    layers.RandomFlip: {},
    layers.RandomCrop: {"height": 4, "width": 5},
    layers.RandomTranslation: {"height_factor": 0.3, "width_factor": (-0.2, 0.4)},
    layers.RandomRotation: {"factor": 0.2},
    layers.RandomZoom: {"height_factor": (-0.3, 0.3), "width_factor": 0.2},
}
ALL_LAYERS = {**RANDOM_LAYERS, layers.CenterCrop: {"height": 3, "width": 4},
              layers.Resizing: {"height": 5, "width": 3, "interpolation": "nearest"}}
by_name = pytest.mark.parametrize("cls", list(ALL_LAYERS), ids=lambda cls: cls.__name__)
random_by_name = pytest.mark.parametrize("cls", list(RANDOM_LAYERS), ids=lambda cls: cls.__name__)


def _nchw(t):
    return t.permute(0, 3, 1, 2)


def _nhwc(t):
    return t.permute(0, 2, 3, 1)


def _images(shape=(3, 7, 8, 2), seed=0):
    return np.random.default_rng(seed).uniform(0, 1, shape).astype(np.float32)


def _grid_sample(x, xs, ys, interpolation, padding_mode):
    """PyTorch samples NHWC ``x`` at pixel coordinates (xs, ys) of shape (N, H, W)."""
    h, w = x.shape[1], x.shape[2]
    grid = torch.stack([(2 * xs + 1) / w - 1, (2 * ys + 1) / h - 1], dim=-1)
    return _nhwc(F.grid_sample(_nchw(x), grid, mode=interpolation, padding_mode=padding_mode,
                               align_corners=False))


TORCH_PADDING = {"constant": "zeros", "nearest": "border", "reflect": "reflection"}


# --- Resizing ----------------------------------------------------------------------------------
SIZES = [(3, 4), (10, 11), (7, 4), (1, 1), (5, 6), (12, 3)]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("interpolation, torch_mode", [("bilinear", "bilinear"),
                                                       ("nearest", "nearest-exact")])
def test_resizing_matches_pytorch_interpolate_forward_and_gradient(size, interpolation,
                                                                   torch_mode):
    layer = layers.Resizing(*size, interpolation=interpolation, dtype="float64")
    options = {"align_corners": False} if torch_mode == "bilinear" else {}
    torch_reference(
        lambda x: layer(x),
        lambda x: _nhwc(F.interpolate(_nchw(x), size=size, mode=torch_mode, **options)),
        random_inputs([(2, 5, 6, 3)], seed=1), atol=1e-12,
    )


def test_resizing_float32_matches_pytorch_float32():
    x = _images((2, 28, 28, 3)) * 255
    for size in [(13, 17), (56, 40)]:
        ours = layers.Resizing(*size)(x)
        theirs = _nhwc(F.interpolate(_nchw(torch.tensor(x)), size=size, mode="bilinear",
                                     align_corners=False)).numpy()
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours, theirs, atol=1e-3)  # of 255: float32 rounding


def _naive_resize(x, height, width, interpolation):
    """tf.image.resize (TF2, half-pixel centres) written out pixel by pixel."""
    n, in_h, in_w, c = x.shape
    out = np.zeros((n, height, width, c))
    for i in range(height):
        for j in range(width):
            if interpolation == "nearest":
                r = min(int(np.floor((i + 0.5) * in_h / height)), in_h - 1)
                s = min(int(np.floor((j + 0.5) * in_w / width)), in_w - 1)
                out[:, i, j] = x[:, r, s]
                continue
            u = max((i + 0.5) * in_h / height - 0.5, 0.0)
            v = max((j + 0.5) * in_w / width - 0.5, 0.0)
            r0, s0 = int(np.floor(u)), int(np.floor(v))
            r1, s1 = min(r0 + 1, in_h - 1), min(s0 + 1, in_w - 1)
            a, b = u - r0, v - s0
            out[:, i, j] = ((1 - a) * ((1 - b) * x[:, r0, s0] + b * x[:, r0, s1])
                            + a * ((1 - b) * x[:, r1, s0] + b * x[:, r1, s1]))
    return out


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_resizing_matches_a_naive_loop(size, interpolation):
    (x,) = random_inputs([(2, 5, 6, 2)], seed=2)
    out = layers.Resizing(*size, interpolation=interpolation, dtype="float64")(x)
    np.testing.assert_allclose(out, _naive_resize(x, *size, interpolation), atol=1e-12)


def test_resizing_crop_and_pad_to_aspect_ratio():
    (x,) = random_inputs([(2, 6, 10, 1)], seed=3)
    # crop: the largest centred 1:1 window of a 6 x 10 image is columns 2..7
    out = layers.Resizing(3, 3, crop_to_aspect_ratio=True, dtype="float64")(x)
    np.testing.assert_allclose(out, _naive_resize(x[:, :, 2:8], 3, 3, "bilinear"), atol=1e-12)
    # pad: a 4 x 6 image padded to 6 x 6 (one row of fill_value above and below)
    (x,) = random_inputs([(2, 4, 6, 1)], seed=4)
    out = layers.Resizing(6, 6, pad_to_aspect_ratio=True, fill_value=-3.0, dtype="float64")(x)
    np.testing.assert_array_equal(out, np.pad(x, ((0, 0), (1, 1), (0, 0), (0, 0)),
                                              constant_values=-3.0))


def test_resizing_channels_first_single_images_and_integer_pixels():
    x = _images((2, 5, 6, 3))
    channels_last = layers.Resizing(4, 9)(x)
    channels_first = layers.Resizing(4, 9, data_format="channels_first")(x.transpose(0, 3, 1, 2))
    np.testing.assert_allclose(channels_first, channels_last.transpose(0, 3, 1, 2), atol=1e-6)
    single = layers.Resizing(4, 9)(x[0])
    np.testing.assert_array_equal(single, channels_last[0])
    pixels = (x * 255).astype(np.uint8)
    out = layers.Resizing(4, 9)(pixels)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, layers.Resizing(4, 9)(pixels.astype(np.float32)))
    assert layers.Resizing(4, 9, dtype="float64")(x).dtype == np.float64
    assert keras.config.image_data_format() == "channels_last"


# --- CenterCrop and RandomCrop -----------------------------------------------------------------
@pytest.mark.parametrize("height, width, top, left", [(3, 4, 2, 2), (4, 5, 1, 1), (7, 8, 0, 0),
                                                      (1, 1, 3, 3)])
def test_center_crop_is_slicing(height, width, top, left):
    x = _images()  # (3, 7, 8, 2)
    out = layers.CenterCrop(height, width)(x)
    np.testing.assert_array_equal(out, x[:, top:top + height, left:left + width])
    first = layers.CenterCrop(height, width, data_format="channels_first")
    np.testing.assert_array_equal(first(x.transpose(0, 3, 1, 2)), out.transpose(0, 3, 1, 2))


def test_center_crop_of_a_smaller_image_resizes_its_largest_window():
    x = _images()  # (3, 7, 8, 2): 9 rows are more than the image has
    out = layers.CenterCrop(9, 4)(x)
    assert out.shape == (3, 9, 4, 2)
    np.testing.assert_array_equal(out, layers.Resizing(9, 4, crop_to_aspect_ratio=True)(x))
    np.testing.assert_allclose(out, _naive_resize(x[:, :, 2:5], 9, 4, "bilinear"), atol=1e-6)


def _window(out, x):
    """The (top, left) of the window of ``x`` that ``out`` is, the same for every image."""
    h, w = out.shape[1:3]
    found = [(t, s) for t in range(x.shape[1] - h + 1) for s in range(x.shape[2] - w + 1)
             if np.array_equal(out, x[:, t:t + h, s:s + w])]
    assert len(found) == 1, "the output is not one window shared by the batch"
    return found[0]


def test_random_crop_cuts_one_random_window_per_batch():
    x = _images((4, 7, 8, 2))
    layer = layers.RandomCrop(4, 5, seed=3)
    windows = {_window(layer(x, training=True), x) for _ in range(30)}
    assert len(windows) > 5  # random offsets, over all of [0, 3] x [0, 3]
    assert all(0 <= t <= 3 and 0 <= s <= 3 for t, s in windows)
    assert _window(layer(x), x) is not None  # a plain call augments, as in Keras


def test_random_crop_at_inference_resizes_the_largest_window_as_keras_documents():
    x = _images((4, 7, 8, 2))
    layer = layers.RandomCrop(4, 5, seed=3)
    expected = layers.Resizing(4, 5, crop_to_aspect_ratio=True)(x)
    np.testing.assert_array_equal(layer(x, training=False), expected)
    # training on an image not larger than the target: the same resize
    np.testing.assert_array_equal(layers.RandomCrop(7, 5)(x, training=True),
                                  layers.Resizing(7, 5, crop_to_aspect_ratio=True)(x))
    model = keras.Sequential([keras.Input((7, 8, 2)), layers.RandomCrop(4, 5, seed=1)])
    np.testing.assert_array_equal(model.predict(x, verbose=0), expected)


# --- RandomFlip ---------------------------------------------------------------------------------
@pytest.mark.parametrize("mode, flip", [
    ("horizontal", lambda x: x[:, ::-1]),
    ("vertical", lambda x: x[::-1]),
    ("horizontal_and_vertical", lambda x: x[::-1, ::-1]),  # one coin for both, as in Keras 3
])
def test_random_flip_flips_each_image_or_keeps_it(mode, flip):
    x = _images((32, 5, 6, 2))
    out = layers.RandomFlip(mode, seed=5)(x, training=True)
    flipped = [np.array_equal(o, flip(image_)) for o, image_ in zip(out, x)]
    kept = [np.array_equal(o, image_) for o, image_ in zip(out, x)]
    assert all(f != k for f, k in zip(flipped, kept)), "each image is flipped or kept, exactly"
    assert 4 < sum(flipped) < 28, "one coin per image"
    first = layers.RandomFlip(mode, seed=5, data_format="channels_first")
    np.testing.assert_array_equal(first(x.transpose(0, 3, 1, 2)), out.transpose(0, 3, 1, 2))


# --- RandomRotation, RandomTranslation, RandomZoom ----------------------------------------------
@pytest.mark.parametrize("factor, k", [(0.25, 1), (-0.25, -1), (0.5, 2)])
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_rotation_by_quarter_turns_is_rot90(factor, k, interpolation):
    x = _images((2, 6, 6, 3))
    layer = layers.RandomRotation((factor, factor), interpolation=interpolation)
    np.testing.assert_allclose(layer(x), np.rot90(x, k, axes=(1, 2)), atol=1e-6)
    if interpolation == "nearest":
        np.testing.assert_array_equal(layer(x), np.rot90(x, k, axes=(1, 2)))


TINY = np.arange(1, 21, dtype=np.float32).reshape(1, 4, 5, 1)  # rows 1..5, 6..10, ...
SHIFTED = {  # TINY moved 2 rows down and 1 column left: out[i, j] = extended[i - 2, j + 1]
    "reflect": [[7, 8, 9, 10, 10], [2, 3, 4, 5, 5], [2, 3, 4, 5, 5], [7, 8, 9, 10, 10]],
    "wrap": [[12, 13, 14, 15, 11], [17, 18, 19, 20, 16], [2, 3, 4, 5, 1], [7, 8, 9, 10, 6]],
    "nearest": [[2, 3, 4, 5, 5], [2, 3, 4, 5, 5], [2, 3, 4, 5, 5], [7, 8, 9, 10, 10]],
    "constant": [[-1] * 5, [-1] * 5, [2, 3, 4, 5, -1], [7, 8, 9, 10, -1]],
}


@pytest.mark.parametrize("fill_mode", list(SHIFTED))
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_translation_by_whole_pixels_fills_as_each_mode_says(fill_mode, interpolation):
    layer = layers.RandomTranslation((0.5, 0.5), (-0.2, -0.2), fill_mode=fill_mode,
                                     interpolation=interpolation, fill_value=-1.0)
    out = layer(TINY)  # dy = 0.5 * 4 = 2 rows down, dx = -0.2 * 5 = 1 column left
    np.testing.assert_array_equal(out[0, :, :, 0], SHIFTED[fill_mode])


@pytest.mark.parametrize("dy, dx", [(3, -4), (-5, 7), (9, 11)])
def test_whole_pixel_shifts_match_numpy_padding(dy, dx):
    x = _images((2, 4, 5, 2))
    transform = [1, 0, -dx, 0, 1, -dy, 0, 0]
    pads = {"reflect": "symmetric", "wrap": "wrap", "nearest": "edge", "constant": "constant"}
    for fill_mode, pad_mode in pads.items():
        out = image.affine_transform(x, transform, fill_mode=fill_mode).data
        m = 12  # pad by more than any shift, then take the shifted window
        padded = np.pad(x, ((0, 0), (m, m), (m, m), (0, 0)), mode=pad_mode)
        expected = padded[:, m - dy:m - dy + 4, m - dx:m - dx + 5]
        np.testing.assert_array_equal(out, expected, err_msg=fill_mode)


def test_zoom_by_zero_is_the_identity_and_positive_factors_zoom_out():
    x = _images()
    np.testing.assert_array_equal(layers.RandomZoom(0.0)(x), x)
    np.testing.assert_array_equal(layers.RandomZoom(0.0, 0.0, fill_mode="constant")(x), x)
    # a positive factor shows more of the picture (zoom out): with "constant" the border fills
    out = layers.RandomZoom((0.5, 0.5), fill_mode="constant", fill_value=-1.0)(x)
    assert (out[:, 0] == -1).all() and (out[:, :, 0] == -1).all()
    out = layers.RandomZoom((-0.5, -0.5), fill_mode="constant", fill_value=-1.0)(x)
    assert (out != -1).all()  # zooming in samples inside the image only


def _layer_grid(cls, kwargs, n, h, w):
    """Keras' sampling positions of the transforms with a fixed factor, written out."""
    y, x = torch.meshgrid(torch.arange(h, dtype=torch.float64),
                          torch.arange(w, dtype=torch.float64), indexing="ij")
    cx, cy = (w - 1) / 2, (h - 1) / 2
    if cls is layers.RandomRotation:
        theta = 2 * np.pi * kwargs["factor"][0]
        c, s = np.cos(theta), np.sin(theta)
        xs, ys = c * (x - cx) - s * (y - cy) + cx, s * (x - cx) + c * (y - cy) + cy
    elif cls is layers.RandomTranslation:
        xs, ys = x - kwargs["width_factor"][0] * w, y - kwargs["height_factor"][0] * h
    else:
        xs = kwargs["width_factor"][0] + 1.0
        ys = kwargs["height_factor"][0] + 1.0
        xs, ys = xs * (x - cx) + cx, ys * (y - cy) + cy
    return xs.expand(n, h, w), ys.expand(n, h, w)


WARPS = {
    layers.RandomRotation: {"factor": (0.07, 0.07)},
    layers.RandomTranslation: {"height_factor": (0.37, 0.37), "width_factor": (-0.61, -0.61)},
    layers.RandomZoom: {"height_factor": (0.45, 0.45), "width_factor": (-0.3, -0.3)},
}


@pytest.mark.parametrize("cls", list(WARPS), ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("fill_mode", list(TORCH_PADDING))
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_warps_match_pytorch_grid_sample_forward_and_gradient(cls, fill_mode, interpolation):
    kwargs = WARPS[cls]
    layer = cls(**kwargs, fill_mode=fill_mode, interpolation=interpolation, dtype="float64")
    xs, ys = _layer_grid(cls, kwargs, 2, 7, 9)
    torch_reference(
        lambda x: layer(x, training=True),
        lambda x: _grid_sample(x, xs, ys, interpolation, TORCH_PADDING[fill_mode]),
        random_inputs([(2, 7, 9, 3)], seed=6), atol=1e-10,
    )


@pytest.mark.parametrize("fill_mode", list(TORCH_PADDING))
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_transform_matches_grid_sample_on_projective_transforms(fill_mode, interpolation):
    rng = np.random.default_rng(7)
    transforms = np.concatenate([rng.uniform(-1.5, 1.5, (2, 6)), rng.uniform(-0.05, 0.05, (2, 2))],
                                axis=1)
    transforms[:, [2, 5]] *= 4  # offsets of a few pixels
    xs, ys = image.source_coordinates(transforms, 6, 8)
    torch_reference(
        lambda x: image.affine_transform(x, transforms, interpolation, fill_mode),
        lambda x: _grid_sample(x, torch.tensor(xs), torch.tensor(ys), interpolation,
                               TORCH_PADDING[fill_mode]),
        random_inputs([(2, 6, 8, 2)], seed=8), atol=1e-10,
    )


def test_constant_fill_blends_like_the_extended_image_and_infinity_is_filled():
    x = _images((1, 3, 3, 1))
    out = image.affine_transform(x, [1, 0, -0.5, 0, 1, 0, 0, 0], fill_mode="constant",
                                 fill_value=2.0).data  # half a pixel to the right
    np.testing.assert_allclose(out[0, :, 0, 0], 0.5 * 2.0 + 0.5 * x[0, :, 0, 0])
    np.testing.assert_allclose(out[0, :, 1:, 0], 0.5 * (x[0, :, :-1, 0] + x[0, :, 1:, 0]))
    projective = image.affine_transform(x, [1, 0, 0, 0, 1, 0, -1, 0], fill_value=5.0).data
    assert (projective[0, :, 1] == 5).all()  # k = 1 - x = 0 on column 1: points at infinity
    np.testing.assert_array_equal(projective[0, :, 0], x[0, :, 0])  # k = 1 on column 0


# --- what all random layers share ------------------------------------------------------------
@pytest.mark.parametrize("cls", [cls for cls in RANDOM_LAYERS if cls is not layers.RandomCrop],
                         ids=lambda cls: cls.__name__)  # RandomCrop resizes (tested above)
def test_random_layers_are_the_identity_at_inference(cls):
    x = _images((2, 7, 8, 2))
    layer = cls(**RANDOM_LAYERS[cls], seed=1)
    np.testing.assert_array_equal(layer(x, training=False), x)
    pixels = (x * 255).astype(np.uint8)
    out = layer(pixels, training=False)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, pixels)
    model = keras.Sequential([keras.Input((7, 8, 2)), cls(**RANDOM_LAYERS[cls])])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


@random_by_name
def test_random_layers_augment_by_default_and_are_reproducible_with_a_seed(cls):
    x = _images((8, 7, 8, 2))
    first, second = cls(**RANDOM_LAYERS[cls], seed=11), cls(**RANDOM_LAYERS[cls], seed=11)
    outputs = [first(x) for _ in range(3)]  # a plain call augments (training=None), as Keras
    for out in outputs:
        np.testing.assert_array_equal(second(x, training=True), out)
    assert not np.array_equal(outputs[0], outputs[1])
    assert not np.array_equal(cls(**RANDOM_LAYERS[cls], seed=12)(x), outputs[0])
    np.random.seed(3)  # without a seed, NumPy's global state decides
    unseeded = cls(**RANDOM_LAYERS[cls])(x)
    np.random.seed(3)
    np.testing.assert_array_equal(cls(**RANDOM_LAYERS[cls])(x), unseeded)


@pytest.mark.parametrize("cls", [layers.RandomFlip, layers.RandomTranslation,
                                 layers.RandomRotation, layers.RandomZoom],
                         ids=lambda cls: cls.__name__)
def test_each_image_of_a_batch_gets_its_own_transform(cls):
    x = np.repeat(_images((1, 7, 8, 2)), 16, axis=0)  # 16 copies of one image
    out = cls(**RANDOM_LAYERS[cls], seed=2)(x)
    distinct = {out[i].tobytes() for i in range(16)}
    assert len(distinct) == (2 if cls is layers.RandomFlip else 16)


@random_by_name
def test_random_layers_take_channels_first_and_single_images(cls):
    x = _images((1, 7, 8, 2))
    last = cls(**RANDOM_LAYERS[cls], seed=4)(x)
    first = cls(**RANDOM_LAYERS[cls], seed=4, data_format="channels_first")
    np.testing.assert_allclose(first(x.transpose(0, 3, 1, 2)), last.transpose(0, 3, 1, 2),
                               atol=1e-6)
    single = cls(**RANDOM_LAYERS[cls], seed=4)(x[0])
    np.testing.assert_array_equal(single, last[0])


@by_name
def test_config_round_trip(cls):
    layer = cls(**ALL_LAYERS[cls], seed=9) if cls in RANDOM_LAYERS else cls(**ALL_LAYERS[cls])
    config = layer.get_config()
    clone = cls.from_config(config)
    assert clone.get_config() == config
    from_json = cls.from_config(json.loads(json.dumps(config)))
    assert json.loads(json.dumps(from_json.get_config())) == json.loads(json.dumps(config))
    x = _images((2, 7, 8, 2))
    np.testing.assert_array_equal(clone(x), layer(x))
    assert layer.compute_output_shape((None, 7, 8, 2)) == (None,) + layer(x).shape[1:]


def test_configs_hold_keras_names_and_defaults():
    assert layers.RandomRotation(0.2).get_config()["factor"] == (-0.2, 0.2)
    config = layers.RandomZoom(0.1).get_config()
    assert {k: config[k] for k in ("height_factor", "width_factor", "fill_mode",
                                   "interpolation", "fill_value", "seed", "data_format")} == {
        "height_factor": 0.1, "width_factor": None, "fill_mode": "reflect",
        "interpolation": "bilinear", "fill_value": 0.0, "seed": None,
        "data_format": "channels_last"}
    assert layers.RandomFlip().mode == "horizontal_and_vertical"
    config = layers.Resizing(2, 3).get_config()
    assert (config["interpolation"], config["crop_to_aspect_ratio"],
            config["pad_to_aspect_ratio"]) == ("bilinear", False, False)


def test_gradients_reach_the_input_through_a_model():
    model = keras.Sequential([keras.Input((7, 8, 2)), layers.Resizing(4, 4),
                              layers.RandomRotation(0.1, seed=0), layers.Flatten(),
                              layers.Dense(1)])
    x = Tensor(_images((2, 7, 8, 2)), requires_grad=True)
    (g,) = grad(keras.ops.sum(model(x, training=True)), [x])
    assert g.shape == x.shape and np.abs(g).sum() > 0


def test_an_augmented_model_trains():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (64, 8, 8, 1)).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype(np.int64)
    model = keras.Sequential([
        keras.Input((8, 8, 1)), layers.RandomFlip("horizontal", seed=0),
        layers.RandomTranslation(0.1, 0.1, seed=0), layers.RandomRotation(0.05, seed=0),
        layers.RandomZoom(0.1, seed=0), layers.RandomCrop(6, 6, seed=0), layers.Flatten(),
        layers.Dense(2, activation="softmax"),
    ])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))


# --- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("factor", [1.5, -1.01, (0.1,), (0.1, 0.2, 0.3), (0.2, 1.2), "0.1",
                                    True, None])
def test_bad_factors(factor):
    with pytest.raises(ValueError, match=r"RandomRotation: factor must be a float in \[-1, 1\]"):
        layers.RandomRotation(factor)
    with pytest.raises(ValueError, match=r"RandomTranslation: width_factor must be .*Received: "
                                         r"width_factor="):
        layers.RandomTranslation(0.1, factor)
    if factor is not None:
        with pytest.raises(ValueError, match="RandomZoom: height_factor must be"):
            layers.RandomZoom(factor)


@pytest.mark.parametrize("cls", list(WARPS), ids=lambda cls: cls.__name__)
def test_bad_modes(cls):
    with pytest.raises(ValueError, match=re.escape(
            f"{cls.__name__}: fill_mode must be one of 'reflect', 'wrap', 'constant', "
            "'nearest'. Received: fill_mode='mirror'")):
        cls(**WARPS[cls], fill_mode="mirror")
    with pytest.raises(ValueError, match=re.escape(
            "interpolation must be one of 'bilinear', 'nearest'. "
            "Received: interpolation='bicubic'")):
        cls(**WARPS[cls], interpolation="bicubic")
    with pytest.raises(ValueError, match="fill_value must be a finite float"):
        cls(**WARPS[cls], fill_value="zero")


def test_bad_arguments_of_the_other_layers():
    with pytest.raises(ValueError, match=re.escape(
            "RandomFlip: mode must be one of 'horizontal', 'vertical', "
            "'horizontal_and_vertical'. Received: mode='diagonal'")):
        layers.RandomFlip("diagonal")
    for cls in (layers.CenterCrop, layers.Resizing, layers.RandomCrop):
        for bad in (0, -2, 2.5, None):
            with pytest.raises(ValueError, match=f"{cls.__name__}: height must be a positive "
                                                 f"integer. Received: height={bad!r}"):
                cls(bad, 3)
        with pytest.raises(ValueError, match="width must be a positive integer"):
            cls(3, 0)
    with pytest.raises(ValueError, match=re.escape(
            "Resizing: interpolation must be one of 'bilinear', 'nearest'. "
            "Received: interpolation='lanczos3'")):
        layers.Resizing(2, 2, interpolation="lanczos3")
    with pytest.raises(ValueError, match="Resizing: only one of crop_to_aspect_ratio and "
                                         "pad_to_aspect_ratio can be True"):
        layers.Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="Received: data_format='NHWC'"):
        layers.CenterCrop(2, 2, data_format="NHWC")
    with pytest.raises(ValueError, match="RandomZoom: seed must be an integer"):
        layers.RandomZoom(0.1, seed="s")


@by_name
@pytest.mark.parametrize("shape", [(7, 8), (1, 2, 7, 8, 2)])
def test_wrong_input_rank(cls, shape):
    layer = cls(**ALL_LAYERS[cls])
    with pytest.raises(ValueError, match=rf"{cls.__name__} \"{layer.name}\": expected a batch "
                                         rf"of images \(N, H, W, C\) \(rank 4\) or one image "
                                         rf"\(rank 3\). Received: input shape "
                                         + re.escape(str(shape))):
        layer(np.zeros(shape, np.float32), training=False)


def test_ops_image_errors():
    x = np.zeros((2, 4, 4, 1), np.float32)
    with pytest.raises(ValueError, match=r"resize: size must be a pair of positive integers"):
        image.resize(x, (0, 3))
    with pytest.raises(ValueError, match=r"resize: antialias=True is not supported"):
        image.resize(x, (2, 2), antialias=True)
    with pytest.raises(ValueError, match=r"transform must have shape \(8,\) or \(N, 8\)"):
        image.affine_transform(x, np.zeros((3, 8)))
    with pytest.raises(ValueError, match=r"images must be one image \(rank 3\) or a batch"):
        image.affine_transform(x[0, 0], np.zeros(8))
