"""When a saving callback saves: ``save_freq="epoch"``, or every ``save_freq`` batches."""


class SaveFrequency:
    """Counts the training batches of a callback whose ``save_freq`` is "epoch" or a
    positive number of batches (checked by the callback, with its own message)."""

    def __init__(self, save_freq):
        self.save_freq = save_freq
        self.batches = 0  # since the last save

    @property
    def every_epoch(self):
        return self.save_freq == "epoch"

    def reset(self):
        self.batches = 0

    def batch_ends(self):
        """Counts one batch; True when that makes a save due (never with "epoch")."""
        if self.every_epoch:
            return False
        self.batches += 1
        if self.batches < self.save_freq:
            return False
        self.batches = 0
        return True
