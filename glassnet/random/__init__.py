"""Random numbers (``keras.random``).

Keras' public API, drawn with NumPy's ``Generator``:

- distributions (``distributions.py``): normal, uniform, truncated_normal, randint,
  gamma, beta, binomial, categorical;
- random tensor operations (``tensor_ops.py``): dropout (differentiable), shuffle;
- seeds (``seeds.py``): SeedGenerator, and glassnet's own make_generator and
  set_random_seed.

Every function takes ``seed``: an int (the same numbers at every call), a
``SeedGenerator`` (new numbers at every call, reproducible from its seed) or None
(a seed drawn from NumPy's global state, so ``np.random.seed`` fixes it).
"""
from glassnet.random.distributions import (
    beta,
    binomial,
    categorical,
    gamma,
    normal,
    randint,
    truncated_normal,
    uniform,
)
from glassnet.random.seeds import SeedGenerator, make_generator, set_random_seed
from glassnet.random.tensor_ops import dropout, shuffle

__all__ = [
    "SeedGenerator",
    "beta",
    "binomial",
    "categorical",
    "dropout",
    "gamma",
    "make_generator",
    "normal",
    "randint",
    "set_random_seed",
    "shuffle",
    "truncated_normal",
    "uniform",
]
