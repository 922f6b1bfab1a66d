"""KerasTensor: a symbolic placeholder (shape and dtype, no values) for building models.

``Input(shape=(28, 28))`` returns one; calling a layer on it returns another that
remembers the layer and its inputs, which is how a functional model is traced.
"""


class KerasTensor:
    """A placeholder with a ``shape`` (None for the batch axis) and a ``dtype``.

    ``layer`` and ``inputs`` record which layer produced it from which placeholders.
    """

    def __init__(self, shape, dtype="float32", name=None, layer=None, inputs=None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.name = name
        self.layer = layer
        self.inputs = inputs

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        name = f", name={self.name}" if self.name else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}{name}>"
