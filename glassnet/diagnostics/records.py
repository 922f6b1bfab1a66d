"""What GradientMonitor measures, and the ``Diagnostics`` record that collects it.

Equations (layer l with weights w_l = all its trainable arrays taken together,
g_l = dL/dw_l the gradient of the batch loss L, a_l the layer's output on the batch,
w_l and w_l' the weights before and after the optimizer step):

    grad_norm_l     = ||g_l||_2 = sqrt(sum g_l^2)
    update_ratio_l  = ||w_l' - w_l||_2 / ||w_l||_2
    activation_mean_l, activation_std_l, activation_zero_fraction_l

Any shape: a convolution's kernel (k_h, k_w, C, F) and its output (N, H, W, F) count
every entry, like a Dense layer's matrices.  Why each one matters: see
``glassnet.diagnostics``.
"""
import math

import numpy as np

GRADIENT_FIELDS = ("grad_norm", "update_ratio")
ACTIVATION_FIELDS = ("activation_mean", "activation_std", "activation_zero_fraction")


# --------------------------------------------------------------------------------------
# the quantities
# --------------------------------------------------------------------------------------
def gradient_norm(grads):
    """||g||_2 = sqrt(sum g^2) over several arrays taken together (None counts as zero)."""
    total = sum(float(np.vdot(g, g)) for g in grads if g is not None)
    return math.sqrt(total)


def update_ratio(before, after):
    """||w' - w||_2 / ||w||_2 over several arrays taken together.

    ``before`` holds copies of the weights w before the optimizer step, ``after`` the
    weights w' after it.  Weights that are all zero give inf (or nan when they did not
    move either): no relative size exists then.
    """
    step = sum(float(np.sum(np.square(a - b, dtype=np.float64))) for b, a in zip(before, after))
    size = sum(float(np.sum(np.square(b, dtype=np.float64))) for b in before)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sqrt(step) / np.sqrt(size))


def activation_stats(a):
    """(mean, std, fraction of exactly-zero entries) of an activation array ``a``."""
    a = np.asarray(a)
    return float(np.mean(a)), float(np.std(a)), float(np.count_nonzero(a == 0) / a.size)


# --------------------------------------------------------------------------------------
# the record
# --------------------------------------------------------------------------------------
class Diagnostics:
    """The measurements of one ``fit``: per layer, one value per epoch (and per batch).

    ``GradientMonitor`` fills it and sets it as ``history.diagnostics``.  Each per-epoch
    value is the mean over that epoch's sampled batches; nan where a layer has no sample
    (e.g. a layer frozen during part of the training).

    Attributes:
        layers: names of the layers with trainable weights, input side first (the keys
            of ``grad_norm`` and ``update_ratio``).
        activation_layers: names of the layers whose outputs were watched (the keys of
            the three ``activation_*`` dicts).
        epochs: the epoch indices ``[0, 1, ...]``.
        grad_norm: ``{layer name: [||g||_2 per epoch]}``.
        update_ratio: ``{layer name: [||w' - w|| / ||w|| per epoch]}``.
        activation_mean, activation_std, activation_zero_fraction:
            ``{layer name: [value per epoch]}``.
        batches: the per-batch records when ``GradientMonitor(every_n_batches=N)``:
            ``{"epoch", "batch", "grad_norm": {name: value}, "update_ratio": {...},
            "activation_mean": {...}, ...}``; otherwise empty.
    """

    def __init__(self):
        self.layers = []
        self.activation_layers = []
        self.epochs = []
        self.grad_norm = {}
        self.update_ratio = {}
        self.activation_mean = {}
        self.activation_std = {}
        self.activation_zero_fraction = {}
        self.batches = []

    def add_epoch(self, epoch, records):
        """Appends one epoch: the mean over ``records`` (the sampled batches' records)."""
        _append_means(self, self.layers, GRADIENT_FIELDS, records)
        _append_means(self, self.activation_layers, ACTIVATION_FIELDS, records)
        self.epochs.append(int(epoch))

    def to_dict(self):
        """A JSON-ready dict (non-finite values become None, i.e. JSON null)."""
        d = {"layers": list(self.layers), "activation_layers": list(self.activation_layers),
             "epochs": list(self.epochs)}
        for field in GRADIENT_FIELDS + ACTIVATION_FIELDS:
            d[field] = {name: [_to_json(v) for v in values]
                        for name, values in getattr(self, field).items()}
        d["batches"] = [_map_numbers(record, _to_json) for record in self.batches]
        return d

    @classmethod
    def from_dict(cls, d):
        """The inverse of ``to_dict`` (None becomes nan)."""
        diagnostics = cls()
        diagnostics.layers = list(d["layers"])
        diagnostics.activation_layers = list(d["activation_layers"])
        diagnostics.epochs = [int(e) for e in d["epochs"]]
        for field in GRADIENT_FIELDS + ACTIVATION_FIELDS:
            setattr(diagnostics, field, {name: [_from_json(v) for v in values]
                                         for name, values in d.get(field, {}).items()})
        diagnostics.batches = [_map_numbers(record, _from_json) for record in d.get("batches", [])]
        return diagnostics

    def __repr__(self):
        return (f"<Diagnostics epochs={len(self.epochs)} layers={len(self.layers)} "
                f"activation_layers={len(self.activation_layers)} batches={len(self.batches)}>")


def _append_means(diagnostics, names, fields, records):
    """Adds new layer names (nan for the epochs before) and appends each field's mean."""
    for record in records:
        for field in fields:
            for name in record.get(field, {}):
                if name not in names:
                    names.append(name)
                    for f in fields:
                        getattr(diagnostics, f)[name] = [math.nan] * len(diagnostics.epochs)
    for field in fields:
        for name in names:
            samples = [r[field][name] for r in records if name in r.get(field, {})]
            getattr(diagnostics, field)[name].append(_mean(samples))


def _mean(values):
    return float(np.mean(values)) if values else math.nan


def _to_json(value):
    return float(value) if math.isfinite(value) else None


def _from_json(value):
    return math.nan if value is None else float(value)


def _map_numbers(record, convert):
    """A batch record with ``convert`` applied to every per-layer value."""
    return {key: ({name: convert(v) for name, v in value.items()}
                  if isinstance(value, dict) else value)
            for key, value in record.items()}
