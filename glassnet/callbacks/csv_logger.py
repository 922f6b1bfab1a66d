"""CSVLogger: one CSV row per epoch."""
import csv
import os

from glassnet.callbacks.callback import Callback


class CSVLogger(Callback):
    """Writes each epoch's logs to a CSV file (``keras.callbacks.CSVLogger``).

    The header is ``epoch`` then the first epoch's log keys sorted by name; epochs count
    from 0; a key missing in a later epoch is written ``NA``.  The file is flushed after
    every row and closed when training ends.

    Arguments:
        filename: the CSV file's path.
        separator: the column separator.
        append: add to an existing file (writing the header only if it is empty)
            instead of overwriting it.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self.writer = None
        self.csv_file = None
        self._write_header = True

    def on_train_begin(self, logs=None):
        self._close()
        has_rows = os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self._write_header = not (self.append and has_rows)
        # Kept open across epochs (closed in on_train_end), so no `with` block here.
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115
        self.keys = None
        self.writer = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        if self.writer is None:
            self.writer = csv.writer(self.csv_file, delimiter=self.sep)
            if self._write_header:
                self.writer.writerow(["epoch"] + self.keys)
        self.writer.writerow([epoch] + [logs.get(key, "NA") for key in self.keys])
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        self._close()

    def _close(self):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None
