"""glassnet.validation (argument checks) and glassnet.tree (nested structures)."""
import numpy as np
import pytest

from glassnet import tree, validation


@pytest.mark.parametrize("value", [1, 7, np.int32(3), np.int64(2**40)])
def test_positive_integer_accepts_python_and_numpy_ints(value):
    assert validation.positive_integer("Dense", "units", value) == int(value)
    assert type(validation.positive_integer("Dense", "units", value)) is int


@pytest.mark.parametrize("value", [0, -3, 1.0, 2.5, True, "4", None, [3]])
def test_positive_integer_refuses_everything_else(value):
    with pytest.raises(ValueError, match=rf"^Dense: units must be a positive integer\. "
                                         rf"Received: units={value!r}$".replace("[", r"\[")):
        validation.positive_integer("Dense", "units", value)


def test_owner_may_be_an_object():
    class Adam:
        pass

    with pytest.raises(ValueError, match=r"^Adam: beta_1 must be a finite float in \[0, 1\]"):
        validation.real(Adam(), "beta_1", 1.5, 0, 1)


@pytest.mark.parametrize(
    "kwargs, good, bad",
    [
        ({"low": 0, "high": 1, "include_high": False}, [0, 0.5, np.float32(0.9)], [1, -0.1]),
        ({"low": 0, "include_low": False}, [1e-12, 3], [0, -1]),
        ({"high": 2}, [-5, 2], [2.5]),
        ({}, [-1e30, 0.0], [float("nan"), float("inf"), True, "1", None]),
    ],
)
def test_real_intervals(kwargs, good, bad):
    for value in good:
        assert validation.real("o", "a", value, **kwargs) == float(value)
    for value in bad:
        with pytest.raises(ValueError, match="Received: a="):
            validation.real("o", "a", value, **kwargs)


def test_none_only_when_allowed():
    assert validation.real("o", "a", None, allow_none=True) is None
    assert validation.integer("o", "a", None, allow_none=True) is None
    with pytest.raises(ValueError, match="or None"):
        validation.integer("o", "a", -1, allow_none=True)


def test_shape_checks_every_dimension():
    assert validation.shape("o", "shape", [2, np.int64(3)]) == (2, 3)
    assert validation.shape("o", "shape", 4) == (4,)
    assert validation.shape("o", "shape", (None, 2), allow_none=True) == (None, 2)
    for bad in [(None, 2), (2, -1), (2.0,), "ab", 3.5]:
        with pytest.raises(ValueError, match="must be a tuple of non-negative integers"):
            validation.shape("o", "shape", bad)


def test_seed_and_one_of():
    assert validation.seed("o", None) is None
    assert validation.seed("o", -4) == -4
    with pytest.raises(ValueError, match=r"seed must be an integer or None. Received: seed=1.5"):
        validation.seed("o", 1.5)
    assert validation.one_of("o", "mode", "min", ("min", "max")) == "min"
    with pytest.raises(ValueError, match=r"mode must be one of 'min', 'max'. Received: mode='x'"):
        validation.one_of("o", "mode", "x", ("min", "max"))


def test_tree_flattens_and_maps_in_order():
    structure = {"b": [1, (2, 3)], "a": 4}
    assert tree.flatten(structure) == [1, 2, 3, 4]
    assert tree.map_structure(lambda v: v * 10, structure) == {"b": [10, (20, 30)], "a": 40}
    assert tree.flatten(5) == [5]
    assert tree.is_nested([1]) and tree.is_nested({}) and not tree.is_nested(np.zeros(3))
