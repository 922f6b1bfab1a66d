"""Where glassnet's random numbers come from.

Every random thing (an initializer call, a dropout layer, a shuffle) owns a
``numpy.random.Generator``.  With an explicit ``seed`` it is seeded from it;
without one, its seed is drawn from NumPy's global state, so that either
``glassnet.utils.set_random_seed(s)`` or a plain ``np.random.seed(s)`` (as the
lecture does) makes a whole run reproducible.
"""
import random as _python_random

import numpy as np

from glassnet import validation


def make_generator(seed=None):
    """A ``numpy.random.Generator`` from an int seed, a Generator, or None (global state)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        seed = np.random.randint(0, 2**31 - 1)
    return np.random.default_rng(validation.seed("random", seed))


def set_random_seed(seed):
    """Seeds Python's ``random`` and NumPy's global state, which all of glassnet draws from."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(
            f"set_random_seed: expected `seed` to be an integer. Received: seed={seed!r}"
        )
    _python_random.seed(int(seed))
    np.random.seed(int(seed))
