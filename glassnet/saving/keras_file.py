"""Keras 3's ``.keras`` file: ``model.save("m.keras")`` and ``keras.models.load_model``.

The file is a zip archive (stored, not compressed, as Keras writes it) of three members:

    config.json        the model's Keras config ({module, class_name, config,
                       registered_name, build_config, compile_config})
                       (``serialization_lib``)
    metadata.json      {"keras_version", "date_saved"}; glassnet adds "glassnet_version"
    model.weights.h5   the variables, optimizer state included, in the layout of a
                       ``.weights.h5`` file (``weights_file``)

so a file written here opens in Keras 3 and one written by Keras 3 opens here.  Saving
is atomic (``atomic.atomic_write``); loading reads and checks the whole archive before
it returns a model, and names the file and what is wrong when it cannot.
"""
import datetime
import io
import json
import os
import zipfile

from glassnet.saving import serialization_lib, weights_file
from glassnet.saving.atomic import atomic_write

SUFFIX = ".keras"
CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
KERAS_FORMAT_VERSION = "3.15.1"  # the Keras release whose format is written


def save_model(model, filepath, overwrite=True):
    """Writes ``model`` (architecture, weights, compile settings and optimizer state) to a
    ``.keras`` file.  An existing file is replaced only once the new one is complete."""
    path = _checked_save_path(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(
            f"save: {path} exists and overwrite=False. Pass overwrite=True to replace it."
        )
    config = serialization_lib.serialize_keras_object(model)  # compile_config included
    weights = io.BytesIO()
    weights_file.save_weights(model, weights)
    with atomic_write(path) as temporary, zipfile.ZipFile(temporary, "w") as archive:
        archive.writestr(METADATA, json.dumps(_metadata()))
        archive.writestr(CONFIG, json.dumps(config))
        archive.writestr(WEIGHTS, weights.getvalue())


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model saved in a ``.keras`` file, with its weights and (``compile=True``) its
    compile settings and optimizer state.

    Arguments:
        filepath: a path to a ``.keras`` file.
        custom_objects: {name: class or function} for the custom objects the config names.
        compile: whether to compile the model as it was saved.
        safe_mode: if True (the default), a Lambda layer's Python code is not loaded.
    """
    path = _checked_load_path(filepath)
    config = _read_config(path)
    if not compile:
        config.pop("compile_config", None)
    try:
        model = serialization_lib.deserialize_keras_object(
            config, custom_objects=custom_objects, safe_mode=safe_mode
        )  # compiled as saved when the config has a compile_config
    except (ValueError, TypeError, KeyError) as error:
        raise type(error)(f"load_model: {path}: {error}") from error
    weights_file.load_weights(model, path)
    return model


def _metadata():
    from glassnet import __version__

    return {
        "keras_version": KERAS_FORMAT_VERSION,
        "glassnet_version": __version__,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }


def _checked_save_path(filepath):
    path = os.fspath(filepath)
    if not path.endswith(SUFFIX):
        raise ValueError(
            "Invalid filepath extension for saving. Please add a `.keras` extension for "
            "the native Keras format (glassnet writes no legacy `.h5` or SavedModel). "
            f"Received: filepath={path}"
        )
    return path


def _checked_load_path(filepath):
    path = os.fspath(filepath)
    if not os.path.exists(path):
        raise ValueError(f"File not found: filepath={path}. Please ensure the file is an "
                         "accessible `.keras` zip file.")
    if not path.endswith(SUFFIX):
        raise ValueError(
            "load_model: glassnet reads the native Keras format, a `.keras` file "
            f"(weights alone: model.load_weights(...)). Received: filepath={path}"
        )
    return path


def _read_config(path):
    """config.json of the archive, after checking that the archive is whole and Keras'."""
    try:
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()
            members = set(archive.namelist())
            missing = [name for name in (CONFIG, WEIGHTS) if name not in members]
            if damaged is not None or missing:
                what = f"member {damaged} is corrupt" if damaged else f"it lacks {missing}"
                raise ValueError(f"load_model: {path} is not a valid .keras file: {what}.")
            text = archive.read(CONFIG)
    except zipfile.BadZipFile as error:
        raise ValueError(
            f"load_model: {path} is not a valid .keras file (a zip archive): {error}. "
            "It may be truncated or damaged."
        ) from error
    try:
        config = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"load_model: {path}: config.json is not valid JSON: {error}") from error
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"load_model: {path}: config.json does not describe a Keras object.")
    return config
