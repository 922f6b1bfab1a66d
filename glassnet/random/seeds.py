"""Seeds: where every random draw in glassnet gets its ``numpy.random.Generator``.

- ``make_generator(seed)``: one Generator for an owner that draws many times (a layer,
  an initializer).  Without a seed, its seed is drawn from NumPy's global state, so that
  ``glassnet.utils.set_random_seed(s)`` or a plain ``np.random.seed(s)`` (as the lecture
  does) makes a whole run reproducible.
- ``SeedGenerator``: Keras' stateful seed, passed as ``seed=`` to the ``keras.random``
  functions; every draw advances it.
- ``generator_for(owner, seed)``: what a ``keras.random`` function does with its ``seed``.
"""
import random as _python_random

import numpy as np

from glassnet import naming, validation

_SEED_RANGE = 2**31 - 1  # seeds drawn from the global state lie in [0, 2**31 - 1)


def make_generator(seed=None):
    """A ``numpy.random.Generator`` from an int seed, a Generator, or None (global state)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        seed = np.random.randint(0, _SEED_RANGE)
    return np.random.default_rng(validation.seed("random", seed))


def set_random_seed(seed):
    """Seeds Python's ``random`` and NumPy's global state, which all of glassnet draws from."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(
            f"set_random_seed: expected `seed` to be an integer. Received: seed={seed!r}"
        )
    _python_random.seed(int(seed))
    np.random.seed(int(seed))


class SeedGenerator:
    """A seed that moves on: every random call that uses it draws new numbers.

    Equations:
        state_k = (seed, k)               k = number of draws so far
        draw k  = Generator(SeedSequence(state_k)),   then k <- k + 1
    so a layer holding a SeedGenerator gets different numbers at each call, and two
    SeedGenerators built with the same seed give the same sequence of draws.

    Arguments:
        seed: an integer, or None to draw one from NumPy's global state (so
            ``np.random.seed`` or ``keras.utils.set_random_seed`` make it reproducible).
        name: a name for ``get_config`` (default ``seed_generator``, ``seed_generator_1``...).
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise ValueError(
                f"SeedGenerator: unrecognized keyword arguments {sorted(kwargs)}. "
                f"Received: kwargs={kwargs!r}"
            )
        if seed is None:
            seed = int(np.random.randint(0, _SEED_RANGE))
        self.seed = validation.seed("SeedGenerator", seed)
        self.name = name if name is not None else naming.unique_name("seed_generator")
        self.counter = 0

    @property
    def state(self):
        """``(seed, number of draws so far)``, as Keras' ``seed_generator_state`` variable."""
        return np.array([self.seed, self.counter], dtype=np.int64)

    def next(self, ordered=True):
        """This draw's state ``(seed, k)``; advances ``k``. ``ordered`` is accepted for Keras."""
        state = self.state
        self.counter += 1
        return state

    def next_generator(self):
        """The ``numpy.random.Generator`` of the next draw (advances the state)."""
        seed, k = (int(v) for v in self.next())
        return np.random.default_rng([_non_negative(seed), k])

    def get_config(self):
        return {"seed": self.seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator name={self.name} seed={self.seed} draws={self.counter}>"


def generator_for(owner, seed):
    """The Generator a ``keras.random`` function draws from, given its ``seed`` argument.

    - an integer: the same numbers at every call (as Keras);
    - a ``SeedGenerator``: its next draw, so successive calls differ;
    - None: a seed from NumPy's global state;
    - a ``numpy.random.Generator`` (glassnet's own layers): used as it is.
    """
    if isinstance(seed, SeedGenerator):
        return seed.next_generator()
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng(np.random.randint(0, _SEED_RANGE))
    is_int = isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
    if not is_int:
        raise ValueError(
            f"{owner}: seed must be an integer, a keras.random.SeedGenerator or None. "
            f"Received: seed={seed!r} (of type {type(seed).__name__})"
        )
    return np.random.default_rng(_non_negative(int(seed)))


def _non_negative(seed):
    """NumPy seeds are non-negative; a negative int maps to its two's complement."""
    return seed % 2**64
