"""Keras 3 on JAX on a workload (see keras_api.py); XLA's CPU threads are limited by
run.py through XLA_FLAGS and OMP_NUM_THREADS."""
import os

import common
import keras_api

if __name__ == "__main__":
    args = common.parse_args()
    os.environ["KERAS_BACKEND"] = "jax"
    import jax
    import jaxlib
    import keras

    keras_api.run(keras, "jax", args, {"jax": jax.__version__, "jaxlib": jaxlib.__version__,
                                       "keras": keras.__version__,
                                       "devices": [str(d) for d in jax.devices()]})
