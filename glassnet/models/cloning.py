"""clone_model: the same architecture with fresh weights."""
from glassnet import tree
from glassnet.layers.input_layer import Input, InputLayer
from glassnet.layers.lambda_layer import Lambda
from glassnet.models.functional import Functional
from glassnet.models.sequential import Sequential


def _clone_layer(layer):
    """A new layer from the old one's config: same names and settings, new initial weights."""
    config = layer.get_config()
    if isinstance(layer, Lambda):
        config["function"] = layer.function
    return type(layer).from_config(config)


def clone_model(model, input_tensors=None, clone_function=None):
    """A copy of a Sequential or functional model with freshly initialised weights.

    As in Keras 3, a compiled model's clone is compiled the same way (with a new
    optimizer of the same configuration).
    """
    clone_function = clone_function or _clone_layer
    if isinstance(model, Sequential):
        clone = Sequential(name=model.name)
        if model._input_layer is not None:
            clone.add(InputLayer(batch_shape=model._input_layer.batch_shape))
        for layer in model.layers:
            clone.add(clone_function(layer))
    elif isinstance(model, Functional):
        clone = _clone_functional(model, input_tensors, clone_function)
    else:
        raise ValueError(
            "clone_model: only Sequential and functional models can be cloned; a subclassed "
            f"model's structure lives in its code. Received: {type(model).__name__}"
        )
    if model.compiled:
        clone.compile(**_fresh_compile_arguments(model))
    return clone


def _clone_functional(model, input_tensors, clone_function):
    new_tensors = {}
    placeholders = tree.flatten(model.inputs)
    given = tree.flatten(input_tensors) if input_tensors is not None else [
        Input(batch_shape=p.shape, name=p.node.layer.name) for p in placeholders
    ]
    for old, new in zip(placeholders, given):
        new_tensors[id(old)] = new
    new_layers = {}
    for node in model._nodes:
        if isinstance(node.layer, InputLayer):
            continue
        layer = new_layers.setdefault(id(node.layer), clone_function(node.layer))
        args = tree.map_structure(lambda t: new_tensors[id(t)], node.inputs)
        result = layer(args, *node.args, **node.kwargs)
        for old, new in zip(tree.flatten(node.outputs), tree.flatten(result)):
            new_tensors[id(old)] = new
    outputs = tree.map_structure(lambda t: new_tensors[id(t)], model.outputs)
    inputs = tree.map_structure(lambda t: new_tensors[id(t)], model.inputs)
    return Functional(inputs, outputs, name=model.name)


def _fresh_compile_arguments(model):
    arguments = dict(model._compile_config)
    optimizer = arguments["optimizer"]
    if not isinstance(optimizer, str):
        arguments["optimizer"] = type(model.optimizer).from_config(model.optimizer.get_config())
    return arguments
