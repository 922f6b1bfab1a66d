"""Adagrad: per-parameter learning rates scaled by the accumulated squared gradients."""
import numpy as np

from glassnet.optimizers.base import Optimizer


class Adagrad(Optimizer):
    """AdaGrad (``keras.optimizers.Adagrad``).

    Equations (g = grad J(theta), s starts at initial_accumulator_value):
        s     <- s + g (x) g
        theta <- theta - eta g (/) sqrt(s + epsilon)
    (x) and (/) are element-wise.  Keras computes exactly this form (epsilon
    inside the square root, as in the lecture).

    Arguments:
        learning_rate: eta, default 0.001.
        initial_accumulator_value: the starting value of s (>= 0), default 0.1.
        epsilon: default 1e-7.
        Plus the arguments shared by every optimizer (see ``Optimizer``).

    Slot per variable: ``accumulator`` (s).
    """

    def __init__(
        self,
        learning_rate=0.001,
        initial_accumulator_value=0.1,
        epsilon=1e-7,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        name=None,
        **kwargs,
    ):
        super().__init__(
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            name=name,
            **kwargs,
        )
        self.initial_accumulator_value = self._check_float(
            "initial_accumulator_value", initial_accumulator_value, low=0.0
        )
        self.epsilon = self._check_float("epsilon", epsilon, low=0.0)

    def slot_specs(self):
        return [("accumulator", self.initial_accumulator_value)]

    def update_step(self, g, variable, eta):
        """The equations above, one statement each."""
        theta = variable.data
        s = self._slot(variable, "accumulator")

        s[...] = s + g * g
        theta[...] = theta - eta * g / np.sqrt(s + self.epsilon)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon,
            }
        )
        return config
