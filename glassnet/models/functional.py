"""Functional models: ``Model(inputs, outputs)`` traced from ``Input`` placeholders.

Calling layers on KerasTensors records ``Node``s (layer, inputs, outputs).  The
model collects the nodes between its inputs and outputs in topological order
and, when called on real tensors, replays them: each node's layer runs on the
values of its input placeholders.  A layer used in several nodes (a shared
layer) runs several times with the same weights.
"""
from glassnet import naming, tree
from glassnet.layers.input_layer import InputLayer
from glassnet.layers.keras_tensor import KerasTensor
from glassnet.models.model import Model
from glassnet.utils import summary


class Functional(Model):
    """A model defined by its input and output placeholders."""

    def __init__(self, inputs, outputs, name=None, trainable=True):
        super().__init__(name=name or naming.unique_name("functional"), trainable=trainable)
        self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs):
        for tensor in tree.flatten(inputs) + tree.flatten(outputs):
            if not isinstance(tensor, KerasTensor):
                raise TypeError(
                    f"{self.name}: inputs and outputs must be KerasTensors made with "
                    f"`Input(...)` and layer calls. Received: {type(tensor).__name__}"
                )
        self.inputs = inputs
        self.outputs = outputs
        self._nodes = _nodes_between(inputs, outputs)
        self._input_layers = [t.node.layer for t in tree.flatten(inputs)]
        self._layers = []
        for node in self._nodes:
            if node.layer not in self._layers:
                self._layers.append(node.layer)
        self.built = True
        self.output_shape = tree.map_structure(lambda t: t.shape, outputs)

    @property
    def layers(self):
        """Every layer of the graph, InputLayers included (as Keras 3 lists them)."""
        return list(self._layers)

    @property
    def output_names(self):
        return [t.node.layer.name for t in tree.flatten(self.outputs)]

    @property
    def input_shape(self):
        return tree.map_structure(lambda t: t.shape, self.inputs)

    def call(self, inputs, training=None):
        values = {}
        given = _match_inputs(self.name, self.inputs, inputs)
        for placeholder, value in zip(tree.flatten(self.inputs), given):
            _check_shape(self.name, placeholder, value)
            values[id(placeholder)] = value
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                continue
            args = tree.map_structure(lambda t: values[id(t)], node.inputs)
            result = node.layer(args, *node.args, **{**node.kwargs, "training": training})
            for placeholder, value in zip(tree.flatten(node.outputs), tree.flatten(result)):
                values[id(placeholder)] = value
        return tree.map_structure(lambda t: values[id(t)], self.outputs)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Keras 3's table with a "Connected to" column (the inbound layers of each node)."""
        rows = []
        for node in self._nodes:
            name, shape, params = summary.layer_row(node.layer)
            inbound = [
                f"{t.node.layer.name}[0][0]" for t in tree.flatten(node.inputs) if t is not None
            ]
            rows.append((name, shape, params, ", ".join(inbound) or "-"))
        summary.print_summary(self, rows, connected=True, print_fn=print_fn)

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable}


def _nodes_between(inputs, outputs):
    """The nodes from the inputs to the outputs, each after the nodes it depends on."""
    order, visited = [], set()
    input_ids = {id(t) for t in tree.flatten(inputs)}

    def visit(tensor):
        node = tensor.node
        if id(node) in visited:
            return
        visited.add(id(node))
        if id(tensor) in input_ids:  # a model input: the graph starts here
            order.append(node)
            return
        if node.inputs is None:
            raise ValueError(
                f"Graph disconnected: the placeholder {tensor} is needed to compute the "
                "outputs but is not among the model's `inputs`."
            )
        for parent in tree.flatten(node.inputs):
            if isinstance(parent, KerasTensor):
                visit(parent)
        order.append(node)

    for tensor in tree.flatten(outputs):
        visit(tensor)
    return order


def _match_inputs(model_name, placeholders, inputs):
    """The given inputs, flattened in the order of the placeholders."""
    expected = tree.flatten(placeholders)
    if isinstance(inputs, dict):
        names = [p.node.layer.name for p in expected]
        missing = [name for name in names if name not in inputs]
        if missing:
            raise ValueError(
                f"{model_name}: missing inputs {missing}. Received keys: {sorted(inputs)}"
            )
        return [inputs[name] for name in names]
    given = tree.flatten(inputs)
    if len(given) != len(expected):
        raise ValueError(
            f"{model_name}: the model expects {len(expected)} input(s), "
            f"but it received {len(given)} input tensors."
        )
    return given


def _check_shape(model_name, placeholder, value):
    expected = placeholder.shape
    actual = tuple(value.shape)
    compatible = len(expected) == len(actual) and all(
        e is None or e == a for e, a in zip(expected, actual)
    )
    if not compatible:
        raise ValueError(
            f"Input {placeholder.name or ''} of model \"{model_name}\" is incompatible: "
            f"expected shape {expected}, found shape {actual}"
        )
