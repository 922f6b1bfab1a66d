"""KerasTensor: a symbolic placeholder (shape and dtype, no values) for building models.

``Input(shape=(28, 28))`` returns one; calling a layer on it returns others that
point to a ``Node``: the record of that call (layer, inputs, outputs).  A
functional model is the graph of those nodes, replayed on real tensors.
"""


class Node:
    """One call of ``layer`` on placeholders: ``inputs`` and ``outputs`` are structures
    (a KerasTensor, or lists/tuples/dicts of them); ``args``/``kwargs`` are the other
    call arguments.  An InputLayer's node has no inputs."""

    def __init__(self, layer, inputs=None, args=(), kwargs=None):
        self.layer = layer
        self.inputs = inputs
        self.args = args
        self.kwargs = dict(kwargs or {})
        self.outputs = None


class KerasTensor:
    """A placeholder with a ``shape`` (None for the batch axis), a ``dtype`` and the
    ``node`` that produced it."""

    def __init__(self, shape, dtype="float32", name=None, node=None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.name = name
        self.node = node

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        name = f", name={self.name}" if self.name else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}{name}>"
