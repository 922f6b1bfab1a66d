"""glassnet on a workload (see keras_api.py): ``import glassnet as keras``, NumPy BLAS
threads set by run.py through OPENBLAS_NUM_THREADS/OMP_NUM_THREADS."""
import common
import keras_api

if __name__ == "__main__":
    args = common.parse_args()
    import numpy as np

    import glassnet as keras

    keras_api.run(keras, "glassnet", args, {"glassnet": keras.__version__,
                                            "numpy": np.__version__})
