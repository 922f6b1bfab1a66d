"""``GradientTape``: glassnet's ``grad`` in the shape custom training steps are written in.

The Keras guides differentiate a custom step with their backend's tape
(``tf.GradientTape``); in glassnet the one line that changes is the ``with``::

    with glassnet.GradientTape() as tape:
        y_pred = model(x, training=True)
        loss = loss_fn(y, y_pred)
    grads = tape.gradient(loss, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))

glassnet records every operation on a tensor that requires a gradient anyway
(Variables do; see ``engine``), so the tape only makes sure recording is on inside
its block, lets ``watch`` mark other tensors, and hands the graph to
``autodiff.grad``:  ``tape.gradient(loss, sources) == grad(loss, sources)``.
"""
from glassnet import tree
from glassnet.autodiff import engine
from glassnet.autodiff.tensor import Tensor, enable_grad

_open_tapes = []  # the tapes whose ``with`` block is running, innermost last


def is_recording():
    """Whether a GradientTape block is running (layers called on NumPy arrays inside one
    return Tensors in the graph, as they would on TensorFlow tensors)."""
    return bool(_open_tapes)


class GradientTape:
    """Records the operations run in its ``with`` block for ``gradient``.

    Arguments:
        persistent: allow more than one ``gradient`` call (TensorFlow's default is
            one call per tape; glassnet keeps nothing extra either way).
        watch_accessed_variables: accepted for TensorFlow compatibility; trainable
            Variables are always watched.

    Equations:
        gradient(L, [w_1, ..., w_n]) = [dL/dw_1, ..., dL/dw_n]
        (None for a source L does not depend on, as TensorFlow returns)
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self.persistent = bool(persistent)
        self.watch_accessed_variables = watch_accessed_variables
        self._recording = None
        self._used = False

    def __enter__(self):
        self._recording = enable_grad()
        self._recording.__enter__()
        _open_tapes.append(self)
        return self

    def __exit__(self, *exc_info):
        _open_tapes.remove(self)
        self._recording.__exit__(*exc_info)
        self._recording = None
        return False

    def watch(self, tensor):
        """Makes operations on ``tensor`` (a Tensor, or a structure of them) recorded, so
        ``gradient`` can differentiate with respect to it."""
        for leaf in tree.flatten(tensor):
            if not isinstance(leaf, Tensor):
                raise TypeError(
                    "GradientTape.watch: expected a Tensor (e.g. ops.convert_to_tensor(x)); "
                    f"NumPy arrays cannot be watched in place. Received: {type(leaf).__name__}"
                )
            leaf.requires_grad = True

    def gradient(self, target, sources, output_gradients=None):
        """d(target)/d(source) for each source, in the structure of ``sources``.

        ``target`` is a scalar Tensor (or any Tensor with ``output_gradients`` of its
        shape); ``sources`` a Variable, a list or a dict of them (or watched Tensors).
        """
        if self._used and not self.persistent:
            raise RuntimeError(
                "GradientTape.gradient can only be called once on a non-persistent tape. "
                "Create the tape with GradientTape(persistent=True) to call it again."
            )
        self._used = True
        if not isinstance(target, Tensor):
            raise TypeError(
                "GradientTape.gradient: the target must be a Tensor computed inside the "
                f"tape's block. Received: target of type {type(target).__name__}"
            )
        flat_sources = tree.flatten(sources)
        grads = iter(engine.grad(target, flat_sources, output_gradients))
        return tree.map_structure(lambda _: _as_tensor(next(grads)), sources)


def _as_tensor(grad):
    return None if grad is None else Tensor(grad)
