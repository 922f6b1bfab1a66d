"""Adamax: Adam with the infinity norm in place of the root mean square."""
import numpy as np

from glassnet.optimizers.base import Optimizer


class Adamax(Optimizer):
    """Adamax (``keras.optimizers.Adamax``; Kingma & Ba, section 7.1).

    Equations (g = grad J(theta), t = step number from 1):
        m     <- beta_1 m + (1 - beta_1) g
        u     <- max(beta_2 u, |g|)
        theta <- theta - (eta / (1 - beta_1^t)) m (/) u
    m / (1 - beta_1^t) is Adam's bias-corrected m_hat; u needs no correction.

    As computed (Keras), m rearranged and epsilon guarding the division:
        m     <- m + (1 - beta_1) (g - m)
        u     <- max(beta_2 u, |g|)
        theta <- theta - eta m (/) ((1 - beta_1^t) (u + epsilon))

    Arguments:
        learning_rate: eta, default 0.001.
        beta_1, beta_2: decay rates of m and u, defaults 0.9 and 0.999.
        epsilon: default 1e-7.
        Plus the arguments shared by every optimizer (see ``Optimizer``).

    Slots per variable: ``momentum`` (m), ``norm`` (u).
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
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
        self.beta_1 = self._check_float("beta_1", beta_1, 0.0, 1.0)
        self.beta_2 = self._check_float("beta_2", beta_2, 0.0, 1.0)
        self.epsilon = self._check_float("epsilon", epsilon, low=0.0)

    def slot_specs(self):
        return [("momentum", 0.0), ("norm", 0.0)]

    def update_step(self, g, variable, eta):
        """The "as computed" equations above, one statement each."""
        theta = variable.data
        cast = theta.dtype.type
        t = cast(self.iterations.data + 1)
        beta_1, beta_2, epsilon = self.beta_1, self.beta_2, self.epsilon
        m = self._slot(variable, "momentum")
        u = self._slot(variable, "norm")

        m[...] = m + (1 - beta_1) * (g - m)
        u[...] = np.maximum(beta_2 * u, np.abs(g))
        theta[...] = theta - eta * m / ((1 - cast(beta_1) ** t) * (u + epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
