"""GradientMonitor: watch each layer's gradients, updates and activations during fit."""

import numpy as np

from glassnet import tree, validation
from glassnet.callbacks.callback import Callback
from glassnet.diagnostics import (
    ACTIVATION_FIELDS,
    Diagnostics,
    activation_stats,
    gradient_norm,
    update_ratio,
)
from glassnet.layers.input_layer import InputLayer


class GradientMonitor(Callback):
    """Records per layer, per epoch: gradient norm, update/weight ratio, activation stats.

    Equations (layer l, w_l all its trainable weights, g_l = dL/dw_l, a_l its output;
    see ``glassnet.diagnostics`` for why each one matters):

        grad_norm_l    = ||g_l||_2 = sqrt(sum g_l^2)        vanishing: small near the input
        update_ratio_l = ||w_l' - w_l||_2 / ||w_l||_2        healthy: about 1e-3
        activation_mean_l, activation_std_l = mean(a_l), std(a_l)
        activation_zero_fraction_l = #(a_l == 0) / n         dead ReLUs: near 1

    Each epoch's value is the mean over the epoch's sampled batches.  Only sampled
    batches are watched: before one, the monitor registers a gradient observer
    (``model.observe_gradients``) and forward hooks (``layer.register_forward_hook``);
    the hooks are removed as soon as the forward pass is done, the observer (and the
    copy of the weights taken for the update ratio) after the optimizer step.  The
    other batches run exactly as without a monitor, and a model never given a monitor
    has no hook at all.  ``grad_norm`` is the raw gradient, before any ``clipnorm`` /
    ``clipvalue`` of the optimizer; ``update_ratio`` measures the step really taken.

    Arguments:
        every_n_batches: watch batches 0, N, 2N, ... of every epoch and keep each
            batch's record in ``diagnostics.batches``; None: sample
            ``batches_per_epoch`` batches and keep only the epoch means.
        activations: also record each layer's output statistics (in training mode:
            a Dropout layer's zero fraction counts the dropped units).
        batches_per_epoch: how many evenly spaced batches to watch per epoch (the first
            and the last included) when ``every_n_batches`` is None; None: all of them.

    Attributes:
        diagnostics: the ``glassnet.diagnostics.Diagnostics`` of the last fit, also set
            as ``history.diagnostics`` on the History that fit returns.

    Example:
        >>> monitor = keras.callbacks.GradientMonitor()
        >>> history = model.fit(x, y, epochs=5, callbacks=[monitor])
        >>> history.diagnostics.grad_norm["dense"]        # one value per epoch
    """

    def __init__(self, every_n_batches=None, activations=True, batches_per_epoch=20):
        super().__init__()
        self.every_n_batches = validation.positive_integer(
            self, "every_n_batches", every_n_batches, allow_none=True
        )
        self.batches_per_epoch = validation.positive_integer(
            self, "batches_per_epoch", batches_per_epoch, allow_none=True
        )
        self.activations = bool(activations)
        self.diagnostics = None
        self._epoch = 0
        self._sampled = None      # the batch indices watched this epoch (None: by every_n)
        self._records = []        # this epoch's batch records
        self._record = None       # the record of the batch being watched
        self._outputs = {}        # layer name -> activation stats of this forward pass
        self._before = {}         # layer name -> copies of its weights before the update
        self._remove_hooks = []
        self._remove_observer = None

    # --- fit -------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._detach()
        self.diagnostics = Diagnostics()
        self._publish()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._records = []
        self._sampled = self._sample((self.params or {}).get("steps"))

    def on_train_batch_begin(self, batch, logs=None):
        if not self._watches(batch):
            return
        self._record = {"epoch": self._epoch, "batch": batch}
        self._outputs = {}
        self._remove_observer = self.model.observe_gradients(self._observe)
        if self.activations:
            self._remove_hooks = [layer.register_forward_hook(self._watch)
                                  for layer in self.model.layers
                                  if not isinstance(layer, InputLayer)]

    def on_train_batch_end(self, batch, logs=None):
        if self._record is None:
            return
        self._detach()
        record = self._record
        if self._before:
            record["update_ratio"] = {
                layer.name: update_ratio(self._before[layer.name],
                                         [w.data for w in layer.trainable_weights])
                for layer in self._weighted_layers() if layer.name in self._before
            }
        names = [layer.name for layer in self.model.layers if layer.name in self._outputs]
        if names:
            for i, field in enumerate(ACTIVATION_FIELDS):
                record[field] = {name: self._outputs[name][i] for name in names}
        self._records.append(record)
        if self.every_n_batches is not None:
            self.diagnostics.batches.append(record)
        self._record = None
        self._before = {}

    def on_epoch_end(self, epoch, logs=None):
        self.diagnostics.add_epoch(epoch, self._records)
        self._records = []
        self._publish()

    def on_train_end(self, logs=None):
        self._detach()
        self._publish()

    # --- what is watched ------------------------------------------------------------
    def _sample(self, steps):
        """The batch indices to watch this epoch: None means "decide by every_n_batches"."""
        if self.every_n_batches is not None or self.batches_per_epoch is None or not steps:
            return None
        k = min(self.batches_per_epoch, steps)
        return set(np.round(np.linspace(0, steps - 1, k)).astype(int).tolist())

    def _watches(self, batch):
        if self._sampled is not None:
            return batch in self._sampled
        if self.every_n_batches is not None:
            return batch % self.every_n_batches == 0
        return True

    def _weighted_layers(self):
        return [layer for layer in self.model.layers if layer.trainable_weights]

    # --- the hooks -------------------------------------------------------------------
    def _watch(self, layer, inputs, outputs):
        """Forward hook: the statistics of this layer's output(s) on the batch."""
        arrays = [np.ravel(t.data) for t in tree.flatten(outputs)]
        a = arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
        self._outputs[layer.name] = activation_stats(a)

    def _observe(self, variables, grads):
        """Gradient observer: runs after the forward pass and before the update."""
        self._remove_forward_hooks()
        grad_of = {id(v): g for v, g in zip(variables, grads)}
        record = self._record
        record["grad_norm"] = {}
        for layer in self._weighted_layers():
            weights = layer.trainable_weights
            record["grad_norm"][layer.name] = gradient_norm([grad_of.get(id(w)) for w in weights])
            self._before[layer.name] = [w.numpy() for w in weights]  # copies

    def _remove_forward_hooks(self):
        for remove in self._remove_hooks:
            remove()
        self._remove_hooks = []

    def _detach(self):
        """Removes every hook this monitor registered."""
        self._remove_forward_hooks()
        if self._remove_observer is not None:
            self._remove_observer()
            self._remove_observer = None

    def _publish(self):
        history = getattr(self.model, "history", None)
        if history is not None:
            history.diagnostics = self.diagnostics

