"""Model: a Layer that can be trained — compile, fit, evaluate, predict.

Three ways to make one, as in Keras:
    Sequential([...])                     a stack of layers
    Model(inputs, outputs)                a graph traced from ``Input`` placeholders
    class MyModel(Model): def call(...)   a subclass with layers as attributes

The training loop below reads top to bottom; one step is ``train_step``:
forward, loss, gradients, optimizer update, running metrics.
"""
import os

import numpy as np

from glassnet import memory, optimizers, random, validation
from glassnet.autodiff import engine
from glassnet.autodiff.tensor import Tensor, no_grad
from glassnet.callbacks import CallbackList
from glassnet.layers.layer import Layer
from glassnet.models import training
from glassnet.utils import progbar, summary


class Model(Layer):
    """A trainable graph of layers with Keras' ``compile``/``fit``/``evaluate``/``predict``."""

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs):
            from glassnet.models.functional import Functional

            return Functional.__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        if args:
            raise TypeError(
                f"{type(self).__name__}: positional arguments are only for "
                "Model(inputs, outputs). Received: {len(args)} positional arguments"
            )
        super().__init__(**kwargs)
        self.optimizer = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._objectives = None
        self._gradient_observers = []

    # --- structure ----------------------------------------------------------
    @property
    def layers(self):
        """The model's layers (for a subclassed model: the ones set as attributes)."""
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        """A layer by ``name`` or by position ``index`` in ``layers``."""
        if (name is None) == (index is None):
            raise ValueError(
                "get_layer: provide exactly one of name or index. "
                f"Received: name={name!r}, index={index!r}"
            )
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(
                    f"get_layer: index {index} is out of range for a model with "
                    f"{len(self.layers)} layers. Received: index={index}"
                )
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"get_layer: no such layer: {name}. Existing layers are: "
            f"{[layer.name for layer in self.layers]}. Received: name={name!r}"
        )

    @property
    def output_names(self):
        """Names of the outputs; None until a subclassed model has run (then by position)."""
        return self._objectives.output_names if self._objectives else None

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Prints Keras 3's table: each layer's name (type), output shape and parameter count."""
        rows = [summary.layer_row(layer) for layer in self._summary_layers()]
        summary.print_summary(self, rows, print_fn=print_fn)

    def _summary_layers(self):
        return self.layers

    # --- compile --------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Chooses the optimizer, the loss(es) and the metrics to report.

        Strings ("sgd", "sparse_categorical_crossentropy", ["accuracy"]), functions and
        objects are all accepted; for several outputs, pass lists or dicts by output name.
        """
        self.optimizer = optimizers.get(optimizer)
        self._objectives = training.Objectives(loss, metrics, loss_weights, self.output_names)
        self.compiled = True
        self._compile_config = {"optimizer": optimizer, "loss": loss, "metrics": metrics,
                                "loss_weights": loss_weights}

    def _require_compiled(self, method):
        if not self.compiled:
            raise ValueError(
                f"{self.name}: you must call `compile()` before `{method}()`: the model needs "
                "an optimizer and a loss."
            )

    @property
    def metrics(self):
        return self._objectives.all_metrics() if self._objectives else []

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    # --- one step ---------------------------------------------------------------
    def train_step(self, x, y, sample_weight):
        """Forward pass, loss, gradients, update; returns nothing (metrics are updated)."""
        y_pred = self(_as_tensors(x), training=True)
        total, per_output = self.compute_loss(x, y, y_pred, sample_weight)
        variables = self.trainable_weights
        grads = engine.grad(total, variables)
        for observer in self._gradient_observers:
            observer(variables, grads)
        self.optimizer.apply_gradients(zip(grads, variables))
        self._update_metrics(y, y_pred, sample_weight, total, per_output)

    def observe_gradients(self, observer):
        """Calls ``observer(variables, gradients)`` in every train step, before the update;
        returns a function that removes it (used by ``callbacks.GradientMonitor``)."""
        self._gradient_observers.append(observer)
        return lambda: self._gradient_observers.remove(observer)

    def test_step(self, x, y, sample_weight):
        """Forward pass in inference mode and metric update, with no graph recorded."""
        with no_grad():
            y_pred = self(_as_tensors(x), training=False)
            total, per_output = self.compute_loss(x, y, y_pred, sample_weight)
        self._update_metrics(y, y_pred, sample_weight, total, per_output)

    def predict_step(self, x):
        with no_grad():
            return _as_arrays(self(_as_tensors(x), training=False))

    def compute_loss(self, x, y, y_pred, sample_weight):
        """(total loss Tensor, per-output losses): compiled losses plus ``self.losses``."""
        outputs = _as_list(y_pred)
        return self._objectives.compute_loss(
            self._targets_per_output(y), outputs, _spread(sample_weight, len(outputs)),
            self.losses,
        )

    def _update_metrics(self, y, y_pred, sample_weight, total, per_output):
        outputs = [p.data for p in _as_list(y_pred)]
        self._objectives.update(
            self._targets_per_output(y), outputs, _spread(sample_weight, len(outputs)),
            total, per_output, len(outputs[0]),
        )

    def _targets_per_output(self, y):
        names = self._objectives.output_names
        if isinstance(y, dict):
            return [y.get(name) for name in names]
        if isinstance(y, (list, tuple)) and (names is None or len(names) > 1 or len(y) == 1):
            return list(y)  # one target per output; [y] for a single output is y
        return [y]

    # --- fit -----------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Trains for ``epochs`` passes over (x, y); returns a History of the epoch logs."""
        self._require_compiled("fit")
        memory.keep_large_blocks()  # a step's big arrays reused, not page-faulted anew
        batch_size = _batch_size("fit", batch_size)
        _check_epochs(epochs, initial_epoch)
        (x, y, sample_weight), validation = training.prepare_fit_data(
            x, y, sample_weight, validation_data, validation_split
        )
        n = training.count_samples(x, y, sample_weight)
        if class_weight is not None:
            weights = training.class_weights_to_sample_weights(_first(y), class_weight)
            sample_weight = weights if sample_weight is None else sample_weight * weights
        steps = -(-n // batch_size) if steps_per_epoch is None else steps_per_epoch
        verbose = progbar.resolve_verbosity(verbose)
        callback_list = CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=steps,
        )
        generator = random.make_generator(None)
        self._shuffle_generator = generator  # BackupAndRestore saves/restores its state
        batch_begin = callback_list.implements("on_train_batch_begin")
        batch_end = callback_list.implements("on_train_batch_end")
        self.stop_training = False
        self._initial_epoch = None
        callback_list.on_train_begin()
        if self._initial_epoch is not None:  # set by BackupAndRestore when it resumes
            initial_epoch, self._initial_epoch = self._initial_epoch, None
        for epoch in range(initial_epoch, epochs):
            self._objectives.reset()
            callback_list.on_epoch_begin(epoch)
            batches = training.batch_indices(n, batch_size, shuffle, generator)[:steps]
            for step, index in enumerate(batches):
                if batch_begin:
                    callback_list.on_train_batch_begin(step)
                self.train_step(
                    training.take_rows(x, index), training.take_rows(y, index),
                    training.take_rows(sample_weight, index),
                )
                if batch_end:
                    callback_list.on_train_batch_end(step, self._objectives.logs())
                if self.stop_training:
                    break
            logs = self._objectives.logs()
            if validation is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self.evaluate(
                    *validation[:2], sample_weight=validation[2],
                    batch_size=validation_batch_size or batch_size, verbose=0,
                    return_dict=True, steps=validation_steps,
                )
                logs.update({f"val_{key}": value for key, value in val_logs.items()})
            callback_list.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        callback_list.on_train_end(logs if epochs > initial_epoch else None)
        return self.history

    # --- evaluate / predict ----------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """Loss and metrics on (x, y) in inference mode: a scalar, a list, or a dict."""
        self._require_compiled("evaluate")
        memory.keep_large_blocks()
        batch_size = _batch_size("evaluate", batch_size)
        x, y = training.as_input_arrays(x, "evaluate"), training.as_target_arrays(y, "evaluate")
        sample_weight = training.as_target_arrays(sample_weight, "evaluate", "sample_weight")
        n = training.count_samples(x, y, sample_weight)
        batches = training.batch_indices(n, batch_size, False, None)[:steps]
        verbose = progbar.resolve_verbosity(verbose)
        callback_list = CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=len(batches),
        )
        batch_begin = callback_list.implements("on_test_batch_begin")
        batch_end = callback_list.implements("on_test_batch_end")
        self._objectives.reset()
        callback_list.on_test_begin()
        for step, index in enumerate(batches):
            if batch_begin:
                callback_list.on_test_batch_begin(step)
            self.test_step(
                training.take_rows(x, index), training.take_rows(y, index),
                training.take_rows(sample_weight, index),
            )
            if batch_end:
                callback_list.on_test_batch_end(step, self._objectives.logs())
        logs = self._objectives.logs()
        callback_list.on_test_end(logs)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for x, computed batch by batch with no graph recorded."""
        memory.keep_large_blocks()
        batch_size = _batch_size("predict", batch_size)
        x = training.as_input_arrays(x, "predict")
        n = training.count_samples(x)
        batches = training.batch_indices(n, batch_size, False, None)[:steps]
        verbose = progbar.resolve_verbosity(verbose)
        callback_list = CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=len(batches),
        )
        batch_begin = callback_list.implements("on_predict_batch_begin")
        batch_end = callback_list.implements("on_predict_batch_end")
        callback_list.on_predict_begin()
        outputs = []
        for step, index in enumerate(batches):
            if batch_begin:
                callback_list.on_predict_batch_begin(step)
            outputs.append(self.predict_step(training.take_rows(x, index)))
            if batch_end:
                callback_list.on_predict_batch_end(step, {})
        callback_list.on_predict_end()
        return _concatenate_batches(outputs)

    # --- single batches --------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One optimizer step on one batch; returns that batch's loss and metrics."""
        self._require_compiled("train_on_batch")
        x = training.as_input_arrays(x, "train_on_batch")
        y = training.as_target_arrays(y, "train_on_batch")
        sample_weight = training.as_target_arrays(sample_weight, "train_on_batch", "sample_weight")
        if class_weight is not None:
            weights = training.class_weights_to_sample_weights(_first(y), class_weight)
            sample_weight = weights if sample_weight is None else sample_weight * weights
        self._objectives.reset()
        self.train_step(x, y, sample_weight)
        return self._batch_result(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss and metrics of one batch in inference mode."""
        self._require_compiled("test_on_batch")
        self._objectives.reset()
        self.test_step(training.as_input_arrays(x, "test_on_batch"),
                       training.as_target_arrays(y, "test_on_batch"),
                       training.as_target_arrays(sample_weight, "test_on_batch", "sample_weight"))
        return self._batch_result(return_dict)

    def predict_on_batch(self, x):
        return self.predict_step(training.as_input_arrays(x, "predict_on_batch"))

    def _batch_result(self, return_dict):
        logs = self._objectives.logs()
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A functional model's config (it lists ``input_layers``) rebuilds the graph, as
        Keras' ``Model.from_config`` does; any other config is constructor arguments."""
        from glassnet.models.functional import Functional

        if "input_layers" in config and "output_layers" in config and (
            cls is Model or issubclass(cls, Functional)
        ):
            return Functional.from_config(config, custom_objects=custom_objects)
        return cls(**config)

    # --- saving (Keras 3's formats: glassnet.saving) -----------------------------------
    def save(self, filepath, overwrite=True):
        """Writes the whole model (architecture, weights, compile settings, optimizer
        state) to a ``.keras`` file that Keras 3 opens too; see ``keras.models.load_model``."""
        from glassnet.saving import keras_file

        keras_file.save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath, overwrite=True):
        """Writes the variables (and the optimizer's) to a ``.weights.h5`` file in Keras'
        layout, atomically."""
        from glassnet.saving import weights_file

        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(
                f"save_weights: {filepath} exists and overwrite=False. Pass overwrite=True "
                "to replace it."
            )
        weights_file.save_weights(self, filepath)

    def load_weights(self, filepath, skip_mismatch=False):
        """Sets the variables (and the optimizer's state) from a ``.weights.h5`` or
        ``.keras`` file saved by glassnet or Keras 3 for the same architecture."""
        from glassnet.saving import weights_file

        weights_file.load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def to_json(self, **kwargs):
        """The architecture as Keras' JSON config (``keras.models.model_from_json``)."""
        from glassnet.saving import serialization_lib

        return serialization_lib.model_to_json(self, **kwargs)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _check_epochs(epochs, initial_epoch):
    """``epochs`` is the index of the last epoch (a count when ``initial_epoch`` is 0)."""
    validation.positive_integer("fit", "epochs", epochs)
    validation.integer("fit", "initial_epoch", initial_epoch, minimum=0)
    if epochs <= initial_epoch:
        raise ValueError(
            "fit: epochs must be greater than initial_epoch (training runs from epoch "
            "initial_epoch up to epochs, so nothing would be trained). "
            f"Received: epochs={epochs}, initial_epoch={initial_epoch}"
        )


def _batch_size(method, batch_size):
    """Keras' default of 32, or a checked positive integer."""
    return 32 if batch_size is None else validation.positive_integer(method, "batch_size",
                                                                     batch_size)


def _as_tensors(x):
    return training.map_arrays(x, Tensor)


def _as_arrays(y):
    if isinstance(y, Tensor):
        return y.data
    return training.map_arrays(y, lambda t: t.data if isinstance(t, Tensor) else t)


def _as_list(y_pred):
    return list(y_pred) if isinstance(y_pred, (list, tuple)) else [y_pred]


def _spread(sample_weight, n_outputs):
    if isinstance(sample_weight, (list, tuple)):
        return list(sample_weight)
    return [sample_weight] * n_outputs


def _first(y):
    return training.flatten_arrays(y)[0]


def _concatenate_batches(outputs):
    first = outputs[0]
    if isinstance(first, (list, tuple)):
        return [np.concatenate([batch[i] for batch in outputs]) for i in range(len(first))]
    if isinstance(first, dict):
        return {key: np.concatenate([batch[key] for batch in outputs]) for key in first}
    return np.concatenate(outputs)
