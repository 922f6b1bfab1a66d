"""The Layer base class: weights, building on first call, names, configs.

A layer owns Variables created with ``add_weight`` in ``build(input_shape)``,
which runs on the first call, when the input's shape is known.  ``call(inputs,
training=None)`` computes the output with differentiable ops, so gradients
come for free.  Calling a layer on NumPy arrays runs it without recording a
graph and returns an array; calling it on Tensors returns a Tensor.
"""
import contextlib
import inspect
import warnings

import numpy as np

from glassnet import config, initializers, naming, regularizers, tree
from glassnet.autodiff import tape
from glassnet.autodiff.tensor import Tensor, no_grad
from glassnet.autodiff.variable import Variable
from glassnet.layers.keras_tensor import KerasTensor, Node

_name_scope = []  # names of the layers being called, outermost first (variable paths)



@contextlib.contextmanager
def name_scope(name):
    """Variables created inside get ``name/`` in their path (as models build their layers)."""
    _name_scope.append(name)
    try:
        yield
    finally:
        _name_scope.pop()


_LEGACY_SHAPE_ARGS = ("input_shape", "input_dim", "batch_input_shape", "batch_size")


class Layer:
    """Base class of every layer.

    Arguments:
        trainable: whether the layer's weights are updated during training.
        name: a unique name; by default the snake_case class name with a counter
            (``dense``, ``dense_1``, ...).
        dtype: the dtype of weights and computations (float32).
        activity_regularizer: a penalty on the layer's output, added to ``losses``.
        input_shape / input_dim: the shape of the input (without the batch axis)
            when the layer starts a ``Sequential`` model; prefer ``Input(shape)``.
    """

    def __init__(self, trainable=True, name=None, dtype=None, activity_regularizer=None, **kwargs):
        self._check_kwargs(kwargs)
        if name is not None and not isinstance(name, str):
            raise TypeError(
                f"{type(self).__name__}: name must be a string. Received: name={name!r}"
            )
        self.name = name or naming.unique_name(naming.to_snake_case(type(self).__name__))
        self.dtype = str(np.dtype(dtype or config.floatx()))
        self.built = False
        self._trainable = bool(trainable)
        self._trainable_variables = []  # own variables created trainable, in creation order
        self._non_trainable_variables = []
        self._layers = []
        self._losses = []
        self._build_shape = None
        self.output_shape = None  # (None, ...) once the layer has run
        self._forward_hooks = []
        self._inbound_nodes = []  # its calls on placeholders: layer.input / layer.output
        self.activity_regularizer = regularizers.get(activity_regularizer)

    def _check_kwargs(self, kwargs):
        unknown = sorted(set(kwargs) - set(_LEGACY_SHAPE_ARGS))
        if unknown:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                f"{ {k: kwargs[k] for k in unknown} }"
            )
        shape = kwargs.get("input_shape")
        if kwargs.get("batch_input_shape") is not None:
            shape = tuple(kwargs["batch_input_shape"])[1:]
        if kwargs.get("input_dim") is not None:
            shape = (kwargs["input_dim"],)
        self._input_shape_arg = None
        if shape is not None:
            warnings.warn(
                f"{type(self).__name__}: `input_shape`/`input_dim` is a Keras 2 spelling; "
                "prefer `keras.Input(shape)` as the model's first layer.",
                DeprecationWarning,
                stacklevel=3,
            )
            self._input_shape_arg = tuple(shape) if not isinstance(shape, int) else (shape,)

    forward_hooks_in_use = 0  # hooks registered on any layer (compiled steps check it)

    # --- sublayer tracking ------------------------------------------------
    _untracked = frozenset({"_layers", "_input_layer", "_input_layers"})

    def __setattr__(self, name, value):
        if name in self._untracked:
            pass
        elif isinstance(value, Layer):
            self.__dict__.setdefault("_layers", []).append(value)
        elif isinstance(value, (list, tuple)) and value and all(
            isinstance(v, Layer) for v in value
        ):
            self.__dict__.setdefault("_layers", []).extend(value)
        object.__setattr__(self, name, value)

    # --- weights ------------------------------------------------------------
    def add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable=True,
        regularizer=None,
        constraint=None,
        name=None,
    ):
        """Creates a Variable owned by this layer (call it from ``build``)."""
        shape = () if shape is None else tuple(int(n) for n in shape)
        dtype = dtype or self.dtype
        if initializer is None:
            initializer = "glorot_uniform" if np.dtype(dtype).kind == "f" else "zeros"
        name = name or f"variable_{len(self._own_weights())}"
        variable = Variable(
            initializers.get(initializer),
            shape=shape,
            dtype=dtype,
            trainable=trainable and self._trainable,
            name=name,
            constraint=constraint,
            regularizer=regularizers.get(regularizer),
            path=self._variable_path(name),
        )
        if trainable:
            self._trainable_variables.append(variable)
        else:
            self._non_trainable_variables.append(variable)
        return variable

    def _variable_path(self, name):
        """``outer/inner/name``: the names of the layers being called, then the variable's."""
        scope = _name_scope if _name_scope[-1:] == [self.name] else _name_scope + [self.name]
        return "/".join(scope + [name])

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Freezing a layer freezes its weights and its sublayers."""
        self._trainable = bool(value)
        for variable in self._trainable_variables:
            variable.trainable = self._trainable
        for layer in self._layers:
            layer.trainable = value

    @property
    def weights(self):
        """Own trainable, then own non-trainable variables, then the sublayers' (no duplicates)."""
        own = self._own_weights()
        if not self._layers:
            return own  # a layer's own variables are distinct
        nested = [v for layer in self._layers for v in layer.weights]
        return _unique(own + nested)

    def _own_weights(self):
        return self._trainable_variables + self._non_trainable_variables

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        return [v for v in self.weights if v.trainable]

    @property
    def non_trainable_weights(self):
        if not self._trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self):
        """Copies of the weights' values, in ``weights`` order."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        """Sets the weights from arrays; the count and every shape must match."""
        expected = self.weights
        weights = list(weights)
        if len(weights) != len(expected):
            raise ValueError(
                f"{self.name}: set_weights expected a list of {len(expected)} arrays "
                f"({[v.name for v in expected]}). Received: a list of {len(weights)} arrays"
            )
        for variable, value in zip(expected, weights):
            value = np.asarray(value)
            if value.shape != variable.shape:
                raise ValueError(
                    f"{self.name}: weight {variable.path} has shape {variable.shape}, "
                    f"but the array given for it has shape {value.shape}."
                )
        for variable, value in zip(expected, weights):
            variable.assign(value)

    def count_params(self):
        """The number of scalars in the layer's weights (the layer must be built)."""
        if not self.built:
            raise ValueError(
                f"{self.name}: you tried to call `count_params` on a layer that is not built "
                "yet. Call the layer on an input (or call `build`) first."
            )
        return int(sum(v.size for v in self.weights))

    # --- losses -------------------------------------------------------------
    def add_loss(self, loss):
        """Adds a scalar penalty (a Tensor) to the losses of this call."""
        self._losses.append(loss)

    @property
    def losses(self):
        """This call's added losses plus the weight penalties, for this layer and its sublayers."""
        penalties = [v.regularizer(v) for v in self._own_weights() if v.regularizer is not None]
        if not self._layers:
            return self._losses + penalties
        nested = [loss for layer in self._layers for loss in layer.losses]
        return self._losses + penalties + nested

    # --- watching -------------------------------------------------------------
    def register_forward_hook(self, hook):
        """Calls ``hook(layer, inputs, outputs)`` after every call; returns a function
        that removes it.  Diagnostics use it to watch activations; unused, it costs nothing.
        """
        self._forward_hooks.append(hook)
        Layer.forward_hooks_in_use += 1

        def remove():
            self._forward_hooks.remove(hook)
            Layer.forward_hooks_in_use -= 1

        return remove

    # --- calling ------------------------------------------------------------
    def build(self, input_shape):
        """Creates the weights once the input shape is known (default: none)."""
        self.built = True

    def call(self, inputs):
        """The forward computation (default: the identity)."""
        return inputs

    def __call__(self, inputs, *args, **kwargs):
        if type(inputs) is Tensor:  # the common case, in every training step
            return self._call_tensors(inputs, *args, **kwargs)
        if _is_symbolic(inputs) or ((args or kwargs) and _is_symbolic((args, kwargs))):
            return self._call_symbolic(inputs, *args, **kwargs)
        plain = not _contains_tensor(inputs) and not tape.is_recording()
        tensors = _to_tensors(inputs, self.dtype)
        if plain:
            with no_grad():
                return _to_arrays(self._call_tensors(tensors, *args, **kwargs))
        return self._call_tensors(tensors, *args, **kwargs)

    def _call_tensors(self, inputs, *args, **kwargs):
        shapes = inputs.data.shape if type(inputs) is Tensor else _shapes(inputs)
        if kwargs:
            kwargs = self._accepted(kwargs)
        _name_scope.append(self.name)
        try:
            self._maybe_build(shapes)
            self._check_input_shape(shapes)
            if self._losses:
                self._losses = []
            outputs = self.call(inputs, *args, **kwargs)
        finally:
            _name_scope.pop()
        if self.output_shape is None:
            self.output_shape = tree.map_structure(lambda t: _with_none_batch(t.shape), outputs)
        for hook in self._forward_hooks:
            hook(self, inputs, outputs)
        if self.activity_regularizer is not None:  # Keras 3: not divided by the batch size
            for output in tree.flatten(outputs):
                self.add_loss(self.activity_regularizer(output))
        return outputs

    def _accepted(self, kwargs):
        """``kwargs`` without ``training``/``mask`` when ``call`` does not take them."""
        for argument in ("training", "mask"):
            if argument in kwargs and not _accepts(self.call, argument):
                kwargs = {k: v for k, v in kwargs.items() if k != argument}
        return kwargs

    def _maybe_build(self, shapes):
        if self.built and self._build_shape is not None:
            return
        if not self.built:
            self.build(shapes)
            self.built = True
        self._build_shape = shapes

    def _check_input_shape(self, shapes):
        """A layer with weights cannot take an input whose last axis changed since the build."""
        built = self._build_shape
        same_kind = isinstance(shapes, tuple) and isinstance(built, tuple)
        if not same_kind or not self._own_weights():
            return
        if not shapes or not built or isinstance(shapes[0], tuple):
            return
        if shapes[-1] != built[-1]:
            raise ValueError(
                f"Input 0 of layer \"{self.name}\" is incompatible with the layer: "
                f"expected shape {_with_none_batch(built)}, found shape {shapes}"
            )

    def _call_symbolic(self, inputs, *args, **kwargs):
        """Calls the layer on placeholders: runs it on a batch of one to learn the output shape.

        When a size other than the batch is not known yet (``Input((None, None, 3))``) and
        the layer computes its own output shape (convolution, pooling, ...), the shapes come
        from ``compute_output_shape`` instead, so unknown sizes stay None.
        """
        node = Node(self, inputs, args, kwargs)
        self._inbound_nodes.append(node)
        if _has_unknown_sizes(inputs) and _computes_its_shapes(self):
            shapes = _shapes(inputs)
            self._maybe_build(shapes)
            output_shapes = self.compute_output_shape(shapes)
            if self.output_shape is None:
                self.output_shape = _map_shapes(output_shapes, _with_none_batch)
            node.outputs = _map_shapes(
                output_shapes, lambda shape: KerasTensor(shape, self.dtype, node=node)
            )
            return node.outputs
        dummy, dummy_args, dummy_kwargs = _dummy_inputs((inputs, args, kwargs), self.dtype)
        with no_grad():
            outputs = self._call_tensors(dummy, *dummy_args, **{"training": False,
                                                                **dummy_kwargs})
        self._losses = []  # what add_loss saw on the dummy batch is no loss (as in Keras)
        node.outputs = _to_symbolic(outputs, node, _batch_dimension(inputs))
        return node.outputs

    @property
    def input(self):
        """The placeholder(s) of the layer's first call on placeholders (Keras'
        ``layer.input``; an InputLayer's is its own placeholder)."""
        node = self._first_node("input")
        return node.outputs if node.inputs is None else node.inputs

    @property
    def output(self):
        """The placeholder(s) the layer's first call on placeholders returned."""
        return self._first_node("output").outputs

    def _first_node(self, what):
        if not self._inbound_nodes:
            raise NeverCalledError(
                f"The layer {self.name} has never been called and thus has no defined {what}."
            )
        return self._inbound_nodes[0]

    def compute_output_shape(self, input_shape):
        """The output shape for an input shape, found by a dry run; the batch size (the
        first input's first axis, possibly None) is kept, as in Keras."""
        placeholder = _map_shapes(input_shape, lambda shape: KerasTensor(shape, self.dtype))
        first = tree.flatten(placeholder)[0].shape
        batch = first[0] if first else None
        outputs = self._call_symbolic(placeholder)
        return tree.map_structure(lambda leaf: (batch,) + tuple(leaf.shape[1:]), outputs)

    # --- configuration --------------------------------------------------------
    def get_config(self):
        """The constructor arguments; ``from_config(get_config())`` makes an equal layer."""
        config_ = {"name": self.name, "trainable": self._trainable, "dtype": self.dtype}
        if self._input_shape_arg is not None:
            config_["batch_input_shape"] = (None,) + self._input_shape_arg
        return config_

    @classmethod
    def from_config(cls, config_):
        return cls(**config_)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


# --------------------------------------------------------------------------
# helpers for nested inputs (a tensor, or a list/tuple/dict of them)
# --------------------------------------------------------------------------


class NeverCalledError(ValueError, AttributeError):
    """``layer.input``/``output`` of a layer never called on placeholders: Keras' ValueError,
    and an AttributeError so that ``hasattr(layer, "output")`` is simply False."""


def _unique(variables):
    seen = set()
    result = []
    for v in variables:
        if id(v) not in seen:
            seen.add(id(v))
            result.append(v)
    return result






def _is_symbolic(x):
    return any(isinstance(leaf, KerasTensor) for leaf in tree.flatten(x))


def _contains_tensor(x):
    return any(isinstance(leaf, Tensor) for leaf in tree.flatten(x))


def _to_tensors(x, dtype):
    def convert(leaf):
        if isinstance(leaf, Tensor):
            return leaf
        array = np.asarray(leaf)
        if array.dtype.kind == "f" and array.dtype != np.dtype(dtype):
            array = array.astype(dtype)
        return Tensor(array)

    return tree.map_structure(convert, x)


def _to_arrays(x):
    return tree.map_structure(lambda leaf: leaf.data if isinstance(leaf, Tensor) else leaf, x)


def _shapes(x):
    return tree.map_structure(lambda leaf: tuple(leaf.shape), x)


def _map_shapes(shape_or_shapes, fn):
    if isinstance(shape_or_shapes, (list, tuple)) and shape_or_shapes and isinstance(
        shape_or_shapes[0], (list, tuple)
    ):
        return type(shape_or_shapes)(fn(tuple(s)) for s in shape_or_shapes)
    return fn(tuple(shape_or_shapes))


def _with_none_batch(shape):
    return (None,) + tuple(shape[1:])


def _has_unknown_sizes(x):
    return any(None in leaf.shape[1:] for leaf in tree.flatten(x) if isinstance(leaf, KerasTensor))


def _computes_its_shapes(layer):
    return type(layer).compute_output_shape is not Layer.compute_output_shape


def _dummy_inputs(x, dtype):
    def dummy(leaf):
        if not isinstance(leaf, KerasTensor):
            return leaf
        shape = tuple(1 if n is None else n for n in leaf.shape)
        return Tensor(np.zeros(shape, dtype=leaf.dtype or dtype))

    return tree.map_structure(dummy, x)


def _to_symbolic(outputs, node, batch=None):
    """Placeholders for the dummy run's outputs: their sizes, with the batch axis of the
    inputs (None unless fixed, as by ``Input(batch_shape=(16, ...))``)."""
    def symbolic(leaf):
        shape = (batch,) + tuple(leaf.shape[1:])
        return KerasTensor(shape, str(leaf.dtype), node=node)

    return tree.map_structure(symbolic, outputs)


def _batch_dimension(inputs):
    """The batch size of the first placeholder among ``inputs`` (None when not fixed)."""
    for leaf in tree.flatten(inputs):
        if isinstance(leaf, KerasTensor):
            return leaf.shape[0] if leaf.shape else None
    return None


_accepts_cache = {}


def _accepts(method, argument):
    """Whether ``method`` takes ``argument`` (cached per function)."""
    key = (method.__func__ if hasattr(method, "__func__") else method, argument)
    if key not in _accepts_cache:
        parameters = inspect.signature(method).parameters
        _accepts_cache[key] = argument in parameters or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
        )
    return _accepts_cache[key]
