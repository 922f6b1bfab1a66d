"""InputLayer and Input: where a model's data comes in."""
from glassnet import config, validation
from glassnet.layers.keras_tensor import KerasTensor, Node
from glassnet.layers.layer import Layer


class InputLayer(Layer):
    """The entry point of a model: holds the input's shape (batch axis excluded) and dtype.

    ``self.output`` is the symbolic placeholder that a functional model starts from.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, batch_shape=None, name=None,
                 **kwargs):
        if "input_shape" in kwargs and shape is None:
            shape = kwargs.pop("input_shape")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError(
                "InputLayer: pass `shape` or `batch_shape`, not both. "
                f"Received: shape={shape}, batch_shape={batch_shape}"
            )
        if batch_shape is None:
            if shape is None:
                raise ValueError("InputLayer: `shape` is required. Received: shape=None")
            shape = validation.shape("InputLayer", "shape", shape, minimum=1, allow_none=True)
            batch_size = validation.positive_integer("InputLayer", "batch_size", batch_size,
                                                     allow_none=True)
            batch_shape = (batch_size,) + shape
        self.batch_shape = validation.shape("InputLayer", "batch_shape", batch_shape, minimum=1,
                                            allow_none=True)
        self.built = True
        self.output_shape = self.batch_shape
        node = Node(self)  # no inputs: the placeholder starts the graph
        node.outputs = KerasTensor(self.batch_shape, self.dtype, name=self.name, node=node)
        self._inbound_nodes.append(node)

    def get_config(self):
        return {**super().get_config(), "batch_shape": self.batch_shape}


def Input(shape=None, batch_size=None, dtype=None, batch_shape=None, name=None):
    """A symbolic input placeholder: ``x = Input(shape=(28, 28))``."""
    layer = InputLayer(
        shape=shape, batch_size=batch_size, dtype=dtype or config.floatx(),
        batch_shape=batch_shape, name=name,
    )
    return layer.output
