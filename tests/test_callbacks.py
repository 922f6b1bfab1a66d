"""Callbacks (glassnet.callbacks), driven by a fake model and a fake training loop.

The fake loop calls the hooks exactly as fit does (keras-spec §7): the user's callbacks,
then History, then ProgbarLogger; after epoch e the fake model's weights are arrays
filled with e, so a restore can be checked by value.
"""
import csv
import io
import math
import re
import sys

import numpy as np
import pytest

from glassnet import callbacks
from glassnet.autodiff import Tensor
from glassnet.callbacks import monitor as monitoring
from glassnet.optimizers import SGD, schedules
from glassnet.utils import progbar

BAR = "━" * 20


class FakeModel:
    """What callbacks use of a model: weights, optimizer, stop_training, history, name."""

    def __init__(self, learning_rate=0.1):
        self.name = "fake"
        self.optimizer = SGD(learning_rate=learning_rate)
        self.stop_training = False
        self.weights = [np.zeros((2, 3)), np.zeros(3)]
        self.set_weights_calls = []

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.set_weights_calls.append([w.copy() for w in weights])
        self.weights = [np.array(w) for w in weights]


def fit(model, callback_list, epoch_logs, steps=3, batch_losses=None, verbose=0):
    """Runs the hooks of a fit with the given epoch logs; returns the History.

    ``epoch_logs`` is a list of dicts (one per epoch) or of val_loss values.
    ``batch_losses(epoch, step)`` gives the running loss passed to each batch end.
    """
    epoch_logs = [log if isinstance(log, dict) else {"loss": 1.0, "val_loss": log}
                  for log in epoch_logs]
    batch_losses = batch_losses or (lambda epoch, step: 1.0 / (step + 1))
    cbs = callbacks.CallbackList(callback_list, add_history=True, add_progbar=verbose != 0,
                                 model=model, verbose=verbose, epochs=len(epoch_logs),
                                 steps=steps)
    model.stop_training = False
    logs = None
    cbs.on_train_begin()
    for epoch, epoch_log in enumerate(epoch_logs):
        cbs.on_epoch_begin(epoch)
        for step in range(steps):
            cbs.on_train_batch_begin(step)
            cbs.on_train_batch_end(step, {"loss": batch_losses(epoch, step)})
            if model.stop_training:
                break
        model.weights = [np.full_like(w, float(epoch)) for w in model.weights]
        logs = dict(epoch_log)
        cbs.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    cbs.on_train_end(logs)
    return model.history


def epochs_run(history):
    return len(history.epoch)


class Recorder(callbacks.Callback):
    """Records every hook call as (label, hook name, args without logs)."""

    def __init__(self, label, calls):
        super().__init__()
        self.label = label
        self.calls = calls

    def __getattribute__(self, name):
        if name.startswith("on_") and name not in ("on_batch_begin", "on_batch_end"):
            label, calls = self.label, self.calls
            return lambda *args: calls.append((label, name) + args[:-1])
        return object.__getattribute__(self, name)


# --- Callback base and CallbackList ------------------------------------------------------
def test_base_callback_hooks_do_nothing_and_store_model_and_params():
    callback = callbacks.Callback()
    assert callback.model is None and callback.params is None
    model = FakeModel()
    callback.set_model(model)
    callback.set_params({"verbose": 1, "epochs": 2, "steps": 3})
    assert callback.model is model
    assert callback.params == {"verbose": 1, "epochs": 2, "steps": 3}
    for name in dir(callback):
        if not name.startswith("on_"):
            continue
        if "epoch" in name or "batch" in name:
            assert getattr(callback, name)(0, {}) is None
        else:
            assert getattr(callback, name)({}) is None


def test_subclass_without_super_init_still_works():
    class Minimal(callbacks.Callback):
        def __init__(self):
            self.seen = []

        def on_epoch_end(self, epoch, logs=None):
            self.seen.append((epoch, self.model.name))

    minimal = Minimal()
    fit(FakeModel(), [minimal], [1.0, 0.9])
    assert minimal.seen == [(0, "fake"), (1, "fake")]


def test_callback_order_user_then_history_then_progbar():
    user_a, user_b = callbacks.Callback(), callbacks.Callback()
    cbs = callbacks.CallbackList([user_a, [user_b]], add_history=True, add_progbar=True,
                                 model=FakeModel(), verbose=1, epochs=1, steps=1)
    types = [type(cb) for cb in cbs.callbacks]
    assert cbs.callbacks[:2] == [user_a, user_b]
    assert types[2:] == [callbacks.History, callbacks.ProgbarLogger]


def test_callback_list_does_not_add_a_second_history_or_progbar():
    model = FakeModel()
    history, bar = callbacks.History(), callbacks.ProgbarLogger()
    cbs = callbacks.CallbackList([bar, history], add_history=True, add_progbar=True,
                                 model=model, verbose=0, epochs=1, steps=1)
    assert cbs.callbacks == [bar, history]
    assert model.history is history


def test_callback_list_sets_model_and_params_on_every_callback():
    model = FakeModel()
    user = callbacks.Callback()
    cbs = callbacks.CallbackList(user, add_history=True, model=model, verbose=2, epochs=4,
                                 steps=7)
    for callback in cbs.callbacks:
        assert callback.model is model
        assert callback.params == {"verbose": 2, "epochs": 4, "steps": 7}


def test_hooks_are_called_in_order_on_each_callback():
    calls = []
    cbs = callbacks.CallbackList([Recorder("a", calls), Recorder("b", calls)],
                                 model=FakeModel())
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_begin(0)
    cbs.on_batch_end(0, {"loss": 1.0})  # the alias reaches on_train_batch_end
    cbs.on_test_batch_end(1, {})
    cbs.on_predict_end()
    assert calls == [
        ("a", "on_train_begin"), ("b", "on_train_begin"),
        ("a", "on_epoch_begin", 0), ("b", "on_epoch_begin", 0),
        ("a", "on_train_batch_begin", 0), ("b", "on_train_batch_begin", 0),
        ("a", "on_train_batch_end", 0), ("b", "on_train_batch_end", 0),
        ("a", "on_test_batch_end", 1), ("b", "on_test_batch_end", 1),
        ("a", "on_predict_end"), ("b", "on_predict_end"),
    ]


def test_old_batch_hook_names_receive_train_batches():
    class OldStyle(callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.ends = []

        def on_batch_end(self, batch, logs=None):
            self.ends.append((batch, logs["loss"]))

    old = OldStyle()
    fit(FakeModel(), [old], [1.0], steps=2)
    assert old.ends == [(0, 1.0), (1, 0.5)]


class BatchEnds(callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        pass


class OldBatchEnds(callbacks.Callback):
    def on_batch_end(self, batch, logs=None):
        pass


@pytest.mark.parametrize("make, hooks, expected", [
    (callbacks.Callback, ["on_train_batch_end", "on_test_batch_begin"], False),
    (BatchEnds, ["on_train_batch_end"], True),
    (BatchEnds, ["on_train_batch_begin"], False),
    (OldBatchEnds, ["on_train_batch_end"], True),  # the older name counts
    (lambda: callbacks.LambdaCallback(on_train_batch_end=print), ["on_train_batch_end"], True),
    (lambda: callbacks.LambdaCallback(on_epoch_end=print), ["on_train_batch_end"], False),
    (lambda: Recorder("r", []), ["on_predict_batch_end"], True),
    (callbacks.History, ["on_train_batch_begin", "on_train_batch_end"], False),
])
def test_callback_list_knows_which_hooks_are_overridden(make, hooks, expected):
    """fit skips batch hooks (and the logs built for them) that no callback overrides."""
    assert callbacks.CallbackList([make()]).implements(*hooks) is expected


def test_all_callbacks_share_one_logs_dict():
    class Writer(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["extra"] = 10.0 * epoch

    history = fit(FakeModel(), [Writer()], [1.0, 0.9])
    assert history.history["extra"] == [0.0, 10.0]


@pytest.mark.parametrize("bad, hint", [
    (callbacks.EarlyStopping, "create an instance, e.g. EarlyStopping()"),
    ("early_stopping", "Received: callback='early_stopping'"),
])
def test_callback_list_rejects_non_callbacks(bad, hint):
    with pytest.raises(TypeError, match=re.escape(hint)):
        callbacks.CallbackList([bad])


# --- History -----------------------------------------------------------------------------
def test_history_records_each_epoch_in_log_order():
    model = FakeModel()
    logs = [{"loss": 0.9, "accuracy": 0.5, "val_loss": 1.0, "val_accuracy": 0.4},
            {"loss": 0.7, "accuracy": 0.6, "val_loss": 0.8, "val_accuracy": 0.5}]
    history = fit(model, None, logs, steps=25)
    assert isinstance(history, callbacks.History)
    assert model.history is history
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    for key, values in history.history.items():
        assert values == [log[key] for log in logs]
    assert history.epoch == [0, 1]
    assert history.params == {"verbose": 0, "epochs": 2, "steps": 25}
    assert history.model is model


def test_history_of_a_fit_with_no_epochs_is_empty_but_set():
    model = FakeModel()
    history = fit(model, None, [])
    assert model.history is history
    assert history.history == {} and history.epoch == []


# --- EarlyStopping -----------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, values, stopped_epoch, best, best_epoch", [
    # patience 0: the first epoch without improvement stops
    ({}, [1.0, 0.9, 0.95, 0.96, 0.97], 2, 0.9, 1),
    # patience 2: two epochs without improvement are tolerated, the third stops
    ({"patience": 2}, [1.0, 0.9, 0.95, 0.96, 0.97], 3, 0.9, 1),
    # an improvement resets the count
    ({"patience": 2}, [1.0, 0.95, 0.9, 0.96, 0.8, 0.85, 0.86, 0.87], 6, 0.8, 4),
    # min_delta: 0.9 is not 0.15 below 1.0, so it is no improvement
    ({"patience": 1, "min_delta": 0.15}, [1.0, 0.9, 0.8, 0.7], 1, 1.0, 0),
    # a negative min_delta counts by its size
    ({"patience": 1, "min_delta": -0.15}, [1.0, 0.9, 0.8, 0.7], 1, 1.0, 0),
    # monotone improvement never stops
    ({"patience": 0}, [1.0, 0.9, 0.8, 0.7], 0, 0.7, 3),
    # epoch 0 can never stop training
    ({"patience": 0, "baseline": 0.5}, [1.0, 1.1], 1, 1.0, 0),
    # baseline: improving on best but not on the baseline does not reset wait
    ({"patience": 2, "baseline": 0.5}, [0.9, 0.95, 0.97, 0.99], 1, 0.9, 0),
    ({"patience": 2}, [0.9, 0.95, 0.97, 0.99], 2, 0.9, 0),
    # a beaten baseline behaves like no baseline
    ({"patience": 2, "baseline": 0.95}, [0.9, 0.95, 0.97, 0.99], 2, 0.9, 0),
    # start_from_epoch: the first epochs are not monitored
    ({"start_from_epoch": 2}, [1.0, 2.0, 3.0, 2.5, 2.8], 4, 2.5, 3),
    ({"start_from_epoch": 0}, [1.0, 2.0, 3.0, 2.5, 2.8], 1, 1.0, 0),
])
def test_early_stopping_on_val_loss(kwargs, values, stopped_epoch, best, best_epoch):
    model = FakeModel()
    stopper = callbacks.EarlyStopping(**kwargs)
    history = fit(model, [stopper], values)
    assert stopper.stopped_epoch == stopped_epoch
    assert epochs_run(history) == (stopped_epoch + 1 if stopped_epoch else len(values))
    assert stopper.best == best
    assert stopper.best_epoch == best_epoch
    assert model.set_weights_calls == []  # restore_best_weights is off


@pytest.mark.parametrize("mode", ["max", "auto"])
def test_early_stopping_on_accuracy_maximizes(mode):
    values = [0.5, 0.6, 0.55, 0.7, 0.65, 0.6, 0.9]
    stopper = callbacks.EarlyStopping(monitor="val_accuracy", patience=2, mode=mode)
    history = fit(FakeModel(), [stopper], [{"val_accuracy": v} for v in values])
    assert stopper.mode == "max"
    assert stopper.stopped_epoch == 5
    assert (stopper.best, stopper.best_epoch) == (0.7, 3)
    assert history.history["val_accuracy"] == values[:6]


def test_early_stopping_mode_min_on_a_max_like_name_is_honoured():
    stopper = callbacks.EarlyStopping(monitor="val_accuracy", mode="min")
    fit(FakeModel(), [stopper], [{"val_accuracy": v} for v in [0.5, 0.6, 0.7]])
    assert stopper.stopped_epoch == 1


@pytest.mark.parametrize("values, patience, best_epoch, stopped", [
    ([1.0, 0.5, 0.7, 0.8], 2, 1, True),  # stopped at epoch 3: weights of epoch 1 restored
    ([1.0, 0.5, 0.7], 5, 1, False),  # Keras 3 restores even without stopping
    ([0.3, 0.5, 0.7], 1, 0, True),
])
def test_early_stopping_restores_the_best_weights(values, patience, best_epoch, stopped):
    model = FakeModel()
    stopper = callbacks.EarlyStopping(patience=patience, restore_best_weights=True)
    fit(model, [stopper], values)
    assert (stopper.stopped_epoch > 0) == stopped
    assert len(model.set_weights_calls) == 1
    restored = model.set_weights_calls[0]
    assert [w.shape for w in restored] == [(2, 3), (3,)]
    for w in restored + model.weights:
        np.testing.assert_array_equal(w, np.full(w.shape, float(best_epoch)))


def test_early_stopping_restore_uses_copies_of_the_weights():
    model = FakeModel()
    stopper = callbacks.EarlyStopping(patience=3, restore_best_weights=True)

    class Mutate(callbacks.Callback):  # modifies the arrays in place after EarlyStopping
        def on_epoch_end(self, epoch, logs=None):
            for w in model.weights:
                w += 100.0

    fit(model, [stopper, Mutate()], [1.0, 0.5, 0.7])
    np.testing.assert_array_equal(model.weights[0], np.full((2, 3), 1.0))


def test_early_stopping_verbose_messages(capsys):
    model = FakeModel()
    stopper = callbacks.EarlyStopping(patience=1, verbose=1, restore_best_weights=True)
    fit(model, [stopper], [1.0, 0.5, 0.7, 0.8, 0.9, 1.0, 1.1])
    assert capsys.readouterr().out == (
        "Epoch 3: early stopping\n"
        "Restoring model weights from the end of the best epoch: 2.\n"
    )


def test_early_stopping_missing_monitor_warns_with_available_keys():
    stopper = callbacks.EarlyStopping(patience=0)
    with pytest.warns(UserWarning, match=r"'val_loss' is not in the logs.*validation_data"
                                          r".*Available metrics are: loss, accuracy"):
        history = fit(FakeModel(), [stopper], [{"loss": 1.0, "accuracy": 0.5},
                                               {"loss": 2.0, "accuracy": 0.4}])
    assert epochs_run(history) == 2
    assert stopper.stopped_epoch == 0


def test_early_stopping_state_is_reset_by_a_new_fit():
    model = FakeModel()
    stopper = callbacks.EarlyStopping(patience=1)
    fit(model, [stopper], [0.1, 0.2, 0.3])
    assert stopper.stopped_epoch == 1
    history = fit(model, [stopper], [5.0, 4.0, 3.0])
    assert epochs_run(history) == 3
    assert (stopper.stopped_epoch, stopper.best, stopper.wait) == (0, 3.0, 0)


@pytest.mark.parametrize("monitor, mode", [
    ("loss", "min"), ("val_loss", "min"), ("output_1_loss", "min"),
    ("accuracy", "max"), ("val_accuracy", "max"), ("val_acc", "max"),
    ("sparse_categorical_accuracy", "max"), ("val_top_k_categorical_accuracy", "max"),
    ("auc", "max"), ("val_precision", "max"), ("recall", "max"),
    ("mae", "min"), ("val_mse", "min"), ("mean_absolute_percentage_error", "min"),
    ("categorical_crossentropy", "min"), ("root_mean_squared_error", "min"),
])
def test_auto_mode_guesses_the_direction_from_the_name(monitor, mode):
    assert callbacks.EarlyStopping(monitor=monitor).mode == mode
    assert callbacks.ReduceLROnPlateau(monitor=monitor).mode == mode


@pytest.mark.parametrize("cls", [callbacks.EarlyStopping, callbacks.ReduceLROnPlateau])
def test_auto_mode_on_an_unknown_name_asks_for_a_mode(cls):
    with pytest.raises(ValueError, match=r"pass mode='min'.*or mode='max'.*monitor='val_foo'"):
        cls(monitor="val_foo")
    assert cls(monitor="val_foo", mode="max").mode == "max"


@pytest.mark.parametrize("kwargs, received", [
    ({"mode": "minimum"}, "mode='minimum'"),
    ({"patience": -1}, "patience=-1"),
    ({"patience": 1.5}, "patience=1.5"),
    ({"min_delta": "0.1"}, "min_delta='0.1'"),
    ({"start_from_epoch": -2}, "start_from_epoch=-2"),
    ({"baseline": math.nan}, "baseline=nan"),
])
def test_early_stopping_bad_arguments(kwargs, received):
    with pytest.raises(ValueError, match=re.escape(f"Received: {received}")):
        callbacks.EarlyStopping(**kwargs)


def test_is_improvement_uses_min_delta_in_the_right_direction():
    assert monitoring.is_improvement(0.8, 1.0, "min", 0.1)
    assert not monitoring.is_improvement(0.95, 1.0, "min", 0.1)
    assert monitoring.is_improvement(1.2, 1.0, "max", 0.1)
    assert not monitoring.is_improvement(1.05, 1.0, "max", 0.1)
    assert monitoring.is_improvement(1e30, monitoring.worst_value("min"), "min", 0.0)
    assert monitoring.is_improvement(-1e30, monitoring.worst_value("max"), "max", 0.0)


# --- LearningRateScheduler ---------------------------------------------------------------
def float32_chain(start, steps):
    """start, then each value passed through float32 like the optimizer's variable."""
    values = [float(np.float32(start))]
    for step in steps:
        values.append(float(np.float32(step(values[-1]))))
    return values


def test_scheduler_with_epoch_and_lr():
    model = FakeModel(learning_rate=0.1)
    seen = []
    scheduler = callbacks.LearningRateScheduler(lambda epoch, lr: seen.append(lr) or lr * 0.5)
    history = fit(model, [scheduler], [1.0, 0.9, 0.8])
    expected = float32_chain(0.1, [lambda lr: lr * 0.5] * 3)
    assert seen == expected[:3]
    assert history.history["learning_rate"] == expected[1:]
    assert float(model.optimizer.learning_rate) == expected[-1]
    assert list(history.history) == ["loss", "val_loss", "learning_rate"]


def test_scheduler_with_epoch_only():
    model = FakeModel(learning_rate=0.1)
    history = fit(model, [callbacks.LearningRateScheduler(lambda epoch: 0.5 / (epoch + 1))],
                  [1.0, 0.9, 0.8, 0.7])
    expected = [float(np.float32(0.5 / (epoch + 1))) for epoch in range(4)]
    assert history.history["learning_rate"] == expected


def test_scheduler_accepts_a_method_and_a_one_element_tensor():
    class Halver:
        def rate(self, epoch, lr):
            return Tensor(np.float32(lr / 2))

    model = FakeModel(learning_rate=0.1)
    history = fit(model, [callbacks.LearningRateScheduler(Halver().rate)], [1.0])
    assert history.history["learning_rate"] == [float(np.float32(np.float32(0.1) / 2))]


def test_scheduler_does_not_hide_a_type_error_inside_the_schedule():
    def broken(epoch, lr):
        raise TypeError("boom inside the schedule")

    with pytest.raises(TypeError, match="boom inside the schedule"):
        fit(FakeModel(), [callbacks.LearningRateScheduler(broken)], [1.0])


@pytest.mark.parametrize("result", [None, "0.1", [0.1], True])
def test_scheduler_result_must_be_a_float(result):
    scheduler = callbacks.LearningRateScheduler(lambda epoch, lr: result)
    with pytest.raises(ValueError, match=re.escape(
            f"must return a float learning rate. Received: schedule(0, "
            f"{float(np.float32(0.1))!r}) returned {result!r}")):
        fit(FakeModel(), [scheduler], [1.0])


def test_scheduler_needs_a_function():
    with pytest.raises(TypeError, match=r"Received: schedule=0.1"):
        callbacks.LearningRateScheduler(0.1)


def test_scheduler_verbose_message(capsys):
    fit(FakeModel(), [callbacks.LearningRateScheduler(lambda epoch: 0.25, verbose=1)], [1.0])
    assert capsys.readouterr().out == (
        "Epoch 1: LearningRateScheduler setting learning rate to 0.25.\n"
    )


def test_scheduler_on_an_optimizer_built_with_a_schedule_is_a_clear_error():
    model = FakeModel()
    model.optimizer = SGD(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="learning rate cannot be set"):
        fit(model, [callbacks.LearningRateScheduler(lambda epoch: 0.01)], [1.0])


# --- ReduceLROnPlateau -------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, values, logged, final", [
    # patience 2 on a flat loss: reductions at epochs 2, 4, 6
    ({"patience": 2, "factor": 0.5}, [1.0] * 7,
     [0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025], 0.0125),
    # cooldown 2: after a reduction two epochs are not counted
    ({"patience": 2, "factor": 0.5, "cooldown": 2}, [1.0] * 7,
     [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025], 0.025),
    # min_lr bounds the reduction, then no more reductions happen
    ({"patience": 1, "factor": 0.1, "min_lr": 0.05}, [1.0] * 4,
     [0.1, 0.1, 0.05, 0.05], 0.05),
    # min_delta: 0.95 and 0.92 are not 0.1 below 1.0; 0.5 is
    ({"patience": 2, "factor": 0.5, "min_delta": 0.1}, [1.0, 0.95, 0.92, 0.5, 0.45],
     [0.1, 0.1, 0.1, 0.05, 0.05], 0.05),
    # improvements keep the rate
    ({"patience": 1}, [1.0, 0.9, 0.8], [0.1, 0.1, 0.1], 0.1),
])
def test_reduce_lr_on_plateau(kwargs, values, logged, final):
    model = FakeModel(learning_rate=0.1)
    reducer = callbacks.ReduceLROnPlateau(**kwargs)
    history = fit(model, [reducer], values)
    np.testing.assert_allclose(history.history["learning_rate"], logged, rtol=1e-6)
    np.testing.assert_allclose(float(model.optimizer.learning_rate), final, rtol=1e-6)


def test_reduce_lr_on_plateau_maximizes_accuracy():
    model = FakeModel(learning_rate=0.1)
    reducer = callbacks.ReduceLROnPlateau(monitor="val_accuracy", patience=1, factor=0.5)
    fit(model, [reducer], [{"val_accuracy": v} for v in [0.5, 0.6, 0.7, 0.65]])
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 0.05, rtol=1e-6)


def test_reduce_lr_on_plateau_verbose_message(capsys):
    reducer = callbacks.ReduceLROnPlateau(patience=1, factor=0.5, verbose=1)
    fit(FakeModel(learning_rate=0.5), [reducer], [1.0, 1.0])
    assert capsys.readouterr().out == (
        "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.25.\n"
    )


def test_reduce_lr_on_plateau_missing_monitor_warns_and_still_logs_the_rate():
    reducer = callbacks.ReduceLROnPlateau(patience=0)
    with pytest.warns(UserWarning, match="Available metrics are: loss, learning_rate"):
        history = fit(FakeModel(), [reducer], [{"loss": 1.0}, {"loss": 1.0}])
    assert history.history["learning_rate"] == [float(np.float32(0.1))] * 2


@pytest.mark.parametrize("factor", [1.0, 1.5, -0.1])
def test_reduce_lr_on_plateau_factor_must_be_below_one(factor):
    with pytest.raises(ValueError, match=re.escape(f"Received: factor={factor!r}")):
        callbacks.ReduceLROnPlateau(factor=factor)


# --- CSVLogger ---------------------------------------------------------------------------
LOGS = [{"loss": 0.9, "accuracy": 0.5, "val_loss": 1.0, "val_accuracy": 0.4},
        {"loss": 0.7, "accuracy": 0.625, "val_loss": 0.8, "val_accuracy": 0.5}]


def read_csv(path, separator=","):
    with open(path, newline="") as f:
        return list(csv.reader(f, delimiter=separator))


def test_csv_logger_writes_sorted_columns_and_zero_based_epochs(tmp_path):
    path = tmp_path / "log.csv"
    logger = callbacks.CSVLogger(path)
    fit(FakeModel(), [logger], LOGS)
    rows = read_csv(path)
    keys = sorted(LOGS[0])
    assert rows[0] == ["epoch"] + keys
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    for epoch, (row, log) in enumerate(zip(rows[1:], LOGS)):
        assert row[0] == str(epoch)
        assert [float(cell) for cell in row[1:]] == [log[key] for key in keys]
    assert len(rows) == 3
    assert logger.csv_file.closed


def test_csv_logger_separator_and_append(tmp_path):
    path = tmp_path / "log.csv"
    fit(FakeModel(), [callbacks.CSVLogger(path, separator=";")], LOGS[:1])
    fit(FakeModel(), [callbacks.CSVLogger(path, separator=";", append=True)], LOGS)
    rows = read_csv(path, ";")
    assert [row[0] for row in rows] == ["epoch", "0", "0", "1"]  # one header
    assert all(len(row) == 5 for row in rows)


def test_csv_logger_overwrites_without_append(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("old content\n")
    fit(FakeModel(), [callbacks.CSVLogger(path)], LOGS[:1])
    assert read_csv(path)[0][0] == "epoch"
    assert len(read_csv(path)) == 2


def test_csv_logger_flushes_every_epoch_and_marks_missing_keys(tmp_path):
    path = tmp_path / "log.csv"
    seen = []
    reader = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(
        read_csv(path)))
    fit(FakeModel(), [callbacks.CSVLogger(path), reader],
        [{"loss": 1.0, "val_loss": 2.0}, {"loss": 0.5}])
    assert [len(rows) for rows in seen] == [2, 3]
    assert seen[1][2] == ["1", "0.5", "NA"]


# --- LambdaCallback ----------------------------------------------------------------------
def test_lambda_callback_calls_the_functions_in_order():
    calls = []
    lam = callbacks.LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: calls.append(f"epoch_begin {epoch}"),
        on_train_batch_begin=lambda batch, logs: calls.append(f"batch_begin {batch}"),
        on_train_batch_end=lambda batch, logs: calls.append(f"batch_end {batch} "
                                                            f"{logs['loss']}"),
        on_epoch_end=lambda epoch, logs: calls.append(f"epoch_end {epoch} "
                                                      f"{logs['val_loss']}"),
        on_train_end=lambda logs: calls.append(f"train_end {logs['val_loss']}"),
    )
    fit(FakeModel(), [lam], [1.0, 0.5], steps=2)
    assert calls == [
        "train_begin",
        "epoch_begin 0", "batch_begin 0", "batch_end 0 1.0", "batch_begin 1",
        "batch_end 1 0.5", "epoch_end 0 1.0",
        "epoch_begin 1", "batch_begin 0", "batch_end 0 1.0", "batch_begin 1",
        "batch_end 1 0.5", "epoch_end 1 0.5",
        "train_end 0.5",
    ]


def test_lambda_callback_extra_hooks_by_name():
    ends, predicted = [], []
    lam = callbacks.LambdaCallback(on_batch_end=lambda batch, logs: ends.append(batch),
                                   on_predict_end=lambda logs: predicted.append(True))
    fit(FakeModel(), [lam], [1.0], steps=3)
    callbacks.CallbackList([lam]).on_predict_end()
    assert ends == [0, 1, 2]
    assert predicted == [True]


def test_lambda_callback_rejects_unknown_hooks_and_non_functions():
    with pytest.raises(ValueError, match=r"unknown hook.*on_epoch_ends"):
        callbacks.LambdaCallback(on_epoch_ends=print)
    with pytest.raises(TypeError, match="Received: on_epoch_end=3"):
        callbacks.LambdaCallback(on_epoch_end=3)


# --- TerminateOnNaN ----------------------------------------------------------------------
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_terminate_on_nan_stops_at_the_bad_batch(capsys, bad):
    batch_seen = []
    losses = [0.5, 0.4, bad, 0.3, 0.2]
    lam = callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs:
                                   batch_seen.append(batch))
    model = FakeModel()
    history = fit(model, [callbacks.TerminateOnNaN(), lam], [1.0, 0.9], steps=5,
                  batch_losses=lambda epoch, step: losses[step])
    assert model.stop_training is True
    assert batch_seen == [0, 1, 2]
    assert epochs_run(history) == 1
    assert capsys.readouterr().out == "Batch 2: Invalid loss, terminating training\n"


def test_terminate_on_nan_leaves_finite_losses_alone(capsys):
    model = FakeModel()
    history = fit(model, [callbacks.TerminateOnNaN()], [1.0, 0.9], steps=4)
    assert epochs_run(history) == 2 and model.stop_training is False
    assert capsys.readouterr().out == ""


# --- ProgbarLogger -----------------------------------------------------------------------
class FakeTTY(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def frozen_clock(monkeypatch):
    """Time stands still: every line shows 0s and 0s/step."""
    monkeypatch.setattr(progbar, "_now", lambda: 100.0)


class CapturedStdout:
    """Everything printed so far (pytest's capsys: a captured, non-terminal stdout)."""

    def __init__(self, capsys):
        self.capsys = capsys
        self.text = ""

    def getvalue(self):
        self.text += self.capsys.readouterr().out
        return self.text


@pytest.fixture
def stdout(capsys, frozen_clock):
    return CapturedStdout(capsys)


EPOCH_LOGS = [{"loss": 0.5, "accuracy": 0.75, "val_loss": 0.25},
              {"loss": 0.4, "accuracy": 0.8, "val_loss": 0.2}]


def test_progbar_logger_verbose_1_in_a_log(stdout):
    fit(FakeModel(), None, EPOCH_LOGS, steps=25, verbose=1)
    assert stdout.getvalue() == (
        "Epoch 1/2\n"
        f"25/25 {BAR} 0s 0s/step - loss: 0.5000 - accuracy: 0.7500 - val_loss: 0.2500\n"
        "Epoch 2/2\n"
        f"25/25 {BAR} 0s 0s/step - loss: 0.4000 - accuracy: 0.8000 - val_loss: 0.2000\n"
    )


def test_progbar_logger_verbose_2(stdout):
    fit(FakeModel(), None, EPOCH_LOGS, steps=25, verbose=2)
    assert stdout.getvalue() == (
        "Epoch 1/2\n"
        "25/25 - 0s - 0s/step - loss: 0.5000 - accuracy: 0.7500 - val_loss: 0.2500\n"
        "Epoch 2/2\n"
        "25/25 - 0s - 0s/step - loss: 0.4000 - accuracy: 0.8000 - val_loss: 0.2000\n"
    )


def test_progbar_logger_no_epoch_header_for_one_epoch(stdout):
    fit(FakeModel(), None, EPOCH_LOGS[:1], steps=3, verbose=1)
    assert stdout.getvalue() == (
        f"3/3 {BAR} 0s 0s/step - loss: 0.5000 - accuracy: 0.7500 - val_loss: 0.2500\n"
    )


def test_verbose_0_prints_nothing(stdout):
    fit(FakeModel(), None, EPOCH_LOGS, steps=3, verbose=0)
    assert stdout.getvalue() == ""


def test_progbar_logger_shows_batch_values_as_given_on_a_terminal(monkeypatch, frozen_clock):
    stream = FakeTTY()
    monkeypatch.setattr(sys, "stdout", stream)
    running = {0: 3.0, 1: 2.0, 2: 1.0}  # running averages from the loop
    fit(FakeModel(), None, [{"loss": 1.0}], steps=3, verbose=1,
        batch_losses=lambda epoch, step: running[step])
    draws = [re.sub(r"\x1b\[[0-9;]*m", "", d) for d in stream.getvalue().split("\r")[1:]]
    # the first batch draws (later ones come within the redraw interval), then the end
    assert draws[0].startswith("1/3 ") and draws[0].endswith(" - loss: 3.0000")
    assert draws[-1] == f"3/3 {BAR} 0s 0s/step - loss: 1.0000\n"


def test_progbar_logger_stopped_epoch_shows_the_steps_run(stdout):
    losses = [0.5, math.nan]
    fit(FakeModel(), [callbacks.TerminateOnNaN()], [{"loss": math.nan}], steps=25,
        verbose=1, batch_losses=lambda epoch, step: losses[step])
    assert stdout.getvalue() == (
        "Batch 1: Invalid loss, terminating training\n"
        f" 2/25 ━{'─' * 19} 0s 0s/step - loss: nan\n"  # count right-aligned
    )


def test_progbar_logger_evaluate_and_predict(stdout):
    model = FakeModel()
    evaluate = callbacks.CallbackList(None, add_progbar=True, model=model, verbose=1,
                                      epochs=1, steps=4)
    evaluate.on_test_begin()
    for step in range(4):
        evaluate.on_test_batch_end(step, {"loss": 0.125, "accuracy": 0.5})
    evaluate.on_test_end({"loss": 0.125, "accuracy": 0.5})
    predict = callbacks.CallbackList(None, add_progbar=True, model=model, verbose=1,
                                     epochs=1, steps=4)
    predict.on_predict_begin()
    for step in range(4):
        predict.on_predict_batch_end(step, {"outputs": np.zeros(3)})
    predict.on_predict_end()
    assert stdout.getvalue() == (
        f"4/4 {BAR} 0s 0s/step - loss: 0.1250 - accuracy: 0.5000\n"
        f"4/4 {BAR} 0s 0s/step\n"
    )


def test_progbar_logger_is_silent_for_validation_inside_fit(stdout):
    bar = callbacks.ProgbarLogger()
    cbs = callbacks.CallbackList([bar], model=FakeModel(), verbose=1, epochs=1, steps=2)
    cbs.on_train_begin()
    cbs.on_test_begin()
    cbs.on_test_batch_end(0, {"loss": 1.0})
    cbs.on_test_end({"loss": 1.0})
    assert stdout.getvalue() == ""
    cbs.on_train_end()
    cbs.on_test_begin()
    cbs.on_test_end({"loss": 1.0})
    assert stdout.getvalue().startswith("2/2 ")


def test_progbar_logger_resolves_auto_verbosity(stdout):
    bar = callbacks.ProgbarLogger()
    bar.set_params({"verbose": "auto", "epochs": 1, "steps": 1})
    assert bar.verbose == 2  # stdout is not a terminal


def test_progbar_logger_count_mode():
    with pytest.raises(ValueError, match="Received: count_mode='samples'"):
        callbacks.ProgbarLogger(count_mode="samples")
