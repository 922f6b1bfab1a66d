"""Adam: momentum on the gradient plus RMSProp-style scaling, bias-corrected."""
import numpy as np

from glassnet.optimizers.base import Optimizer


class Adam(Optimizer):
    """Adam, optionally AMSGrad (``keras.optimizers.Adam``).

    Equations, textbook form (g = grad J(theta), t = step number from 1):
        m     <- beta_1 m + (1 - beta_1) g
        s     <- beta_2 s + (1 - beta_2) g (x) g
        m_hat <- m / (1 - beta_1^t)
        s_hat <- s / (1 - beta_2^t)
        theta <- theta - eta m_hat (/) (sqrt(s_hat) + epsilon)
    (The lecture's last line reads "theta + eta m_hat (/) sqrt(s_hat + epsilon)": its
    source accumulates m from -grad J, a minus its first line lost, and it puts
    epsilon inside the square root.  The descent step is the same.)

    As computed (Keras), with the bias correction folded into the step size:
        m     <- m + (1 - beta_1) (g - m)
        s     <- s + (1 - beta_2) (g (x) g - s)
        alpha <- eta sqrt(1 - beta_2^t) / (1 - beta_1^t)
        theta <- theta - alpha m (/) (sqrt(s) + epsilon_hat)
    Why they agree: multiplying the textbook step through by sqrt(1 - beta_2^t)
    gives exactly this with epsilon_hat = epsilon sqrt(1 - beta_2^t); Keras'
    ``epsilon`` is that epsilon_hat (Kingma & Ba, just before section 2.1).

    amsgrad=True divides by the largest s seen so far instead of s:
        s_max <- max(s_max, s);   theta <- theta - alpha m (/) (sqrt(s_max) + epsilon_hat)

    Arguments:
        learning_rate: eta, default 0.001.
        beta_1, beta_2: decay rates of m and s, defaults 0.9 and 0.999.
        epsilon: epsilon_hat, default 1e-7.
        amsgrad: default False.
        Plus the arguments shared by every optimizer (see ``Optimizer``).

    Slots per variable: ``momentum`` (m), ``velocity`` (s), ``velocity_hat``
    (s_max, when amsgrad).
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
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
        self.amsgrad = bool(amsgrad)

    def slot_specs(self):
        specs = [("momentum", 0.0), ("velocity", 0.0)]
        if self.amsgrad:
            specs.append(("velocity_hat", 0.0))
        return specs

    def slot_groups(self):
        """Keras 3 interleaves momentum and velocity per variable; the velocity_hats
        (amsgrad) come after all of them, from a second pass."""
        groups = [["momentum", "velocity"]]
        if self.amsgrad:
            groups.append(["velocity_hat"])
        return groups

    def update_step(self, g, variable, eta):
        """The "as computed" equations above, one statement each (a compiled train step
        runs them as one pass per variable: ``glassnet.compiler.kernels``)."""
        theta = variable.data
        cast = theta.dtype.type
        t = cast(self.iterations.data + 1)
        beta_1, beta_2, epsilon_hat = self.beta_1, self.beta_2, self.epsilon
        m = self._slot(variable, "momentum")
        s = self._slot(variable, "velocity")

        m[...] = m + (1 - beta_1) * (g - m)
        s[...] = s + (1 - beta_2) * (g * g - s)
        alpha = eta * np.sqrt(1 - cast(beta_2) ** t) / (1 - cast(beta_1) ** t)
        if self.amsgrad:
            s_max = self._slot(variable, "velocity_hat")
            s_max[...] = np.maximum(s_max, s)
            s = s_max
        theta[...] = theta - alpha * m / (np.sqrt(s) + epsilon_hat)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
                "amsgrad": self.amsgrad,
            }
        )
        return config
