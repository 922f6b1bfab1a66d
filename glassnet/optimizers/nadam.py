"""Nadam: Adam with Nesterov momentum."""
import numpy as np

from glassnet import config
from glassnet.optimizers.base import Optimizer


class Nadam(Optimizer):
    """Nadam (``keras.optimizers.Nadam``; Dozat, 2016).

    Equations (g = grad J(theta), t = step number from 1).  The momentum
    coefficient follows a schedule, and u_prod is the running product of it:
        u_t    = beta_1 (1 - 0.5 * 0.96^t)
        u_t1   = beta_1 (1 - 0.5 * 0.96^(t+1))
        u_prod <- u_prod u_t                        (once per step; starts at 1)
        m      <- beta_1 m + (1 - beta_1) g
        s      <- beta_2 s + (1 - beta_2) g (x) g
        m_hat  <- u_t1 m / (1 - u_prod u_t1) + (1 - u_t) g / (1 - u_prod)
        s_hat  <- s / (1 - beta_2^t)
        theta  <- theta - eta m_hat (/) (sqrt(s_hat) + epsilon)
    m_hat is Nesterov's look-ahead: the momentum of the *next* step applied to m,
    plus the current gradient's own share, each bias-corrected.

    As computed (Keras); u_prod's update runs once per step, in ``begin_step``,
    before the per-variable lines:
        u_prod <- (u_prod beta_1) (1 - 0.5 * 0.96^t)
        u_t    = beta_1 (1 - 0.5 * 0.96^t)
        u_t1   = beta_1 (1 - 0.5 * 0.96^(t+1))
        m      <- m + (1 - beta_1) (g - m)
        s      <- s + (1 - beta_2) (g (x) g - s)
        m_hat  = u_t1 m / (1 - u_prod u_t1) + (1 - u_t) g / (1 - u_prod)
        s_hat  = s / (1 - beta_2^t)
        theta  <- theta - eta m_hat (/) (sqrt(s_hat) + epsilon)
    m and s are the textbook lines rearranged (beta m + (1 - beta) g = m + (1 - beta)(g - m)).

    Arguments:
        learning_rate: eta, default 0.001.
        beta_1, beta_2: decay rates of m and s, defaults 0.9 and 0.999.
        epsilon: default 1e-7.
        Plus the arguments shared by every optimizer (see ``Optimizer``).

    Slots per variable: ``momentum`` (m), ``velocity`` (s); plus one scalar
    variable ``u_product`` (u_prod) after them.
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
        return [("momentum", 0.0), ("velocity", 0.0)]

    def build(self, var_list):
        if self.built:
            return
        var_list = list(var_list)
        super().build(var_list)
        [(name, _, dtype)] = self.extra_variable_specs(var_list)
        self._u_product = self._add_variable(1.0, dtype, name)

    def extra_variable_specs(self, var_list):
        """The scalar ``u_product``, in the dtype of the first variable (as Keras)."""
        var_list = list(var_list)
        dtype = var_list[0].dtype if var_list else np.dtype(config.floatx())
        return [("u_product", (), dtype)]

    def begin_step(self):
        """u_prod's line of the "as computed" equations (once per step)."""
        u_prod = self._u_product.data
        cast = u_prod.dtype.type
        t = cast(self.iterations.data + 1)
        u_prod[...] = u_prod * self.beta_1 * (1.0 - 0.5 * cast(0.96) ** t)

    def update_step(self, g, variable, eta):
        """The per-variable "as computed" equations above, one statement each."""
        theta = variable.data
        cast = theta.dtype.type
        t = cast(self.iterations.data + 1)
        beta_1, beta_2, decay = cast(self.beta_1), cast(self.beta_2), cast(0.96)
        epsilon = self.epsilon
        u_prod = cast(self._u_product.data)
        m = self._slot(variable, "momentum")
        s = self._slot(variable, "velocity")

        u_t = beta_1 * (1.0 - 0.5 * decay**t)
        u_t1 = beta_1 * (1.0 - 0.5 * decay ** (t + 1))
        m[...] = m + (1 - beta_1) * (g - m)
        s[...] = s + (1 - beta_2) * (g * g - s)
        m_hat = u_t1 * m / (1 - u_prod * u_t1) + (1 - u_t) * g / (1 - u_prod)
        s_hat = s / (1 - beta_2**t)
        theta[...] = theta - eta * m_hat / (np.sqrt(s_hat) + epsilon)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
