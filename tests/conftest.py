"""Shared fixtures: the golden values computed by real Keras (../shared/keras-golden)."""
import json
from functools import cache
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parents[2] / "shared" / "keras-golden"


@cache
def golden(name):
    """The parsed ``keras-golden/<name>.json`` (e.g. ``golden("optimizers")``)."""
    path = GOLDEN_DIR / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(
            f"Keras golden file {path} is missing: the repository must sit next to shared/."
        )
    return json.loads(path.read_text())
