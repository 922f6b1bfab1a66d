"""TensorBoard callback and the small event-file writer it uses (no dependencies)."""
from glassnet.callbacks.tensorboard.callback import TensorBoard

__all__ = ["TensorBoard"]
