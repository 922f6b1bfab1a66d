"""Progbar: Keras 3's progress bar, and the choice of verbosity for fit/evaluate/predict.

One line per update, in Keras 3's look::

    verbose=1   25/25 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - loss: 0.4012 - accuracy: 0.8600
    verbose=2   25/25 - 0s - 2ms/step - loss: 0.4012 - accuracy: 0.8600

Equations (t = seconds since the bar was created, n = current step, T = target):

    per_step = t / n
    ETA      = per_step * (T - n)            shown while n < T
    filled   = floor(width * n / T)          bar characters drawn in green

Where the line goes depends on the output stream:
- a terminal: the line is redrawn in place with ``\\r`` (at most every ``interval``
  seconds), the count and the time are bold, the bar is green then white;
- a Jupyter notebook: redrawn in place and colored, nothing bold;
- anything else (a file, a pipe, CI logs): no escape codes, and verbose=1 writes only
  the final line of each bar, so logs are not flooded with one line per step.
"""
import math
import numbers
import re
import sys
import time

import numpy as np

BAR_CHAR = "━"
PLAIN_REST_CHAR = "─"  # the unfinished part of a bar printed without colors
_BOLD = "\x1b[1m"
_GREEN = "\x1b[32m"
_WHITE = "\x1b[37m"
_RESET = "\x1b[0m"
_ANSI_PATTERN = re.compile(r"\x1b\[[0-9;]*m")

_now = time.perf_counter  # the clock (tests replace it)
_open_line_stream = None  # the stream on which a bar line is drawn but not yet ended


# --- what kind of output ------------------------------------------------------------
def is_terminal(stream):
    """True when ``stream`` is an interactive terminal."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed file
        return False


def is_notebook(stream):
    """True when ``stream`` is a Jupyter/IPython kernel's output stream."""
    return type(stream).__module__.split(".")[0] == "ipykernel"


def resolve_verbosity(verbose):
    """The verbosity fit/evaluate/predict use: 0 (silent), 1 (bar) or 2 (one line).

    ``"auto"`` is 1 when standard output is a terminal or a notebook, else 2 (Keras 3
    always picks 1; glassnet picks 2 for pipes and CI logs, as Keras 2 did).
    """
    if verbose == "auto":
        interactive = is_terminal(sys.stdout) or is_notebook(sys.stdout)
        return 1 if interactive else 2
    if isinstance(verbose, (numbers.Integral, np.integer)) and verbose in (0, 1, 2):
        return int(verbose)
    raise ValueError(f"verbose must be 'auto', 0, 1 or 2. Received: verbose={verbose!r}")


def print_msg(message, stream=None):
    """Prints ``message`` on its own line, ending a bar line still being drawn first."""
    global _open_line_stream
    stream = sys.stdout if stream is None else stream
    if _open_line_stream is stream:
        stream.write("\n")
        _open_line_stream = None
    stream.write(f"{message}\n")
    stream.flush()


# --- formatting -------------------------------------------------------------------
def format_eta(seconds):
    """``12s``, ``1:05`` or ``1:02:03``."""
    seconds = int(seconds)
    if seconds > 3600:
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    if seconds > 60:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{seconds}s"


def format_time_per_unit(seconds, unit_name="step"):
    """``1s/step``, ``2ms/step`` or ``408us/step``: whole numbers of the largest unit."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit_name}"
    return f"{seconds * 1e6:.0f}us/{unit_name}"


def format_value(value):
    """``0.1234``; ``1.2345e-04`` when 0 < |value| <= 1e-3; other objects as str()."""
    if isinstance(value, (np.ndarray, np.generic)) and np.size(value) == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return str(value)
    value = float(value)
    if value != 0 and abs(value) <= 1e-3:
        return f"{value:.4e}"
    return f"{value:.4f}"


# --- the bar ----------------------------------------------------------------------
class Progbar:
    """A progress bar (``keras.utils.Progbar``).

    Arguments:
        target: the number of steps expected, or None when unknown.
        width: the number of bar characters.
        verbose: 0 silent, 1 the bar, 2 one line when the bar is finalized.
        interval: the minimum number of seconds between two redraws on a terminal.
        stateful_metrics: names whose values are shown as given; the values of any
            other name are averaged over the steps (weighted by steps per update).
        unit_name: the unit of the per-step time (``2ms/step``).
        stream: where to write; standard output by default.
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step", stream=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.stateful_metrics = set(stateful_metrics or ())
        self.unit_name = unit_name
        self.stream = sys.stdout if stream is None else stream
        terminal = is_terminal(self.stream)
        self._dynamic = terminal or is_notebook(self.stream)  # redraw in place, colors
        self._bold = terminal
        self._values = {}  # name -> [weighted sum, weight]; insertion order = display order
        self._seen = 0
        self._start = _now()
        self._last_draw = -math.inf
        self._previous_width = 0

    def update(self, current, values=None, finalize=None):
        """Records progress up to step ``current`` with ``values`` [(name, value), ...]."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._record(current, values or [])
        now = _now()
        if self.verbose == 1:
            self._draw(current, finalize, now)
        elif self.verbose == 2 and finalize:
            self._write(self._summary_line(current, now) + "\n", line_open=False)

    def add(self, n, values=None):
        """Advances the bar by ``n`` steps."""
        self.update(self._seen + n, values)

    # --- values ---------------------------------------------------------------------
    def _record(self, current, values):
        steps = max(current - self._seen, 1)  # the steps this update stands for
        for name, value in values:
            if name in self.stateful_metrics:
                self._values[name] = [value, None]
            elif name not in self._values:
                self._values[name] = [value * steps, steps]
            else:
                self._values[name][0] += value * steps
                self._values[name][1] += steps
        self._seen = current

    def _metrics_text(self):
        """`` - name: value`` for each name; averaged unless stateful."""
        return "".join(
            f" - {name}: {format_value(total if steps is None else total / steps)}"
            for name, (total, steps) in self._values.items()
        )

    # --- lines ----------------------------------------------------------------------
    def _time_per_step(self, current, now):
        return (now - self._start) / current if current else 0.0

    def _count(self, current):
        if self.target is None:
            return f"{current:7d}/Unknown"
        return f"{current:>{len(str(self.target))}}/{self.target}"

    def _style(self, text, code, enabled):
        return f"{code}{text}{_RESET}" if enabled and text else text

    def _bar(self, current):
        fraction = current / self.target if self.target else 1.0
        done = min(int(self.width * fraction), self.width)
        rest_char = BAR_CHAR if self._dynamic else PLAIN_REST_CHAR
        return (self._style(BAR_CHAR * done, _GREEN, self._dynamic)
                + self._style(rest_char * (self.width - done), _WHITE, self._dynamic))

    def _progress_line(self, current, finalize, now):
        """``{count} {bar} {time} {per_step}{metrics}``: ETA while running, then elapsed."""
        per_step = self._time_per_step(current, now)
        parts = [self._style(self._count(current), _BOLD, self._bold)]
        if self.target is not None:
            parts.append(self._bar(current))
        if finalize or self.target is None:
            elapsed = f"{now - self._start:.0f}s"
        else:
            elapsed = format_eta(per_step * (self.target - current))
        parts.append(self._style(elapsed, _BOLD, self._bold))
        parts.append(format_time_per_unit(per_step, self.unit_name))
        return " ".join(parts) + self._metrics_text()

    def _summary_line(self, current, now):
        """The verbose=2 line ``{count} - {elapsed} - {per_step}{metrics}``."""
        per_step = self._time_per_step(current, now)
        return (f"{self._count(current)} - {now - self._start:.0f}s - "
                f"{format_time_per_unit(per_step, self.unit_name)}{self._metrics_text()}")

    # --- output ---------------------------------------------------------------------
    def _draw(self, current, finalize, now):
        if not finalize and (not self._dynamic or now - self._last_draw < self.interval):
            return
        line = self._progress_line(current, finalize, now)
        if self._dynamic:
            width = len(_ANSI_PATTERN.sub("", line))
            line = "\r" + line + " " * max(self._previous_width - width, 0)
            self._previous_width = width
        self._write(line + ("\n" if finalize else ""), line_open=not finalize)
        self._last_draw = now

    def _write(self, text, line_open):
        global _open_line_stream
        self.stream.write(text)
        self.stream.flush()
        _open_line_stream = self.stream if line_open else None
