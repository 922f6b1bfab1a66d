"""Merge layers: combine a list of tensors into one.

Classes (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate) and Keras'
functional shortcuts (``add([a, b])`` is ``Add()([a, b])``, and so on).
"""
from glassnet import ops
from glassnet.layers.layer import Layer


class Merge(Layer):
    """Base of the element-wise merges: checks it gets a list of two or more tensors."""

    def _check_inputs(self, inputs):
        is_list = isinstance(inputs, (list, tuple))
        if not is_list or len(inputs) < 2:
            raise ValueError(
                f"{type(self).__name__} \"{self.name}\": expected a list of at least 2 inputs. "
                f"Received: {type(inputs).__name__} of length {len(inputs) if is_list else 1}"
            )

    def build(self, input_shape):
        self._check_inputs(input_shape)

    def call(self, inputs):
        self._check_inputs(inputs)
        return self._merge(list(inputs))


class Add(Merge):
    """y = x_1 + x_2 + ... + x_n"""

    def _merge(self, inputs):
        total = inputs[0]
        for x in inputs[1:]:
            total = total + x
        return total


class Subtract(Merge):
    """y = x_1 - x_2 (exactly two inputs)"""

    def _check_inputs(self, inputs):
        super()._check_inputs(inputs)
        if len(inputs) != 2:
            raise ValueError(
                f"Subtract \"{self.name}\": expected exactly 2 inputs. "
                f"Received: {len(inputs)} inputs"
            )

    def _merge(self, inputs):
        return inputs[0] - inputs[1]


class Multiply(Merge):
    """y = x_1 * x_2 * ... * x_n (element-wise)"""

    def _merge(self, inputs):
        product = inputs[0]
        for x in inputs[1:]:
            product = product * x
        return product


class Average(Merge):
    """y = (x_1 + ... + x_n) / n"""

    def _merge(self, inputs):
        return Add._merge(self, inputs) / float(len(inputs))


class Maximum(Merge):
    """y = max(x_1, ..., x_n) (element-wise)"""

    def _merge(self, inputs):
        result = inputs[0]
        for x in inputs[1:]:
            result = ops.maximum(result, x)
        return result


class Minimum(Merge):
    """y = min(x_1, ..., x_n) (element-wise)"""

    def _merge(self, inputs):
        result = inputs[0]
        for x in inputs[1:]:
            result = ops.minimum(result, x)
        return result


class Concatenate(Merge):
    """Joins the inputs along ``axis``; they must agree on every other axis."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape):
        self._check_inputs(input_shape)
        reference = list(input_shape[0])
        for shape in input_shape[1:]:
            if len(shape) != len(reference) or any(
                a != b for i, (a, b) in enumerate(zip(reference, shape))
                if i != self.axis % len(reference) and i != 0
            ):
                raise ValueError(
                    f"Concatenate \"{self.name}\": inputs must match on every axis but the "
                    f"concatenation axis ({self.axis}). Received: input shapes {list(input_shape)}"
                )

    def _merge(self, inputs):
        return ops.concatenate(inputs, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)
