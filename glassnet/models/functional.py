"""Functional models: ``Model(inputs, outputs)`` traced from ``Input`` placeholders.

Calling layers on KerasTensors records ``Node``s (layer, inputs, outputs).  The
model collects the nodes between its inputs and outputs in topological order
and, when called on real tensors, replays them: each node's layer runs on the
values of its input placeholders.  A layer used in several nodes (a shared
layer) runs several times with the same weights.

``layers`` are in Keras 3's order (``map_graph`` in keras/src/ops/function.py): by
depth, the layers farthest from the outputs first, and at equal depth in the order a
depth-first walk from the outputs first meets them.  That order names the groups of a
saved weights file (``layers/dense``, ``layers/dense_1``, ...).  ``get_config`` and
``from_config`` write and read Keras' layout: each layer's config with its
``inbound_nodes`` (the call arguments, tensors as ``__keras_tensor__`` entries with
their ``keras_history`` [layer name, node index, tensor index]), and the
``input_layers`` and ``output_layers`` of the model.
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
        self._nodes, self._layers = _map_graph(inputs, outputs)
        self._input_layers = [t.node.layer for t in tree.flatten(inputs)]
        self.built = True
        self.output_shape = tree.map_structure(lambda t: t.shape, outputs)

    @property
    def layers(self):
        """Every layer of the graph, InputLayers included (as Keras 3 lists them)."""
        return list(self._layers)

    @property
    def output_names(self):
        """The keys of a dict of outputs (as Keras 3 names them), else the output layers'
        names."""
        if isinstance(self.outputs, dict):
            return list(self.outputs)
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
            def value(leaf):
                return values[id(leaf)] if isinstance(leaf, KerasTensor) else leaf

            first = tree.map_structure(value, node.inputs)
            args = tree.map_structure(value, node.args)
            kwargs = tree.map_structure(value, node.kwargs)
            result = node.layer(first, *args, **{**kwargs, "training": training})
            for placeholder, value in zip(tree.flatten(node.outputs), tree.flatten(result)):
                values[id(placeholder)] = value
        return tree.map_structure(lambda t: values[id(t)], self.outputs)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Keras 3's table with a "Connected to" column: one row per layer, in ``layers``
        order, listing the tensors each of its calls took (``dense[0][0]``)."""
        history = _tensor_histories(self._nodes)
        rows = []
        for layer in self._layers:
            name, shape, params = summary.layer_row(layer)
            inbound = [
                _history_text(history[id(t)])
                for node in self._nodes if node.layer is layer and node.inputs is not None
                for t in _node_tensors(node) if id(t) in history
            ]
            rows.append((name, shape, params, ", ".join(inbound) or "-"))
        summary.print_summary(self, rows, connected=True, print_fn=print_fn)

    # --- configuration --------------------------------------------------------
    @property
    def input(self):
        """The model's input placeholder(s), as given to ``Model(inputs, outputs)``."""
        return self.inputs

    @property
    def output(self):
        """The model's output placeholder(s), as given to ``Model(inputs, outputs)``."""
        return self.outputs

    def get_config(self):
        """Keras 3's functional config: name, trainable, the layers with their inbound
        nodes, and the input and output tensors as [layer name, node index, tensor index]."""
        from glassnet.saving import serialization_lib

        history = _tensor_histories(self._nodes)
        layer_configs = []
        for layer in self._layers:
            nodes = [node for node in self._nodes if node.layer is layer]
            entry = serialization_lib.serialize_layer(layer, _built_input_shape(nodes))
            entry["name"] = layer.name
            entry["inbound_nodes"] = [
                _node_config(node, history) for node in nodes
                if node.inputs is not None and not isinstance(layer, InputLayer)
            ]
            layer_configs.append(entry)
        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": layer_configs,
            "input_layers": tree.map_structure(lambda t: _endpoint(history, t), self.inputs),
            "output_layers": tree.map_structure(lambda t: _endpoint(history, t), self.outputs),
        }

    def get_build_config(self):
        """Keras writes ``{"input_shape": None}``: a functional model is built by its graph."""
        return {"input_shape": None}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds the graph from ``get_config()``'s dict (or Keras'): makes every layer,
        then calls each on its inbound nodes' tensors once they exist (a shared layer's
        later calls may wait for layers listed after it)."""
        from glassnet.saving import serialization_lib

        created, produced, pending = {}, {}, {}
        for layer_data in config["layers"]:
            layer = serialization_lib.deserialize_keras_object(
                {key: value for key, value in layer_data.items() if key != "build_config"},
                custom_objects=custom_objects,
            )  # the layers are built by their calls below
            name = layer_data.get("name", layer.name)
            created[name] = layer
            produced[name] = [[layer.output]] if isinstance(layer, InputLayer) else []
            pending[name] = list(layer_data.get("inbound_nodes") or [])
        _replay_nodes(created, produced, pending)

        def tensor(entry):
            name, node_index, tensor_index = entry
            node_index -= _node_offset(created.get(name))
            return _lookup_tensor(created, produced, name, node_index, tensor_index)

        return cls(
            inputs=_map_history(tensor, config["input_layers"]),
            outputs=_map_history(tensor, config["output_layers"]),
            name=config.get("name"),
            trainable=config.get("trainable", True),
        )


_functional_subclasses = {}


def functional_subclass(cls):
    """``cls`` (a Model subclass) made functional: a class deriving from both, so that
    ``CustomModel(inputs, outputs)`` has the graph of Functional and the methods of
    CustomModel (``train_step``, ...).  Keras does this by rewriting the class's
    bases; a derived class leaves the user's class unchanged.  One per class."""
    if cls not in _functional_subclasses:
        _functional_subclasses[cls] = type(cls.__name__, (cls, Functional), {
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
            "__doc__": cls.__doc__,
        })
    return _functional_subclasses[cls]


def _map_graph(inputs, outputs):
    """(nodes in an order to run them, layers in Keras' order) of the graph from the
    inputs to the outputs.

    As Keras' ``map_graph``: a depth-first walk from each output (in order) lists the
    nodes inputs-first and numbers each layer when first met; a node's depth is the
    largest depth of the nodes that use it plus one (outputs: 0), a layer's the largest
    depth of its nodes.  Layers are sorted by decreasing depth, then by that number;
    nodes by decreasing depth, so each runs after the nodes it takes tensors from.
    An input that no output uses still lists its InputLayer.
    """
    postorder, first_seen = _walk(inputs, outputs)
    in_graph = {id(node) for node in postorder}
    node_depth, layer_depth = {}, {}
    for node in reversed(postorder):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = depth
        for parent in _parent_nodes(node):
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    layers = {id(node.layer): node.layer for node in postorder}
    for tensor in _keras_flatten(inputs):
        layer = tensor.node.layer
        if id(layer) not in layers and isinstance(layer, InputLayer):
            layers[id(layer)] = layer
            layer_depth[id(layer)], first_seen[id(layer)] = 0, -1
            node_depth[id(tensor.node)] = 0
            postorder.append(tensor.node)
    order = sorted(layers, key=lambda key: (-layer_depth[key], first_seen[key]))
    nodes = sorted(postorder, key=lambda node: -node_depth[id(node)])  # stable: postorder
    return nodes, [layers[key] for key in order]


def _walk(inputs, outputs):
    """(nodes in depth-first postorder from the outputs, {id(layer): first-seen number})."""
    postorder, finished, first_seen = [], set(), {}
    input_ids = {id(t) for t in tree.flatten(inputs)}

    def visit(tensor):
        node = tensor.node
        if id(node) in finished:
            return
        first_seen.setdefault(id(node.layer), len(first_seen))
        if id(tensor) not in input_ids:  # a model input: the graph starts here
            if node.inputs is None:
                raise ValueError(
                    f"Graph disconnected: the placeholder {tensor} is needed to compute the "
                    "outputs but is not among the model's `inputs`."
                )
            for parent in _node_tensors(node):
                visit(parent)
        finished.add(id(node))
        postorder.append(node)

    for tensor in _keras_flatten(outputs):
        visit(tensor)
    return postorder, first_seen


def _keras_flatten(structure):
    """The leaves in Keras' order: dicts by sorted key (as Keras' tree.flatten)."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in _keras_flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _keras_flatten(item)]
    return [structure]


def _node_tensors(node):
    """The placeholders a node's call took: its inputs, then any in its other arguments
    (``Endpoint()(targets, logits)``)."""
    leaves = _keras_flatten(node.inputs) + _keras_flatten(list(node.args))
    leaves += _keras_flatten(node.kwargs)
    return [leaf for leaf in leaves if isinstance(leaf, KerasTensor)]


def _parent_nodes(node):
    if node.inputs is None:
        return []
    return [t.node for t in _node_tensors(node)]


# --------------------------------------------------------------------------
# the graph in configs
# --------------------------------------------------------------------------


def _node_offset(layer):
    """In ``input_layers``/``output_layers`` Keras counts a nested functional model's own
    graph as its node 0 (not in the inbound nodes' keras_history)."""
    return 1 if isinstance(layer, Functional) else 0


def _tensor_histories(nodes):
    """{id(tensor): (layer name, node index, tensor index)} for every tensor the nodes
    produce; node indices count each layer's nodes in this model, in run order."""
    history, counts = {}, {}
    for node in nodes:
        layer = node.layer
        index = counts.get(id(layer), 0)
        counts[id(layer)] = index + 1
        for position, tensor in enumerate(tree.flatten(node.outputs)):
            history[id(tensor)] = (layer.name, index, position)
    return history


def _endpoint(history, tensor):
    """An ``input_layers``/``output_layers`` entry: [layer name, node index, tensor index]."""
    name, node_index, tensor_index = history[id(tensor)]
    return [name, node_index + _node_offset(tensor.node.layer), tensor_index]


def _history_text(entry):
    name, node_index, tensor_index = entry
    return f"{name}[{node_index}][{tensor_index}]"


def _built_input_shape(nodes):
    """The input shapes of a layer's first call in the model (what it was built for)."""
    for node in nodes:
        if node.inputs is not None:
            return tree.map_structure(lambda t: t.shape, node.inputs)
    return None


def _node_config(node, history):
    """``{"args": [...], "kwargs": {...}}`` of one call, tensors as ``__keras_tensor__``."""
    from glassnet.saving import serialization_lib

    def encode(value):
        if isinstance(value, KerasTensor):
            return serialization_lib.keras_tensor_config(value, history[id(value)])
        return serialization_lib.serialize_keras_object(value)

    args = [tree.map_structure(encode, node.inputs)]
    args += [tree.map_structure(encode, arg) for arg in node.args]
    kwargs = {key: tree.map_structure(encode, value) for key, value in node.kwargs.items()}
    if "mask" not in kwargs and _takes_mask_in_keras(node.layer):
        kwargs["mask"] = tree.map_structure(lambda _: None, node.inputs)  # Keras: no mask
    return {"args": args, "kwargs": kwargs}


# Keras layers whose call() takes ``mask``: Keras records ``mask=None`` in their nodes
_KERAS_MASK_ARGUMENT = frozenset({"BatchNormalization", "Functional", "GlobalAveragePooling1D",
                                  "Lambda", "Sequential", "Softmax"})


def _takes_mask_in_keras(layer):
    return any(base.__name__ in _KERAS_MASK_ARGUMENT for base in type(layer).__mro__)


class _NotReady(Exception):
    """A node needs a tensor that a layer later in the config has yet to produce."""


def _replay_nodes(created, produced, pending):
    """Calls the layers on their inbound nodes, in config order, until all are done."""
    while any(pending.values()):
        progress = False
        for name, queue in pending.items():
            while queue:
                try:
                    args, kwargs = _node_arguments(queue[0], created, produced)
                except _NotReady:
                    break
                outputs = created[name](*args, **kwargs)
                produced[name].append(tree.flatten(outputs))
                queue.pop(0)
                progress = True
        if not progress:
            waiting = {name: queue for name, queue in pending.items() if queue}
            raise ValueError(
                "Invalid Functional model configuration. The graph of the Functional model "
                "either has loops or disconnected nodes. The following nodes failed to be "
                f"resolved: {waiting}"
            )


def _node_arguments(node_data, created, produced):
    """(args, kwargs) of one inbound node; Keras 2's list form is read too."""
    from glassnet.saving import serialization_lib

    if isinstance(node_data, list):  # Keras 2: [[layer name, node, tensor, kwargs], ...]
        tensors = [_lookup_tensor(created, produced, *entry[:3]) for entry in node_data]
        kwargs = node_data[0][3] if node_data and len(node_data[0]) > 3 else {}
        return [tensors[0] if len(tensors) == 1 else tensors], kwargs
    args = serialization_lib.deserialize_keras_object(node_data.get("args", []))
    kwargs = serialization_lib.deserialize_keras_object(node_data.get("kwargs", {}))

    def revive(value):
        history = getattr(value, "_pre_serialization_keras_history", None)
        if isinstance(value, KerasTensor) and history is not None:
            return _lookup_tensor(created, produced, *history)
        return value

    return tree.map_structure(revive, args), tree.map_structure(revive, kwargs or {})


def _lookup_tensor(created, produced, layer_name, node_index, tensor_index):
    if layer_name not in created:
        raise ValueError(
            f"Invalid Functional model configuration: unknown layer {layer_name!r}. "
            f"Layers in the config: {sorted(created)}"
        )
    calls = produced[layer_name]
    if node_index >= len(calls):
        raise _NotReady(layer_name)
    return calls[node_index][tensor_index]


def _map_history(lookup, structure):
    """Keras' input_layers/output_layers: a [name, node, tensor] leaf or lists/dicts of them."""
    if isinstance(structure, (list, tuple)) and len(structure) == 3 and isinstance(
        structure[0], str
    ):
        return lookup(structure)
    if isinstance(structure, dict):
        return {key: _map_history(lookup, value) for key, value in structure.items()}
    return [_map_history(lookup, value) for value in structure]


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
