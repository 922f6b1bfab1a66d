"""RMSprop: gradients divided by a running root mean square of recent gradients."""
import numpy as np

from glassnet.optimizers.base import Optimizer


class RMSprop(Optimizer):
    """RMSProp, optionally centered and with momentum (``keras.optimizers.RMSprop``).

    Equations (g = grad J(theta), beta = rho):
        s     <- beta s + (1 - beta) g (x) g
        theta <- theta - eta g (/) sqrt(s + epsilon)
    The lecture's two lines, computed exactly so (epsilon inside the square root).
    centered=True also tracks the mean gradient g_bar and divides by an estimate
    of the gradient's variance, s - g_bar (x) g_bar, instead of its second moment s:
        g_bar <- beta g_bar + (1 - beta) g
        theta <- theta - eta g (/) sqrt(s - g_bar (x) g_bar + epsilon)
    momentum = mu > 0 accumulates the steps before applying them:
        m     <- mu m + eta g (/) sqrt(...)
        theta <- theta - m

    As computed (Keras), naming the second moment in use v:
        s     <- beta s + (1 - beta) g (x) g
        g_bar <- beta g_bar + (1 - beta) g           (centered)
        v      = s - g_bar (x) g_bar                 (centered; else v = s)
        theta <- theta - eta g (/) sqrt(v + epsilon) (momentum = 0)
    or, with momentum:
        m     <- mu m + eta g (/) sqrt(v + epsilon)
        theta <- theta - m

    Arguments:
        learning_rate: eta, default 0.001.
        rho: beta, the decay of the running averages, default 0.9.
        momentum: mu, a float in [0, 1], default 0.0.
        epsilon: default 1e-7.
        centered: default False.
        Plus the arguments shared by every optimizer (see ``Optimizer``).

    Slots per variable: ``velocity`` (s), ``momentum`` (m, when momentum > 0),
    ``average_gradient`` (g_bar, when centered).
    """

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.9,
        momentum=0.0,
        epsilon=1e-7,
        centered=False,
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
        self.rho = self._check_float("rho", rho, 0.0, 1.0)
        self.momentum = self._check_float("momentum", momentum, 0.0, 1.0)
        self.epsilon = self._check_float("epsilon", epsilon, low=0.0)
        self.centered = bool(centered)

    def slot_specs(self):
        specs = [("velocity", 0.0)]
        if self.momentum > 0:
            specs.append(("momentum", 0.0))
        if self.centered:
            specs.append(("average_gradient", 0.0))
        return specs

    def slot_groups(self):
        """Keras 3 creates all velocities, then all momentums, then all average
        gradients (one pass over the variables each)."""
        return [[slot] for slot, _ in self.slot_specs()]

    def update_step(self, g, variable, eta):
        """The "as computed" equations above, one statement each."""
        theta = variable.data
        # Python floats: NumPy applies them in the variable's dtype.
        beta, mu, epsilon = self.rho, self.momentum, self.epsilon
        s = self._slot(variable, "velocity")

        s[...] = beta * s + (1 - beta) * (g * g)
        v = s
        if self.centered:
            g_bar = self._slot(variable, "average_gradient")
            g_bar[...] = beta * g_bar + (1 - beta) * g
            v = s - g_bar * g_bar
        if mu > 0:
            m = self._slot(variable, "momentum")
            m[...] = mu * m + eta * g / np.sqrt(v + epsilon)
            theta[...] = theta - m
        else:
            theta[...] = theta - eta * g / np.sqrt(v + epsilon)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "rho": self.rho,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "centered": self.centered,
            }
        )
        return config
