"""Data adapters: arrays, Python generators and PyDatasets behind one interface.

Checked directly on the adapters (not through fit): batches, shapes, dtypes, order,
shuffling reproducible with a seeded generator, steps, running out of data,
on_epoch_begin/end calls, class_weight, unpacking of x / (x,) / (x, y) / (x, y, w)
and dicts, PyDataset itself, (un)pack_x_y_sample_weight, and the error messages.
"""
import math
import warnings

import numpy as np
import pytest

import glassnet as keras
from glassnet.models import data_adapters as da
from glassnet.models.data_adapters import (
    ArrayDataAdapter,
    GeneratorDataAdapter,
    PyDatasetAdapter,
    get_data_adapter,
)
from glassnet.utils import PyDataset, pack_x_y_sample_weight, unpack_x_y_sample_weight


def epoch(adapter, seed=None):
    generator = None if seed is None else np.random.default_rng(seed)
    return list(adapter.epoch(generator))


def xy(n=10, features=3):
    x = np.arange(n * features, dtype=np.float64).reshape(n, features)
    y = np.arange(n) % 3
    return x, y


class Batches(PyDataset):
    """Batches of rows of (x, y); records the calls it gets."""

    def __init__(self, x, y, batch_size, mode="xy", **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size, self.mode = x, y, batch_size, mode
        self.calls = []

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        self.calls.append(("getitem", index))
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        x, y = self.x[rows], self.y[rows]
        return {"x": x, "(x,)": (x,), "xy": (x, y), "xyw": (x, y, np.ones(len(x))),
                "list": [x, y], "dict": {"a": x, "b": x}}[self.mode]

    def on_epoch_begin(self):
        self.calls.append("begin")

    def on_epoch_end(self):
        self.calls.append("end")


# --- get_data_adapter -----------------------------------------------------------------


def test_picks_the_adapter_by_input_kind():
    x, y = xy()
    assert isinstance(get_data_adapter(x, y), ArrayDataAdapter)
    assert isinstance(get_data_adapter([x, x], y), ArrayDataAdapter)
    assert isinstance(get_data_adapter({"a": x}, y), ArrayDataAdapter)
    assert isinstance(get_data_adapter(x.tolist(), y.tolist()), ArrayDataAdapter)
    assert isinstance(get_data_adapter(iter([(x, y)])), GeneratorDataAdapter)
    assert isinstance(get_data_adapter(b for b in [(x, y)]), GeneratorDataAdapter)
    assert isinstance(get_data_adapter(Batches(x, y, 4)), PyDatasetAdapter)


def test_sequence_is_pydataset():
    assert keras.utils.Sequence is keras.utils.PyDataset is PyDataset


# --- arrays ---------------------------------------------------------------------------


def test_array_batches_in_order_with_casting():
    x, y = xy(10)
    adapter = get_data_adapter(x, y, batch_size=4)
    assert adapter.num_batches == 3 and adapter.num_samples == 10
    batches = epoch(adapter)
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)
    assert batches[0][0].dtype == np.float32  # inputs become floatx
    assert batches[0][1].dtype == y.dtype  # integer labels stay integers
    assert batches[0][2] is None
    assert not adapter.ran_out and not adapter.exhausted
    assert len(epoch(adapter)) == 3  # every epoch sees all the data again


def test_array_default_batch_size_and_steps():
    x, y = xy(100)
    assert get_data_adapter(x, y).batch_size == 32
    adapter = get_data_adapter(x, y, steps=5)  # Keras: ceil(n / steps) rows per batch
    assert adapter.batch_size == 20 and adapter.num_batches == 5
    adapter = get_data_adapter(x, y, batch_size=10, steps=3)
    batches = epoch(adapter)
    assert len(batches) == 3 and adapter.num_batches == 3
    np.testing.assert_array_equal(batches[2][0], x[20:30])
    assert not adapter.ran_out


def test_array_steps_beyond_the_data_runs_out_but_restarts():
    x, y = xy(10)
    adapter = get_data_adapter(x, y, batch_size=4, steps=5)
    assert adapter.num_batches == 3
    assert len(epoch(adapter)) == 3 and adapter.ran_out and not adapter.exhausted
    assert len(epoch(adapter)) == 3


@pytest.mark.parametrize("shuffle", [True, "batch"])
def test_array_shuffle_is_a_reproducible_permutation(shuffle):
    x, y = xy(20)
    adapter = get_data_adapter(x, y, batch_size=6, shuffle=shuffle)
    first = np.concatenate([b[0] for b in epoch(adapter, seed=1)])
    again = np.concatenate([b[0] for b in epoch(adapter, seed=1)])
    other = np.concatenate([b[0] for b in epoch(adapter, seed=2)])
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other) and not np.array_equal(first, x.astype(np.float32))
    np.testing.assert_array_equal(np.sort(first[:, 0]), x[:, 0])
    rows = [b for b in epoch(adapter, seed=3)]
    for bx, by, _ in rows:  # x and y rows stay paired
        np.testing.assert_array_equal(by, (bx[:, 0] / 3).astype(int) % 3)
    if shuffle == "batch":  # chunks of consecutive rows, in a shuffled order
        for bx, _, _ in rows:
            starts = np.sort(bx[:, 0]) / 3
            assert starts.max() - starts.min() == len(bx) - 1


def test_array_shuffle_needs_a_generator():
    x, y = xy()
    with pytest.raises(ValueError, match=r"shuffling needs a numpy\.random\.Generator"):
        epoch(get_data_adapter(x, y, shuffle=True))


def test_array_structures_and_sample_weight():
    x, y = xy(8)
    w = np.linspace(0.1, 0.8, 8)
    adapter = get_data_adapter({"a": x, "b": x[:, :1]}, [y, y.astype(np.float64)], w,
                               batch_size=5)
    bx, by, bw = epoch(adapter)[1]
    assert set(bx) == {"a", "b"} and bx["b"].shape == (3, 1)
    assert by[0].dtype == y.dtype and by[1].dtype == np.float32
    np.testing.assert_allclose(bw, w[5:].astype(np.float32))


def test_array_class_weight():
    x, y = xy(6)  # labels 0 1 2 0 1 2
    adapter = get_data_adapter(x, y, batch_size=6, class_weight={0: 1.0, 1: 2.0, 2: 5.0})
    np.testing.assert_array_equal(epoch(adapter)[0][2], [1, 2, 5, 1, 2, 5])
    onehot = np.eye(3)[y]
    adapter = get_data_adapter(x, onehot, np.full(6, 0.5), class_weight={2: 4.0})
    np.testing.assert_array_equal(epoch(adapter)[0][2], [0.5, 0.5, 2, 0.5, 0.5, 2])


def test_array_errors():
    x, y = xy(10)
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        get_data_adapter(x, y[:5])
    with pytest.raises(ValueError, match="fit: x holds NaN"):
        get_data_adapter(np.full((3, 2), np.nan), y[:3])
    get_data_adapter(np.full((3, 2), np.nan), owner="predict")  # only fit checks values
    with pytest.raises(ValueError, match="fit: batch_size must be a positive integer"):
        get_data_adapter(x, y, batch_size=0)
    with pytest.raises(ValueError, match="fit: steps_per_epoch must be a positive integer"):
        get_data_adapter(x, y, steps=0)
    with pytest.raises(ValueError, match="evaluate: steps must be a positive integer"):
        get_data_adapter(x, y, steps=-1, owner="evaluate")
    with pytest.raises(ValueError, match="shuffle must be True, False or 'batch'"):
        get_data_adapter(x, y, shuffle="yes")
    with pytest.raises(ValueError, match="class_weight needs targets y"):
        get_data_adapter(x, class_weight={0: 1.0})
    with pytest.raises(ValueError, match="class_weight must be a dict"):
        get_data_adapter(x, y, class_weight=[1.0, 2.0])


# --- generators -----------------------------------------------------------------------


def batch_stream(count, mode="xy", n=4):
    for i in range(count):
        x = np.full((n, 2), float(i))
        y = np.full(n, i % 3)
        yield {"x": x, "(x,)": (x,), "xy": (x, y), "xyw": (x, y, np.full(n, 0.5)),
               "list": [x, y], "dict": {"a": x, "b": x}}[mode]


@pytest.mark.parametrize("mode,has_y,has_w", [("x", False, False), ("(x,)", False, False),
                                               ("xy", True, False), ("xyw", True, True),
                                               ("list", True, False)])
def test_generator_unpacks_batches(mode, has_y, has_w):
    batches = epoch(get_data_adapter(batch_stream(3, mode)))
    assert len(batches) == 3
    for i, (bx, by, bw) in enumerate(batches):
        np.testing.assert_array_equal(bx, np.full((4, 2), float(i)))
        assert bx.dtype == np.float32
        assert (by is not None) == has_y and (bw is not None) == has_w
        if has_y:
            assert by.dtype.kind == "i"


def test_generator_dict_batch_is_x():
    bx, by, _ = epoch(get_data_adapter(batch_stream(1, "dict")))[0]
    assert set(bx) == {"a", "b"} and bx["a"].dtype == np.float32 and by is None


def test_generator_without_steps_runs_once_then_is_exhausted():
    adapter = get_data_adapter(batch_stream(5))
    assert adapter.num_batches is None
    assert len(epoch(adapter)) == 5
    assert adapter.exhausted and not adapter.ran_out  # a normal end of the first epoch
    assert epoch(adapter) == []
    assert adapter.ran_out and adapter.exhausted


def test_generator_with_steps_continues_without_restart():
    adapter = get_data_adapter(batch_stream(7), steps=3)
    assert adapter.num_batches == 3
    first, second = epoch(adapter), epoch(adapter)
    assert [b[0][0, 0] for b in first] == [0, 1, 2]
    assert [b[0][0, 0] for b in second] == [3, 4, 5]
    assert not adapter.ran_out and not adapter.exhausted
    third = epoch(adapter)
    assert [b[0][0, 0] for b in third] == [6]
    assert adapter.ran_out and adapter.exhausted


def test_generator_first_batch_is_read_eagerly_and_not_lost():
    reads = []

    def stream():
        for i in range(3):
            reads.append(i)
            yield np.full((2, 1), float(i)), np.zeros(2)

    adapter = get_data_adapter(stream())
    assert reads == [0]
    assert [b[0][0, 0] for b in epoch(adapter)] == [0, 1, 2]


def test_generator_class_weight_per_batch():
    adapter = get_data_adapter(batch_stream(3), class_weight={0: 1.0, 1: 3.0, 2: 7.0})
    weights = [b[2] for b in epoch(adapter)]
    np.testing.assert_array_equal(np.stack(weights), [[1] * 4, [3] * 4, [7] * 4])
    adapter = get_data_adapter(batch_stream(2, "xyw"), class_weight={1: 4.0})
    np.testing.assert_array_equal(epoch(adapter)[1][2], [2.0] * 4)  # multiplies 0.5


def test_generator_shuffle_and_batch_size_are_ignored_with_a_warning():
    with pytest.warns(UserWarning, match="`shuffle=True` is ignored because x is a generator"):
        get_data_adapter(batch_stream(1), shuffle=True)
    with pytest.warns(UserWarning, match="batch_size=8 is ignored"):
        get_data_adapter(batch_stream(1), batch_size=8)


def test_iterator_class_is_accepted():
    class Counter:
        def __init__(self):
            self.i = 0

        def __iter__(self):
            return self

        def __next__(self):
            self.i += 1
            if self.i > 2:
                raise StopIteration
            return np.ones((3, 2)) * self.i, np.zeros(3)

    assert len(epoch(get_data_adapter(Counter()))) == 2


def test_generator_errors():
    with pytest.raises(ValueError, match=r"must yield at least one batch\. Received an empty"):
        get_data_adapter(iter([]))
    x, y = xy()
    with pytest.raises(ValueError, match="when providing `x` as a generator, `y` should not be"):
        get_data_adapter(batch_stream(1), y)
    with pytest.raises(ValueError, match="`sample_weight` should not be passed"):
        get_data_adapter(batch_stream(1), sample_weight=np.ones(4))
    bad = get_data_adapter(iter([(x, y), (x, y, y, y)]))
    with pytest.raises(ValueError, match=r"must be x, \(x,\), \(x, y\) or \(x, y, sample_weight"
                                         r"\). Received: a tuple of length 4 at batch 1"):
        epoch(bad)
    with pytest.raises(ValueError, match="Received: None at batch 0"):
        epoch(get_data_adapter(iter([None])))
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        epoch(get_data_adapter(iter([(x, y[:3])])))
    with pytest.raises(ValueError, match=r"fit: x \(batch 0 of the generator\) must hold numbers"):
        epoch(get_data_adapter(iter([(np.array(["a", "b"]), y[:2])])))
    with pytest.raises(ValueError, match=r"y \(batch 0 of the generator\) holds NaN"):
        epoch(get_data_adapter(iter([(x, np.full(10, np.nan))])))


# --- PyDataset ------------------------------------------------------------------------


def test_pydataset_batches_and_epoch_hooks():
    x, y = xy(10)
    data = Batches(x, y, 4)
    adapter = get_data_adapter(data)
    assert adapter.num_batches == 3
    batches = epoch(adapter)
    adapter.on_epoch_end()
    assert data.calls == ["begin", ("getitem", 0), ("getitem", 1), ("getitem", 2), "end"]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x)
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == y.dtype
    assert not adapter.ran_out and not adapter.exhausted


@pytest.mark.parametrize("mode,has_y,has_w", [("x", False, False), ("(x,)", False, False),
                                               ("xy", True, False), ("xyw", True, True),
                                               ("list", True, False), ("dict", False, False)])
def test_pydataset_unpacks_batches(mode, has_y, has_w):
    x, y = xy(10)
    bx, by, bw = epoch(get_data_adapter(Batches(x, y, 4, mode=mode)))[2]
    assert (by is not None) == has_y and (bw is not None) == has_w
    first = bx["a"] if mode == "dict" else bx
    np.testing.assert_array_equal(first, x[8:])


def test_pydataset_shuffles_batch_order_reproducibly():
    x, y = xy(40)
    data = Batches(x, y, 4)
    adapter = get_data_adapter(data, shuffle=True)

    def order(seed):
        data.calls.clear()
        epoch(adapter, seed)
        return [c[1] for c in data.calls if isinstance(c, tuple)]

    first = order(5)
    assert sorted(first) == list(range(10)) and first != list(range(10))
    assert order(5) == first and order(6) != first


def test_pydataset_steps():
    x, y = xy(40)
    adapter = get_data_adapter(Batches(x, y, 4), steps=3)
    assert adapter.num_batches == 3
    batches = epoch(adapter)
    assert len(batches) == 3 and not adapter.ran_out
    np.testing.assert_array_equal(batches[2][0], x[8:12])
    adapter = get_data_adapter(Batches(x, y, 4), steps=12)
    assert adapter.num_batches == 10 and len(epoch(adapter)) == 10 and adapter.ran_out


def test_endless_pydataset_needs_steps_and_ignores_shuffle():
    class Endless(PyDataset):
        @property
        def num_batches(self):
            return None

        def __getitem__(self, index):
            return np.full((2, 1), float(index)), np.zeros(2)

    with pytest.warns(UserWarning, match="endless PyDataset"):
        adapter = get_data_adapter(Endless(), steps=4, shuffle=True)
    assert adapter.num_batches == 4
    assert [b[0][0, 0] for b in epoch(adapter)] == [0, 1, 2, 3]


def test_pydataset_class_weight():
    x, y = xy(6)
    adapter = get_data_adapter(Batches(x, y, 3), class_weight={0: 1.0, 1: 2.0, 2: 3.0})
    np.testing.assert_array_equal(epoch(adapter)[1][2], [1, 2, 3])


def test_pydataset_without_super_init_warns_like_keras():
    class Forgetful(PyDataset):
        def __init__(self):
            self.x = np.ones((4, 2))

        def __len__(self):
            return 1

        def __getitem__(self, index):
            return self.x, np.zeros(4)

    with pytest.warns(UserWarning, match=r"should call `super\(\).__init__\(\*\*kwargs\)`"):
        adapter = get_data_adapter(Forgetful())
    assert adapter.workers == 1 and adapter.max_queue_size == 10
    assert len(epoch(adapter)) == 1


def test_pydataset_arguments_are_stored_without_warning():
    x, y = xy()
    data = Batches(x, y, 4, workers=4, use_multiprocessing=True, max_queue_size=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        adapter = get_data_adapter(data)
    assert (adapter.workers, adapter.use_multiprocessing, adapter.max_queue_size) == (4, True, 3)
    data.workers = 2
    assert data.workers == 2


def test_pydataset_base_class():
    class NoLength(PyDataset):
        def __init__(self):
            super().__init__()

    with pytest.raises(NotImplementedError, match="must define __len__"):
        NoLength().num_batches  # noqa: B018
    with pytest.raises(NotImplementedError, match="must define __getitem__"):
        NoLength()[0]
    x, y = xy(10)
    assert len(list(iter(Batches(x, y, 4)))) == 3


def test_pydataset_errors():
    x, y = xy(10)
    with pytest.raises(ValueError, match="as a PyDataset, `y` should not be passed"):
        get_data_adapter(Batches(x, y, 4), y)
    with pytest.raises(ValueError, match="must have at least one batch"):
        get_data_adapter(Batches(x[:0], y[:0], 4))


# --- unsupported inputs, validation_split ---------------------------------------------


@pytest.mark.parametrize("x,match", [
    ("some text", "unrecognized data type for x"),
    (None, "unrecognized data type for x"),
    (range(5), "Received: x of type range"),
    ({1, 2}, "Received: x of type set"),
])
def test_unrecognized_inputs(x, match):
    with pytest.raises(ValueError, match=match):
        get_data_adapter(x)


def test_tf_dataset_like_and_torch_dataloader_are_refused():
    DatasetV2 = type("DatasetV2", (), {"__module__": "tensorflow.python.data.ops.dataset_ops"})
    with pytest.raises(ValueError, match=r"tf.data.Dataset \(TensorFlow's input pipeline\).*not "
                                         r"supported.*as_numpy_iterator"):
        get_data_adapter(DatasetV2())
    import torch.utils.data

    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.ones(4, 2)))
    with pytest.raises(ValueError, match=r"torch DataLoader.*iter\(loader\)"):
        get_data_adapter(loader)


def test_validation_split_only_for_arrays():
    x, y = xy()
    da.check_validation_split(x, 0.2)
    da.check_validation_split(batch_stream(1), 0.0)
    with pytest.raises(ValueError, match=r"fit: `validation_split` is only supported for Tensors "
                                         r"or NumPy arrays\. Received: x of type generator"):
        da.check_validation_split(batch_stream(1), 0.2)
    with pytest.raises(ValueError, match="Received: x of type Batches"):
        da.check_validation_split(Batches(x, y, 4), 0.5)


def test_ran_out_warning_text():
    with pytest.warns(UserWarning, match="Your input ran out of data; interrupting training"):
        da.warn_ran_out_of_data()


# --- pack / unpack --------------------------------------------------------------------


def test_unpack_x_y_sample_weight():
    x, y, w = np.ones(2), np.zeros(2), np.full(2, 0.5)
    assert unpack_x_y_sample_weight(x) == (x, None, None)
    assert unpack_x_y_sample_weight((x,)) == (x, None, None)
    assert unpack_x_y_sample_weight((x, y)) == (x, y, None)
    assert unpack_x_y_sample_weight([x, y, w]) == (x, y, w)  # lists as tuples (Keras 3)
    d = {"a": x}
    assert unpack_x_y_sample_weight(d) == (d, None, None)
    with pytest.raises(ValueError, match="Received: a tuple of length 4"):
        unpack_x_y_sample_weight((x, y, w, w))
    with pytest.raises(ValueError, match="Received: a list of length 0"):
        unpack_x_y_sample_weight([])


def test_pack_x_y_sample_weight_round_trips():
    x, y, w = np.ones(2), np.zeros(2), np.full(2, 0.5)
    assert pack_x_y_sample_weight(x) is x
    assert pack_x_y_sample_weight([x, x]) == ([x, x],)  # wrapped: not read as (x, y)
    assert pack_x_y_sample_weight(x, y) == (x, y)
    assert pack_x_y_sample_weight(x, y, w) == (x, y, w)
    for args in [(x,), ((x, x),), (x, y), (x, y, w)]:
        packed = pack_x_y_sample_weight(*args)
        assert unpack_x_y_sample_weight(packed)[:len(args)] == args
    assert keras.utils.unpack_x_y_sample_weight is unpack_x_y_sample_weight
