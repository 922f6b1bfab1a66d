"""TerminateOnNaN: stop training as soon as the loss is not a finite number."""
import numpy as np

from glassnet.callbacks.callback import Callback
from glassnet.utils.progbar import print_msg


class TerminateOnNaN(Callback):
    """Sets ``model.stop_training`` when a training batch's loss is NaN or infinite.

    Prints ``Batch 3: Invalid loss, terminating training`` (batches count from 0).
    """

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.all(np.isfinite(loss)):
            print_msg(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
