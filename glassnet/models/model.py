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

from glassnet import compiler, memory, optimizers, random, validation
from glassnet import metrics as metrics_module
from glassnet.autodiff.tape import GradientTape
from glassnet.autodiff.tensor import Tensor, convert_to_numpy, no_grad
from glassnet.callbacks import CallbackList
from glassnet.layers.layer import Layer, _accepts
from glassnet.models import data_adapters, training
from glassnet.utils import data_tuples, progbar, summary


class Model(Layer):
    """A trainable graph of layers with Keras' ``compile``/``fit``/``evaluate``/``predict``."""

    def __new__(cls, *args, **kwargs):
        """``Model(inputs, outputs)`` makes a functional model; so does a subclass called
        with inputs and outputs (``CustomModel(inputs, outputs)``, as in the Keras guide
        "customizing fit"): it becomes a functional model with the subclass's methods."""
        if _functional_init_arguments(args, kwargs):
            from glassnet.models.functional import Functional, functional_subclass

            if cls is Model:
                return Functional.__new__(Functional)
            if not issubclass(cls, Functional) and not _is_sequential(cls):
                return super().__new__(functional_subclass(cls))
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
        self._jit_compile = "auto"
        self._compiled_functions = {}

    def __setattr__(self, name, value):
        if isinstance(value, metrics_module.Metric) and name != "_objectives":
            tracked = self.__dict__.setdefault("_metric_attributes", [])
            if value not in tracked:
                tracked.append(value)
        super().__setattr__(name, value)

    @property
    def _tracked_metrics(self):
        return self.__dict__.get("_metric_attributes", [])

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
        self._jit_compile = _check_jit_compile(jit_compile)
        self._compiled_functions = {}
        self._objectives = training.Objectives(loss, metrics, loss_weights, self.output_names)
        self.compiled = True
        self._compile_config = {"optimizer": optimizer, "loss": loss, "metrics": metrics,
                                "loss_weights": loss_weights, "jit_compile": jit_compile}

    def _require_compiled(self, method):
        if not self.compiled:
            raise ValueError(
                f"{self.name}: you must call `compile()` before `{method}()`: the model needs "
                "an optimizer and a loss."
            )

    @property
    def metrics(self):
        """The metrics ``fit`` resets each epoch and reports: the loss tracker, the
        per-output losses and the compiled metrics (one ``compile_metrics`` entry), then
        the ``Metric`` objects set as attributes of the model (custom trackers)."""
        compiled = self._objectives.tracked_metrics() if self._objectives else []
        return compiled + [m for m in self._tracked_metrics if m not in compiled]

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    # --- one step ---------------------------------------------------------------
    def train_step(self, data):
        """One optimizer step on one batch; returns the logs (the running metric values).

        ``data`` is what fit cut from its inputs: ``(x,)``, ``(x, y)`` or
        ``(x, y, sample_weight)``, x as Tensors.  Override it to customize ``fit`` (the
        Keras guide "customizing what happens in fit"); the gradient lines are glassnet's
        ``GradientTape``.  The differentiable part, ``_forward_backward``, is what
        ``jit_compile`` traces and replays.
        """
        x, y, sample_weight = data_tuples.unpack_x_y_sample_weight(data)
        trainable = self.trainable_weights  # (empty before a subclassed model's first call)
        forward_backward = self._step_function("train", self._forward_backward, trainable)
        y_pred, loss, per_output, grads = forward_backward(x, y, sample_weight)
        variables = self.trainable_weights  # what the gradients are for
        self._track_losses(loss, per_output, x)
        for observer in self._gradient_observers:
            observer(variables, [None if g is None else g.data for g in grads])
        self.optimizer.kernel_update = self._optimizer_kernel()
        self.optimizer.apply_gradients(zip(grads, variables))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def _forward_backward(self, x, y, sample_weight):
        """Forward pass, loss and gradients of a train step."""
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss, per_output = self._loss_terms(x, y, y_pred, sample_weight, training=True)
        return y_pred, loss, per_output, tape.gradient(loss, self.trainable_weights)

    def observe_gradients(self, observer):
        """Calls ``observer(variables, gradients)`` in every train step, before the update;
        returns a function that removes it (used by ``callbacks.GradientMonitor``)."""
        self._gradient_observers.append(observer)
        return lambda: self._gradient_observers.remove(observer)

    def test_step(self, data):
        """Loss and metrics of one batch in inference mode (``evaluate`` runs it with no
        graph recorded); returns the logs."""
        x, y, sample_weight = data_tuples.unpack_x_y_sample_weight(data)
        forward_loss = self._step_function("test", self._forward_loss)
        y_pred, loss, per_output = forward_loss(x, y, sample_weight)
        self._track_losses(loss, per_output, x)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def _forward_loss(self, x, y, sample_weight):
        y_pred = self(x, training=False)
        loss, per_output = self._loss_terms(x, y, y_pred, sample_weight, training=False)
        return y_pred, loss, per_output

    def predict_step(self, data):
        """The model's outputs for one batch ``(x,)`` (``predict`` records no graph)."""
        x, _, _ = data_tuples.unpack_x_y_sample_weight(data)
        return self._step_function("predict", self._forward)(x)

    def _forward(self, x):
        return self(x, training=False)

    def _step_function(self, kind, fn, trainable=None):
        """``fn`` itself (eager), or compiled: traced once per input signature and replayed
        (``compile(jit_compile=...)``; see ``glassnet.compiler``)."""
        if self._jit_compile is False:
            return fn
        compiled = self._compiled_functions.get(kind)
        if compiled is None:
            compiled = self._compiled_functions[kind] = compiler.CompiledFunction(
                fn, lambda: self.weights, f"{self.name}'s {kind} step",
                strict=self._jit_compile is True,
            )
        if _forward_hooks_present(self):
            return fn  # a forward hook watches every layer call: run those eagerly
        key = (tuple(map(id, self.weights)),  # a layer added or frozen: another program
               None if trainable is None else tuple(map(id, trainable)))
        return lambda *args: compiled(key, *args)

    def _optimizer_kernel(self):
        """The optimizer's one-pass update (``compiler.kernels``, with numba installed)
        while the train step replays a program; None (the textbook update_step) else."""
        compiled = self._compiled_functions.get("train")
        if compiled is None or not compiled.replayed:
            return None
        cache = self.__dict__.setdefault("_kernel_cache", {})
        if id(self.optimizer) not in cache:
            cache.clear()
            cache[id(self.optimizer)] = compiler.kernels.optimizer_update(self.optimizer)
        return cache[id(self.optimizer)]

    def compiled_functions_ready(self):
        """The kinds of step ("train", "test", "predict") that run a compiled program."""
        return {kind for kind, compiled in self._compiled_functions.items()
                if compiled.program is not None and compiled.fallback_reason is None}

    def compiled_program(self, kind="train", print_fn=None):
        """Prints the program ``fit`` (``kind="train"``), ``evaluate`` ("test") or
        ``predict`` ("predict") replays: one line per op with the shape it makes."""
        compiled = self._compiled_functions.get(kind)
        if compiled is None or compiled.program is None:
            reason = compiled.fallback_reason if compiled is not None else None
            text = (f"{self.name}: no compiled {kind} program"
                    + (f" ({reason})" if reason else
                       " yet (it is made on the third batch of a fit/evaluate/predict)"))
        else:
            text = compiled.program.describe()
        (print_fn or print)(text)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The scalar loss to differentiate: the compiled losses plus ``self.losses``.

        Equations:
            L = sum_o w_o * L_o(y_o, y_pred_o) + sum(self.losses)
        (the per-output terms are also tracked as ``<output>_loss`` for several outputs).
        """
        total, per_output = self._compiled_loss_terms(y, y_pred, sample_weight)
        if self._objectives is not None:
            self._objectives.track_output_losses(per_output, _batch_size_of(y_pred))
        return total

    def _compiled_loss_terms(self, y, y_pred, sample_weight):
        if self._objectives is None:
            return _sum_losses(self.losses, "compute_loss"), []
        outputs = self._outputs_list(y_pred)
        return self._objectives.compute_loss(
            self._targets_per_output(y), outputs, _spread(sample_weight, len(outputs)),
            self.losses,
        )

    def _loss_terms(self, x, y, y_pred, sample_weight, training):
        """(total loss, per-output losses) for the built-in steps: ``compute_loss``'s
        terms, or an override's result (with no per-output terms)."""
        if type(self).compute_loss is Model.compute_loss:
            return self._compiled_loss_terms(y, y_pred, sample_weight)
        kwargs = {"training": training} if _accepts(self.compute_loss, "training") else {}
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                 **kwargs)
        return loss, []

    def _track_losses(self, loss, per_output, x):
        """Adds the batch's loss (and each output's) to the running means, weighted by the
        batch size."""
        self._track_loss(loss, x)
        if self._objectives is not None and per_output:
            self._objectives.track_output_losses(per_output, _batch_size_of(x))

    def _track_loss(self, loss, x):
        """Adds the batch's loss to the running "loss", weighted by the batch size."""
        if self._objectives is not None:
            self._objectives.loss_tracker.update_state(
                float(loss.data), sample_weight=_batch_size_of(x)
            )

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics with the batch; returns ``get_metrics_result()``."""
        if self._objectives is not None:
            outputs = [convert_to_numpy(p) for p in self._outputs_list(y_pred)]
            self._objectives.update_metrics(
                self._targets_per_output(y), outputs, _spread(sample_weight, len(outputs))
            )
        return self.get_metrics_result()

    def get_metrics_result(self):
        """{name: result} of every metric in ``metrics``, the compiled ones flattened."""
        logs = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                logs.update(result)
            else:
                logs[metric.name] = result
        return logs

    def reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    def _outputs_list(self, y_pred):
        """The predictions as a list in ``output_names`` order (a dict is read by name)."""
        if isinstance(y_pred, dict):
            names = self.output_names
            if names is not None and set(names) <= set(y_pred):
                return [y_pred[name] for name in names]
            return list(y_pred.values())
        return _as_list(y_pred)

    def _targets_per_output(self, y):
        names = self._objectives.output_names if self._objectives else None
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
        """Trains for ``epochs`` passes over the data; returns a History of the epoch logs.

        ``x`` is arrays (with ``y``), a Python generator or a ``keras.utils.PyDataset``
        yielding ``(x, y)`` or ``(x, y, sample_weight)`` batches.
        """
        self._require_compiled("fit")
        memory.keep_large_blocks()  # a step's big arrays reused, not page-faulted anew
        _check_epochs(epochs, initial_epoch)
        data_adapters.check_validation_split(x, validation_split)
        (x, y, sample_weight), validation_data = training.split_validation_data(
            x, y, sample_weight, validation_data, validation_split
        )
        adapter = data_adapters.get_data_adapter(
            x, y, sample_weight, batch_size=batch_size, steps=steps_per_epoch,
            shuffle=shuffle, class_weight=class_weight, owner="fit",
        )
        validation = self._validation_adapter(
            validation_data, validation_batch_size or adapter_batch_size(adapter),
            validation_steps,
        )
        verbose = progbar.resolve_verbosity(verbose)
        callback_list = CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=adapter.num_batches,
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
        logs = None
        for epoch in range(initial_epoch, epochs):
            if adapter.exhausted:  # a generator that ended in an earlier epoch
                data_adapters.warn_ran_out_of_data()
                break
            self.reset_metrics()
            callback_list.on_epoch_begin(epoch)
            step_logs = {}
            for step, batch in enumerate(adapter.epoch(generator)):
                if batch_begin:
                    callback_list.on_train_batch_begin(step)
                step_logs = self.train_step(_pack_batch(*batch))
                if batch_end:
                    callback_list.on_train_batch_end(step, _pythonify_logs(step_logs))
                if self.stop_training:
                    break
            adapter.on_epoch_end()
            logs = _pythonify_logs(step_logs)
            if validation is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._test_epoch(validation, callback_list)  # on_test_* hooks too
                logs.update({f"val_{key}": value for key, value in val_logs.items()})
            callback_list.on_epoch_end(epoch, logs)
            if adapter.ran_out:  # fewer batches than steps_per_epoch: Keras stops here
                data_adapters.warn_ran_out_of_data()
                break
            if self.stop_training:
                break
        self.optimizer.kernel_update = None  # outside fit the optimizer is the textbook
        callback_list.on_train_end(logs)
        return self.history

    def _validation_adapter(self, validation_data, batch_size, steps):
        """The adapter of fit's validation data (arrays cast and checked once)."""
        if validation_data is None:
            return None
        if isinstance(validation_data, tuple):
            return data_adapters.get_data_adapter(
                *validation_data, batch_size=batch_size, steps=steps, owner="evaluate"
            )
        return data_adapters.get_data_adapter(validation_data, steps=steps, owner="evaluate")

    # --- evaluate / predict ----------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """Loss and metrics in inference mode: a scalar, a list, or a dict.

        ``x`` is arrays (with ``y``), a generator or a PyDataset, as for ``fit``.
        """
        self._require_compiled("evaluate")
        memory.keep_large_blocks()
        adapter = data_adapters.get_data_adapter(
            x, y, sample_weight, batch_size=batch_size, steps=steps, owner="evaluate"
        )
        verbose = progbar.resolve_verbosity(verbose)
        callback_list = CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=adapter.num_batches,
        )
        logs = self._test_epoch(adapter, callback_list)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def _test_epoch(self, adapter, callback_list):
        """One pass of ``test_step`` over the adapter's batches, between the callbacks'
        ``on_test_begin`` and ``on_test_end`` (also for fit's validation, as in Keras 3);
        returns the final logs."""
        batch_begin = callback_list.implements("on_test_batch_begin")
        batch_end = callback_list.implements("on_test_batch_end")
        callback_list.on_test_begin()
        self.reset_metrics()
        step_logs = {}
        for step, batch in enumerate(adapter.epoch(None)):
            if batch_begin:
                callback_list.on_test_batch_begin(step)
            with no_grad():
                step_logs = self.test_step(_pack_batch(*batch))
            if batch_end:
                callback_list.on_test_batch_end(step, _pythonify_logs(step_logs))
        adapter.on_epoch_end()
        logs = _pythonify_logs(step_logs)
        callback_list.on_test_end(logs)
        return logs

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for x, computed batch by batch with no graph recorded.

        ``x`` is arrays, a generator or a PyDataset (the targets of its batches are
        ignored).
        """
        memory.keep_large_blocks()
        adapter = data_adapters.get_data_adapter(x, batch_size=batch_size, steps=steps,
                                                 owner="predict")
        verbose = progbar.resolve_verbosity(verbose)
        callback_list = CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=adapter.num_batches,
        )
        batch_begin = callback_list.implements("on_predict_batch_begin")
        batch_end = callback_list.implements("on_predict_batch_end")
        callback_list.on_predict_begin()
        outputs = []
        for step, (x_batch, _, _) in enumerate(adapter.epoch(None)):
            if batch_begin:
                callback_list.on_predict_batch_begin(step)
            with no_grad():
                outputs.append(_as_arrays(self.predict_step(_pack_batch(x_batch, None, None))))
            if batch_end:
                callback_list.on_predict_batch_end(step, {"outputs": outputs[-1]})
        adapter.on_epoch_end()
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
        self.reset_metrics()
        logs = self.train_step(_pack_batch(x, y, sample_weight))
        return self._batch_result(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss and metrics of one batch in inference mode."""
        self._require_compiled("test_on_batch")
        self.reset_metrics()
        with no_grad():
            logs = self.test_step(_pack_batch(
                training.as_input_arrays(x, "test_on_batch"),
                training.as_target_arrays(y, "test_on_batch"),
                training.as_target_arrays(sample_weight, "test_on_batch", "sample_weight"),
            ))
        return self._batch_result(logs, return_dict)

    def predict_on_batch(self, x):
        with no_grad():
            data = _pack_batch(training.as_input_arrays(x, "predict_on_batch"), None, None)
            return _as_arrays(self.predict_step(data))

    def _batch_result(self, logs, return_dict):
        logs = _pythonify_logs(logs)
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

    def __reduce__(self):
        """Pickling (pickle, cloudpickle, joblib, Dask, deepcopy) as the ``.keras`` file's
        bytes: weights, compile settings and optimizer state (``saving.pickling``)."""
        from glassnet.saving import pickling

        return pickling.reduce_model(self)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _check_jit_compile(jit_compile):
    if jit_compile not in ("auto", True, False):
        raise ValueError(
            "compile: jit_compile must be 'auto', True or False. "
            f"Received: jit_compile={jit_compile!r}"
        )
    return jit_compile


def _forward_hooks_present(model):
    """Whether a forward hook (GradientMonitor's activation statistics) watches a layer."""
    return Layer.forward_hooks_in_use > 0 and any(
        layer._forward_hooks for layer in _all_layers(model))


def _all_layers(layer):
    yield layer
    for child in layer._layers:
        yield from _all_layers(child)


def _functional_init_arguments(args, kwargs):
    """Whether a constructor call looks like ``Model(inputs, outputs)``."""
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


def _is_sequential(cls):
    return any(base.__name__ == "Sequential" for base in cls.__mro__)


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


def adapter_batch_size(adapter):
    """The rows per batch of an array adapter (None for generators and PyDatasets)."""
    return getattr(adapter, "batch_size", None)


def _as_tensors(x):
    return training.map_arrays(x, Tensor)


def _pack_batch(x, y, sample_weight):
    """Keras' batch tuple: (x,), (x, y) or (x, y, sample_weight), x as Tensors."""
    return data_tuples.pack_x_y_sample_weight(_as_tensors(x), y, sample_weight)


def _pythonify_logs(logs):
    """Logs as Python floats (scalars) with nested dicts flattened, as Keras' fit gives
    them to callbacks and History."""
    result = {}
    for key, value in (logs or {}).items():
        if isinstance(value, dict):
            result.update(_pythonify_logs(value))
            continue
        array = convert_to_numpy(value)
        result[key] = float(array) if np.ndim(array) == 0 else array
    return result


def _sum_losses(losses, owner):
    if not losses:
        raise ValueError(
            f"{owner}: no loss to compute. Provide a `loss` argument in `compile()` or add "
            "losses with `add_loss()`."
        )
    total = losses[0]
    for loss in losses[1:]:
        total = total + loss
    return total


def _batch_size_of(x):
    first = training.flatten_arrays(x)[0]
    return first.shape[0] if np.ndim(first) else 1


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
