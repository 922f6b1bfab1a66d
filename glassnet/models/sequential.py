"""Sequential: a plain stack of layers, each feeding the next."""
from glassnet import naming, tree
from glassnet.layers.input_layer import InputLayer
from glassnet.layers.keras_tensor import KerasTensor
from glassnet.layers.layer import Layer, name_scope
from glassnet.models.model import Model


class Sequential(Model):
    """A model whose layers are applied one after the other.

    Build it from a list, or with ``add``.  When its input shape is known (an
    ``Input``/``InputLayer`` first, or ``input_shape=`` on the first layer) it is
    built at once, so ``summary()`` works before training; otherwise it is built
    on the first batch it sees.
    """

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(name=name or naming.unique_name("sequential"), trainable=trainable)
        self._input_layer = None
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        """Appends a layer (or an ``Input(...)`` placeholder as the input)."""
        if isinstance(layer, KerasTensor) and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise TypeError(
                f"{self.name}: only layers can be added to a Sequential model. "
                f"Received: {layer!r} of type {type(layer).__name__}"
            )
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError(
                    f"{self.name}: an InputLayer must come first. Received: {layer.name} "
                    f"after {len(self._layers)} layers"
                )
            self._input_layer = layer
            return
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(
                f"{self.name}: all layers must have unique names; {layer.name!r} is already "
                "in the model."
            )
        if not self._layers and self._input_layer is None and layer._input_shape_arg is not None:
            self._input_layer = InputLayer(shape=layer._input_shape_arg)
        self._layers.append(layer)
        if self._input_layer is not None:
            self._build_from_input()

    def pop(self):
        """Removes and returns the last layer."""
        if not self._layers:
            raise IndexError(f"{self.name}: there are no layers to pop.")
        layer = self._layers.pop()
        if self._input_layer is not None:
            self._build_from_input()  # the output shape and outputs of the shorter stack
        return layer

    def _build_from_input(self):
        """Runs the layers on the input placeholder, which builds them and records shapes."""
        x = self._input_layer.output
        with name_scope(self.name):
            for layer in self._layers:
                x = layer(x)
        self.output_shape = x.shape
        self._symbolic_output = x
        self.built = True

    @property
    def inputs(self):
        """[the input placeholder] once the model knows its input shape (as in Keras)."""
        return [self._symbolic("inputs")]

    @property
    def outputs(self):
        """[the last layer's symbolic output] once the model knows its input shape."""
        return [self._symbolic("outputs")]

    @property
    def input(self):
        return self.inputs[0]

    @property
    def output(self):
        return self.outputs[0]

    def _symbolic(self, what):
        output = getattr(self, "_symbolic_output", None)
        if self._input_layer is None or output is None:
            raise AttributeError(
                f"Sequential model '{self.name}' has no defined {what} yet: give it an "
                "Input (or build it / call it on data) first."
            )
        return self._input_layer.output if what == "inputs" else output

    @property
    def layers(self):
        """The layers, without the input layer (as Keras 3 lists them)."""
        return list(self._layers)

    @property
    def output_names(self):
        return ["output"]

    @property
    def input_shape(self):
        return None if self._input_layer is None else self._input_layer.batch_shape

    def build(self, input_shape=None):
        if input_shape is not None and self._input_layer is None:
            self._input_layer = InputLayer(batch_shape=(None,) + tuple(input_shape[1:]))
        if self._input_layer is not None:
            self._build_from_input()
        self.built = True

    def call(self, inputs, training=None):
        x = self._single_input(inputs)
        self._check_input(x)
        for layer in self._layers:
            x = layer(x, training=training)
        return x

    def _single_input(self, inputs):
        """The one input tensor, also when given wrapped as [x], (x,) or {"name": x}."""
        if not tree.is_nested(inputs):
            return inputs
        leaves = tree.flatten(inputs)
        if len(leaves) != 1:
            raise ValueError(
                f"{self.name}: a Sequential model takes exactly one input. "
                f"Received: {type(inputs).__name__} of {len(leaves)} inputs"
            )
        return leaves[0]

    def _check_input(self, inputs):
        if self._input_layer is None:
            return
        expected = self._input_layer.batch_shape
        actual = tuple(inputs.shape)
        if len(expected) != len(actual) or any(
            e is not None and e != a for e, a in zip(expected, actual)
        ):
            raise ValueError(
                f"Input 0 of model \"{self.name}\" is incompatible: expected shape "
                f"{(None,) + tuple(expected[1:])}, found shape {actual}"
            )

    # --- configuration --------------------------------------------------------
    def get_config(self):
        """Keras 3's Sequential config: name, trainable, dtype, the layers (the InputLayer
        first when the model has one), each with its build_config, and the input shape."""
        from glassnet.saving import serialization_lib

        entries, shape = [], None
        if self._input_layer is not None:
            entries.append(serialization_lib.serialize_layer(self._input_layer))
            shape = self._input_layer.batch_shape
        for layer in self._layers:
            entries.append(serialization_lib.serialize_layer(layer, shape))
            shape = None if shape is None else layer.output_shape
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": serialization_lib.serialize_dtype_policy(self.dtype),
            "layers": entries,
        }
        build_shape = self._built_input_shape()
        if build_shape is not None:
            config["build_input_shape"] = build_shape
        return config

    def get_build_config(self):
        """``{"input_shape": batch shape}`` once the input shape is known, else None."""
        shape = self._built_input_shape()
        return None if shape is None else {"input_shape": shape}

    def _built_input_shape(self):
        if self._input_layer is not None:
            return tuple(self._input_layer.batch_shape)
        first = self._layers[0] if self._layers else None
        if first is not None and first.built and isinstance(first._build_shape, tuple):
            return (None,) + tuple(first._build_shape[1:])  # built on data: batch unknown
        return None

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds the model from ``get_config()``'s dict (or Keras'), built when the
        config gives its input shape."""
        from glassnet.saving import serialization_lib

        if "name" not in config or "layers" not in config:
            raise ValueError(
                "A Sequential model configuration must be a dictionary containing the "
                f"'name' and 'layers' keys. Received: config={config}"
            )
        model = cls(name=config["name"], trainable=config.get("trainable", True))
        layer_configs = config["layers"]
        if config.get("build_input_shape") or any(
            entry.get("class_name") == "InputLayer" for entry in layer_configs[:1]
        ):  # the model builds its layers (in its name scope): their build_configs can wait
            layer_configs = [_without_build_config(entry) for entry in layer_configs]
        for layer_config in layer_configs:
            model.add(serialization_lib.deserialize_keras_object(
                layer_config, custom_objects=custom_objects))
        build_shape = config.get("build_input_shape")
        if not model.built and isinstance(build_shape, (list, tuple)) and build_shape:
            model.build(tuple(build_shape))
        return model


def _without_build_config(entry):
    return {key: value for key, value in entry.items() if key != "build_config"}
