"""SGD: gradient descent, with optional momentum and Nesterov momentum."""
from glassnet.optimizers.base import Optimizer


class SGD(Optimizer):
    """Gradient descent with (Nesterov) momentum (``keras.optimizers.SGD``).

    Equations (g = grad J(theta), eta = learning rate, beta = momentum):
        GD (momentum = 0):
            theta <- theta - eta g
        Momentum:
            m     <- beta m - eta g
            theta <- theta + m
        Nesterov, as in the lecture (gradient at the look-ahead point):
            m     <- beta m - eta grad J(theta + beta m)
            theta <- theta + m
        Nesterov, as computed (Keras):
            m     <- beta m - eta g
            theta <- theta + (beta m - eta g)
        The two agree: Keras stores the look-ahead point theta~ = theta + beta m,
        where it evaluates g; substituting gives theta~ <- theta~ + beta m_new - eta g.

    Arguments:
        learning_rate: eta, default 0.01.
        momentum: beta, a float in [0, 1], default 0.0 (plain gradient descent).
        nesterov: use Nesterov momentum, default False.
        Plus the arguments shared by every optimizer (see ``Optimizer``).

    Slot per variable: ``momentum`` (m), only when momentum > 0.
    """

    def __init__(
        self,
        learning_rate=0.01,
        momentum=0.0,
        nesterov=False,
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
        self.momentum = self._check_float("momentum", momentum, 0.0, 1.0, deprecate_int=True)
        self.nesterov = bool(nesterov)

    def slot_specs(self):
        return [("momentum", 0.0)] if self.momentum != 0 else []

    def update_step(self, g, variable, eta):
        """The equations above, one statement each (a compiled train step runs GD and
        momentum as one pass per variable: ``glassnet.compiler.kernels``)."""
        theta = variable.data
        if self.momentum == 0:
            theta[...] = theta - eta * g
            return
        beta = theta.dtype.type(self.momentum)
        m = self._slot(variable, "momentum")

        m[...] = beta * m - eta * g
        if self.nesterov:
            theta[...] = theta + (beta * m - eta * g)
        else:
            theta[...] = theta + m

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
