"""BatchNormalization: zero-centre and normalise each feature, then scale and shift."""
from glassnet import constraints, initializers, ops, regularizers
from glassnet.autodiff import tracing
from glassnet.autodiff.tensor import Tensor
from glassnet.layers.layer import Layer
from glassnet.serialization import serialize, serialize_optional
from glassnet.validation import fraction, non_negative


class BatchNormalization(Layer):
    """Batch normalization (Ioffe & Szegedy, 2015).

    Equations (training, over the m instances of the mini-batch B):
        1. mu_B      = (1/m) sum_i x_i
        2. sigma_B^2 = (1/m) sum_i (x_i - mu_B)^2
        3. x_hat_i   = (x_i - mu_B) / sqrt(sigma_B^2 + epsilon)
        4. z_i       = gamma * x_hat_i + beta
    and the moving statistics used at inference:
        moving_mean     <- momentum * moving_mean     + (1 - momentum) * mu_B
        moving_variance <- momentum * moving_variance + (1 - momentum) * sigma_B^2
    At inference (``training`` false, or ``trainable=False``), steps 1-2 use the
    moving statistics instead.  gamma and beta are trained by backpropagation;
    the moving statistics are not ("non-trainable").
    """

    def __init__(
        self,
        axis=-1,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        synchronized=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(axis, int):
            raise TypeError(
                f"BatchNormalization: axis must be an integer. Received: axis={axis!r}"
            )
        self.axis = axis
        self.momentum = fraction("BatchNormalization", "momentum", momentum, include_one=True)
        self.epsilon = non_negative("BatchNormalization", "epsilon", epsilon)
        if self.epsilon == 0:
            raise ValueError("BatchNormalization: epsilon must be positive. Received: epsilon=0")
        self.center = bool(center)
        self.scale = bool(scale)
        self.synchronized = synchronized
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        rank = len(input_shape)
        self._feature_axis = self.axis % rank
        self._reduction_axes = tuple(i for i in range(rank) if i != self._feature_axis)
        shape = (input_shape[self._feature_axis],)
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(
                shape, self.gamma_initializer, regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint, name="gamma",
            )
        if self.center:
            self.beta = self.add_weight(
                shape, self.beta_initializer, regularizer=self.beta_regularizer,
                constraint=self.beta_constraint, name="beta",
            )
        self.moving_mean = self.add_weight(
            shape, self.moving_mean_initializer, trainable=False, name="moving_mean"
        )
        self.moving_variance = self.add_weight(
            shape, self.moving_variance_initializer, trainable=False, name="moving_variance"
        )

    def _broadcastable(self, tensor, rank):
        """(C,) -> (1, ..., C, ..., 1) so it lines up with the feature axis."""
        if self._feature_axis == rank - 1:
            return tensor
        shape = [1] * rank
        shape[self._feature_axis] = -1
        return ops.reshape(tensor, shape)

    def call(self, inputs, training=None):
        x = inputs
        rank = x.ndim
        gamma = 1.0 if self.gamma is None else self._broadcastable(self.gamma, rank)
        beta = 0.0 if self.beta is None else self._broadcastable(self.beta, rank)
        if training and self.trainable:  # the batch's own statistics
            mu_B, sigma2_B = ops.moments(x, self._reduction_axes, keepdims=True)
            x_hat = (x - mu_B) / ops.sqrt(sigma2_B + self.epsilon)
            z = x_hat * gamma + beta
            _update_moving_statistics(self.moving_mean, self.moving_variance, mu_B, sigma2_B,
                                      self.momentum)
            return z
        mu = self._broadcastable(self.moving_mean, rank)
        sigma2 = self._broadcastable(self.moving_variance, rank)
        x_hat = (x - mu) / ops.sqrt(sigma2 + self.epsilon)
        return x_hat * gamma + beta

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": serialize(self.beta_initializer),
            "gamma_initializer": serialize(self.gamma_initializer),
            "moving_mean_initializer": serialize(self.moving_mean_initializer),
            "moving_variance_initializer": serialize(self.moving_variance_initializer),
            "beta_regularizer": serialize_optional(self.beta_regularizer),
            "gamma_regularizer": serialize_optional(self.gamma_regularizer),
            "beta_constraint": serialize_optional(self.beta_constraint),
            "gamma_constraint": serialize_optional(self.gamma_constraint),
            "synchronized": self.synchronized,
        }


@tracing.host  # a compiled step updates the statistics again at every batch
def _update_moving_statistics(moving_mean, moving_variance, mu_B, sigma2_B, momentum):
    """moving <- momentum * moving + (1 - momentum) * batch statistic, in place (no graph);
    ``mu_B`` and ``sigma2_B`` are the batch's moments (keepdims), one value per feature."""
    mu_B, sigma2_B = _array(mu_B).reshape(-1), _array(sigma2_B).reshape(-1)
    moving_mean.assign(moving_mean.data * momentum + mu_B * (1 - momentum))
    moving_variance.assign(moving_variance.data * momentum + sigma2_B * (1 - momentum))


def _array(value):
    return value.data if isinstance(value, Tensor) else value
