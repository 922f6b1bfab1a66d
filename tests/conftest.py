"""Shared fixtures: Keras' golden values (tests/data/keras-golden) and Hypothesis' settings."""
import json
import os
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, settings

GOLDEN_DIR = Path(__file__).resolve().parent / "data" / "keras-golden"

# Property tests: no per-example deadline (a busy 2-core machine can stall any example),
# and a fixed derandomized run in CI so that a red build is reproducible from its log.
settings.register_profile(
    "glassnet", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile("ci", parent=settings.get_profile("glassnet"), derandomize=True)
settings.load_profile(os.environ.get("GLASSNET_HYPOTHESIS_PROFILE", "glassnet"))


@cache
def golden(name):
    """The parsed ``tests/data/keras-golden/<name>.json`` (e.g. ``golden("optimizers")``)."""
    path = GOLDEN_DIR / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"Keras golden file {path} is missing from the repository.")
    return json.loads(path.read_text())
