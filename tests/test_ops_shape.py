"""Rearranging, cutting, gathering and products of glassnet.ops beyond the op table:
values and dtypes vs NumPy for integer inputs, list/tuple results, the one-argument
``where``, repeated indices, einsum's subscript forms, and argument errors.
"""
import numpy as np
import pytest
from helpers import assert_gradients, assert_no_graph, escaped

from glassnet import ops
from glassnet.autodiff import Tensor, grad

A = np.arange(24, dtype=np.int32).reshape(2, 3, 4)


@pytest.mark.parametrize("call, reference", [
    (lambda x: ops.flip(x, axis=1), lambda x: np.flip(x, axis=1)),
    (lambda x: ops.roll(x, -5), lambda x: np.roll(x, -5)),
    (lambda x: ops.roll(x, 2, axis=-1), lambda x: np.roll(x, 2, axis=-1)),
    (lambda x: ops.tile(x, (1, 2, 1, 1)), lambda x: np.tile(x, (1, 2, 1, 1))),
    (lambda x: ops.broadcast_to(x, (2, 2, 3, 4)), lambda x: np.broadcast_to(x, (2, 2, 3, 4))),
    (ops.ravel, np.ravel),
    (lambda x: ops.swapaxes(x, 0, 1), lambda x: np.swapaxes(x, 0, 1)),
    (lambda x: ops.moveaxis(x, -1, 0), lambda x: np.moveaxis(x, -1, 0)),
    (lambda x: ops.slice(x, (1, 0, 2), (1, 2, 2)), lambda x: x[1:2, 0:2, 2:4]),
    (lambda x: ops.take_along_axis(x, np.argsort(-x, axis=2), axis=2),
     lambda x: np.take_along_axis(x, np.argsort(-x, axis=2), axis=2)),
    (lambda x: ops.einsum("bij,bkj->bik", x, x), lambda x: np.einsum("bij,bkj->bik", x, x)),
    (lambda x: ops.tensordot(x, x, axes=([0, 1], [0, 1])),
     lambda x: np.tensordot(x, x, axes=([0, 1], [0, 1]))),
    (lambda x: ops.trace(x, axis1=1, axis2=2), lambda x: np.trace(x, axis1=1, axis2=2)),
    (lambda x: ops.diagonal(x, 1, 2, 1), lambda x: np.diagonal(x, 1, 2, 1)),
    (lambda x: ops.triu(x, 1), lambda x: np.triu(x, 1)),
    (lambda x: ops.tril(x, -1), lambda x: np.tril(x, -1)),
    (lambda x: ops.diff(x, 2, axis=1), lambda x: np.diff(x, 2, axis=1)),
    (lambda x: ops.cumsum(x, axis=1), lambda x: np.cumsum(x, axis=1)),
    (lambda x: ops.sort(-x, axis=0), lambda x: np.sort(-x, axis=0)),
    (lambda x: ops.outer(x[0, 0], x[1, 1]), lambda x: np.outer(x[0, 0], x[1, 1])),
    (lambda x: ops.vdot(x, x), lambda x: np.vdot(x, x)),
])
def test_integer_tensors_keep_their_dtype(call, reference):
    out = call(A)
    expected = reference(A)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.data, expected)


def test_diag_of_integers_pads_with_integer_zeros():
    out = ops.diag(np.array([1, 2, 3], dtype=np.int32), k=-1)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.data, np.diag([1, 2, 3], k=-1))


@pytest.mark.parametrize("sections", [2, [1], [1, 3], [0, 2, 2, 5], (4,)])
def test_split_matches_numpy(sections):
    x = np.arange(20.0).reshape(4, 5)
    pieces = ops.split(x, sections, axis=1 if sections != 2 else 0)
    expected = np.split(x, sections, axis=1 if sections != 2 else 0)
    assert isinstance(pieces, list)
    assert len(pieces) == len(expected)
    for piece, want in zip(pieces, expected):
        np.testing.assert_array_equal(piece.data, want)


def test_split_pieces_share_the_gradient():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    first, second = ops.split(x, [1], axis=1)
    loss = ops.sum(first * 2.0) + ops.sum(second * 3.0)
    (g,) = grad(loss, [x])
    np.testing.assert_array_equal(g, [[2.0, 3.0, 3.0], [2.0, 3.0, 3.0]])


def test_split_rejects_unequal_sections():
    with pytest.raises(ValueError, match=escaped("split: the axis of size 5 cannot be split "
                                                 "into equal sections. Received: "
                                                 "indices_or_sections=2")):
        ops.split(np.zeros((3, 5)), 2, axis=1)


def test_meshgrid_shapes_follow_indexing():
    x, y, z = np.arange(2.0), np.arange(3.0), np.arange(4.0)
    for indexing in ["xy", "ij"]:
        grids = ops.meshgrid(x, y, z, indexing=indexing)
        for got, want in zip(grids, np.meshgrid(x, y, z, indexing=indexing)):
            np.testing.assert_array_equal(got.data, want)
    with pytest.raises(ValueError, match=escaped("meshgrid: indexing must be 'xy' or 'ij'. "
                                                 "Received: 'yx'")):
        ops.meshgrid(x, y, indexing="yx")


def test_where_with_only_a_condition_gives_int32_indices():
    condition = np.array([[True, False, True], [False, False, True]])
    rows, cols = ops.where(condition)
    assert rows.dtype == cols.dtype == np.int32
    np.testing.assert_array_equal(rows.data, [0, 0, 1])
    np.testing.assert_array_equal(cols.data, [0, 2, 2])
    with pytest.raises(ValueError, match=escaped("where: give both x1 and x2, or neither")):
        ops.where(condition, np.ones((2, 3)))


@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_where_python_numbers_take_the_other_branch_dtype(dtype):
    x = np.array([[1, -2], [3, -4]], dtype=dtype)
    out = ops.where(x > 0, x, 0)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out.data, np.where(x > 0, x, 0))
    assert ops.where(x > 0, 1.5, x).dtype == np.float32


def test_scatter_adds_repeated_indices_and_gathers_the_gradient():
    values = Tensor(np.array([1.0, 2.0, 4.0]), requires_grad=True)
    out = ops.scatter(np.array([[0, 1], [0, 1], [2, 0]]), values, (3, 2))
    np.testing.assert_array_equal(out.data, [[0.0, 3.0], [0.0, 0.0], [4.0, 0.0]])
    (g,) = grad(out, [values], output_grad=np.array([[1.0, 10.0], [0.0, 0.0], [100.0, 0.0]]))
    np.testing.assert_array_equal(g, [10.0, 10.0, 100.0])


def test_scatter_update_last_write_wins_and_only_it_gets_a_gradient():
    inputs = Tensor(np.zeros((2, 2)), requires_grad=True)
    updates = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    out = ops.scatter_update(inputs, np.array([[0, 0], [1, 1], [0, 0]]), updates)
    np.testing.assert_array_equal(out.data, [[3.0, 0.0], [0.0, 2.0]])
    g_in, g_up = grad(out, [inputs, updates], output_grad=np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(g_in, [[0.0, 2.0], [3.0, 0.0]])
    np.testing.assert_array_equal(g_up, [0.0, 4.0, 1.0])
    assert_gradients(lambda a, u: ops.scatter_update(a, np.array([[1], [0]]), u),
                     [np.ones((3, 2)), np.arange(4.0).reshape(2, 2)], seed=1)


def test_scatter_errors():
    with pytest.raises(ValueError, match=escaped("scatter_update: glassnet supports "
                                                 "reduction=None and reduction='add'. "
                                                 "Received: reduction='max'")):
        ops.scatter_update(np.zeros(3), np.array([[0]]), np.ones(1), reduction="max")
    with pytest.raises(ValueError, match=escaped("scatter: indices must be integers of shape "
                                                 "(N, d) with d <= rank 2. Received: "
                                                 "indices.shape=(1, 3)")):
        ops.scatter(np.array([[0, 0, 0]]), np.ones(1), (2, 2))


def test_slice_update_keeps_the_input_dtype_and_checks_bounds():
    x = np.zeros((3, 4), dtype=np.float32)
    out = ops.slice_update(x, (1, 1), np.ones((2, 2)))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data[1:3, 1:3], np.ones((2, 2)))
    assert out.data.sum() == 4
    with pytest.raises(ValueError, match=escaped("slice_update: start_indices and the slice "
                                                 "shape need one entry per axis")):
        ops.slice_update(x, (2, 1), np.ones((2, 2)))
    with pytest.raises(ValueError, match=escaped("Received: start_indices=[0], shape=(2, 2) "
                                                 "for an input of shape (3, 4)")):
        ops.slice(x, [0], (2, 2))


def test_take_along_axis_errors():
    with pytest.raises(IndexError):  # NumPy's own error; JAX would fill with NaN instead
        ops.take_along_axis(np.zeros((2, 3)), np.array([[3]]), axis=1)
    with pytest.raises(TypeError, match=escaped("take_along_axis: indices must be integers")):
        ops.take_along_axis(np.zeros((2, 3)), np.array([[1.0]]), axis=1)
    with pytest.raises(ValueError, match=escaped("take_along_axis: indices must have the rank "
                                                 "of x (2). Received: indices.shape=(1,)")):
        ops.take_along_axis(np.zeros((2, 3)), np.array([1]), axis=1)


def test_axis_errors_name_the_function():
    with pytest.raises(ValueError, match=escaped("flip: axis 3 is out of bounds for a tensor of "
                                                 "rank 2. Received: axis=3")):
        ops.flip(np.zeros((2, 3)), axis=3)
    with pytest.raises(ValueError, match=escaped("moveaxis: source and destination must have "
                                                 "the same number of axes")):
        ops.moveaxis(np.zeros((2, 3)), [0, 1], [1])
    with pytest.raises(ValueError, match=escaped("broadcast_to: cannot broadcast a tensor of "
                                                 "shape (2, 3) to shape (3, 3).")):
        ops.broadcast_to(np.zeros((2, 3)), (3, 3))
    with pytest.raises(ValueError, match=escaped("diag: x must be 1-D or 2-D. Received: "
                                                 "x.shape=(2, 2, 2)")):
        ops.diag(np.zeros((2, 2, 2)))


@pytest.mark.parametrize("subscripts, shapes", [
    ("ij,jk", [(2, 3), (3, 4)]),
    ("i j , j k -> i k", [(2, 3), (3, 4)]),
    ("...i,...i->...", [(2, 3, 4), (3, 4)]),
    ("...ij->...ji", [(2, 3, 4)]),
    ("ij...,jk...->ik...", [(2, 3, 5), (3, 4, 1)]),  # size-1 ellipsis axes broadcast
    ("i,j,k->ijk", [(2,), (3,), (4,)]),
    ("ba,ca", [(2, 3), (4, 3)]),
])
def test_einsum_subscript_forms_match_numpy_with_gradients(subscripts, shapes):
    arrays = [np.random.default_rng(k).standard_normal(s) for k, s in enumerate(shapes)]
    out = ops.einsum(subscripts, *arrays)
    np.testing.assert_allclose(out.data, np.einsum(subscripts, *arrays), rtol=1e-12)
    assert_gradients(lambda *xs: ops.einsum(subscripts, *xs), arrays, seed=2)


def test_einsum_mixed_dtypes_compute_in_float():
    out = ops.einsum("i,i->", np.array([1, 2], dtype=np.int32), np.ones(2, dtype=np.float32))
    assert out.dtype == np.float32
    assert float(out) == 3.0


def test_einsum_rejects_repeated_letters_and_wrong_counts():
    with pytest.raises(ValueError, match=escaped("einsum: each operand needs one distinct letter "
                                                 "per axis")):
        ops.einsum("ii->i", np.eye(2))
    with pytest.raises(ValueError, match=escaped("einsum: 2 operand subscripts for 1 operands.")):
        ops.einsum("ij,jk", np.eye(2))


def test_singular_value_norms_match_numpy_on_a_batch():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    for ord in ["nuc", 2, -2]:
        out = ops.norm(x, ord=ord, axis=(1, 2))
        np.testing.assert_allclose(out.data, np.linalg.norm(x, ord=ord, axis=(1, 2)))
    assert_gradients(lambda a: ops.norm(a, ord="nuc", axis=(1, 2)), [x], seed=4)


def test_shape_ops_record_nothing_under_no_grad():
    from glassnet.autodiff import no_grad

    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with no_grad():
        for out in [ops.tile(x, 2), ops.roll(x, 1), ops.einsum("ij->i", x), ops.norm(x),
                    ops.scatter_update(x, np.array([[0, 0]]), np.ones(1))]:
            assert_no_graph(out)


def test_convert_to_tensor_follows_keras():
    assert ops.convert_to_tensor(3).dtype == np.int32
    assert ops.convert_to_tensor([1, 2]).dtype == np.int32
    assert ops.convert_to_tensor(2**40).dtype == np.int64  # too big for int32
    assert ops.convert_to_tensor(1.5).dtype == np.float32
    assert ops.convert_to_tensor(True).dtype == np.bool_
    assert ops.convert_to_tensor(np.arange(3)).dtype == np.arange(3).dtype  # arrays keep theirs
    assert ops.convert_to_tensor([1, 2], dtype="float32").dtype == np.float32
    with pytest.raises(ValueError, match=escaped("convert_to_tensor: glassnet has no sparse or "
                                                 "ragged tensors. Received: sparse=True")):
        ops.convert_to_tensor([1.0], sparse=True)
    ops.convert_to_tensor([1.0], sparse=False, ragged=False)
