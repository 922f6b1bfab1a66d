"""Optimizer: what every optimizer shares (iterations, learning rate, slots, clipping, decay).

One ``apply(grads, variables)`` runs, in Keras' order:

    build the slots (first call only)
    -> drop None gradients (with a warning)
    -> clip the gradients (clipnorm | global_clipnorm | clipvalue)
    -> weight decay        theta <- theta - theta * wd * eta
    -> update_step(g, theta, eta) for each variable   (the subclass' equations)
    -> variable constraints theta <- constraint(theta)
    -> iterations += 1

Everything happens in place on the variables' own arrays, under ``no_grad``:
an optimizer step is never part of the graph.  ``eta`` is read once per step:
the float32 ``learning_rate`` variable, ``schedule(iterations)`` or
``learning_rate()``, then cast to each variable's dtype.
"""
import numbers
import os
import re
import sys
import warnings

import numpy as np

from glassnet import naming, validation
from glassnet.autodiff import Tensor, Variable, convert_to_numpy, no_grad
from glassnet.optimizers import schedules

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Keras 3 arguments glassnet does not implement.  They are accepted when they leave
# the optimizer unchanged (off, or only meaningful with use_ema), so Keras configs load.
_UNSUPPORTED_ARGS = ("use_ema", "loss_scale_factor", "gradient_accumulation_steps")
_EMA_ONLY_ARGS = ("ema_momentum", "ema_overwrite_frequency")


class Optimizer:
    """Base class of glassnet's optimizers (``keras.optimizers.Optimizer``).

    Arguments shared by every optimizer:
        learning_rate: eta; a float, a ``LearningRateSchedule`` or a zero-argument
            callable.  A float is kept in a float32 variable named ``learning_rate``.
        weight_decay: if set, ``theta <- theta - theta * wd * eta`` before each step.
        clipnorm: clip each gradient to an L2 norm of at most this value.
        clipvalue: clip each gradient element to [-clipvalue, clipvalue].
        global_clipnorm: scale all gradients so that their joint L2 norm is at most
            this value.  At most one of the three clipping options may be set.
        name: defaults to the snake_case class name made unique (``adam``, ``adam_1``).

    Subclasses implement ``update_step(g, variable, eta)`` and list their slot
    variables in ``slot_specs()``.
    """

    def __init__(
        self,
        learning_rate,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        name=None,
        **kwargs,
    ):
        learning_rate = self._pop_legacy_args(kwargs, learning_rate)
        if kwargs:
            raise ValueError(f"{self._owner()}: Argument(s) not recognized: {kwargs}")
        self.name = name or naming.unique_name(naming.to_snake_case(type(self).__name__))
        self.weight_decay = self._check_weight_decay(weight_decay)
        self.kernel_update = None  # a compiled step's one-pass update_step (compiler.kernels)
        self._check_clipping(clipnorm, clipvalue, global_clipnorm)
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm

        self.built = False
        self._trainable_variables = []
        self._slots = {}  # id(model variable) -> {slot name: Variable}
        self._checked_variables = None  # ids of the variable list checked last step
        self._variables = []
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._iterations = self._add_variable(0, "int64", "iteration")
        self._learning_rate = None
        self.learning_rate = learning_rate

    # --- construction checks -------------------------------------------------
    def _owner(self):
        return type(self).__name__

    def _pop_legacy_args(self, kwargs, learning_rate):
        """Honours Keras 2's ``lr=`` (with a DeprecationWarning); vets Keras-3-only args."""
        if "lr" in kwargs:
            learning_rate = kwargs.pop("lr")
            _warn(
                f"{self._owner()}: `lr` is deprecated, use `learning_rate` instead. "
                f"Received: lr={learning_rate!r} (used as learning_rate)",
                DeprecationWarning,
            )
        if kwargs.pop("decay", None) is not None:
            _warn(
                f"{self._owner()}: argument `decay` is no longer supported and is ignored "
                "(as in Keras 3); use learning_rate=schedules.InverseTimeDecay(...) instead."
            )
        for arg in _UNSUPPORTED_ARGS:
            value = kwargs.pop(arg, None)
            if value:
                raise ValueError(
                    f"{self._owner()}: `{arg}` is not supported by glassnet. "
                    f"Received: {arg}={value!r}"
                )
        for arg in _EMA_ONLY_ARGS:
            kwargs.pop(arg, None)
        return learning_rate

    def _check_weight_decay(self, weight_decay):
        if weight_decay is None:
            return None
        return self._check_float("weight_decay", weight_decay, low=0.0)

    def _check_clipping(self, clipnorm, clipvalue, global_clipnorm):
        given = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        if sum(value is not None for value in given.values()) > 1:
            raise ValueError(
                f"{self._owner()}: only one of `clipnorm`, `clipvalue` and "
                f"`global_clipnorm` can be set. Received: clipnorm={clipnorm}, "
                f"clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        for arg, value in given.items():
            validation.real(self, arg, value, low=0.0, include_low=False, allow_none=True)

    def _check_float(self, arg, value, low=None, high=None, deprecate_int=False):
        """``value`` as a finite Python float in [low, high], else a ValueError."""
        is_int = isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool)
        checked = validation.real(self, arg, value, low, high)
        if is_int and deprecate_int:
            _warn(
                f"{self._owner()}: an integer `{arg}` is deprecated (Keras 3 rejects it); "
                f"pass a float such as {arg}={float(value)!r}. Received: {arg}={value!r}",
                DeprecationWarning,
            )
        return checked

    # --- iterations and learning rate ----------------------------------------
    @property
    def iterations(self):
        """The number of completed steps (an int64 Variable named ``iteration``)."""
        return self._iterations

    @property
    def learning_rate(self):
        """The float32 ``learning_rate`` Variable, or the schedule's current value."""
        if isinstance(self._learning_rate, Variable):
            return self._learning_rate
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            return self._learning_rate(self._iterations)
        return self._learning_rate()

    @learning_rate.setter
    def learning_rate(self, value):
        if callable(value):  # a LearningRateSchedule or a zero-argument callable
            old = self._learning_rate
            self._variables = [v for v in self._variables if v is not old]
            self._learning_rate = value
            return
        eta = self._check_learning_rate(value)
        if self._learning_rate is None:
            self._learning_rate = self._add_variable(eta, "float32", "learning_rate")
        elif isinstance(self._learning_rate, Variable):
            self._learning_rate.assign(eta)
        else:
            raise TypeError(
                f"{self._owner()}: this optimizer was created with a "
                f"{type(self._learning_rate).__name__} as its learning rate, so the "
                "learning rate cannot be set to a number; create the optimizer with a "
                f"float learning_rate to make it settable. Received: learning_rate={value!r}"
            )

    def _check_learning_rate(self, value):
        if isinstance(value, (Tensor, np.ndarray)) and np.size(value) == 1:
            value = convert_to_numpy(value).item()
        try:
            return self._check_float("learning_rate", value, low=0.0, deprecate_int=True)
        except ValueError:
            raise ValueError(
                f"{self._owner()}: `learning_rate` must be a finite float >= 0, a "
                "LearningRateSchedule or a zero-argument callable. "
                f"Received: learning_rate={value!r}"
            ) from None

    def _current_learning_rate(self):
        return convert_to_numpy(self.learning_rate)

    # --- variables -----------------------------------------------------------
    @property
    def variables(self):
        """``iteration``, ``learning_rate`` (for a float eta), then the slot variables."""
        return list(self._variables)

    def _add_variable(self, value, dtype, name):
        variable = Variable(
            value, dtype=dtype, trainable=False, name=name, path=f"{self.name}/{name}"
        )
        self._variables.append(variable)
        return variable

    def slot_specs(self):
        """``[(slot name, initial value), ...]`` kept per model variable (none here)."""
        return []

    def build(self, var_list):
        """Creates the slots of every variable, named ``<path with / as _>_<slot>``."""
        if self.built:
            return
        self._trainable_variables = list(var_list)
        for variable in self._trainable_variables:
            prefix = variable.path.replace("/", "_")
            self._slots[id(variable)] = {
                slot: self._add_variable(
                    np.full(variable.shape, initial, dtype=variable.dtype),
                    variable.dtype,
                    f"{prefix}_{slot}",
                )
                for slot, initial in self.slot_specs()
            }
        self.built = True

    # --- the state in Keras' order (weights files) ---------------------------------
    def slot_groups(self):
        """The slot names, grouped as Keras 3's ``build()`` creates them.

        Keras makes one pass over the model variables per group and, within a pass,
        creates each variable's slots of that group in turn; the passes follow one
        another.  So one group ``[["momentum", "velocity"]]`` (the default: every slot
        of ``slot_specs()``) interleaves them, ``v1_momentum, v1_velocity, v2_momentum,
        ...``, while ``[["velocity"], ["momentum"]]`` lists all velocities first.  The
        order matters because a weights file stores the variables by position.
        """
        return [[slot for slot, _ in self.slot_specs()]]

    def extra_variable_specs(self, var_list):
        """``[(name, shape, dtype)]`` of the variables ``build`` adds after the slots.

        None here; Nadam adds its scalar ``u_product``.
        """
        return []

    def keras_variables(self):
        """The variables in the order Keras 3 saves them (``optimizer/vars/0, 1, ...``).

        ``iteration``, then ``learning_rate`` (only when it is a float: a schedule or a
        callable has no variable), then the slots in ``slot_groups()`` order, then the
        variables ``build`` added after them (Nadam's ``u_product``).  Before ``build``
        that is only the first one or two.  ``variables`` keeps glassnet's creation order,
        which differs for RMSprop with momentum or centered, and Adam with amsgrad.
        """
        listed = [self._iterations]
        if isinstance(self._learning_rate, Variable):
            listed.append(self._learning_rate)
        for group in self.slot_groups():
            for variable in self._trainable_variables:
                slots = self._slots[id(variable)]
                listed.extend(slots[slot] for slot in group)
        seen = {id(v) for v in listed}
        return listed + [v for v in self._variables if id(v) not in seen]

    def keras_variable_specs(self, var_list=None):
        """``[(name, shape, dtype)]`` of ``keras_variables()``, in that order.

        For an optimizer not built yet and a ``var_list``, they describe the variables
        it will have once ``build(var_list)`` has run, so that a saved state can be
        checked against them before anything is built or changed.
        """
        specs = [(v.name, v.shape, v.dtype) for v in self.keras_variables()]
        if self.built or var_list is None:
            return specs
        var_list = list(var_list)
        for group in self.slot_groups():
            for variable in var_list:
                prefix = variable.path.replace("/", "_")
                specs.extend(
                    (f"{prefix}_{slot}", variable.shape, variable.dtype) for slot in group
                )
        return specs + self.extra_variable_specs(var_list)

    def assign_keras_variables(self, values):
        """Sets ``keras_variables()`` from arrays given in that order.

        The count and every shape are checked first, so a mismatch raises ValueError
        and changes nothing.  Values are cast to each variable's dtype (a file written
        by Keras on JAX stores ``iteration`` as int32; glassnet keeps int64).
        """
        variables = self.keras_variables()
        values = [np.asarray(value) for value in values]
        if len(values) != len(variables):
            raise ValueError(
                f"{self._owner()} '{self.name}': expected {len(variables)} values "
                f"({[v.name for v in variables]}). Received: {len(values)} values"
            )
        for index, (variable, value) in enumerate(zip(variables, values)):
            if value.shape != variable.shape:
                raise ValueError(
                    f"{self._owner()} '{self.name}': variable {index} ('{variable.name}') "
                    f"has shape {variable.shape}. Received: a value of shape {value.shape}"
                )
        for variable, value in zip(variables, values):
            variable.assign(value)

    def _slot(self, variable, slot):
        """The array of ``variable``'s slot (updated in place by ``update_step``)."""
        return self._slots[id(variable)][slot].data

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempts variables from weight decay: these objects, or names matching a regex."""
        self._exclude_ids = {id(variable) for variable in var_list or ()}
        self._exclude_pattern = re.compile("|".join(var_names)) if var_names else None

    def _use_weight_decay(self, variable):
        if id(variable) in self._exclude_ids:
            return False
        pattern = self._exclude_pattern
        return pattern is None or pattern.search(variable.name) is None

    # --- one step --------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Applies ``[(gradient, variable), ...]``; returns ``iterations``."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """One optimizer step.  ``grads`` are arrays or Tensors, one per variable.

        Without ``trainable_variables`` the variables of ``build`` are used.  A
        variable with ``trainable=False`` and a gradient raises ValueError (Keras
        would update it silently); pass ``model.trainable_variables``.
        """
        grads = list(grads)
        if not grads:
            return
        variables = self._resolve_variables(grads, trainable_variables)
        grads, variables = self._drop_missing_gradients(grads, variables)
        grads = [self._as_gradient(g, variable) for g, variable in zip(grads, variables)]
        with no_grad():
            eta = self._current_learning_rate()
            grads = self._clip_gradients(grads)
            self._apply_weight_decay(variables, eta)
            self.begin_step()
            update = self.kernel_update or self.update_step
            for g, variable in zip(grads, variables):
                update(g, variable, variable.dtype.type(eta))
            for variable in variables:
                if variable.constraint is not None:
                    variable.assign(variable.constraint(variable.data))
            self._iterations.assign_add(1)

    def _resolve_variables(self, grads, trainable_variables):
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    f"{self._owner()}: when `apply` gets gradients without variables, the "
                    "optimizer must already be built; call `optimizer.build(variables)` first."
                )
            trainable_variables = self._trainable_variables
        variables = list(trainable_variables)
        if len(variables) == len(grads) and self._checked_variables == [id(v) for v in variables]:
            return variables  # the same list as the previous step: already checked
        if len(variables) != len(grads):
            raise ValueError(
                f"{self._owner()}: expected one gradient per variable. Received: "
                f"{len(grads)} gradients for {len(variables)} variables"
            )
        for variable in variables:
            if not isinstance(variable, Variable):
                raise TypeError(
                    f"{self._owner()}: can only update glassnet Variables. "
                    f"Received: a {type(variable).__name__}"
                )
        self.build(variables)
        unknown = [v.path for v in variables if id(v) not in self._slots]
        if unknown:
            raise ValueError(
                f"{self._owner()}: unknown variables {unknown}. An optimizer only updates "
                "the variables it was built with; create a new optimizer for new variables."
            )
        self._checked_variables = [id(v) for v in variables]
        return variables

    def _drop_missing_gradients(self, grads, variables):
        if any(g is None for g in grads):
            kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
            if not kept:
                raise ValueError(f"{self._owner()}: no gradients provided for any variable.")
            missing = [v.path for g, v in zip(grads, variables) if g is None]
            _warn(
                f"{self._owner()}: gradients do not exist for variables {missing} when "
                "minimizing the loss; they are left unchanged."
            )
            grads, variables = [g for g, _ in kept], [v for _, v in kept]
        for variable in variables:
            if not variable.trainable:
                raise ValueError(
                    f"{self._owner()}: variable '{variable.path}' is not trainable "
                    "(trainable=False) and cannot be updated. Pass only trainable "
                    "variables, e.g. model.trainable_variables."
                )
        return grads, variables

    def _as_gradient(self, g, variable):
        theta = variable.data
        if type(g) is np.ndarray and g.dtype == theta.dtype and g.shape == theta.shape:
            return g
        g = np.asarray(convert_to_numpy(g), dtype=variable.dtype)
        if g.shape != variable.shape:
            raise ValueError(
                f"{self._owner()}: the gradient of variable '{variable.path}' has shape "
                f"{g.shape}, but the variable has shape {variable.shape}."
            )
        return g

    def _clip_gradients(self, grads):
        """New arrays (the caller's gradients are never modified)."""
        if self.clipnorm is not None:
            return [clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm is not None:
            return clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue is not None:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _apply_weight_decay(self, variables, eta):
        if self.weight_decay is None:
            return
        for variable in variables:
            if self._use_weight_decay(variable):
                theta = variable.data
                wd = theta.dtype.type(self.weight_decay)
                theta[...] = theta - theta * wd * theta.dtype.type(eta)

    def begin_step(self):
        """Called once per step before the per-variable updates (Nadam uses it)."""

    def update_step(self, g, variable, eta):
        """Updates ``variable.data`` (and its slots) in place from gradient ``g``."""
        raise NotImplementedError(f"{self._owner()} must implement update_step().")

    # --- serialization -----------------------------------------------------------
    def get_config(self):
        """The constructor arguments.  A schedule is stored as its serialized dict, a
        callable learning rate as the callable itself (not JSON-serializable)."""
        eta = self._learning_rate
        if isinstance(eta, Variable):
            eta = float(eta.data)
        elif isinstance(eta, schedules.LearningRateSchedule):
            eta = schedules.serialize(eta)
        return {
            "name": self.name,
            "learning_rate": eta,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self):
        return f"<{self._owner()} name={self.name}, iterations={int(self._iterations.data)}>"


def _warn(message, category=UserWarning):
    """Warns at the first caller outside glassnet, so the user's own line is shown."""
    frame = sys._getframe(1)
    level = 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


def clip_by_norm(g, clipnorm):
    """Equations: g <- g * c / max(||g||_2, c)   (unchanged when ||g||_2 <= c)."""
    norm = np.sqrt(np.sum(g * g))
    return g * clipnorm / np.maximum(norm, g.dtype.type(clipnorm))


def clip_by_global_norm(grads, clipnorm):
    """Equations: N = sqrt(sum_i ||g_i||^2);  g_i <- g_i * c * min(1/N, 1/c).

    The scale is NaN when N is not finite (as in Keras), so a broken step is visible.
    """
    N = np.sqrt(np.sum([np.sum(g * g) for g in grads], dtype=grads[0].dtype))
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = clipnorm * np.minimum(1.0 / N, 1.0 / clipnorm)
        scale = scale + (N - N)
    return [g * g.dtype.type(scale) for g in grads]
