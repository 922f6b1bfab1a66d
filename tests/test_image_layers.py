"""Image shape layers (Rescaling, ZeroPadding2D, Cropping2D, UpSampling2D) and the ops
under them (ops.pad, ops.repeat): NumPy and PyTorch references, gradients, configs, errors."""
import numpy as np
import pytest
import torch.nn.functional as F
from helpers import assert_gradients, random_inputs, torch_reference

import glassnet as keras
from glassnet import layers, ops
from glassnet.autodiff import Tensor

NHWC = (2, 5, 4, 3)


def _nchw(t):
    return t.permute(0, 3, 1, 2)


def _nhwc(t):
    return t.permute(0, 2, 3, 1)


# --- ops ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("pad_width", [1, (2,), (1, 2), [(0, 1), (2, 0), (1, 1)], ((3, 0),)])
def test_pad_matches_numpy_and_its_gradient_is_exact(pad_width):
    (x,) = random_inputs([(2, 3, 4)], seed=1)
    np.testing.assert_array_equal(ops.pad(x, pad_width).data, np.pad(x, pad_width))
    np.testing.assert_array_equal(ops.pad(x, pad_width, constant_values=2.5).data,
                                  np.pad(x, pad_width, constant_values=2.5))
    assert_gradients(lambda t: ops.pad(t, pad_width), [x])


def test_pad_keeps_float32_and_rejects_bad_widths():
    x = np.ones((2, 3), np.float32)
    assert ops.pad(x, 1).dtype == np.float32
    for bad in [-1, (1, 2, 3), [(1, 1)] * 3, "1"]:
        with pytest.raises(ValueError, match="pad: pad_width must be non-negative integers"):
            ops.pad(x, bad)
    with pytest.raises(ValueError, match="Received: mode='reflect'"):
        ops.pad(x, 1, mode="reflect")


@pytest.mark.parametrize("axis, repeats", [(0, 2), (1, 3), (-1, 1), (2, 4)])
def test_repeat_matches_numpy_and_its_gradient_is_exact(axis, repeats):
    (x,) = random_inputs([(2, 3, 4)], seed=2)
    np.testing.assert_array_equal(ops.repeat(x, repeats, axis).data, np.repeat(x, repeats, axis))
    assert_gradients(lambda t: ops.repeat(t, repeats, axis), [x])


# --- layers against PyTorch ------------------------------------------------------------------
@pytest.mark.parametrize("padding, torch_pad", [
    (1, (1, 1, 1, 1)), ((2, 1), (1, 1, 2, 2)), (((1, 0), (0, 2)), (0, 2, 1, 0)),
])
def test_zero_padding_matches_pytorch(padding, torch_pad):
    layer = layers.ZeroPadding2D(padding)
    torch_reference(lambda x: layer(x), lambda x: _nhwc(F.pad(_nchw(x), torch_pad)),
                    random_inputs([NHWC], seed=3))


@pytest.mark.parametrize("size", [2, (2, 3), (1, 1)])
def test_up_sampling_matches_pytorch_nearest(size):
    layer = layers.UpSampling2D(size)
    factor = (size, size) if isinstance(size, int) else size
    torch_reference(
        lambda x: layer(x),
        lambda x: _nhwc(F.interpolate(_nchw(x), scale_factor=factor, mode="nearest")),
        random_inputs([NHWC], seed=4),
    )


@pytest.mark.parametrize("cropping, rows, cols", [
    (1, slice(1, -1), slice(1, -1)), ((2, 0), slice(2, -2), slice(0, None)),
    (((0, 1), (2, 1)), slice(0, -1), slice(2, -1)),
])
def test_cropping_is_slicing_and_its_gradient_is_exact(cropping, rows, cols):
    (x,) = random_inputs([NHWC], seed=5)
    layer = layers.Cropping2D(cropping)
    np.testing.assert_array_equal(layer(Tensor(x)).data, x[:, rows, cols, :])
    assert_gradients(lambda t: layer(t), [x])


@pytest.mark.parametrize("make", [
    lambda f: layers.ZeroPadding2D(((1, 0), (2, 1)), data_format=f),
    lambda f: layers.Cropping2D(((1, 0), (0, 1)), data_format=f),
    lambda f: layers.UpSampling2D((2, 3), data_format=f),
])
def test_channels_first_is_channels_last_transposed(make):
    (x,) = random_inputs([NHWC], seed=6)
    last = make("channels_last")(x).data
    first = make("channels_first")(np.transpose(x, (0, 3, 1, 2))).data
    np.testing.assert_array_equal(np.transpose(first, (0, 2, 3, 1)), last)


def test_rescaling_maps_pixels_and_casts_integers():
    layer = layers.Rescaling(1 / 127.5, offset=-1)
    pixels = np.array([[0, 127.5, 255]], np.float32)
    np.testing.assert_allclose(layer(pixels).data, [[-1, 0, 1]], atol=1e-7)
    out = layers.Rescaling(1 / 255)(np.array([[0, 255]], np.uint8))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, [[0, 1]])
    assert_gradients(lambda t: layers.Rescaling(0.5, offset=3.0, dtype="float64")(t),
                     random_inputs([(3, 2)], seed=7))


# --- models, shapes and configs --------------------------------------------------------------
def test_shapes_in_a_model_summary_follow_keras():
    model = keras.Sequential([
        keras.Input((28, 28, 1)), layers.Rescaling(1 / 255), layers.ZeroPadding2D(2),
        layers.Cropping2D(((1, 3), (0, 2))), layers.UpSampling2D((2, 1)),
    ])
    shapes = [layer.output_shape for layer in model.layers]
    assert shapes == [(None, 28, 28, 1), (None, 32, 32, 1), (None, 28, 30, 1),
                      (None, 56, 30, 1)]
    assert model.predict(np.zeros((3, 28, 28, 1), np.uint8), verbose=0).shape == (3, 56, 30, 1)


@pytest.mark.parametrize("layer", [
    layers.Rescaling(0.5, offset=1.0), layers.ZeroPadding2D(((1, 2), (3, 4))),
    layers.Cropping2D(2, data_format="channels_first"), layers.UpSampling2D(3),
])
def test_config_round_trip(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


@pytest.mark.parametrize("make, message", [
    (lambda: layers.ZeroPadding2D(-1), r"ZeroPadding2D: padding must be .*Received: padding=-1"),
    (lambda: layers.ZeroPadding2D((1, 2, 3)), r"Received: padding=\(1, 2, 3\)"),
    (lambda: layers.Cropping2D(((1, 1), (1,))), r"Cropping2D: cropping must be"),
    (lambda: layers.UpSampling2D(0), r"UpSampling2D: size must be .*Received: size=\(0, 0\)"),
    (lambda: layers.UpSampling2D(2, interpolation="bilinear"),
     r"interpolation must be one of 'nearest'. Received: interpolation='bilinear'"),
    (lambda: layers.ZeroPadding2D(data_format="NHWC"), r"Received: data_format='NHWC'"),
    (lambda: layers.Rescaling("1/255"), r"Rescaling: scale must be a finite float"),
])
def test_bad_arguments_are_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_cropping_everything_is_a_clear_error():
    with pytest.raises(ValueError, match=r"leaves nothing of the input. Received: input shape "
                                         r"\(2, 4, 4, 1\)"):
        layers.Cropping2D(2)(Tensor(np.zeros((2, 4, 4, 1), np.float32)))
