"""DTypePolicy: what a layer's "dtype" is in Keras' configs."""
import numpy as np


class DTypePolicy:
    """``keras.DTypePolicy`` as configs carry it: one dtype for variables and computations.

    glassnet layers keep their dtype as a string; this class exists so that the
    ``{"class_name": "DTypePolicy", "config": {"name": "float32"}}`` dicts of Keras
    configs can be written and read.  Mixed policies ("mixed_float16") are not supported.
    """

    def __init__(self, name=None):
        from glassnet import config

        self.name = _dtype_name("DTypePolicy", name or config.floatx())

    @property
    def compute_dtype(self):
        return self.name

    @property
    def variable_dtype(self):
        return self.name

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f'<DTypePolicy "{self.name}">'


def _dtype_name(owner, dtype):
    """A float dtype's canonical name; Keras' mixed or quantized policies are refused."""
    if isinstance(dtype, DTypePolicy):
        return dtype.name
    try:
        return str(np.dtype(dtype))
    except TypeError:
        raise ValueError(
            f"{owner}: glassnet computes each layer in a single NumPy dtype and cannot use "
            f"the Keras dtype policy {dtype!r}. Received: dtype={dtype!r}"
        ) from None


def serialize_dtype_policy(dtype):
    """Keras' dict for a layer's dtype: ``{"module": "keras", "class_name": "DTypePolicy",
    "config": {"name": "float32"}, "registered_name": None}``."""
    return {"module": "keras", "class_name": "DTypePolicy",
            "config": {"name": _dtype_name("dtype", dtype)}, "registered_name": None}


def _read_dtype(owner, dtype):
    """A layer's dtype from a config: None, a string, a DTypePolicy or its dict."""
    if isinstance(dtype, dict):
        if dtype.get("class_name") != "DTypePolicy":
            raise ValueError(
                f"{owner}: glassnet supports only plain DTypePolicy dtypes, not "
                f"{dtype.get('class_name')}. Received: dtype={dtype!r}"
            )
        dtype = (dtype.get("config") or {}).get("name")
    return None if dtype is None else _dtype_name(owner, dtype)
