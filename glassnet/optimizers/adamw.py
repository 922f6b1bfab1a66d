"""AdamW: Adam with decoupled weight decay."""
from glassnet.optimizers.adam import Adam


class AdamW(Adam):
    """AdamW (``keras.optimizers.AdamW``): Adam plus decoupled weight decay.

    Equations (wd = weight_decay), before each Adam step:
        theta <- theta - theta * wd * eta
    then Adam's update (see ``Adam``).  The decay is applied to theta directly,
    not added to the gradient, so it is not rescaled by sqrt(s)
    (Loshchilov & Hutter, "Decoupled Weight Decay Regularization").

    As computed: the decay line is ``Optimizer``'s weight decay, the same for every
    optimizer (``_apply_weight_decay``, evaluated as theta - (theta wd) eta), and
    the rest is ``Adam.update_step`` unchanged; AdamW only makes weight_decay required.

    Arguments:
        learning_rate: eta, default 0.001.
        weight_decay: wd, default 0.004 (None is not allowed).
        beta_1, beta_2, epsilon, amsgrad: as in ``Adam``.
        Plus the arguments shared by every optimizer (see ``Optimizer``).
    """

    def __init__(
        self,
        learning_rate=0.001,
        weight_decay=0.004,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        name=None,
        **kwargs,
    ):
        if weight_decay is None:
            raise ValueError(
                "AdamW: `weight_decay` must be a float. Received: weight_decay=None"
            )
        super().__init__(
            learning_rate=learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            name=name,
            **kwargs,
        )
