"""keras.ops' creation functions against NumPy, with Keras 3's dtypes (floatx for floats)."""
import numpy as np
import pytest

from glassnet import config, ops
from glassnet.autodiff import Tensor

X = np.arange(6, dtype=np.int64).reshape(2, 3)

CASES = {  # id -> (glassnet call, NumPy reference, expected dtype)
    "ones": (lambda: ops.ones((2, 3)), lambda: np.ones((2, 3)), "float32"),
    "ones_int": (lambda: ops.ones(4, dtype="int32"), lambda: np.ones(4), "int32"),
    "zeros": (lambda: ops.zeros((3,)), lambda: np.zeros(3), "float32"),
    "full": (lambda: ops.full((2, 2), 7), lambda: np.full((2, 2), 7.0), "float32"),
    "full_float64": (lambda: ops.full((2,), 0.5, "float64"), lambda: np.full(2, 0.5),
                     "float64"),
    "ones_like": (lambda: ops.ones_like(X), lambda: np.ones_like(X), "int64"),
    "zeros_like_tensor": (lambda: ops.zeros_like(Tensor(X.astype("float32"))),
                          lambda: np.zeros((2, 3)), "float32"),
    "full_like": (lambda: ops.full_like(X, 4, dtype="float32"), lambda: np.full((2, 3), 4.0),
                  "float32"),
    "eye": (lambda: ops.eye(3), lambda: np.eye(3), "float32"),
    "eye_rectangular_offset": (lambda: ops.eye(2, 4, k=1), lambda: np.eye(2, 4, 1), "float32"),
    "identity": (lambda: ops.identity(3), lambda: np.identity(3), "float32"),
    "tri": (lambda: ops.tri(3, 4, k=-1), lambda: np.tri(3, 4, -1), "float32"),
    "arange_int": (lambda: ops.arange(5), lambda: np.arange(5), "int32"),
    "arange_start_stop_step": (lambda: ops.arange(2, 11, 3), lambda: np.arange(2, 11, 3),
                               "int32"),
    "arange_float": (lambda: ops.arange(0.0, 1.0, 0.25), lambda: np.arange(0, 1, 0.25),
                     "float32"),
    "linspace": (lambda: ops.linspace(0, 1, 5), lambda: np.linspace(0, 1, 5), "float32"),
    "linspace_open": (lambda: ops.linspace(0, 1, 4, endpoint=False),
                      lambda: np.linspace(0, 1, 4, endpoint=False), "float32"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_creation_matches_numpy_with_keras_dtypes(name):
    make, reference, dtype = CASES[name]
    out = make()
    assert isinstance(out, Tensor) and out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out.numpy(), reference().astype(dtype))
    assert not out.requires_grad


def test_float_results_follow_floatx():
    previous = config.floatx()
    config.set_floatx("float64")
    try:
        assert ops.ones((1,)).dtype == np.float64 and ops.arange(0.0, 1.0).dtype == np.float64
    finally:
        config.set_floatx(previous)


def test_linspace_can_return_its_step_and_shape_is_a_tuple():
    values, step = ops.linspace(0.0, 2.0, 5, retstep=True)
    assert step == 0.5 and values.shape == (5,)
    assert ops.shape(ops.zeros((2, 1, 3))) == (2, 1, 3)
    assert ops.shape(X) == (2, 3)
