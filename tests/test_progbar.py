"""Progbar (glassnet.utils.progbar): Keras 3's progress line on terminals, notebooks and logs."""
import io
import math
import re
import sys

import numpy as np
import pytest

from glassnet.utils import progbar
from glassnet.utils.progbar import Progbar

BAR = "━" * 20
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class FakeTTY(io.StringIO):
    """A captured stream that claims to be a terminal."""

    def isatty(self):
        return True


class FakeNotebookStream(io.StringIO):
    """A captured stream whose class lives in ipykernel, like Jupyter's sys.stdout."""


FakeNotebookStream.__module__ = "ipykernel.iostream"


class FakeClock:
    """A clock the test moves by hand: ``clock.t`` seconds."""

    def __init__(self, t=100.0):
        self.t = t

    def __call__(self):
        return self.t


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(progbar, "_now", fake)
    return fake


def run_bar(clock, stream, target, seconds_per_step, values_per_step, **kwargs):
    """Updates a fresh Progbar once per step, ``seconds_per_step`` apart."""
    bar = Progbar(target, stream=stream, **kwargs)
    for step in range(1, target + 1):
        clock.t += seconds_per_step
        bar.update(step, values_per_step(step))
    return bar


# --- formatting functions ----------------------------------------------------------------
@pytest.mark.parametrize("seconds, expected", [
    (0.0, "0s/step"),
    (1.0, "1s/step"),
    (2.4, "2s/step"),
    (61.0, "61s/step"),
    (0.999, "999ms/step"),
    (0.002, "2ms/step"),
    (0.0123, "12ms/step"),
    (1e-3, "1ms/step"),
    (0.000408, "408us/step"),
    (0.0000123, "12us/step"),
    (4e-7, "0us/step"),
])
def test_time_per_step_formatting(seconds, expected):
    assert progbar.format_time_per_unit(seconds) == expected


def test_time_per_unit_uses_the_unit_name():
    assert progbar.format_time_per_unit(0.002, "sample") == "2ms/sample"


@pytest.mark.parametrize("seconds, expected", [
    (0, "0s"),
    (12, "12s"),
    (12.9, "12s"),
    (60, "60s"),
    (61, "1:01"),
    (65, "1:05"),
    (3599, "59:59"),
    (3600, "60:00"),
    (3723, "1:02:03"),
    (36000 + 59, "10:00:59"),
])
def test_eta_formatting(seconds, expected):
    assert progbar.format_eta(seconds) == expected


@pytest.mark.parametrize("value, expected", [
    (0.123456, "0.1235"),
    (1.0, "1.0000"),
    (-0.25, "-0.2500"),
    (2e-3, "0.0020"),
    (1e-3, "1.0000e-03"),
    (-5e-4, "-5.0000e-04"),
    (1.23456e-7, "1.2346e-07"),
    (0.0, "0.0000"),
    (12345.678, "12345.6780"),
    (7, "7.0000"),
    (np.float32(0.5), "0.5000"),
    (np.array(0.25), "0.2500"),
    (math.nan, "nan"),
    ("text", "text"),
])
def test_value_formatting(value, expected):
    assert progbar.format_value(value) == expected


# --- verbose=1 ----------------------------------------------------------------------------
def test_verbose_1_non_terminal_prints_only_the_final_line(clock):
    stream = io.StringIO()
    run_bar(clock, stream, 25, 0.002, lambda step: [("loss", 0.5), ("accuracy", 0.75)],
            stateful_metrics=["loss", "accuracy"])
    assert stream.getvalue() == (
        f"25/25 {BAR} 0s 2ms/step - loss: 0.5000 - accuracy: 0.7500\n"
    )


def test_verbose_1_final_line_shows_elapsed_seconds_and_small_values(clock):
    stream = io.StringIO()
    run_bar(clock, stream, 4, 1.5, lambda step: [("loss", 2e-4)], stateful_metrics=["loss"])
    assert stream.getvalue() == f"4/4 {BAR} 6s 2s/step - loss: 2.0000e-04\n"


def test_non_terminal_output_has_no_escape_codes(clock):
    stream = io.StringIO()
    run_bar(clock, stream, 3, 0.01, lambda step: [("loss", 1.0 / step)], interval=0)
    assert "\x1b" not in stream.getvalue()
    assert "\r" not in stream.getvalue()


def test_terminal_redraws_with_colors_bold_and_carriage_returns(clock):
    stream = FakeTTY()
    run_bar(clock, stream, 4, 0.5, lambda step: [("loss", 1.0)], interval=0)
    text = stream.getvalue()
    draws = text.split("\r")[1:]
    assert len(draws) == 4  # one redraw per update
    assert all(not draw.rstrip(" ").endswith("\n") for draw in draws[:-1])
    assert draws[-1].endswith("\n")
    first = draws[0]
    assert first.startswith("\x1b[1m1/4\x1b[0m \x1b[32m" + "━" * 5 + "\x1b[0m\x1b[37m"
                            + "━" * 15 + "\x1b[0m \x1b[1m")
    final = draws[-1]
    assert final == (f"\x1b[1m4/4\x1b[0m \x1b[32m{BAR}\x1b[0m \x1b[1m2s\x1b[0m 500ms/step"
                     " - loss: 1.0000\n")


def test_terminal_lines_show_the_eta_while_running(clock):
    stream = FakeTTY()
    bar = Progbar(6, stream=stream, interval=0)
    expected_eta = []
    for step, seconds in enumerate([13.0, 13.0, 3697.0, 1.0], start=1):
        clock.t += seconds
        bar.update(step)
        per_step = (clock.t - 100.0) / step
        expected_eta.append(progbar.format_eta(per_step * (6 - step)))
    lines = [ANSI.sub("", draw).rstrip() for draw in stream.getvalue().split("\r")[1:]]
    etas = [line.split()[2] for line in lines]
    assert etas == expected_eta
    assert etas[0] == "1:05"  # 13 s/step, 5 steps to go
    assert etas[2] == "1:02:03"  # 3723 s for 3 steps, 3 steps to go


def test_terminal_redraws_at_most_every_interval(clock):
    stream = FakeTTY()
    run_bar(clock, stream, 10, 0.3, lambda step: [], interval=1.0)
    counts = [ANSI.sub("", draw).split("/")[0].strip()
              for draw in stream.getvalue().split("\r")[1:]]
    # drawn at 0.3 s, then >= 1 s later (1.5 s, 2.7 s), and always the final step
    assert counts == ["1", "5", "9", "10"]


def test_terminal_pads_a_shorter_line_over_a_longer_one(clock):
    stream = FakeTTY()
    bar = Progbar(3, stream=stream, interval=0, stateful_metrics=["loss"])
    clock.t += 0.01
    bar.update(1, [("loss", 123456.0)])
    clock.t += 0.01
    bar.update(2, [("loss", 1.0)])
    first, second = [ANSI.sub("", draw) for draw in stream.getvalue().split("\r")[1:]]
    assert len(second) == len(first)
    assert second.endswith(" " * (len("123456.0000") - len("1.0000")))


def test_notebook_output_is_colored_and_redrawn_but_not_bold(clock):
    stream = FakeNotebookStream()
    run_bar(clock, stream, 2, 0.01, lambda step: [], interval=0)
    text = stream.getvalue()
    assert text.count("\r") == 2
    assert "\x1b[32m" in text
    assert "\x1b[1m" not in text


def test_unknown_target_shows_the_count_and_elapsed_time(clock):
    stream = FakeTTY()
    bar = Progbar(None, stream=stream, interval=0)
    clock.t += 0.006
    bar.update(3, [("loss", 0.5)])
    line = ANSI.sub("", stream.getvalue().split("\r")[-1])
    assert line == "      3/Unknown 0s 2ms/step - loss: 0.5000"


def test_values_are_averaged_over_steps_unless_stateful(clock):
    stream = io.StringIO()
    losses = {1: 1.0, 2: 2.0, 3: 6.0}
    run_bar(clock, stream, 3, 0.01, lambda step: [("loss", losses[step]),
                                                  ("acc", losses[step])],
            stateful_metrics=["acc"])
    assert stream.getvalue().endswith(f" - loss: {np.mean([1.0, 2.0, 6.0]):.4f} - acc: 6.0000\n")


def test_add_advances_by_n_steps(clock):
    stream = io.StringIO()
    bar = Progbar(4, stream=stream)
    bar.add(2)
    assert stream.getvalue() == ""
    clock.t += 0.004
    bar.add(2)
    assert stream.getvalue().startswith(f"4/4 {BAR} 0s 1ms/step")


# --- verbose=2 and 0 ----------------------------------------------------------------------
def test_verbose_2_prints_one_line_at_the_end(clock):
    stream = io.StringIO()
    bar = Progbar(25, stream=stream, verbose=2, stateful_metrics=["loss", "val_loss"])
    for step in range(1, 25):
        clock.t += 0.000555
        bar.update(step, [("loss", 0.3)])
        assert stream.getvalue() == ""
    clock.t += 0.000555
    bar.update(25, [("loss", 0.3), ("val_loss", 0.25)])
    assert stream.getvalue() == "25/25 - 0s - 555us/step - loss: 0.3000 - val_loss: 0.2500\n"


def test_verbose_2_on_a_terminal_has_no_escape_codes(clock):
    stream = FakeTTY()
    run_bar(clock, stream, 2, 0.01, lambda step: [], verbose=2)
    assert stream.getvalue() == "2/2 - 0s - 10ms/step\n"


@pytest.mark.parametrize("stream_type", [io.StringIO, FakeTTY])
def test_verbose_0_prints_nothing(clock, stream_type):
    stream = stream_type()
    run_bar(clock, stream, 3, 0.01, lambda step: [("loss", 1.0)], verbose=0)
    assert stream.getvalue() == ""


# --- resolve_verbosity and print_msg ------------------------------------------------------
@pytest.mark.parametrize("stream_type, expected", [
    (io.StringIO, 2),
    (FakeTTY, 1),
    (FakeNotebookStream, 1),
])
def test_auto_verbosity_depends_on_the_output(monkeypatch, stream_type, expected):
    monkeypatch.setattr(sys, "stdout", stream_type())
    assert progbar.resolve_verbosity("auto") == expected


@pytest.mark.parametrize("verbose", [0, 1, 2, True, np.int64(2)])
def test_explicit_verbosity_is_kept(verbose):
    assert progbar.resolve_verbosity(verbose) == int(verbose)


@pytest.mark.parametrize("verbose", [3, -1, "yes", None, 1.5])
def test_bad_verbosity_is_a_clear_error(verbose):
    with pytest.raises(ValueError, match=re.escape(f"Received: verbose={verbose!r}")):
        progbar.resolve_verbosity(verbose)


def test_print_msg_ends_an_unfinished_bar_line_first(clock):
    stream = FakeTTY()
    bar = Progbar(3, stream=stream, interval=0)
    clock.t += 0.01
    bar.update(1)
    progbar.print_msg("Batch 0: Invalid loss, terminating training", stream)
    progbar.print_msg("next", stream)
    text = stream.getvalue()
    assert text.endswith("\nBatch 0: Invalid loss, terminating training\nnext\n")
    assert text.count("\n") == 3


def test_print_msg_adds_no_blank_line_after_a_finished_bar(clock):
    stream = FakeTTY()
    run_bar(clock, stream, 1, 0.01, lambda step: [], interval=0)
    progbar.print_msg("Epoch 2/2", stream)
    assert stream.getvalue().endswith("ms/step\nEpoch 2/2\n")
