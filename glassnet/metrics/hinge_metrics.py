"""Hinge metrics: the running means of the hinge losses over all samples."""
from glassnet.losses import categorical_hinge, hinge, squared_hinge
from glassnet.metrics.base import MeanMetricWrapper


class Hinge(MeanMetricWrapper):
    """Mean hinge loss over all samples (see ``losses.hinge``).

    Equations:
        y = 2 y - 1 for 0/1 labels;   hinge_i = mean_k max(1 - y_ik y_pred_ik, 0)
    """

    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """Mean squared hinge loss over all samples (see ``losses.squared_hinge``).

    Equations:
        y = 2 y - 1 for 0/1 labels;   squared_hinge_i = mean_k max(1 - y_ik y_pred_ik, 0)^2
    """

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """Mean categorical hinge loss over all samples (see ``losses.categorical_hinge``).

    Equations:
        pos_i = sum_k y_ik y_pred_ik,   neg_i = max_k (1 - y_ik) y_pred_ik
        categorical_hinge_i = max(neg_i - pos_i + 1, 0)
    """

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, dtype=dtype)
