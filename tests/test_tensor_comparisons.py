"""Comparison operators on Tensors are element-wise, as in Keras (``==`` included: a
Python bool there silently gave wrong metric values)."""
import operator

import numpy as np
import pytest

from glassnet import ops
from glassnet.autodiff import Tensor, Variable

OPERATORS = [operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]
A = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]], dtype=np.float32)
B = np.array([2.0, 2.0, 2.0], dtype=np.float32)  # broadcasts over A's rows


@pytest.mark.parametrize("compare", OPERATORS, ids=lambda op: op.__name__)
@pytest.mark.parametrize("left, right", [
    (Tensor(A), Tensor(B)),  # Tensor and Tensor, broadcasting
    (Tensor(A), B),  # Tensor and array
    (A, Tensor(B)),  # array and Tensor (NumPy defers to the Tensor)
    (Tensor(A), 2.0),  # Tensor and Python number
    (2.0, Tensor(A)),  # number and Tensor (the reflected operator)
], ids=["tensor-tensor", "tensor-array", "array-tensor", "tensor-number", "number-tensor"])
def test_comparisons_are_element_wise_like_numpy(compare, left, right):
    result = compare(left, right)
    assert isinstance(result, Tensor)
    expected = compare(np.asarray(left), np.asarray(right))
    assert result.dtype == np.bool_ and result.shape == expected.shape
    np.testing.assert_array_equal(result.numpy(), expected)


def test_the_guides_true_positive_count_is_right():
    """keras.io's CategoricalTruePositives: argmax of y_pred == y_true, counted."""
    y_true = Tensor(np.array([[0], [2], [1], [2]]))
    y_pred = Tensor(np.array([[0.9, 0.1, 0.0], [0.2, 0.1, 0.7], [0.6, 0.3, 0.1],
                              [0.1, 0.1, 0.8]], dtype=np.float32))
    predicted = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
    values = ops.cast(y_true, "int32") == ops.cast(predicted, "int32")
    assert float(ops.sum(ops.cast(values, "float32"))) == 3.0


def test_tensors_stay_hashable_by_identity():
    a, b = Tensor(np.ones(3)), Tensor(np.ones(3))
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b"
    assert a in [a] and len({a, b}) == 2
    v = Variable(np.zeros(2))
    assert {v: 1}[v] == 1


def test_a_scalar_comparison_still_works_in_an_if():
    assert Tensor(3.0) == 3.0
    assert Tensor(3.0) != 4.0
    assert Tensor(0.001) == pytest.approx(0.001)  # objects that compare themselves
